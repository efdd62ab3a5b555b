// Risk classification of shell command lines for the permission policy. The whole line is parsed the way a
// POSIX shell splits it (quotes, escapes, `;` `&&` `||` `|` `&`, subshells, `$(…)`, backticks, redirections,
// here-documents) and every simple command found anywhere in it is judged on its own, so `echo "rm -rf /"` is
// harmless while `echo $(rm -rf /)` is not. The result is the most severe judgement over all of them.
import { homedir } from "node:os";
import { basename, resolve } from "node:path";
import { isWithinRoot } from "./tools/paths";

/** read-only < write (ordinary change inside the root) < unknown (can't tell) < destructive. */
export type RiskLevel = "read-only" | "write" | "unknown" | "destructive";

export interface CommandRisk {
  level: RiskLevel;
  /** Why, most severe first; empty for read-only commands. */
  reasons: string[];
  /** Every program the line would start (first word of each simple command). */
  programs: string[];
}

const SEVERITY: Record<RiskLevel, number> = { "read-only": 0, write: 1, unknown: 2, destructive: 3 };

// ---------------------------------------------------------------------------------------------------------------
// Parsing

interface Word {
  text: string;
  /** Contains an expansion ($VAR, $(…), `…`) whose value is only known at run time. */
  dynamic: boolean;
  /** Contains unquoted glob characters or brace expansion. */
  glob: boolean;
}

interface Redirect {
  op: string;
  target?: Word;
}

interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
  /** stdin comes from a pipe */
  piped: boolean;
}

class ParseError extends Error {}

const OPERATOR_CHARS = new Set([";", "&", "|", "<", ">", "(", ")", "\n"]);
const MAX_DEPTH = 8;

