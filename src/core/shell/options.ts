// Option parsing the way getopt does it (glued values, `--opt=value`, clusters), against per-program tables of the
// options known to be safe, and the judgement of option values that name paths.

import { judge, type Judgement, type Situation } from "./judgement";
import type { Word } from "./parse";
import { pathRisk } from "./paths";

type OptionKind = "flag" | "value" | "read" | "write" | "deny" | "optional" | "value2" | "value2read";

export interface OptionTable {
  short: Map<string, OptionKind>;
  long: Map<string, OptionKind>;
}

const KIND_MARKS: Record<string, OptionKind> = { ":": "value", "<": "read", ">": "write", "!": "deny", "?": "optional" };

/** Short options: each letter, optionally followed by `:` (takes a value), `<` (a path it reads), `>` (a path it
 *  writes), `!` (not allowed: runs programs, writes or reads what can't be checked) or `?` (optional glued value).
 *  Long options: space-separated names, with `=` (value), `=<`, `=>`, `=2` (two values), `=2<` (a value, then a
 *  path it reads), `!` or `?`. */
export function options(short: string, long = ""): OptionTable {
  const table: OptionTable = { short: new Map(), long: new Map() };
  for (let k = 0; k < short.length; k++) {
    const letter = short[k]!;
    const mark = KIND_MARKS[short[k + 1] ?? ""];
    table.short.set(letter, mark ?? "flag");
    if (mark) k++;
  }
  for (const token of long.split(/\s+/).filter(Boolean)) {
    const m = /^([^=!?]+)(=2<|=2|=<|=>|=|!|\?)?$/.exec(token)!;
    const kind: OptionKind =
      m[2] === "=2<" ? "value2read" : m[2] === "=2" ? "value2" : m[2] === "=<" ? "read" : m[2] === "=>" ? "write" : m[2] === "=" ? "value" : m[2] === "!" ? "deny" : m[2] === "?" ? "optional" : "flag";
    table.long.set(m[1]!, kind);
  }
  return table;
}

export interface ParsedArgs {
  operands: Word[];
  values: { option: string; kind: OptionKind; word: Word }[];
  flags: Set<string>;
  problem?: string;
}

export interface ParseRules {
  /** Every option is harmless and none takes a path: options are skipped, their values judged as operands. */
  any?: boolean;
  /** -NUM is an option (head -5, grep -3) */
  numeric?: boolean;
  /** Arguments computed at run time are harmless even if they turn out to be options. */
  dynamicOk?: boolean;
  /** A file name matched by a glob can't do harm even if it looks like an option. */
  globSafe?: boolean;
}

export function parseArgs(name: string, args: Word[], table: OptionTable | undefined, rules: ParseRules = {}): ParsedArgs {
  const parsed: ParsedArgs = { operands: [], values: [], flags: new Set() };
  const problem = (why: string) => {
    parsed.problem ??= why;
  };
  let endOfOptions = false;
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    if (endOfOptions) {
      parsed.operands.push(w);
      continue;
    }
    if (w.dynamic && (w.split || w.leadDynamic)) {
      if (!rules.dynamicOk && !rules.any) problem(`an argument computed at run time (${w.text}) may turn out to be an option of ${name}`);
      parsed.operands.push(w);
      continue;
    }
    if (w.leadGlob && !rules.globSafe && !rules.any) {
      problem(`a file name matched by ${w.text} would be taken as an option of ${name} if it starts with -`);
      parsed.operands.push(w);
      continue;
    }
    const t = w.text;
    if (t === "--") {
      endOfOptions = true;
      continue;
    }
    if (!t.startsWith("-") || t === "-") {
      parsed.operands.push(w);
      continue;
    }
    if (rules.any || !table) {
      parsed.flags.add(t.split("=")[0]!);
      continue;
    }
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      const option = eq < 0 ? t.slice(2) : t.slice(2, eq);
      const kind = table.long.get(option);
      if (!kind) {
        problem(`${name} --${option} is not an option known to be safe`);
        continue;
      }
      if (kind === "deny") {
        problem(`${name} --${option} can run programs, write files or read files that can't be checked`);
        continue;
      }
      parsed.flags.add(`--${option}`);
      if (kind === "flag") {
        if (eq >= 0) problem(`${name} --${option} takes no value`);
        continue;
      }
      if (kind === "optional") {
        if (eq >= 0) parsed.values.push({ option: `--${option}`, kind: "value", word: { ...w, text: t.slice(eq + 1) } });
        continue;
      }
      if (kind === "value2" || kind === "value2read") {
        const first = eq >= 0 ? { ...w, text: t.slice(eq + 1) } : args[++k];
        const second = args[++k];
        if (!first || !second) {
          problem(`${name} --${option} without its values`);
          continue;
        }
        parsed.values.push({ option: `--${option}`, kind: "value", word: first }, { option: `--${option}`, kind: kind === "value2read" ? "read" : "value", word: second });
        continue;
      }
      const value = eq >= 0 ? { ...w, text: t.slice(eq + 1) } : args[++k];
      if (!value) {
        problem(`${name} --${option} without its value`);
        continue;
      }
      parsed.values.push({ option: `--${option}`, kind, word: value });
      continue;
    }
    if (rules.numeric && /^-\d+$/.test(t)) {
      parsed.flags.add(t);
      continue;
    }
    for (let c = 1; c < t.length; c++) {
      const letter = t[c]!;
      const kind = table.short.get(letter);
      if (!kind) {
        problem(`${name} -${letter} is not an option known to be safe`);
        break;
      }
      if (kind === "deny") {
        problem(`${name} -${letter} can run programs, write files or read files that can't be checked`);
        break;
      }
      parsed.flags.add(`-${letter}`);
      if (kind === "flag") continue;
      const rest = t.slice(c + 1);
      if (kind === "optional") {
        if (rest) parsed.values.push({ option: `-${letter}`, kind: "value", word: { ...w, text: rest } });
        break;
      }
      const value = rest ? { ...w, text: rest } : args[++k];
      if (!value) {
        problem(`${name} -${letter} without its value`);
        break;
      }
      if (kind === "value2" || kind === "value2read") {
        const second = args[++k];
        if (!second) problem(`${name} -${letter} without its values`);
        else parsed.values.push({ option: `-${letter}`, kind: "value", word: value }, { option: `-${letter}`, kind: kind === "value2read" ? "read" : "value", word: second });
        break;
      }
      parsed.values.push({ option: `-${letter}`, kind, word: value });
      break;
    }
  }
  for (const v of parsed.values) {
    if (v.kind === "value" && v.word.dynamic && v.word.split && !rules.dynamicOk) problem(`the value of ${name} ${v.option} (${v.word.text}) is computed at run time and may split into more options`);
  }
  return parsed;
}

/** The judgement of the option values that are paths: reads checked, writes checked and counted as writes. */
export function valueRisks(name: string, parsed: ParsedArgs, sit: Situation): Judgement[] {
  const out: Judgement[] = [];
  for (const v of parsed.values) {
    if (v.kind === "read") {
      const j = pathRisk([v.word], sit, "reads");
      if (j) out.push(j);
    } else if (v.kind === "write") {
      out.push(pathRisk([v.word], sit, "touches") ?? judge("write", `${name} ${v.option} writes ${v.word.text}`));
    }
  }
  return out;
}

export const has = (parsed: ParsedArgs, ...names: string[]) => names.some((n) => parsed.flags.has(n));
export const valuesOf = (parsed: ParsedArgs, ...names: string[]) => parsed.values.filter((v) => names.includes(v.option)).map((v) => v.word);
