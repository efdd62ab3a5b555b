// File tools: read_file, write_file, create_file, create_folder, delete_file, list_files.
// Paths are resolved against the call's root; the permission layer has already judged where they land.
import { Type as T } from "@sinclair/typebox";
import { readlinkSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Config } from "../../config";
import { defineFileTool, fail, looksBinary, ok, sniffImage } from "./define";
import { unifiedDiff } from "./diff";
import { realPathOf } from "../fs/paths";
import type { ToolDefinition } from "./types";
import { walk } from "../fs/walk";

const MAX_READ_BYTES = 20 * 1024 * 1024;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const MAX_DIFF_BYTES = 1024 * 1024;

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "?";
  }
}

const Path = (description: string) => T.String({ minLength: 1, description });

const isRoot = (path: string, root: string) => realPathOf(path) === realPathOf(root);

export function fileTools(config: Config): ToolDefinition[] {
  const cap = () => config.tools.outputCapBytes;

  const readFile = defineFileTool({
    name: "read_file",
    description:
      "Read a text file, with line numbers (format: number, tab, line). Use start_line/end_line (1-based, inclusive) to read part of a " +
      "long file; long output is cut and tells you where to continue. Images (PNG, JPEG, GIF, WebP) are returned for you to look at. " +
      "Binary files are refused.",
    parameters: T.Object({
      path: Path("File path, relative to the project root or absolute"),
      start_line: T.Optional(T.Integer({ minimum: 1, description: "First line to read (default 1)" })),
      end_line: T.Optional(T.Integer({ minimum: 1, description: "Last line to read (default: end of file)" })),
    }),
    operation: "read",
    async run(args, ctx, { path, shown, info }) {
      if (!info) return fail(`File not found: ${shown}. Use list_files or find_file to locate it.`);
      if (info.isDirectory()) return fail(`${shown} is a directory; use list_files to see what it contains.`);
      if (info.size > MAX_READ_BYTES) {
        return fail(`${shown} is ${info.size} bytes, too large to read at once; use grep_search to find the part you need.`);
      }
      const bytes = await Bun.file(path).bytes();
      const image = sniffImage(bytes);
      if (image) {
        if (bytes.length > MAX_IMAGE_BYTES) return fail(`${shown} is an image of ${bytes.length} bytes, larger than the ${MAX_IMAGE_BYTES} bytes that can be shown.`);
        return {
          ok: true,
          output: `${shown} is an image (${image}, ${bytes.length} bytes); it is attached for you to look at.`,
          data: { path, media_type: image, bytes: bytes.length },
          images: [{ mediaType: image, base64: Buffer.from(bytes).toString("base64") }],
        };
      }
      if (looksBinary(bytes)) return fail(`${shown} is a binary file (${bytes.length} bytes); read_file only reads text.`);
      const text = new TextDecoder().decode(bytes);
      if (text === "") return ok(`${shown} is empty.`, { path, total_lines: 0 });
      const lines = text.split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      const total = lines.length;
      const first = args.start_line ?? 1;
      const last = Math.min(args.end_line ?? total, total);
      if (first > total) return fail(`${shown} has ${total} lines; start_line ${first} is past the end.`);
      if (last < first) return fail(`end_line ${args.end_line} is before start_line ${first}.`);
      const width = String(last).length;
      const out: string[] = [];
      let bytesOut = 0;
      let shownUntil = first - 1;
      for (let n = first; n <= last; n++) {
        const line = `${String(n).padStart(width)}\t${lines[n - 1]!.replace(/\r$/, "")}`;
        bytesOut += Buffer.byteLength(line) + 1;
        if (bytesOut > cap() && n > first) break;
        out.push(line);
        shownUntil = n;
      }
      let output = out.join("\n");
      const truncated = shownUntil < last;
      if (truncated) output += `\n[… truncated: showing lines ${first}-${shownUntil} of ${total}. Call read_file with start_line=${shownUntil + 1} to continue.]`;
      else if (first > 1 || last < total) output += `\n[lines ${first}-${last} of ${total}]`;
      return ok(output, { path, total_lines: total, start_line: first, end_line: shownUntil, truncated });
    },
  });

  const writeLike = (name: "write_file" | "create_file") =>
    defineFileTool({
      name,
      description:
        name === "write_file"
          ? "Write a file with the given content, replacing it if it exists and creating missing parent folders. " +
            "Prefer patch_file for small changes to an existing file."
          : "Create a new file with the given content (parent folders are created). Fails if the file already exists.",
      parameters: T.Object({
        path: Path("File path, relative to the project root or absolute"),
        content: name === "write_file" ? T.String({ description: "The complete new content" }) : T.Optional(T.String({ description: "Initial content (default empty)" })),
      }),
      operation: "write",
      // A call bound to fail changes nothing: a folder is never written over, create_file never replaces a file.
      changes: (args, ctx, { path, info }) => (info?.isDirectory() || (info && name === "create_file") ? [] : [path]),
      async run(args, ctx, { path, shown, info }) {
        const content = args.content ?? "";
        if (info?.isDirectory()) return fail(`${shown} is a directory.`);
        if (info && name === "create_file") return fail(`${shown} already exists; use write_file to replace it or patch_file to edit it.`);
        let before: string | undefined;
        if (info && info.size <= MAX_DIFF_BYTES) before = await Bun.file(path).text();
        await mkdir(dirname(path), { recursive: true });
        const bytes = await Bun.write(path, content);
        const diff = before !== undefined && Buffer.byteLength(content) <= MAX_DIFF_BYTES ? unifiedDiff(before, content, shown) : undefined;
        return ok(`${info ? "Replaced" : "Created"} ${shown} (${bytes} bytes).`, { path, bytes, created: !info, ...(diff !== undefined ? { diff } : {}) });
      },
    });

  const createFolder = defineFileTool({
    name: "create_folder",
    description: "Create a folder (and any missing parents). Succeeds if it already exists.",
    parameters: T.Object({ path: Path("Folder path, relative to the project root or absolute") }),
    operation: "write",
    async run(args, ctx, { path, shown, info }) {
      if (info?.isDirectory()) return ok(`${shown} already exists.`, { path, created: false });
      if (info) return fail(`${shown} exists and is a file, not a folder.`);
      await mkdir(path, { recursive: true });
      return ok(`Created folder ${shown}.`, { path, created: true });
    },
  });

  const deleteFile = defineFileTool({
    name: "delete_file",
    description: "Delete a file, or a folder with recursive=true. Deleting needs the user's approval unless pre-approved.",
    parameters: T.Object({
      path: Path("Path of the file or folder to delete"),
      recursive: T.Optional(T.Boolean({ description: "Required to delete a non-empty folder" })),
    }),
    operation: "delete",
    // Nothing is deleted when the call is refused: the root itself, nothing there, a folder without recursive.
    changes: (args, ctx, { path, info }) =>
      !info || isRoot(path, ctx.root) || (info.isDirectory() && args.recursive !== true) ? [] : [path],
    async run(args, ctx, { path, shown, info }) {
      if (isRoot(path, ctx.root)) return fail("Refusing to delete the project root itself.");
      if (!info) return fail(`Not found: ${shown}.`);
      if (info.isDirectory() && args.recursive !== true) {
        return fail(`${shown} is a folder; pass recursive=true to delete it and everything in it.`);
      }
      await rm(path, { recursive: info.isDirectory() });
      return ok(`Deleted ${shown}.`, { path });
    },
  });

  const listFiles = defineFileTool({
    name: "list_files",
    description:
      "List a folder as a tree (folders end with /), down to `depth` levels (default 2). Skips .git, node_modules and paths ignored by .gitignore.",
    parameters: T.Object({
      path: T.Optional(T.String({ description: "Folder to list (default: the project root)" })),
      depth: T.Optional(T.Integer({ minimum: 1, maximum: 10, description: "How many levels to descend (1-10, default 2)" })),
      include_ignored: T.Optional(T.Boolean({ description: "Also list .gitignore'd paths (default false)" })),
    }),
    operation: "read",
    async run(args, ctx, { path, shown, info }) {
      if (!info) return fail(`Folder not found: ${shown}.`);
      if (!info.isDirectory()) return fail(`${shown} is a file; use read_file to read it.`);
      const lines: string[] = [`${shown}/`];
      let bytes = 0;
      let listed = 0;
      let hidden = 0;
      const maxEntries = 2000;
      const { complete } = await walk(
        path,
        { root: ctx.root, maxDepth: args.depth ?? 2, signal: ctx.signal, maxEntries: maxEntries * 5, includeIgnored: args.include_ignored },
        (e) => {
          if (bytes > cap() || listed >= maxEntries) {
            hidden++;
            return;
          }
          const indent = "  ".repeat(e.depth);
          const name = e.rel.slice(e.rel.lastIndexOf("/") + 1);
          // a symlink is shown with its target and never followed
          const suffix = e.isDirectory ? "/" : e.isSymlink ? ` -> ${linkTarget(e.path)}` : "";
          const line = `${indent}${name}${suffix}`;
          lines.push(line);
          bytes += line.length + 1;
          listed++;
        },
      );
      if (listed === 0) lines.push("  (empty)");
      if (hidden || !complete) lines.push(`[… ${hidden ? `${hidden} more entries` : "more entries"} not shown. List a subfolder or use a smaller depth.]`);
      return ok(lines.join("\n"), { path, entries: listed, truncated: hidden > 0 || !complete });
    },
  });

  return [readFile, writeLike("write_file"), writeLike("create_file"), createFolder, deleteFile, listFiles];
}