/** Parses a command line into a flat list of simple commands, including those nested in substitutions. */
export function parseCommandLine(source: string, depth = 0): SimpleCommand[] {
  if (depth > MAX_DEPTH) throw new ParseError("substitutions nested too deeply");
  const out: SimpleCommand[] = [];
  const s = source;
  let i = 0;
  let current: SimpleCommand = { words: [], redirects: [], piped: false };
  const heredocs: { delimiter: string; stripTabs: boolean }[] = [];

  const finish = (pipeNext: boolean) => {
    if (current.words.length || current.redirects.length) out.push(current);
    current = { words: [], redirects: [], piped: pipeNext };
  };

  /** Index of the `)` closing a `(` that was just consumed (s[start-1] === "("). */
  const closingParen = (start: number): number => {
    let depthCount = 1;
    for (let j = start; j < s.length; j++) {
      const c = s[j]!;
      if (c === "\\") j++;
      else if (c === "'") {
        const end = s.indexOf("'", j + 1);
        if (end < 0) throw new ParseError("unterminated single quote");
        j = end;
      } else if (c === '"') {
        j = closingDoubleQuote(j + 1);
      } else if (c === "`") {
        j = closingBacktick(j + 1);
      } else if (c === "(") depthCount++;
      else if (c === ")" && --depthCount === 0) return j;
    }
    throw new ParseError("unbalanced parenthesis");
  };
  const closingDoubleQuote = (start: number): number => {
    for (let j = start; j < s.length; j++) {
      const c = s[j]!;
      if (c === "\\") j++;
      else if (c === '"') return j;
      else if (c === "$" && s[j + 1] === "(") j = closingParen(j + 2);
      else if (c === "`") j = closingBacktick(j + 1);
    }
    throw new ParseError("unterminated double quote");
  };
  const closingBacktick = (start: number): number => {
    for (let j = start; j < s.length; j++) {
      if (s[j] === "\\") j++;
      else if (s[j] === "`") return j;
    }
    throw new ParseError("unterminated backtick");
  };
  const closingBrace = (start: number): number => {
    const end = s.indexOf("}", start);
    if (end < 0) throw new ParseError("unterminated ${");
    return end;
  };

  const nested = (inner: string) => {
    for (const cmd of parseCommandLine(inner, depth + 1)) out.push(cmd);
  };

  /** Appends s[from..end] to `word` as a value only known at run time; returns the index after it. */
  const runtimeValue = (word: Word, from: number, end: number): number => {
    word.dynamic = true;
    word.text += s.slice(from, end + 1);
    return end + 1;
  };

  /** `$…` at s[j] (s[j] === "$"); returns the index after it. */
  const dollar = (j: number, word: Word): number => {
    const next = s[j + 1];
    if (next === "(") {
      // arithmetic $(( … )): no commands, but a run-time value
      if (s[j + 2] === "(") return runtimeValue(word, j, closingParen(j + 2));
      const end = closingParen(j + 2);
      nested(s.slice(j + 2, end));
      return runtimeValue(word, j, end);
    }
    if (next === "{") return runtimeValue(word, j, closingBrace(j + 2));
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9?#@*$!-]/.exec(s.slice(j + 1));
    if (m) return runtimeValue(word, j, j + m[0].length);
    word.text += "$";
    return j + 1;
  };

  /** `…` at s[j]: a command substitution, judged as a command of its own; returns the index after it. */
  const backtick = (j: number, word: Word): number => {
    const end = closingBacktick(j + 1);
    nested(s.slice(j + 1, end));
    return runtimeValue(word, j, end);
  };

  const readWord = (): Word => {
    const word: Word = { text: "", dynamic: false, glob: false };
    while (i < s.length) {
      const c = s[i]!;
      if (c === " " || c === "\t" || OPERATOR_CHARS.has(c)) break;
      if (c === "\\") {
        if (s[i + 1] === "\n") i += 2;
        else {
          word.text += s[i + 1] ?? "";
          i += 2;
        }
      } else if (c === "'") {
        const end = s.indexOf("'", i + 1);
        if (end < 0) throw new ParseError("unterminated single quote");
        word.text += s.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          const d = s[i]!;
          if (d === "\\" && i + 1 < s.length && '$`"\\\n'.includes(s[i + 1]!)) {
            if (s[i + 1] !== "\n") word.text += s[i + 1];
            i += 2;
          } else if (d === "$") i = dollar(i, word);
          else if (d === "`") i = backtick(i, word);
          else {
            word.text += d;
            i++;
          }
        }
        if (i >= s.length) throw new ParseError("unterminated double quote");
        i++;
      } else if (c === "$") i = dollar(i, word);
      else if (c === "`") i = backtick(i, word);
      else {
        if (c === "*" || c === "?" || c === "[" || c === "{") word.glob = true;
        word.text += c;
        i++;
      }
    }
    return word;
  };

  const skipHeredocBodies = () => {
    // s[i] is the newline that ends the line holding the `<<` operators
    while (heredocs.length) {
      const { delimiter, stripTabs } = heredocs.shift()!;
      let found = false;
      while (i < s.length) {
        const lineEnd = s.indexOf("\n", i + 1);
        const line = s.slice(i + 1, lineEnd < 0 ? s.length : lineEnd);
        i = lineEnd < 0 ? s.length : lineEnd;
        if ((stripTabs ? line.replace(/^\t+/, "") : line) === delimiter) {
          found = true;
          break;
        }
      }
      if (!found) throw new ParseError(`here-document without its end marker ${delimiter}`);
    }
  };

  const readRedirect = (fdPrefix: string) => {
    let op = "";
    if (s[i] === "&" && s[i + 1] === ">") {
      op = s[i + 2] === ">" ? "&>>" : "&>";
      i += op.length;
    } else if (s[i] === ">") {
      op = s[i + 1] === ">" ? ">>" : s[i + 1] === "|" ? ">|" : s[i + 1] === "&" ? ">&" : ">";
      i += op.length;
    } else {
      op = s.startsWith("<<<", i) ? "<<<" : s.startsWith("<<-", i) ? "<<-" : s[i + 1] === "<" ? "<<" : s[i + 1] === "&" ? "<&" : s[i + 1] === ">" ? "<>" : "<";
      i += op.length;
    }
    while (s[i] === " " || s[i] === "\t") i++;
    const target = readWord();
    if (!target.text && !target.dynamic) throw new ParseError(`redirection ${op} without a target`);
    if (op === "<<" || op === "<<-") heredocs.push({ delimiter: target.text, stripTabs: op === "<<-" });
    current.redirects.push({ op: fdPrefix + op, target });
  };

  while (i < s.length) {
    const c = s[i]!;
    if (c === " " || c === "\t") {
      i++;
    } else if (c === "\\" && s[i + 1] === "\n") {
      i += 2;
    } else if (c === "#") {
      const end = s.indexOf("\n", i);
      i = end < 0 ? s.length : end;
    } else if (c === "\n") {
      finish(false);
      skipHeredocBodies();
      i++;
    } else if (c === ";") {
      finish(false);
      i += s[i + 1] === ";" ? 2 : 1;
    } else if (c === "&") {
      if (s[i + 1] === "&") {
        finish(false);
        i += 2;
      } else if (s[i + 1] === ">") readRedirect("");
      else {
        finish(false);
        i++;
      }
    } else if (c === "|") {
      if (s[i + 1] === "|") {
        finish(false);
        i += 2;
      } else {
        finish(true);
        i += s[i + 1] === "&" ? 2 : 1;
      }
    } else if (c === "(") {
      if (s[i + 1] === "(") {
        // arithmetic command (( … )): no programs
        const end = closingParen(i + 2);
        i = end + 1;
        if (s[i] === ")") i++;
      } else {
        // a subshell: its commands are judged like any other
        finish(current.piped);
        i++;
      }
    } else if (c === ")") {
      finish(false);
      i++;
    } else if (c === "<" || c === ">") {
      if (s[i + 1] === "(") {
        // process substitution <(…) / >(…)
        const end = closingParen(i + 2);
        nested(s.slice(i + 2, end));
        current.words.push({ text: s.slice(i, end + 1), dynamic: true, glob: false });
        i = end + 1;
      } else readRedirect("");
    } else {
      const word = readWord();
      // `2>file`, `2>&1`: a number glued to a redirection is the fd, not an argument
      if (/^\d+$/.test(word.text) && !word.dynamic && (s[i] === ">" || s[i] === "<")) readRedirect(word.text);
      else current.words.push(word);
    }
  }
  if (heredocs.length) skipHeredocBodies();
  finish(false);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Judging

