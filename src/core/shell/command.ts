// Judging one simple command: assignments and keywords, wrappers (env, timeout, xargs, …) and the dispatch from a
// program's name to its judge.

import { basename, dirname } from "node:path";
import { judgeCd, judgeDeclare, judgePrintf, judgeRead, judgeSet, judgeTest, judgeTrap } from "./builtins";
import { classifyWithin } from "./classify";
import { judgeGit } from "./git";
import { judgeInterpreter, judgeRunner, judgeShell, runnerInner } from "./interpreters";
import { arithmeticRisk, ASSIGNMENT, isAssignment, judge, type Judgement, literalWord, nameRisk, numericRisk, READ_ONLY, runtimeWord, type Situation, worst } from "./judgement";
import { has, options, type OptionTable, parseArgs, type ParseRules, valueRisks, valuesOf } from "./options";
import { expandWord, type SimpleCommand, type Word } from "./parse";
import { judgeRedirects, pathRisk } from "./paths";
import { judgeChmod, judgeCurl, judgeMake, judgeTar, judgeWget, judgeZip } from "./programs";
import { DESTRUCTIVE, HEADER_KEYWORDS, INTERPRETER, judgeBySpec, LEADING_KEYWORDS, OTHER_SHELLS, POSIX_SHELLS, RUNS_CODE, SPECS, SYSTEM_BIN, WRITE_SPECS } from "./specs";
import { judgeAwk, judgeDate, judgeFind, judgeJq, judgeMan, judgePs, judgeSed, judgeXxd, judgeYq } from "./text-tools";

export function judgeCommand(cmd: SimpleCommand, sit: Situation): Judgement {
  const judgement = judgeSimpleCommand(cmd, sit);
  if (judgement.level === "write" && !judgement.reason) {
    const head = cmd.words.find((w) => !isAssignment(w) && !LEADING_KEYWORDS.has(w.text));
    return { ...judgement, reason: head ? `${basename(head.text)} may change files in the project` : "writes a file in the project" };
  }
  return judgement;
}

function judgeSimpleCommand(cmd: SimpleCommand, sit: Situation): Judgement {
  const results: (Judgement | undefined)[] = [];
  for (const hazard of cmd.hazards) results.push(judge("unknown", hazard));
  for (const expr of cmd.arithmetic) results.push(arithmeticRisk(expr, sit));
  for (const name of cmd.assigns) results.push(nameRisk(literalWord(name), "sets"));
  results.push(judgeRedirects(cmd.redirects, sit));

  let words = cmd.words.flatMap(expandWord);
  // leading assignments (FOO=1 cmd) and the shell's reserved words around the real command
  while (words.length && (isAssignment(words[0]!) || (!words[0]!.dynamic && LEADING_KEYWORDS.has(words[0]!.text)))) {
    const m = ASSIGNMENT.exec(words[0]!.text);
    if (m && isAssignment(words[0]!)) results.push(nameRisk(literalWord(m[1]!), "sets"));
    words = words.slice(1);
  }
  if (words.length && !words[0]!.dynamic && HEADER_KEYWORDS.has(words[0]!.text)) {
    if (words[0]!.text === "for" || words[0]!.text === "select") results.push(nameRisk(words[1], "sets"));
    words = [];
  }
  if (!words.length) return worst(results);

  for (let guard = 0; guard < 8; guard++) {
    const head = words[0]!;
    if (head.dynamic) return worst([...results, judge("unknown", `runs a program whose name is computed at run time (${head.text})`)]);
    if (head.glob) return worst([...results, judge("unknown", `runs a program named by a pattern (${head.text})`)]);
    const name = basename(head.text);
    if (head.text.includes("/") && !SYSTEM_BIN.has(dirname(head.text))) {
      sit.programs.push(name);
      const outside = pathRisk([head], sit, "reads");
      return worst([...results, outside ? judge("unknown", `runs ${head.text}, a program outside the project root`) : judge("write", `runs ${head.text} from the project`)]);
    }
    if (DESTRUCTIVE[name]) {
      sit.programs.push(name);
      return worst([...results, judge("destructive", DESTRUCTIVE[name])]);
    }
    const unwrapped = unwrap(name, words.slice(1), sit);
    if (!unwrapped) break;
    sit.programs.push(name);
    results.push(...unwrapped.judgements);
    if (!unwrapped.words.length) return worst(results);
    words = unwrapped.words;
  }

  const head = words[0]!;
  const name = basename(head.text);
  const args = words.slice(1);
  sit.programs.push(name);
  let program = judgeProgram(name, args, cmd, sit);
  if (program.level === "write" && !program.reason) program = { ...program, reason: `${name} may change files in the project` };
  results.push(program);
  const result = worst(results);
  return program.chdir === undefined ? result : { ...result, chdir: program.chdir };
}

