// grep_search's file walk and matching, run in a Worker (started by search.ts). A pattern that backtracks
// catastrophically, e.g. /(a+)+$/ against "aaaa…b", then blocks only this thread, which the tool terminates on timeout
// or cancel. On the main thread nothing can interrupt a running match: JavaScriptCore gives up on one match after
// about a second of backtracking, but a file of such lines would freeze the whole server for minutes.
// It is a second entrypoint of the compiled binary (scripts/build.ts).
import { stat } from "node:fs/promises";
import { looksBinary } from "./define";
import { nameMatcher } from "../fs/glob";
import { displayPath } from "../fs/paths";
import { walk } from "../fs/walk";

export interface GrepRequest {
  /** File or folder to search (absolute). */
  base: string;
  isDirectory: boolean;
  root: string;
  source: string;
  flags: string;
  include?: string;
  contextLines: number;
  maxMatches: number;
  maxBytes: number;
}

export interface GrepResult {
  lines: string[];
  matches: number;
  files: number;
  truncated: boolean;
}

export type GrepReply = { result: GrepResult } | { error: string };

const MAX_GREP_FILE_BYTES = 2 * 1024 * 1024;
const MAX_LINE_CHARS = 400;

async function grep(request: GrepRequest): Promise<GrepResult> {
  const { base, root, contextLines: context, maxMatches, maxBytes } = request;
  const regex = new RegExp(request.source, request.flags);
  const result: GrepResult = { lines: [], matches: 0, files: 0, truncated: false };
  let bytes = 0;

  /** Appends the file's matches with their context; false once a cap is reached. */
  const searchFile = async (path: string): Promise<boolean> => {
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size === 0 || size > MAX_GREP_FILE_BYTES) return true;
    const data = await Bun.file(path).bytes();
    if (looksBinary(data)) return true;
    const lines = new TextDecoder().decode(data).split("\n");
    const shown = displayPath(path, root);
    let lastPrinted = -1;
    let any = false;
    for (let n = 0; n < lines.length; n++) {
      if (!regex.test(lines[n]!)) continue;
      if (result.matches >= maxMatches || bytes > maxBytes) {
        result.truncated = true;
        return false;
      }
      result.matches++;
      any = true;
      const from = Math.max(0, n - context, lastPrinted + 1);
      if (context > 0 && lastPrinted >= 0 && from > lastPrinted + 1) result.lines.push("--");
      for (let k = from; k <= Math.min(lines.length - 1, n + context); k++) {
        const text = lines[k]!.replace(/\r$/, "");
        const clipped = text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS) + " [… line cut]" : text;
        const line = k === n || regex.test(lines[k]!) ? `${shown}:${k + 1}: ${clipped}` : `${shown}-${k + 1}- ${clipped}`;
        result.lines.push(line);
        bytes += line.length + 1;
        lastPrinted = k;
      }
    }
    if (any) result.files++;
    return true;
  };

  if (!request.isDirectory) {
    await searchFile(base);
    return result;
  }
  const include = request.include ? nameMatcher(request.include) : () => true;
  const files: string[] = [];
  await walk(base, { root }, (e) => {
    if (!e.isDirectory && !e.isSymlink && include(e.rel)) files.push(e.path);
  });
  for (const file of files) {
    if (!(await searchFile(file))) break;
  }
  return result;
}

// `self` is the worker's global scope here; search.ts imports only the types above, so this never runs on the main thread
self.onmessage = async (event: MessageEvent<GrepRequest>) => {
  let reply: GrepReply;
  try {
    reply = { result: await grep(event.data) };
  } catch (error) {
    reply = { error: (error as Error)?.message ?? String(error) };
  }
  postMessage(reply);
};
