// A bounded directory walk shared by list_files, find_file and grep_search: sorted, never follows symlinked
// directories, skips ignored paths, stops on cancel or after a maximum number of entries.
import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { IgnoreRules } from "./ignore";

export interface WalkEntry {
  path: string;
  /** relative to the walk's start, with forward slashes */
  rel: string;
  isDirectory: boolean;
  isSymlink: boolean;
  depth: number;
}

export interface WalkOptions {
  root: string;
  maxDepth?: number;
  signal?: AbortSignal;
  /** Visit at most this many entries (the walk reports whether it stopped early). */
  maxEntries?: number;
  includeIgnored?: boolean;
}

export async function walk(start: string, options: WalkOptions, visit: (entry: WalkEntry) => boolean | void): Promise<{ complete: boolean; visited: number }> {
  const ignore = new IgnoreRules(options.root);
  const maxDepth = options.maxDepth ?? Infinity;
  const maxEntries = options.maxEntries ?? 200_000;
  let visited = 0;

  const visitDir = async (dir: string, depth: number): Promise<boolean> => {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error("cancelled");
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return true; // unreadable directories are skipped, not fatal
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = join(dir, e.name);
      const isDirectory = e.isDirectory();
      if (!options.includeIgnored && ignore.isIgnored(path, isDirectory)) continue;
      if (++visited > maxEntries) return false;
      const entry: WalkEntry = { path, rel: relative(start, path).split(sep).join("/"), isDirectory, isSymlink: e.isSymbolicLink(), depth };
      if (visit(entry) === false) return false;
      if (isDirectory && depth < maxDepth) {
        if (!(await visitDir(path, depth + 1))) return false;
      }
    }
    return true;
  };

  const complete = await visitDir(start, 1);
  return { complete, visited };
}