interface Judgement {
  level: RiskLevel;
  reason?: string;
}

const READ_ONLY = new Set(
  (
    "ls cat head tail wc grep egrep fgrep rg ag ack tree stat file du diff cmp comm sort uniq cut tr nl od hexdump xxd strings " +
    "md5sum sha1sum sha256sum sha512sum cksum b2sum jq yq column fold fmt paste join rev tac less more realpath readlink " +
    "basename dirname pwd echo printf true false test [ [[ ]] which type whereis whoami id groups date uname hostname uptime free df " +
    "ps printenv locale nproc arch lsb_release sleep seq expr getconf tty cal export unset set alias unalias read shift local " +
    "declare typeset readonly : wait jobs history man help tput clear lsof ss netstat top pgrep file cd pushd popd dirs awk gawk mawk sed " +
    "find env command exit return break continue trap logout"
  ).split(" "),
);

/** Read-only programs whose arguments are not file paths (so `echo /etc/passwd` reads nothing). */
const NO_PATH_ARGS = new Set(
  "exit return break continue trap logout echo printf test [ [[ ]] which type whereis date sleep seq expr export unset set alias unalias read shift local declare typeset readonly : true false basename dirname id uname hostname tput man help cal getconf printenv locale pgrep ps".split(
    " ",
  ),
);

/** Programs whose first non-option argument is a pattern or a script, not a path. */
const PATTERN_FIRST = new Set("grep egrep fgrep rg ag ack awk gawk mawk sed jq yq".split(" "));

/** Ordinary changes: allowed inside the root (or asked for when writes need approval); their paths are checked. */
const WRITES_PATHS = new Set("touch mkdir cp mv ln rmdir tee truncate install patch unzip tar gzip gunzip zip bzip2 xz chmod chown chgrp".split(" "));

