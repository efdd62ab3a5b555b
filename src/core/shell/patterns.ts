// Command patterns for approvals and configured allow/deny/ask rules, matched per simple command.

import { homedir } from "node:os";
import { basename } from "node:path";
import { globMatches, globToRegExp } from "../fs/glob";
import { isAssignment, type Situation } from "./judgement";
import { expandWord, parseCommandLine, type SimpleCommand } from "./parse";
import { judgeRedirects, pathRisk } from "./paths";
import { LEADING_KEYWORDS, OTHER_SHELLS, POSIX_SHELLS } from "./specs";

/** A command pattern as a regular expression: `*` and `?` never match `; & | $( \` > <` or a newline. */
export function commandPatternRegExp(pattern: string): RegExp {
  return globToRegExp(pattern, { pathMode: false, shellSafe: true });
}

const commandText = (cmd: SimpleCommand) => cmd.words.map((w) => w.text).join(" ");

/** A command line as its words: "the same command" ignores spacing and quoting that does not change them. */
export function commandWords(line: string): string | undefined {
  try {
    const commands = parseCommandLine(line);
    return JSON.stringify(commands.map((c) => [c.words.map((w) => w.text), c.redirects.map((r) => [r.op, r.target?.text ?? ""]), c.prev]));
  } catch {
    return undefined;
  }
}

/** Whether a grant of exactly `granted` (an approval "for this session") covers `line`: the same program, options
 *  and arguments, however spaced or quoted. */
export function sameCommand(granted: string, line: string): boolean {
  if (granted.trim() === line.trim()) return true;
  const a = commandWords(granted);
  return a !== undefined && a === commandWords(line);
}

/** Why a pattern cannot be granted (approved or pre-approved), or undefined when it can: it must name a program,
 *  not only wildcards, so a grant never means "any command". */
export function commandPatternProblem(pattern: string): string | undefined {
  const first = pattern.trim().split(/\s+/)[0] ?? "";
  if (!first || /[*?[\]{}$`]/.test(first)) return `a command pattern must start with a program name, not "${first || pattern}" (e.g. "npm test *")`;
  return undefined;
}

/** Whether an approval or allow rule written as `pattern` covers a whole command line: every simple command in it
 *  matches, its arguments stay inside the root, and it has no command substitution and no redirection outside it. */
export function commandGrantCovers(pattern: string, line: string, root: string): boolean {
  if (pattern.trim() === line.trim()) return true;
  let commands: SimpleCommand[];
  try {
    commands = parseCommandLine(line);
  } catch {
    return false;
  }
  const re = commandPatternRegExp(pattern.trim());
  const sit: Situation = { root, cwd: root, home: homedir(), suspicious: new Set(), programs: [], depth: 0 };
  const moves = commands.some((c) => c.words.some((w) => ["cd", "pushd", "popd"].includes(w.text)));
  if (moves) sit.cwd = undefined;
  for (const cmd of commands) {
    if (cmd.substitution || cmd.hazards.length || cmd.arithmetic.length || cmd.assigns.length) return false;
    const redirects = judgeRedirects(cmd.redirects, sit);
    if (redirects && redirects.level !== "write" && redirects.level !== "read-only") return false;
    if (!cmd.words.length) continue;
    if (cmd.words.some((w) => w.dynamic && /\$\(|`|^[<>]\(/.test(w.text))) return false;
    if (!re.test(commandText(cmd))) return false;
    // `rm *` granted for `rm -rf build` does not reach `rm -rf ../victim`: a pattern's paths stay inside the root
    if (pathRisk(cmd.words.slice(1).filter((w) => !w.text.startsWith("-")), sit, "touches")) return false;
  }
  return commands.length > 0;
}

/** Whether a deny or ask rule written as `pattern` applies to a command line: the whole line matches it (as before),
 *  or any simple command in it does, also with its wrappers (env, timeout, sudo, …) removed or inside `sh -c`. */
export function commandRuleApplies(pattern: string, line: string, depth = 0): boolean {
  if (globMatches(pattern, line, { pathMode: false })) return true;
  if (depth > 4) return false;
  let commands: SimpleCommand[];
  try {
    commands = parseCommandLine(line);
  } catch {
    return false;
  }
  for (const cmd of commands) {
    let words = cmd.words.flatMap(expandWord);
    for (let guard = 0; guard < 8 && words.length; guard++) {
      if (globMatches(pattern, words.map((w) => w.text).join(" "), { pathMode: false })) return true;
      const name = basename(words[0]!.text);
      if (isAssignment(words[0]!) || LEADING_KEYWORDS.has(words[0]!.text)) words = words.slice(1);
      else if (["env", "sudo", "doas", "nohup", "time", "command", "builtin", "exec", "nice", "stdbuf", "setsid", "xargs", "watch", "npx", "bunx", "uvx"].includes(name)) {
        words = words.slice(1);
        while (words.length && (words[0]!.text.startsWith("-") || isAssignment(words[0]!))) words = words.slice(1);
      } else if (name === "timeout") {
        words = words.slice(1);
        while (words.length && words[0]!.text.startsWith("-")) words = words.slice(1);
        words = words.slice(1);
      } else if ((POSIX_SHELLS.has(name) || OTHER_SHELLS.has(name)) && words.some((w) => /^-[a-z]*c[a-z]*$/.test(w.text))) {
        const at = words.findIndex((w) => /^-[a-z]*c[a-z]*$/.test(w.text));
        const script = words[at + 1];
        if (script && commandRuleApplies(pattern, script.text, depth + 1)) return true;
        break;
      } else break;
    }
  }
  return false;
}
