// Unified diffs: producing one (to report what an edit changed) and applying one (patch_file's diff mode).

const MAX_DP_CELLS = 4_000_000;

type Op = { kind: " " | "-" | "+"; line: string };

/** Line operations turning `a` into `b`: common prefix/suffix trimmed, LCS on the middle (bounded in size). */
function lineOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const ops: Op[] = a.slice(0, start).map((line) => ({ kind: " ", line }));
  if ((midA.length + 1) * (midB.length + 1) > MAX_DP_CELLS) {
    // too big to align cheaply: report the middle as replaced
    for (const line of midA) ops.push({ kind: "-", line });
    for (const line of midB) ops.push({ kind: "+", line });
  } else {
    const n = midA.length;
    const m = midB.length;
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = midA[i] === midB[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        ops.push({ kind: " ", line: midA[i]! });
        i++;
        j++;
      } else if (i < n && (j >= m || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
        ops.push({ kind: "-", line: midA[i++]! });
      } else {
        ops.push({ kind: "+", line: midB[j++]! });
      }
    }
  }
  for (const line of a.slice(endA)) ops.push({ kind: " ", line });
  return ops;
}

const splitLines = (text: string): string[] => {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
};

/** A unified diff of two texts ("" when equal), with `context` lines around each change. */
export function unifiedDiff(before: string, after: string, path: string, context = 3): string {
  if (before === after) return "";
  const ops = lineOps(splitLines(before), splitLines(after));
  const out: string[] = [`--- a/${path}`, `+++ b/${path}`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.kind === " ") {
      k++;
      continue;
    }
    // a hunk: from `context` lines before this change to `context` lines after the last change near it
    const hunkStart = Math.max(0, k - context);
    let end = k;
    while (end < ops.length) {
      if (ops[end]!.kind !== " ") {
        end++;
        continue;
      }
      let run = 0;
      while (end + run < ops.length && ops[end + run]!.kind === " ") run++;
      if (end + run >= ops.length || run > context * 2) break;
      end += run;
    }
    const hunkEnd = Math.min(ops.length, end + context);
    let oldLine = 1;
    let newLine = 1;
    for (let q = 0; q < hunkStart; q++) {
      if (ops[q]!.kind !== "+") oldLine++;
      if (ops[q]!.kind !== "-") newLine++;
    }
    const body = ops.slice(hunkStart, hunkEnd);
    const oldCount = body.filter((o) => o.kind !== "+").length;
    const newCount = body.filter((o) => o.kind !== "-").length;
    out.push(`@@ -${oldCount ? oldLine : oldLine - 1},${oldCount} +${newCount ? newLine : newLine - 1},${newCount} @@`);
    for (const o of body) out.push(o.kind + o.line);
    k = hunkEnd;
  }
  return out.join("\n") + "\n";
}

export class PatchError extends Error {}

interface Hunk {
  oldStart: number;
  lines: Op[];
  header: string;
}

function parseHunks(diff: string): Hunk[] {
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  for (const raw of diff.replace(/\r\n/g, "\n").split("\n")) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(raw);
    if (header) {
      current = { oldStart: Number(header[1]), lines: [], header: raw };
      hunks.push(current);
      continue;
    }
    if (!current) continue; // --- / +++ / diff --git / index lines before the first hunk
    if (raw.startsWith("\\")) continue; // "\ No newline at end of file"
    if (raw.startsWith("--- ") || raw.startsWith("+++ ") || raw.startsWith("diff ")) {
      current = undefined;
      continue;
    }
    const kind = raw[0];
    if (kind === " " || kind === "-" || kind === "+") current.lines.push({ kind, line: raw.slice(1) });
    else if (raw === "") current.lines.push({ kind: " ", line: "" }); // context line whose space was stripped
    else throw new PatchError(`unexpected line in hunk ${current.header}: ${JSON.stringify(raw.slice(0, 80))}`);
  }
  // trailing blank "context" lines produced by a final newline are not part of the hunk
  for (const h of hunks) while (h.lines.length && h.lines[h.lines.length - 1]!.kind === " " && h.lines[h.lines.length - 1]!.line === "") h.lines.pop();
  if (!hunks.length) throw new PatchError("no hunks found: a unified diff needs @@ -line,count +line,count @@ headers");
  return hunks;
}

/** Applies a unified diff to `text`. Hunks may have drifted a little (they are searched near their stated line);
 *  a hunk whose lines are not found fails the whole patch. */
export function applyUnifiedDiff(text: string, diff: string): string {
  const endsWithNewline = text.endsWith("\n");
  const lines = splitLines(text);
  const hunks = parseHunks(diff);
  let offset = 0;
  let searchFrom = 0;
  hunks.forEach((hunk, n) => {
    const old = hunk.lines.filter((l) => l.kind !== "+").map((l) => l.line);
    const replacement = hunk.lines.filter((l) => l.kind !== "-").map((l) => l.line);
    const expected = Math.max(0, hunk.oldStart - 1 + offset);
    const at = findBlock(lines, old, expected, searchFrom);
    if (at < 0) {
      const preview = old.slice(0, 3).map((l) => `  ${l}`).join("\n");
      throw new PatchError(`hunk ${n + 1} (${hunk.header}) does not apply: its lines were not found near line ${hunk.oldStart}${preview ? `:\n${preview}` : ""}`);
    }
    lines.splice(at, old.length, ...replacement);
    offset += replacement.length - old.length + (at - expected);
    searchFrom = at + replacement.length;
  });
  return lines.join("\n") + (endsWithNewline || text === "" ? (lines.length ? "\n" : "") : "");
}

function findBlock(lines: string[], block: string[], expected: number, from: number): number {
  const matchesAt = (i: number, loose: boolean) =>
    block.every((b, k) => (loose ? lines[i + k]?.trimEnd() === b.trimEnd() : lines[i + k] === b));
  if (block.length === 0) return Math.min(Math.max(expected, from), lines.length);
  for (const loose of [false, true]) {
    for (let d = 0; d <= lines.length; d++) {
      for (const i of d === 0 ? [expected] : [expected - d, expected + d]) {
        if (i >= from && i + block.length <= lines.length && matchesAt(i, loose)) return i;
      }
      if (expected - d < from && expected + d + block.length > lines.length) break;
    }
  }
  return -1;
}