/** Build and run tools: ordinary development work. */
const RUNS_CODE = new Set(
  (
    "make cmake ninja npm npx pnpm yarn bun bunx deno node python python3 pip pip3 pipx uv poetry pytest cargo rustc rustup go gcc g++ cc clang " +
    "javac java mvn gradle tsc eslint prettier jest vitest mocha ruff black isort mypy flake8 pylint dotnet swift ruby bundle rake gem php " +
    "composer perl lua R julia curl wget git-lfs gofmt rustfmt clang-format shellcheck"
  ).split(" "),
);

const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "fish", "csh", "tcsh"]);
const INTERPRETERS = new Set(["python", "python3", "node", "bun", "deno", "perl", "ruby", "php", "lua"]);

const DESTRUCTIVE: Record<string, string> = {
  dd: "dd writes raw data to files or devices",
  shred: "shred destroys file contents",
  wipefs: "wipefs erases file-system signatures",
  fdisk: "fdisk changes partition tables",
  sfdisk: "sfdisk changes partition tables",
  parted: "parted changes partition tables",
  mkswap: "mkswap formats a device",
  mount: "mount changes mounted file systems",
  umount: "umount changes mounted file systems",
  shutdown: "shuts the machine down",
  reboot: "reboots the machine",
  halt: "halts the machine",
  poweroff: "powers the machine off",
  systemctl: "systemctl controls system services",
  service: "service controls system services",
  crontab: "crontab changes scheduled jobs",
  iptables: "iptables changes the firewall",
  useradd: "changes system users",
  userdel: "changes system users",
  usermod: "changes system users",
  passwd: "changes passwords",
  chattr: "chattr changes file attributes",
  killall: "killall kills processes by name",
  pkill: "pkill kills processes by pattern",
  sudo: "sudo runs a command with elevated privileges",
  doas: "doas runs a command with elevated privileges",
  su: "su switches user",
  pkexec: "pkexec runs a command with elevated privileges",
};

const LEADING_KEYWORDS = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "fi", "done", "esac"]);
/** Loop headers and function declarations start no program themselves. */
const HEADER_KEYWORDS = new Set(["for", "select", "function", "case", "in"]);

const DEVICE_OK = /^\/dev\/(null|zero|u?random|stdin|stdout|stderr|tty|fd\/\d+)$/;

interface Situation {
  root: string;
  cwd: string;
  home: string;
}

const judge = (level: RiskLevel, reason?: string): Judgement => ({ level, reason });
const options = (args: Word[]) => args.filter((w) => w.text.startsWith("-") && !w.dynamic).map((w) => w.text);
const operands = (args: Word[]) => args.filter((w) => !(w.text.startsWith("-") && !w.dynamic) || w.text === "-");
/** Short-option clusters contain the letter (`-rf` has r), or a long option equals one of the names. */
const hasFlag = (args: Word[], letters: string, long: string[] = []) =>
  options(args).some((o) => (o.startsWith("--") ? long.includes(o.split("=")[0]!) : [...o.slice(1)].some((ch) => letters.includes(ch))));

function expandPath(text: string, situation: Situation): string {
  if (text === "~" || text.startsWith("~/")) return resolve(situation.home, text.slice(2));
  return resolve(situation.cwd, text);
}

