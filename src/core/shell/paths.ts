// How path arguments resolve against the root and the working directory (globs expanded against the disk, `..`
// resolved physically, `/proc` never inside), and the judgement of paths and redirections that leave the root.

import { readdirSync } from "node:fs";
import { globToRegExp } from "../fs/glob";
import { isShellPathWithinRoot } from "../fs/paths";
import { judge, type Judgement, type Situation, worst } from "./judgement";
import { globInfo, type Redirect, unescapePattern, type Word } from "./parse";

export const DEVICE_OK = /^\/dev\/(null|zero|u?random|stdin|stdout|stderr|tty|fd\/\d+)$/;
const MAX_GLOB_MATCHES = 2000;

/** The absolute path a (non-glob) shell word names, not normalised: `..` is resolved later, physically. */
export function absolutePath(text: string, sit: Situation): string {
  if (text.startsWith("/")) return text;
  if (text === "~") return sit.home;
  if (text.startsWith("~/")) return `${sit.home}/${text.slice(2)}`;
  return `${sit.cwd ?? sit.root}/${text}`;
}

export const isRelative = (text: string) => !(text.startsWith("/") || text === "~" || text.startsWith("~/"));

/** The files a glob word matches now (as bash would expand it), or the word itself when it matches nothing. */
function globCandidates(w: Word, sit: Situation): string[] {
  const pattern = w.pattern;
  let base: string;
  let rest: string;
  if (pattern.startsWith("/")) [base, rest] = ["", pattern.slice(1)];
  else if (pattern === "~" || pattern.startsWith("~/")) [base, rest] = [sit.home, pattern.slice(2)];
  else [base, rest] = [sit.cwd ?? sit.root, pattern];
  let current = [base];
  for (const segment of rest.split("/")) {
    if (!segment) continue;
    if (!globInfo(segment).glob) {
      current = current.map((d) => `${d}/${unescapePattern(segment)}`);
      continue;
    }
    const regex = globToRegExp(segment, { pathMode: true });
    const next: string[] = [];
    for (const dir of current) {
      let entries: string[] = [];
      try {
        entries = readdirSync(dir || "/");
      } catch {
        continue;
      }
      for (const entry of entries) {
        if ((entry.startsWith(".") && !segment.startsWith(".")) || !regex.test(entry)) continue;
        next.push(`${dir}/${entry}`);
        if (next.length > MAX_GLOB_MATCHES) return [`${base}/${unescapePattern(rest).replace(/[*?[\]]/g, "_")}`, ...next];
      }
    }
    if (!next.length) return [absolutePath(w.text, sit)];
    current = next;
  }
  return current;
}

function outsideJudgement(verb: "reads" | "touches", text: string, why = "outside the project root"): Judgement {
  return verb === "reads" ? judge("unknown", `reads ${text} ${why}`) : judge("destructive", `changes ${text} ${why}`);
}

/** Checks path arguments; returns a judgement when one escapes the root (or can't be known). */
export function pathRisk(words: Word[], sit: Situation, verb: "reads" | "touches"): Judgement | undefined {
  for (const w of words) {
    if (w.text === "-" && !w.dynamic) continue;
    if (w.dynamic && /^[<>]\(/.test(w.text)) continue;
    if (w.dynamic) return judge("unknown", `${verb} a path computed at run time (${w.text})`);
    if (DEVICE_OK.test(w.text)) continue;
    const text = w.text;
    if (text.startsWith("~") && text !== "~" && !text.startsWith("~/")) return judge("unknown", `${verb} another user's home or the directory stack (${text})`);
    if (isRelative(text) && sit.cwd === undefined) {
      return outsideJudgement(verb, text, "relative to a working directory that is not known here (after a cd that may not have run), so as if outside the project root");
    }
    const candidates = w.glob ? globCandidates(w, sit) : [absolutePath(text, sit)];
    const escaping = candidates.find((p) => !isShellPathWithinRoot(p, sit.root));
    if (escaping !== undefined) return outsideJudgement(verb, w.glob ? `${text} (matching ${escaping})` : text);
  }
  return undefined;
}

export function judgeRedirects(redirects: Redirect[], sit: Situation): Judgement | undefined {
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
    const outside = pathRisk([{ ...target, glob: false }], sit, writes ? "touches" : "reads");
    if (outside) found.push(writes && outside.level === "destructive" ? judge("destructive", outside.reason!.replace(/^changes/, "writes")) : outside);
    else if (writes) found.push(judge("write", `writes ${target.text}`));
  }
  return worst(found);
}
