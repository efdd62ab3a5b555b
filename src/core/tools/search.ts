// Search tools: find_file (glob over names and paths) and grep_search (regular expression over file contents).
// Both skip .git, node_modules and .gitignore'd paths and cap their results.
import { Type as T } from "@sinclair/typebox";
import { stat } from "node:fs/promises";
import type { Config } from "../../config";
import { defineTool, fail, looksBinary, ok, pathIn } from "./define";
import { globToRegExp } from "./glob";
import { displayPath } from "./paths";
import type { ToolDefinition } from "./types";
import { walk } from "./walk";

const MAX_GREP_FILE_BYTES = 2 * 1024 * 1024;
const MAX_LINE_CHARS = 400;

/** A pattern without a slash matches a file's name at any depth (like find -name); with one, its relative path. */
function nameMatcher(pattern: string): (rel: string) => boolean {
  const regex = globToRegExp(pattern.replace(/^\.\//, ""), { pathMode: true });
  if (pattern.includes("/")) return (rel) => regex.test(rel);
  return (rel) => regex.test(rel.slice(rel.lastIndexOf("/") + 1));
}

export function searchTools(config: Config): ToolDefinition[] {
  const cap = () => config.tools.outputCapBytes;

  const findFile = defineTool({
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
    category: "filesystem",
    operation: "read",
    resource: (args, ctx) => pathIn(ctx, args.path),
    async run(args, ctx) {
      const base = pathIn(ctx, args.path);
      const info = await stat(base).catch(() => undefined);
      if (!info?.isDirectory()) return fail(`Folder not found: ${displayPath(base, ctx.root)}.`);
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
      if (!found.length) return ok(`No files match ${args.pattern} under ${displayPath(base, ctx.root)}.`, { matches: 0 });
      let output = found.join("\n");
      if (more) output += `\n[… more than ${max} matches; showing the first ${max}. Use a narrower pattern or path.]`;
      return ok(output, { matches: found.length, truncated: more });
    },
  });

  const grepSearch = defineTool({
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
    category: "filesystem",
    operation: "read",
    resource: (args, ctx) => pathIn(ctx, args.path),
    async run(args, ctx) {
      const base = pathIn(ctx, args.path);
      let regex: RegExp;
      try {
        const source = args.fixed_strings ? args.pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : args.pattern;
        regex = new RegExp(source, args.case_insensitive ? "i" : "");
      } catch (error) {
        return fail(`Invalid regular expression: ${(error as Error).message}. Escape special characters or set fixed_strings=true.`);
      }
      const info = await stat(base).catch(() => undefined);
      if (!info) return fail(`Not found: ${displayPath(base, ctx.root)}.`);
      const include = args.include ? nameMatcher(args.include) : () => true;
      const context = args.context_lines ?? 0;
      const max = args.max_results ?? 100;
      const out: string[] = [];
      let matchesFound = 0;
      let filesWithMatches = 0;
      let bytes = 0;
      let stoppedEarly = false;

      const searchFile = async (path: string): Promise<boolean> => {
        const size = (await stat(path).catch(() => undefined))?.size ?? 0;
        if (size === 0 || size > MAX_GREP_FILE_BYTES) return true;
        const data = await Bun.file(path).bytes();
        if (looksBinary(data)) return true;
        const lines = new TextDecoder().decode(data).split("\n");
        const shown = displayPath(path, ctx.root);
        let lastPrinted = -1;
        let any = false;
        for (let n = 0; n < lines.length; n++) {
          if (!regex.test(lines[n]!)) continue;
          if (matchesFound >= max || bytes > cap()) {
            stoppedEarly = true;
            return false;
          }
          matchesFound++;
          any = true;
          const from = Math.max(0, n - context, lastPrinted + 1);
          if (context > 0 && lastPrinted >= 0 && from > lastPrinted + 1) out.push("--");
          for (let k = from; k <= Math.min(lines.length - 1, n + context); k++) {
            if (k <= lastPrinted) continue;
            const text = lines[k]!.replace(/\r$/, "");
            const clipped = text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS) + " [… line cut]" : text;
            const line = k === n || regex.test(lines[k]!) ? `${shown}:${k + 1}: ${clipped}` : `${shown}-${k + 1}- ${clipped}`;
            out.push(line);
            bytes += line.length + 1;
            lastPrinted = k;
          }
        }
        if (any) filesWithMatches++;
        return true;
      };

      if (info.isDirectory()) {
        const files: string[] = [];
        await walk(base, { root: ctx.root, signal: ctx.signal }, (e) => {
          if (!e.isDirectory && !e.isSymlink && include(e.rel)) files.push(e.path);
        });
        for (const file of files) {
          if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error("cancelled");
          if (!(await searchFile(file))) break;
        }
      } else await searchFile(base);

      if (!matchesFound) return ok(`No matches for /${args.pattern}/ under ${displayPath(base, ctx.root)}.`, { matches: 0, files: 0 });
      let output = out.join("\n");
      if (stoppedEarly) output += `\n[… result cap reached after ${matchesFound} matches. Narrow the pattern, path or include glob, or raise max_results.]`;
      return ok(output, { matches: matchesFound, files: filesWithMatches, truncated: stoppedEarly });
    },
  });

  return [findFile, grepSearch];
}