/** Checks path operands; returns a judgement when one escapes the root (or can't be known). */
function pathsOutside(words: Word[], situation: Situation, verb: "reads" | "touches"): Judgement | undefined {
  for (const w of words) {
    if (w.dynamic) return judge("unknown", `${verb} a path computed at run time (${w.text})`);
    if (DEVICE_OK.test(w.text)) continue;
    // for a glob, judge the directory it starts from
    const literal = w.glob ? w.text.slice(0, w.text.search(/[*?[{]/)).replace(/[^/]*$/, "") || "." : w.text;
    if (literal.startsWith("~") && !literal.startsWith("~/") && literal !== "~") return judge("unknown", `${verb} another user's home (${w.text})`);
    if (!isWithinRoot(expandPath(literal, situation), situation.root)) {
      return verb === "reads"
        ? judge("unknown", `reads ${w.text} outside the project root`)
        : judge("destructive", `changes ${w.text} outside the project root`);
    }
  }
  return undefined;
}

function worst(judgements: (Judgement | undefined)[]): Judgement {
  let result = judge("read-only");
  for (const j of judgements) if (j && SEVERITY[j.level] > SEVERITY[result.level]) result = j;
  return result;
}

/** Strips wrapper programs (env, time, timeout, nice, nohup, xargs, …) down to the command they start. */
function unwrap(words: Word[]): { words: Word[]; wrapper?: string } {
  const name = basename(words[0]?.text ?? "");
  const rest = words.slice(1);
  const skip = (withValue: string[], bare = true) => {
    let k = 0;
    while (k < rest.length && rest[k]!.text.startsWith("-") && rest[k]!.text !== "-") {
      k += withValue.includes(rest[k]!.text) ? 2 : 1;
      if (!bare) break;
    }
    return rest.slice(k);
  };
  switch (name) {
    case "env": {
      let inner = skip(["-u", "-S", "-C", "--unset", "--chdir"]);
      while (inner.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(inner[0]!.text)) inner = inner.slice(1);
      return { words: inner, wrapper: name };
    }
    case "time":
    case "nohup":
    case "builtin":
    case "exec":
    case "stdbuf":
      return { words: skip([]), wrapper: name };
    case "nice":
      return { words: skip(["-n", "--adjustment"]), wrapper: name };
    case "timeout": {
      const inner = skip(["-s", "--signal", "-k", "--kill-after"]);
      return { words: inner.slice(1), wrapper: name };
    }
    case "watch":
      return { words: skip(["-n", "--interval", "-d"]), wrapper: name };
    case "command":
      if (hasFlag(rest, "vV")) return { words: [], wrapper: name };
      return { words: skip([]), wrapper: name };
    case "xargs": {
      const inner = skip(["-I", "-n", "-P", "-d", "-L", "-s", "-E", "-a", "--max-args", "--max-procs", "--delimiter", "--arg-file"]);
      return { words: inner.length ? inner : [{ text: "echo", dynamic: false, glob: false }], wrapper: name };
    }
    default:
      return { words };
  }
}

function judgeGit(args: Word[]): Judgement {
  // global options before the subcommand: -C dir, -c key=value, --git-dir=…, …
  let k = 0;
  while (k < args.length && args[k]!.text.startsWith("-")) k += ["-C", "-c", "--git-dir", "--work-tree", "--namespace"].includes(args[k]!.text) ? 2 : 1;
  const sub = args[k]?.text;
  const rest = args.slice(k + 1);
  const ops = operands(rest).map((w) => w.text);
  if (!sub) return judge("read-only");
  if (args[k]!.dynamic) return judge("unknown", "git subcommand computed at run time");
  const READ = "status log diff show blame ls-files ls-tree rev-parse describe shortlog grep cat-file rev-list whatchanged count-objects help version name-rev merge-base for-each-ref show-ref var check-ignore fsck".split(" ");
  if (READ.includes(sub)) return judge("read-only");
  switch (sub) {
    case "branch":
      if (hasFlag(rest, "Df", ["--force"]) || (hasFlag(rest, "d", ["--delete"]) && hasFlag(rest, "f"))) return judge("destructive", "git branch -D deletes unmerged branches");
      if (hasFlag(rest, "dmMc", ["--delete", "--move", "--copy", "--set-upstream-to", "--unset-upstream"]) || ops.length) return judge("write");
      return judge("read-only");
    case "tag":
      return ops.length || hasFlag(rest, "dasf", ["--delete", "--annotate", "--sign", "--force"]) ? judge("write") : judge("read-only");
    case "remote":
      return !ops.length || ["show", "get-url"].includes(ops[0]!) ? judge("read-only") : judge("write");
    case "config":
      return hasFlag(rest, "l", ["--get", "--get-all", "--list", "--get-regexp"]) ? judge("read-only") : judge("write");
    case "stash":
      if (["list", "show"].includes(ops[0] ?? "")) return judge("read-only");
      if (["drop", "clear"].includes(ops[0] ?? "")) return judge("destructive", `git stash ${ops[0]} discards stashed changes`);
      return judge("write");
    case "reflog":
      if (["expire", "delete"].includes(ops[0] ?? "")) return judge("destructive", `git reflog ${ops[0]} discards history`);
      return judge("read-only");
    case "push":
      if (hasFlag(rest, "fd", ["--force", "--force-with-lease", "--force-if-includes", "--mirror", "--delete", "--prune"]) || ops.some((o) => o.startsWith("+") || o.startsWith(":")))
        return judge("destructive", "git push --force / --delete rewrites or deletes remote history");
      return judge("write");
    case "reset":
      if (hasFlag(rest, "", ["--hard", "--merge", "--keep"])) return judge("destructive", "git reset --hard discards uncommitted changes");
      return judge("write");
    case "clean":
      if (hasFlag(rest, "n", ["--dry-run"])) return judge("read-only");
      return judge("destructive", "git clean deletes untracked files");
    case "checkout":
      if (hasFlag(rest, "f", ["--force"]) || rest.some((w) => w.text === "--") || ops.includes(".")) return judge("destructive", "git checkout of paths discards local changes");
      return judge("write");
    case "restore":
      if (hasFlag(rest, "S", ["--staged"]) && !hasFlag(rest, "W", ["--worktree"])) return judge("write");
      return judge("destructive", "git restore discards local changes");
    case "gc":
      return options(rest).some((o) => o.startsWith("--prune")) ? judge("destructive", "git gc --prune drops unreachable objects") : judge("write");
    case "filter-branch":
    case "filter-repo":
    case "replace":
      return judge("destructive", `git ${sub} rewrites history`);
    case "update-ref":
      return hasFlag(rest, "d") ? judge("destructive", "git update-ref -d deletes a ref") : judge("write");
    default:
      if ("add commit mv rm fetch pull merge rebase cherry-pick init clone switch am apply revert worktree submodule bisect notes mergetool format-patch archive lfs sparse-checkout".split(" ").includes(sub))
        return judge("write");
      return judge("unknown", `unrecognised git subcommand '${sub}'`);
  }
}

function judgeCommand(cmd: SimpleCommand, situation: Situation, programs: string[], depth: number): Judgement {
  const judgement = judgeSimpleCommand(cmd, situation, programs, depth);
  if (judgement.level === "write" && !judgement.reason) {
    const head = cmd.words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text) && !LEADING_KEYWORDS.has(w.text));
    judgement.reason = head ? `${basename(head.text)} may change files in the project` : "writes a file in the project";
  }
  return judgement;
}

