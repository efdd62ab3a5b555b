// Search tools: find_file (glob over names and paths) and grep_search (regular expression over file contents).
// Both skip .git, node_modules and .gitignore'd paths and cap their results.
import { Type as T } from "@sinclair/typebox";
import type { Config } from "../../config";
import { defineFileTool, fail, ok } from "./define";
import { nameMatcher } from "../fs/glob";
import type { GrepReply, GrepRequest, GrepResult } from "./grep-worker";
import { displayPath } from "../fs/paths";
import type { ToolDefinition } from "./types";
import { walk } from "../fs/walk";

// From source (`bun src/index.ts`, `bun test`) the worker is the file beside this one. In the compiled binary every
// module shares the executable's import.meta.url (/$bunfs/root/penguin), and the worker, a second entrypoint of the
// build, is stored by its path under src/.
const GREP_WORKER = new URL(import.meta.url.endsWith(".ts") ? "./grep-worker.ts" : "./core/tools/grep-worker.ts", import.meta.url).href;

/** Runs the search in a worker of its own, terminated as soon as `signal` aborts (tool timeout or cancelled turn). */
function grepInWorker(request: GrepRequest, signal: AbortSignal): Promise<GrepResult> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const worker = new Worker(GREP_WORKER);
    const settle = (outcome: () => void) => {
      signal.removeEventListener("abort", onAbort);
      worker.terminate();
      outcome();
    };
    const onAbort = () => settle(() => reject(signal.reason ?? new Error("cancelled")));
    signal.addEventListener("abort", onAbort, { once: true });
    worker.onmessage = ({ data }: MessageEvent<GrepReply>) => settle(() => ("error" in data ? reject(new Error(data.error)) : resolve(data.result)));
    worker.onerror = (event) => {
      const missing = /ModuleNotFound/.test(event.message) ? "; a compiled binary must have src/core/tools/grep-worker.ts as an entrypoint" : "";
      settle(() => reject(new Error(`the search worker failed: ${event.message}${missing}`)));
    };
    worker.postMessage(request);
  });
}

export function searchTools(config: Config): ToolDefinition[] {
  const cap = () => config.tools.outputCapBytes;

  const findFile = defineFileTool({
    name: "find_file",
    description:
      "Find files by glob pattern. A pattern without '/' matches file names at any depth ('*.ts', 'README*'); with '/' it matches " +
      "paths relative to `path` ('src/**/*.test.ts'). Skips .git, node_modules and .gitignore'd paths.",
    parameters: T.Object({
      pattern: T.String({ minLength: 1, description: "Glob pattern: * ? [abc] {a,b} **" }),
      path: T.Optional(T.String({ description: "Folder to search (default: the project root)" })),
      include_directories: T.Optional(T.Boolean({ description: "Also return matching folders (default false)" })),
      max_results: T.Optional(T.Integer({ minimum: 1, maximum: 1000, description: "Default 200" })),
    }),
    operation: "read",
    async run(args, ctx, { path: base, shown, info }) {
      if (!info?.isDirectory()) return fail(`Folder not found: ${shown}.`);
      const matches = nameMatcher(args.pattern);
      const max = args.max_results ?? 200;
      const found: string[] = [];
      let more = false;
      await walk(base, { root: ctx.root, signal: ctx.signal }, (e) => {
        if (e.isDirectory && !args.include_directories) return;
        if (!matches(e.rel)) return;
        if (found.length >= max) {
          more = true;
          return false;
        }
        found.push(displayPath(e.path, ctx.root) + (e.isDirectory ? "/" : ""));
      });
      if (!found.length) return ok(`No files match ${args.pattern} under ${shown}.`, { matches: 0 });
      let output = found.join("\n");
      if (more) output += `\n[… more than ${max} matches; showing the first ${max}. Use a narrower pattern or path.]`;
      return ok(output, { matches: found.length, truncated: more });
    },
  });

  const grepSearch = defineFileTool({
    name: "grep_search",
    description:
      "Search file contents with a regular expression (JavaScript syntax). Returns 'path:line: text' for matches and 'path-line- text' " +
      "for context lines. Skips binary files, files over 2 MB, .git, node_modules and .gitignore'd paths.",
    parameters: T.Object({
      pattern: T.String({ minLength: 1, description: "Regular expression (or plain text with fixed_strings=true)" }),
      path: T.Optional(T.String({ description: "File or folder to search (default: the project root)" })),
      include: T.Optional(T.String({ description: "Only files matching this glob, e.g. '*.ts' or 'src/**/*.py'" })),
      case_insensitive: T.Optional(T.Boolean()),
      fixed_strings: T.Optional(T.Boolean({ description: "Treat the pattern as plain text" })),
      context_lines: T.Optional(T.Integer({ minimum: 0, maximum: 10, description: "Lines of context around each match (default 0)" })),
      max_results: T.Optional(T.Integer({ minimum: 1, maximum: 1000, description: "Maximum matching lines (default 100)" })),
    }),
    operation: "read",
    timeoutMs: 30_000,
    timeoutHint:
      "The pattern may backtrack catastrophically (nested quantifiers such as (a+)+ or (.*)*): simplify it or use fixed_strings=true, " +
      "and narrow the path or include glob.",
    async run(args, ctx, { path: base, shown, info }) {
      const source = args.fixed_strings ? args.pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : args.pattern;
      const flags = args.case_insensitive ? "i" : "";
      try {
        new RegExp(source, flags);
      } catch (error) {
        return fail(`Invalid regular expression: ${(error as Error).message}. Escape special characters or set fixed_strings=true.`);
      }
      if (!info) return fail(`Not found: ${shown}.`);
      const found = await grepInWorker(
        { base, isDirectory: info.isDirectory(), root: ctx.root, source, flags, include: args.include, contextLines: args.context_lines ?? 0, maxMatches: args.max_results ?? 100, maxBytes: cap() },
        ctx.signal,
      );
      if (!found.matches) return ok(`No matches for /${args.pattern}/ under ${shown}.`, { matches: 0, files: 0 });
      let output = found.lines.join("\n");
      if (found.truncated) output += `\n[… result cap reached after ${found.matches} matches. Narrow the pattern, path or include glob, or raise max_results.]`;
      return ok(output, { matches: found.matches, files: found.files, truncated: found.truncated });
    },
  });

  return [findFile, grepSearch];
}