/** How many words the option `t` takes up (itself and a separate value), by the table. */
function optionSpan(table: OptionTable, t: string, rules: ParseRules = {}): number {
  if (t.startsWith("--")) {
    const kind = table.long.get(t.slice(2).split("=")[0]!);
    if (t.includes("=") || !kind || kind === "flag" || kind === "optional" || kind === "deny") return 1;
    return kind === "value2" || kind === "value2read" ? 3 : 2;
  }
  if (rules.numeric && /^-\d+$/.test(t)) return 1;
  for (let c = 1; c < t.length; c++) {
    const kind = table.short.get(t[c]!);
    if (!kind || kind === "deny" || kind === "optional") return 1;
    if (kind !== "flag") return c === t.length - 1 ? 2 : 1;
  }
  return 1;
}

/** Wrapper programs (env, time, timeout, nice, nohup, xargs, …) and the command they start; undefined when `name`
 *  is not a wrapper. */
function unwrap(name: string, rest: Word[], sit: Situation): { words: Word[]; judgements: Judgement[] } | undefined {
  const stop = (j: Judgement) => ({ words: [], judgements: [j] });
  const wrapped = (table: OptionTable, skipOperands = 0, rules: ParseRules = {}) => {
    // options up to the first operand, which starts the command
    let k = 0;
    let end = 0;
    while (k < rest.length && rest[k]!.text.startsWith("-") && rest[k]!.text !== "-" && !rest[k]!.dynamic) {
      if (rest[k]!.text === "--") {
        end = ++k;
        break;
      }
      k += optionSpan(table, rest[k]!.text, rules);
      end = k;
    }
    const parsed = parseArgs(name, rest.slice(0, end), table, rules);
    return { parsed, inner: rest.slice(end + skipOperands) };
  };
  switch (name) {
    case "env": {
      const { parsed, inner } = wrapped(options("i0vu:C!S!P!", "ignore-environment null unset= debug help version chdir! split-string! block-signal? default-signal? ignore-signal? list-signal-handling"));
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      const judgements: Judgement[] = [];
      let words = inner;
      while (words.length && isAssignment(words[0]!)) {
        const j = nameRisk(literalWord(ASSIGNMENT.exec(words[0]!.text)![1]!), "sets");
        if (j) judgements.push(j);
        words = words.slice(1);
      }
      if (words[0]?.dynamic) judgements.push(judge("unknown", `env runs a program computed at run time (${words[0].text})`));
      return { words, judgements };
    }
    case "time":
    case "nohup":
    case "builtin":
    case "setsid":
    case "stdbuf":
    case "nice":
    case "exec": {
      const tables: Record<string, OptionTable> = {
        time: options("pvaqo>f:", "portability verbose append quiet output=> format= help version"),
        nohup: options("", "help version"),
        builtin: options(""),
        setsid: options("cfw", "ctty fork wait help version"),
        stdbuf: options("i:o:e:", "input= output= error= help version"),
        nice: options("n:", "adjustment= help version"),
        exec: options("cla:"),
      };
      const { parsed, inner } = wrapped(tables[name]!, 0, { numeric: name === "nice" });
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      return { words: inner, judgements: valueRisks(name, parsed, sit) };
    }
    case "timeout": {
      const { parsed, inner } = wrapped(options("vs:k:", "signal= kill-after= preserve-status foreground verbose help version"), 1);
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      return { words: inner, judgements: [] };
    }
    case "command": {
      const { parsed, inner } = wrapped(options("pvV"));
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      if (has(parsed, "-v", "-V")) return { words: [], judgements: [] };
      return { words: inner, judgements: [] };
    }
    case "watch": {
      const { parsed, inner } = wrapped(options("btegcxpwqrn:d?", "interval= differences? no-title beep errexit chgexit color no-color exec precise no-linewrap no-rerun help version"));
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      if (has(parsed, "-x", "--exec")) return { words: inner, judgements: [] };
      // watch hands its arguments, joined by spaces, to sh -c
      return stop(classifyWithin(inner.map((w) => w.text).join(" "), { ...sit }));
    }
    case "xargs": {
      const { parsed, inner } = wrapped(
        options(
          "0rtxpoa<d:E:I:L:n:P:s:e?i?l?",
          "null arg-file=< delimiter= eof? replace? max-lines? max-args= max-procs= interactive no-run-if-empty max-chars= verbose exit open-tty show-limits process-slot-var= help version",
        ),
      );
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      const judgements = valueRisks(name, parsed, sit);
      const slot = valuesOf(parsed, "--process-slot-var")[0];
      if (slot) {
        const j = nameRisk(slot, "sets");
        if (j) judgements.push(j);
      }
      const replace = valuesOf(parsed, "-I", "--replace", "-i")[0]?.text ?? (has(parsed, "-i", "--replace") ? "{}" : undefined);
      const command = inner.length ? inner : [literalWord("echo")];
      // the arguments come from stdin: only known at run time
      const words = replace
        ? command.map((w, k) => (k > 0 && w.text.includes(replace) ? { ...w, dynamic: true, leadDynamic: w.leadDynamic || w.text.startsWith(replace) } : w))
        : [...command, runtimeWord("(arguments read from stdin)")];
      return { words, judgements };
    }
    default:
      return undefined;
  }
}

