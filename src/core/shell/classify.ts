// The entry points of command-risk classification: a whole line is parsed and every simple command judged; the most
// severe judgement wins.

import { homedir } from "node:os";
import { judgeCommand } from "./command";
import { ASSIGNMENT, type CommandRisk, isAssignment, judge, type Judgement, type Situation, worst } from "./judgement";
import { MAX_DEPTH, parseCommandLine, type SimpleCommand } from "./parse";
import { INTERPRETER, LEADING_KEYWORDS, READS_CODE } from "./specs";

/** Names this line assigns to values that could hold code (anything but a plain number). */
function collectSuspicious(commands: SimpleCommand[], into: Set<string>): void {
  for (const cmd of commands) {
    for (const name of cmd.assigns) into.add(name);
    const words = cmd.words;
    const first = words.findIndex((w) => !isAssignment(w) && !LEADING_KEYWORDS.has(w.text));
    const head = words[first]?.text;
    for (const w of words) {
      const m = ASSIGNMENT.exec(w.text);
      if (m && !w.leadDynamic) {
        const value = w.text.slice(m[0].length);
        if (w.dynamic || !/^[-+]?\d+$/.test(value)) into.add(m[1]!);
      }
    }
    if ((head === "for" || head === "select") && words[first + 1]) {
      const name = words[first + 1]!.text;
      const list = words[first + 2]?.text === "in" ? words.slice(first + 3) : undefined;
      if (!list || list.some((w) => w.dynamic || w.glob || w.braces || !/^[-+]?\d+$/.test(w.text))) into.add(name);
    }
    if (head === "read" || head === "mapfile" || head === "readarray") for (const w of words.slice(first + 1)) if (/^[A-Za-z_]\w*$/.test(w.text)) into.add(w.text);
    if (head === "printf" && words[first + 1]?.text === "-v" && words[first + 2]) into.add(words[first + 2]!.text);
    if (head === "set" && words.slice(first + 1).some((w) => !w.text.startsWith("-") && !w.text.startsWith("+"))) into.add("@");
  }
}

export function classifyWithin(line: string, outer: Situation): Judgement {
  if (outer.depth > MAX_DEPTH) return judge("unknown", "commands nested too deeply");
  let commands: SimpleCommand[];
  try {
    commands = parseCommandLine(line);
  } catch (error) {
    return judge("unknown", `could not parse the command: ${(error as Error).message}`);
  }
  const suspicious = new Set(outer.suspicious);
  collectSuspicious(commands, suspicious);
  const sit: Situation = { ...outer, suspicious };

  const judgements: Judgement[] = [];
  // the working directory: followed through `cd` only along `&&`, restored when a subshell or substitution ends
  let tentative = false;
  let active: number[] = [];
  const saved = new Map<number, { cwd: string | undefined; tentative: boolean }>();
  for (const cmd of commands) {
    let common = 0;
    while (common < active.length && common < cmd.scope.length && active[common] === cmd.scope[common]) common++;
    for (let k = active.length - 1; k >= common; k--) {
      const state = saved.get(active[k]!);
      if (state) ({ cwd: sit.cwd, tentative } = state);
    }
    for (let k = common; k < cmd.scope.length; k++) saved.set(cmd.scope[k]!, { cwd: sit.cwd, tentative });
    active = cmd.scope;
    if (tentative && cmd.prev && cmd.prev !== "&&") {
      sit.cwd = undefined;
      tentative = false;
    }
    const j = judgeCommand(cmd, sit);
    judgements.push(j);
    if (j.chdir !== undefined) {
      sit.cwd = j.chdir ?? undefined;
      tentative = sit.cwd !== undefined;
    }
  }
  const result = worst(judgements);
  // keep every reason of the worst level, so the approval prompt lists all of them
  const reasons = judgements.filter((j) => j.level === result.level && j.reason).map((j) => j.reason!);
  return { level: result.level, reason: [...new Set(reasons)].join("; ") || undefined };
}

/** Classifies a command line that would run with `root` as its working directory. */
export function classifyCommand(command: string, root: string, home = homedir()): CommandRisk {
  if (!command.trim()) return { level: "unknown", reasons: ["empty command"], programs: [] };
  const programs: string[] = [];
  const result = classifyWithin(command, { root, cwd: root, home, suspicious: new Set(), programs, depth: 0 });
  return { level: result.level, reasons: result.reason ? result.reason.split("; ") : [], programs: [...new Set(programs)] };
}

/** Whether writing to the stdin of a process started with `command` can steer what it runs: it runs a shell, an
 *  interpreter or another program that executes its input, or it needed approval to start. */
export function inputRisk(command: string, root: string, home = homedir()): CommandRisk | undefined {
  const risk = classifyCommand(command, root, home);
  const reader = risk.programs.find((p) => READS_CODE.has(p) || INTERPRETER.test(p));
  if (reader) return { level: "unknown", reasons: [`the process runs ${reader}, which executes what it reads; sending it input requires approval`], programs: risk.programs };
  if (risk.level === "unknown" || risk.level === "destructive") {
    return { level: "unknown", reasons: [`the process runs a command of ${risk.level} risk (${risk.reasons[0] ?? "?"}); its input may steer it`], programs: risk.programs };
  }
  return undefined;
}
