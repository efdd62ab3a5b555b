// Shells, interpreters and package runners: the code they are given (inline, from stdin, from a file) is judged too.

import { basename } from "node:path";
import { SET_OPTIONS } from "./builtins";
import { classifyWithin } from "./classify";
import { judgeCommand } from "./command";
import { judge, type Judgement, literalWord, type Situation, synthetic, worst } from "./judgement";
import { options, type OptionTable } from "./options";
import type { SimpleCommand, Word } from "./parse";
import { pathRisk } from "./paths";
import { POSIX_SHELLS } from "./specs";

/** The script a shell or interpreter reads from stdin: piped content is remote code, a here-document is judged. */
function stdinCode(name: string, cmd: SimpleCommand, sit: Situation, posix: boolean): Judgement {
  if (cmd.piped) return judge("destructive", `pipes content into ${name}, which runs it as code`);
  const heredoc = cmd.redirects.find((r) => r.op.replace(/^0/, "") === "<<" || r.op.replace(/^0/, "") === "<<-" || r.op.replace(/^0/, "") === "<<<");
  if (heredoc && posix) {
    const text = heredoc.op.endsWith("<<<") ? (heredoc.target?.dynamic ? undefined : heredoc.target?.text) : heredoc.expands && /[$`]/.test(heredoc.body ?? "") ? undefined : heredoc.body;
    if (text !== undefined) return classifyWithin(text, { ...sit, depth: sit.depth + 1 });
  }
  return judge("unknown", `${name} runs code it reads from its input${heredoc ? " (a here-document)" : ""}`);
}

export function judgeShell(name: string, args: Word[], cmd: SimpleCommand, sit: Situation): Judgement {
  const posix = POSIX_SHELLS.has(name);
  let command = false;
  let stdin = false;
  let k = 0;
  for (; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic) return judge("unknown", `${name} ${t}: an argument computed at run time`);
    if (t === "-" || t === "--") {
      k++;
      stdin = t === "-";
      break;
    }
    if (t.startsWith("--")) {
      if (["--norc", "--noprofile", "--posix", "--login", "--restricted", "--verbose", "--noediting", "--version", "--help"].includes(t)) continue;
      if (t === "--rcfile" || t === "--init-file") {
        k++;
        continue;
      }
      return judge("unknown", `${name} ${t} is not an option known to be safe`);
    }
    if (!/^[-+]/.test(t)) break;
    for (const c of t.slice(1)) {
      if (c === "c") command = true;
      else if (c === "s") stdin = true;
      else if (c === "o") {
        const option = args[++k]?.text ?? "";
        if (!SET_OPTIONS.has(option)) return judge("unknown", `${name} -o ${option} is not a shell option known to be safe`);
      } else if (c === "i") return judge("unknown", `${name} -i starts an interactive shell that reads commands from its input`);
      else if (!"aefhlmnpruvxBCDEHPT".includes(c)) return judge("unknown", `${name} ${t[0]}${c} is not an option known to be safe${c === "O" ? " (shell options such as expand_aliases change what commands mean)" : ""}`);
    }
  }
  const operands = args.slice(k);
  if (command) {
    const script = operands[0];
    if (!script) return judge("unknown", `${name} -c without a script`);
    if (script.dynamic) return judge("unknown", `${name} -c runs a script computed at run time`);
    if (!posix) return judge("unknown", `${name} -c runs a script in ${name}'s own syntax, which this check does not read`);
    return classifyWithin(script.text, { ...sit, depth: sit.depth + 1 });
  }
  if (stdin || !operands.length) return stdinCode(name, cmd, sit, posix);
  const outside = pathRisk(operands.slice(0, 1), sit, "reads");
  return outside ? judge("unknown", `runs the script ${operands[0]!.text} outside the project root`) : judge("write", `runs the shell script ${operands[0]!.text}`);
}

export function judgeInterpreter(name: string, args: Word[], cmd: SimpleCommand, sit: Situation): Judgement {
  const inline = (how: string) => judge("unknown", `${name} ${how} runs code given on the command line`);
  const interactive = (how: string) => judge("unknown", `${name} ${how} starts an interactive interpreter that runs what it reads`);
  let script: Word | undefined;
  let noScriptNeeded = false;
  let inPlace = false;
  const family = /^python|^pypy/.test(name) ? "python" : name === "nodejs" ? "node" : name === "luajit" ? "lua" : name;

  if (family === "bun" || family === "deno") {
    const sub = args.find((w) => !w.text.startsWith("-"));
    for (const w of args) {
      if (w === sub) break;
      if (/^(-e|-p|--eval|--print)(=|$)/.test(w.text) || /^-[a-z]*[ep]$/.test(w.text)) return inline(w.text);
    }
    if (!sub) return family === "deno" && args.length === 0 ? interactive("without arguments") : judge("write");
    if (sub.dynamic) return judge("unknown", `${name} ${sub.text}: computed at run time`);
    if (sub.text === "repl") return interactive("repl");
    if (sub.text === "eval" || sub.text === "exec") return inline(sub.text);
    if (sub.text === "x") {
      const inner = args.slice(args.indexOf(sub) + 1);
      const start = inner.findIndex((w) => !w.text.startsWith("-"));
      return judgeRunner(name, { words: start < 0 ? [] : inner.slice(start) }, sit);
    }
    if (sub.text === "run") {
      const target = args.slice(args.indexOf(sub) + 1).find((w) => !w.text.startsWith("-") || w.text === "-");
      if (target?.text === "-") return stdinCode(name, cmd, sit, false);
      if (args.slice(args.indexOf(sub) + 1).some((w) => /^(-e|--eval|-p|--print)(=|$)/.test(w.text))) return inline("run --eval");
    }
    return judge("write");
  }

  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic && (w.leadDynamic || w.split)) return judge("unknown", `${name} ${t}: an argument computed at run time`);
    if (t === "-") return stdinCode(name, cmd, sit, false);
    if (t === "--") {
      script = args[k + 1];
      break;
    }
    if (!t.startsWith("-")) {
      if (family === "R" && t === "CMD") noScriptNeeded = true;
      script = w;
      break;
    }
    switch (family) {
      case "python": {
        if (t.startsWith("--")) {
          if (!["--version", "--help", "--help-env", "--help-xoptions", "--help-all"].includes(t) && !t.startsWith("--check-hash-based-pycs")) return judge("unknown", `${name} ${t} is not an option known to be safe`);
          noScriptNeeded ||= t.startsWith("--help") || t === "--version";
          continue;
        }
        for (let c = 1; c < t.length; c++) {
          const letter = t[c]!;
          if (letter === "c") return inline("-c");
          if (letter === "i") return interactive("-i");
          if (letter === "m") return judge("write", `${name} -m runs a module`);
          if (letter === "W" || letter === "X") {
            if (c === t.length - 1) k++;
            break;
          }
          if (!"bBdEhIOPqsSuvVxR".includes(letter)) return judge("unknown", `${name} -${letter} is not an option known to be safe`);
          noScriptNeeded ||= letter === "V" || letter === "h";
        }
        continue;
      }
      case "node": {
        if (/^(-e|-p|--eval|--print)(=|$)/.test(t) || /^-[a-z]*[ep]$/.test(t)) return inline(t);
        if (t === "-i" || t === "--interactive") return interactive(t);
        if (["-r", "--require", "--import", "--loader", "--experimental-loader", "-C", "--conditions", "--input-type", "--title", "--watch-path", "--env-file"].includes(t)) {
          if (t === "--env-file") {
            const j = pathRisk(args.slice(k + 1, k + 2), sit, "reads");
            if (j) return j;
          }
          k++;
        }
        if (/^--env-file=/.test(t)) {
          const j = pathRisk([literalWord(t.slice("--env-file=".length))], sit, "reads");
          if (j) return j;
        }
        noScriptNeeded ||= ["-v", "--version", "-h", "--help", "--test", "--run", "-c", "--check"].includes(t) || t.startsWith("--test") || t.startsWith("--run=");
        continue;
      }
      case "perl":
      case "ruby": {
        if (t.startsWith("--")) continue;
        if (/[eE]/.test(t.slice(1)) && !(family === "ruby" && /^-E/.test(t))) return inline(t);
        if (family === "perl" && /^-d/.test(t)) return judge("unknown", "perl -d runs a debugger module");
        if (family === "perl" && /^-[mM]/.test(t) && !/^-[mM]-?[\w:]+(=[\w,:]*)?$/.test(t)) return judge("unknown", `perl ${t} runs code in the module import`);
        if (family === "ruby" && /^-C/.test(t)) return judge("unknown", "ruby -C changes directory");
        if (/^-[a-zA-Z]*i/.test(t)) inPlace = true;
        if (/^-(I|r|E|C)$/.test(t)) k++;
        noScriptNeeded ||= /^-[a-zA-Z]*[vVh]$/.test(t) || t === "-c";
        continue;
      }
      case "php": {
        if (/^-[a-zA-Z]*[rBRE]/.test(t) && !/^-[a-zA-Z]*[dc]/.test(t)) return inline(t);
        if (/^-[a-zA-Z]*a/.test(t)) return interactive(t);
        if (/^-[a-zA-Z]*[dc]/.test(t)) return judge("unknown", `php ${t} changes the interpreter's configuration (auto_prepend_file, …)`);
        if (/^-[fFtSz]$/.test(t)) {
          if (t === "-f" || t === "-F") script = args[k + 1];
          noScriptNeeded ||= t === "-S";
          k++;
          if (script) break;
        }
        noScriptNeeded ||= /^-[a-zA-Z]*[vhilm]$/.test(t);
        continue;
      }
      case "lua": {
        if (/^-[a-zA-Z]*e/.test(t)) return inline(t);
        if (t === "-i") return interactive(t);
        if (t === "-l") k++;
        noScriptNeeded ||= t === "-v";
        continue;
      }
      case "R":
      case "Rscript": {
        if (t === "-e" || t.startsWith("--expr")) return inline(t);
        if (t === "-f" || t.startsWith("--file=")) {
          script = t === "-f" ? args[k + 1] : literalWord(t.slice("--file=".length));
          break;
        }
        noScriptNeeded ||= t === "--version" || t === "--help";
        continue;
      }
      case "julia": {
        if (/^(-e|-E|--eval|--print)(=|$)/.test(t)) return inline(t);
        if (t === "-i") return interactive(t);
        if (t === "-L" || t === "--load") {
          const j = pathRisk(args.slice(k + 1, k + 2), sit, "reads");
          if (j) return j;
          k++;
        }
        noScriptNeeded ||= t === "-v" || t === "--version" || t === "-h" || t === "--help";
        continue;
      }
    }
    if (script) break;
  }
  if (!script) return noScriptNeeded ? judge("write") : stdinCode(name, cmd, sit, false);
  if (noScriptNeeded && script.text === "CMD") return judge("write");
  const outside = pathRisk([script], sit, "reads");
  if (outside) return judge("unknown", `${name} runs ${script.text}, which is outside the project root or only known at run time`);
  if (inPlace) {
    const files = args.slice(args.indexOf(script) + 1);
    return worst([judge("write"), pathRisk(files, sit, "touches")]);
  }
  return judge("write", `${name} runs ${script.text}`);
}