function judgeProgram(name: string, args: Word[], cmd: SimpleCommand, sit: Situation): Judgement {
  if (/^mkfs(\.|$)/.test(name)) return judge("destructive", "mkfs formats a file system");
  if (name === "rm") return hasShortOrLong(args, "rR", ["--recursive"]) ? judge("destructive", "rm -r deletes directories recursively") : judge("destructive", "rm deletes files");
  if (name === "git") return judgeGit(args, sit);
  if (POSIX_SHELLS.has(name) || OTHER_SHELLS.has(name)) return judgeShell(name, args, cmd, sit);
  if (INTERPRETER.test(name)) return judgeInterpreter(name, args, cmd, sit);
  const runner = runnerInner(name, args);
  if (runner) return judgeRunner(name, runner, sit);

  switch (name) {
    case "cd":
    case "pushd":
    case "popd":
      return judgeCd(name, args, sit);
    case "find":
      return judgeFind(args, sit);
    case "sed":
      return judgeSed(args, sit);
    case "awk":
    case "gawk":
    case "mawk":
    case "nawk":
      return judgeAwk(name, args, sit);
    case "jq":
      return judgeJq(args, sit);
    case "yq":
      return judgeYq(args, sit);
    case "xxd":
      return judgeXxd(args, sit);
    case "ps":
      return judgePs(args);
    case "date":
      return judgeDate(args, sit);
    case "man":
      return judgeMan(args, sit);
    case "tar":
      return judgeTar(args, sit);
    case "zip":
      return judgeZip(args, sit);
    case "chmod":
    case "chown":
    case "chgrp":
      return judgeChmod(name, args, sit);
    case "curl":
      return judgeCurl(args, sit);
    case "wget":
      return judgeWget(args, sit);
    case "make":
      return judgeMake(args, sit);
    case "printf":
      return judgePrintf(args, sit);
    case "test":
    case "[":
    case "[[":
    case "]]":
      return judgeTest(args, sit);
    case "exit":
    case "return":
    case "shift":
    case "break":
    case "continue":
      return args.length > 1 ? judge("unknown", `${name} with more than one argument`) : (numericRisk(args[0], sit) ?? READ_ONLY);
    case "read":
      return judgeRead(args, sit);
    case "export":
    case "declare":
    case "typeset":
    case "local":
    case "readonly":
      return judgeDeclare(name, args, sit);
    case "unset": {
      const parsed = parseArgs(name, args, options("fvn"));
      if (parsed.problem) return judge("unknown", parsed.problem);
      return worst(parsed.operands.map((w) => nameRisk(w, "unsets")));
    }
    case "set":
      return judgeSet(args);
    case "trap":
      return judgeTrap(args, sit);
    case "wait": {
      const parsed = parseArgs(name, args, options("nfp:"));
      if (parsed.problem) return judge("unknown", parsed.problem);
      return worst([nameRisk(valuesOf(parsed, "-p")[0], "sets"), ...parsed.operands.filter((w) => !/^%\d*$/.test(w.text)).map((w) => numericRisk(w, sit))]);
    }
    case "history":
      return args.every((w) => !w.dynamic && /^(-c|\d+)$/.test(w.text)) ? READ_ONLY : judge("unknown", "history with these options reads or writes a history file");
    case "kill":
      return judge("unknown", "kill sends signals to processes");
    case "eval":
    case "source":
    case ".":
      return judge("unknown", `${name} runs code that is only known at run time`);
  }

  const s = SPECS.get(name);
  if (s) return judgeBySpec(name, s, args, sit);
  const w = WRITE_SPECS.get(name);
  if (w) {
    const parsed = parseArgs(name, args, w.table);
    if (parsed.problem) return judge("unknown", parsed.problem);
    return worst([judge("write"), ...valueRisks(name, parsed, sit), w.check?.(parsed, sit), pathRisk(parsed.operands, sit, "touches")]);
  }
  if (RUNS_CODE.has(name)) {
    const sub = args[0]?.text ?? "";
    if (["publish", "unpublish"].includes(sub) || (name === "gem" && sub === "push")) return judge("unknown", `${name} ${sub} publishes a package`);
    return judge("write");
  }
  return { level: "unknown", reason: `unrecognised command '${name}'`, unrecognised: true };
}

/** Short-option clusters contain one of the letters, or a long option equals one of the names. */
function hasShortOrLong(args: Word[], letters: string, long: string[] = []): boolean {
  return args.some((w) => {
    const t = w.text;
    if (w.dynamic || !t.startsWith("-") || t === "-" || t === "--") return false;
    return t.startsWith("--") ? long.includes(t.split("=")[0]!) : [...t.slice(1)].some((ch) => letters.includes(ch));
  });
}
