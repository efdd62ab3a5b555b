// Judges of bash builtins: cd, printf, test, read, declare, set, trap.

import { isShellPathWithinRoot, physicalPath } from "../fs/paths";
import { classifyWithin } from "./classify";
import { isAssignment, judge, type Judgement, nameRisk, numericRisk, READ_ONLY, type Situation, worst } from "./judgement";
import { options, parseArgs, valuesOf } from "./options";
import type { Word } from "./parse";
import { absolutePath, isRelative } from "./paths";

export function judgeCd(name: string, args: Word[], sit: Situation): Judgement {
  if (name === "popd") return { level: "read-only", chdir: null };
  const parsed = parseArgs(name, args, options(name === "cd" ? "LPe@" : ""));
  if (parsed.problem) return { level: "unknown", reason: parsed.problem, chdir: null };
  const target = parsed.operands[0];
  if (!target) return { level: "unknown", reason: `${name} without a directory goes to the home directory, outside the project root`, chdir: null };
  if (target.dynamic || target.text === "-" || /^[+-]\d+$/.test(target.text)) return { level: "unknown", reason: `${name} to a directory computed at run time`, chdir: null };
  if (isRelative(target.text) && sit.cwd === undefined) {
    return { level: "unknown", reason: `${name} ${target.text} from a working directory that is not known here`, chdir: null };
  }
  const next = absolutePath(target.text, sit);
  if (!isShellPathWithinRoot(next, sit.root)) return { level: "unknown", reason: `${name} ${target.text} leaves the project root`, chdir: null };
  return { level: "read-only", chdir: physicalPath(next) };
}

export function judgePrintf(args: Word[], sit: Situation): Judgement {
  const results: (Judgement | undefined)[] = [];
  let rest = args;
  if (rest[0]?.text === "-v" && !rest[0].dynamic) {
    results.push(nameRisk(rest[1], "sets"));
    rest = rest.slice(2);
  }
  if (rest[0]?.text === "--") rest = rest.slice(1);
  const format = rest[0];
  if (!format) return worst(results);
  const numeric = format.dynamic || /%[-+ #0']*(\*|\d+)?(\.(\*|\d*))?[diouxXeEfFgGaA]|%[^%]*\*/.test(format.text);
  if (numeric) for (const w of rest.slice(1)) results.push(numericRisk(w, sit));
  return worst(results);
}

const NUMERIC_TEST = new Set(["-eq", "-ne", "-lt", "-le", "-gt", "-ge"]);

export function judgeTest(args: Word[], sit: Situation): Judgement {
  const results: (Judgement | undefined)[] = [];
  args.forEach((w, k) => {
    if (w.dynamic) return;
    if (NUMERIC_TEST.has(w.text)) results.push(numericRisk(args[k - 1], sit), numericRisk(args[k + 1], sit));
    if (w.text === "-v") {
      const name = args[k + 1];
      if (name && (name.dynamic || name.text.includes("["))) results.push(judge("unknown", `test -v ${name.text}: bash evaluates an array subscript here as code`));
    }
  });
  return worst(results);
}

export function judgeRead(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs("read", args, options("ersa:d:i:n:N:p:t:u:"), { dynamicOk: true });
  if (parsed.problem) return judge("unknown", parsed.problem);
  return worst([
    nameRisk(valuesOf(parsed, "-a")[0], "sets"),
    ...valuesOf(parsed, "-n", "-N", "-t", "-u").map((w) => numericRisk(w, sit)),
    ...parsed.operands.map((w) => nameRisk(w, "sets")),
  ]);
}

export function judgeDeclare(name: string, args: Word[], _sit: Situation): Judgement {
  const letters: Record<string, string> = { export: "fnp", readonly: "aAfp", declare: "aAfFgprtxul", typeset: "aAfFgprtxul", local: "aAfFgprtxul" };
  const results: (Judgement | undefined)[] = [];
  for (const w of args) {
    // NAME=value arguments are assignments: not word-split, only the name matters
    if (w.dynamic && !isAssignment(w) && (w.leadDynamic || w.split)) return judge("unknown", `${name} ${w.text}: a name computed at run time`);
    const t = w.text;
    if (/^[-+]/.test(t) && t.length > 1 && t !== "--") {
      const bad = [...t.slice(1)].find((c) => !letters[name]!.includes(c));
      if (bad) return judge("unknown", `${name} ${t[0]}${bad} is not an option known to be safe${bad === "i" ? " (integer variables evaluate their values as code)" : bad === "n" ? " (a name reference)" : ""}`);
      continue;
    }
    if (t === "--") continue;
    const m = /^([^=+]*)(\+?=)?/.exec(t)!;
    results.push(nameRisk({ ...w, text: m[1]!, dynamic: false }, "sets"));
  }
  return worst(results);
}

export const SET_OPTIONS = new Set(["errexit", "nounset", "xtrace", "verbose", "noglob", "noclobber", "pipefail", "errtrace", "functrace", "posix", "braceexpand", "hashall", "notify", "noexec", "physical", "allexport", "monitor", "ignoreeof"]);

export function judgeSet(args: Word[]): Judgement {
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    if (w.dynamic) return READ_ONLY; // positional parameters
    const t = w.text;
    if (t === "--" || t === "-") return READ_ONLY;
    if (!/^[-+]/.test(t)) return READ_ONLY;
    for (const c of t.slice(1)) {
      if (c === "o") {
        const option = args[++k]?.text;
        if (option && !SET_OPTIONS.has(option)) return judge("unknown", `set -o ${option} is not a shell option known to be safe`);
      } else if (!"eufxvnCbhmBHEPTpa".includes(c)) return judge("unknown", `set ${t[0]}${c} is not a shell option known to be safe${c === "k" ? " (assignments anywhere would reach programs' environment)" : ""}`);
    }
  }
  return READ_ONLY;
}

export function judgeTrap(args: Word[], sit: Situation): Judgement {
  const first = args[0];
  if (!first || (!first.dynamic && ["-l", "-p", "-lp", "-pl"].includes(first.text))) return READ_ONLY;
  const rest = first.text === "--" ? args.slice(1) : args;
  const action = rest[0];
  if (!action || rest.length < 2) return READ_ONLY; // `trap SIG` resets
  if (action.dynamic) return judge("unknown", "trap runs code computed at run time");
  if (action.text === "" || action.text === "-") return READ_ONLY;
  // runs later, wherever the shell then is
  const inner = classifyWithin(action.text, { ...sit, cwd: undefined, depth: sit.depth + 1 });
  return inner.level === "read-only" ? READ_ONLY : { ...inner, reason: `trap runs later: ${inner.reason ?? `${inner.level} command`}` };
}