function judgeSimpleCommand(cmd: SimpleCommand, situation: Situation, programs: string[], depth: number): Judgement {
  let words = cmd.words;
  // leading assignments (FOO=1 cmd) and the shell's reserved words around the real command
  while (words.length && !words[0]!.dynamic && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!.text) || LEADING_KEYWORDS.has(words[0]!.text))) words = words.slice(1);
  if (words.length && !words[0]!.dynamic && HEADER_KEYWORDS.has(words[0]!.text)) words = [];
  const results: (Judgement | undefined)[] = [judgeRedirects(cmd.redirects, situation)];
  if (!words.length) return worst(results);

  for (let guard = 0; guard < 8; guard++) {
    const head = words[0]!;
    if (head.dynamic) return worst([...results, judge("unknown", `runs a program whose name is computed at run time (${head.text})`)]);
    const name = basename(head.text);
    if (DESTRUCTIVE[name]) return worst([...results, judge("destructive", DESTRUCTIVE[name])]);
    const unwrapped = unwrap(words);
    if (!unwrapped.wrapper) break;
    if (!unwrapped.words.length) return worst(results);
    words = unwrapped.words;
  }

  const head = words[0]!;
  const name = basename(head.text);
  const args = words.slice(1);
  programs.push(name);

  if (/^mkfs(\.|$)/.test(name)) return worst([...results, judge("destructive", "mkfs formats a file system")]);
  if (name === "rm") {
    if (hasFlag(args, "rR", ["--recursive"])) results.push(judge("destructive", "rm -r deletes directories recursively"));
    else results.push(judge("destructive", "rm deletes files"));
    return worst(results);
  }
  if (name === "chmod" || name === "chown" || name === "chgrp") {
    if (hasFlag(args, "R", ["--recursive"])) return worst([...results, judge("destructive", `${name} -R changes permissions recursively`)]);
    return worst([...results, judge("write"), pathsOutside(operands(args).slice(1), situation, "touches")]);
  }
  if (name === "git") return worst([...results, judgeGit(args)]);

  if (SHELLS.has(name) || INTERPRETERS.has(name)) {
    const inlineFlag = SHELLS.has(name) ? "-c" : name === "perl" || name === "ruby" || name === "node" || name === "bun" ? "-e" : "-c";
    const flagAt = args.findIndex((w) => w.text === inlineFlag || (SHELLS.has(name) && /^-[a-z]*c$/.test(w.text)));
    if (flagAt >= 0) {
      const script = args[flagAt + 1];
      if (!script) return worst([...results, judge("unknown", `${name} ${inlineFlag} without a script`)]);
      if (!SHELLS.has(name)) return worst([...results, judge("write")]);
      if (script.dynamic) return worst([...results, judge("unknown", `${name} -c runs a script computed at run time`)]);
      return worst([...results, classifyWithin(script.text, situation, programs, depth + 1)]);
    }
    const reads = operands(args);
    if (!reads.length || reads[0]!.text === "-") {
      if (cmd.piped) return worst([...results, judge("destructive", `pipes content into ${name}, which runs it as code`)]);
      if (SHELLS.has(name)) return worst([...results, judge("unknown", `${name} without a script reads commands from its input`)]);
    }
    return worst([...results, judge("write")]);
  }

  if (name === "find") {
    const exec = args.findIndex((w) => ["-exec", "-execdir", "-ok", "-okdir"].includes(w.text));
    const firstOption = args.findIndex((w) => w.text.startsWith("-"));
    const starts = firstOption < 0 ? args : args.slice(0, firstOption);
    results.push(pathsOutside(starts, situation, "reads"));
    if (args.some((w) => w.text === "-delete")) results.push(judge("destructive", "find -delete deletes files"));
    if (args.some((w) => ["-fprint", "-fprint0", "-fprintf", "-fls"].includes(w.text))) results.push(judge("write"));
    if (exec >= 0) {
      const end = args.findIndex((w, k) => k > exec && (w.text === ";" || w.text === "+"));
      const inner = args.slice(exec + 1, end < 0 ? undefined : end).map((w) => (w.text === "{}" ? { ...w, text: "." } : w));
      if (inner.length) results.push(judgeCommand({ words: inner, redirects: [], piped: false }, situation, programs, depth));
    }
    return worst(results);
  }

  if (name === "sed") {
    if (hasFlag(args, "i", ["--in-place"]) || options(args).some((o) => o.startsWith("-i") || o.startsWith("--in-place"))) {
      const files = operands(args).slice(hasFlag(args, "ef", ["--expression", "--file"]) ? 0 : 1);
      return worst([...results, judge("write"), pathsOutside(files, situation, "touches")]);
    }
  }
  if (name === "awk" || name === "gawk" || name === "mawk") {
    const program = operands(args)[0]?.text ?? "";
    if (/system\s*\(|[|>]|getline/.test(program)) return worst([...results, judge("unknown", "awk program may run commands or write files")]);
  }
  if (name === "sort") {
    const at = args.findIndex((w) => w.text === "-o" || w.text.startsWith("--output"));
    if (at >= 0) {
      const target = args[at]!.text.includes("=") ? { ...args[at]!, text: args[at]!.text.split("=")[1]! } : args[at + 1];
      results.push(judge("write"), target ? pathsOutside([target], situation, "touches") : undefined);
    }
  }
  if (name === "cd" || name === "pushd") {
    const target = operands(args)[0];
    if (!target) return worst([...results, judge("unknown", `${name} without a directory goes to the home directory, outside the project root`)]);
    if (target.dynamic || target.text === "-") return worst([...results, judge("unknown", `${name} to a directory computed at run time`)]);
    const next = expandPath(target.text, situation);
    if (!isWithinRoot(next, situation.root)) return worst([...results, judge("unknown", `${name} ${target.text} leaves the project root`)]);
    situation.cwd = next;
    return worst(results);
  }

  if (READ_ONLY.has(name)) {
    if (!NO_PATH_ARGS.has(name)) {
      let paths = operands(args);
      if (PATTERN_FIRST.has(name) && !hasFlag(args, "ef", ["--regexp", "--file", "--expression"])) paths = paths.slice(1);
      results.push(pathsOutside(paths, situation, "reads"));
    }
    return worst(results);
  }
  if (WRITES_PATHS.has(name)) return worst([...results, judge("write"), pathsOutside(operands(args), situation, "touches")]);
  if (RUNS_CODE.has(name)) {
    if (["publish", "unpublish"].includes(args[0]?.text ?? "") || (name === "gem" && args[0]?.text === "push")) {
      return worst([...results, judge("unknown", `${name} ${args[0]!.text} publishes a package`)]);
    }
    if (name === "curl" || name === "wget") {
      const outputs: Word[] = [];
      args.forEach((w, k) => {
        if (["-o", "--output", "-O", "--output-document"].includes(w.text) && args[k + 1] && !(name === "curl" && w.text === "-O")) outputs.push(args[k + 1]!);
      });
      results.push(pathsOutside(outputs, situation, "touches"));
    }
    return worst([...results, judge("write")]);
  }
  if (name === "kill") return worst([...results, judge("unknown", "kill sends signals to processes")]);
  if (name === "eval" || name === "source" || name === ".") return worst([...results, judge("unknown", `${name} runs code that is only known at run time`)]);
  return worst([...results, judge("unknown", `unrecognised command '${name}'`)]);
}