/** The command a package runner (npx, uv run, bundle exec, …) starts, or undefined when `name` is not one. An empty
 *  list means the runner gets an option this check does not know (it may take a value). */
export function runnerInner(name: string, args: Word[]): { words: Word[]; problem?: string } | undefined {
  let rest: Word[];
  let table: OptionTable;
  const sub = args[0]?.text;
  if (["npx", "pnpx", "bunx"].includes(name)) rest = args;
  else if (["npm", "pnpm", "yarn"].includes(name) && ["exec", "x", "dlx"].includes(sub ?? "")) rest = args.slice(1);
  else if (name === "yarn" && sub === "node") return { words: args };
  else if (name === "uv" && sub === "run") rest = args.slice(1);
  else if (name === "uvx") rest = args;
  else if (["poetry", "pipenv", "pipx", "pdm"].includes(name) && sub === "run") rest = args.slice(1);
  else if (name === "bundle" && sub === "exec") rest = args.slice(1);
  else if (name === "conda" && sub === "run") rest = args.slice(1);
  else return undefined;
  switch (name) {
    case "uv":
    case "uvx":
      table = options("qvp:", "with= with-requirements= python= extra= group= index= index-url= from= no-project isolated frozen locked no-sync all-extras dev no-dev quiet verbose active offline no-cache exact inexact env-file=<");
      break;
    case "conda":
      table = options("vn:p:", "name= prefix= no-capture-output live-stream verbose");
      break;
    case "pipx":
      table = options("", "spec= python= pip-args= no-cache verbose quiet");
      break;
    case "poetry":
    case "pipenv":
    case "pdm":
      table = options("qvn", "quiet verbose no-interaction no-ansi");
      break;
    case "bundle":
      table = options("", "keep-file-descriptors");
      break;
    default:
      table = options("yqsrp:w:F:c!", "yes no quiet silent ws workspaces include-workspace-root bun recursive parallel package= workspace= filter= call! shell-mode! prefix=");
  }
  let k = 0;
  while (k < rest.length && rest[k]!.text.startsWith("-") && !rest[k]!.dynamic && rest[k]!.text !== "--") {
    const t = rest[k]!.text;
    const kind = t.startsWith("--") ? table.long.get(t.slice(2).split("=")[0]!) : table.short.get(t[1] ?? "");
    if (!kind || kind === "deny") return { words: [], problem: `${name} ${t} is not an option known to be safe${kind === "deny" ? " (it runs a shell command string)" : ""}` };
    k += kind === "flag" || t.includes("=") || (!t.startsWith("--") && t.length > 2) ? 1 : 2;
  }
  if (rest[k]?.text === "--") k++;
  return { words: rest.slice(k) };
}

export function judgeRunner(name: string, inner: { words: Word[]; problem?: string }, sit: Situation): Judgement {
  if (inner.problem) return judge("unknown", inner.problem);
  if (!inner.words.length) return judge("write");
  const j = judgeCommand(synthetic(inner.words), sit);
  // a package's own program: project code, like npm test
  if (j.unrecognised) return judge("write", `${name} runs ${basename(inner.words[0]!.text)}, a package's program`);
  return j;
}