function judgeRedirects(redirects: Redirect[], situation: Situation): Judgement | undefined {
  const found: (Judgement | undefined)[] = [];
  for (const r of redirects) {
    const op = r.op.replace(/^\d+/, "");
    const target = r.target;
    if (!target || op === "<<" || op === "<<-" || op === "<<<") continue;
    if ((op === ">&" || op === "<&") && /^(\d+|-)$/.test(target.text)) continue;
    const writes = op !== "<" && op !== "<&";
    if (target.dynamic) {
      found.push(judge("unknown", `redirects to a path computed at run time (${target.text})`));
      continue;
    }
    if (DEVICE_OK.test(target.text)) continue;
    const path = expandPath(target.text, situation);
    if (!isWithinRoot(path, situation.root)) {
      found.push(writes ? judge("destructive", `writes ${target.text} outside the project root`) : judge("unknown", `reads ${target.text} outside the project root`));
    } else if (writes) found.push(judge("write", `writes ${target.text}`));
  }
  return worst(found);
}

function classifyWithin(line: string, situation: Situation, programs: string[], depth: number): Judgement {
  let commands: SimpleCommand[];
  try {
    commands = parseCommandLine(line, depth);
  } catch (error) {
    return judge("unknown", `could not parse the command: ${(error as Error).message}`);
  }
  const judgements = commands.map((c) => judgeCommand(c, situation, programs, depth));
  const result = worst(judgements);
  // keep every reason of the worst level, so the approval prompt lists all of them
  const reasons = judgements.filter((j) => j.level === result.level && j.reason).map((j) => j.reason!);
  return { level: result.level, reason: [...new Set(reasons)].join("; ") || undefined };
}

/** Classifies a command line that would run with `root` as its working directory. */
export function classifyCommand(command: string, root: string, home = homedir()): CommandRisk {
  if (!command.trim()) return { level: "unknown", reasons: ["empty command"], programs: [] };
  const programs: string[] = [];
  const result = classifyWithin(command, { root, cwd: root, home }, programs, 0);
  return { level: result.level, reasons: result.reason ? result.reason.split("; ") : [], programs: [...new Set(programs)] };
}
