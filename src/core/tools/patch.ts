// patch_file: exact search/replace edits or a unified diff, applied all-or-nothing, reporting the diff it made.
import { Type as T } from "@sinclair/typebox";
import { defineFileTool, fail, ok } from "./define";
import { applyUnifiedDiff, PatchError, unifiedDiff } from "./diff";
import type { ToolDefinition, ToolOutput } from "./types";

const MAX_PATCH_BYTES = 10 * 1024 * 1024;

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function occurrences(text: string, search: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(search); i >= 0; i = text.indexOf(search, i + search.length)) at.push(i);
  return at;
}

/** Where a missing search text nearly occurs (same lines, different indentation or trailing spaces). */
function nearMiss(text: string, search: string): number | undefined {
  const wanted = search.split("\n").map((l) => l.trim());
  const lines = text.split("\n");
  for (let i = 0; i + wanted.length <= lines.length; i++) {
    if (wanted.every((w, k) => lines[i + k]!.trim() === w)) return i + 1;
  }
  return undefined;
}

export type Edit = { search: string; replace: string; replace_all?: boolean };

/** Applies edits in order; throws PatchError naming the edit that cannot be applied. */
export function applyEdits(original: string, edits: Edit[]): string {
  let text = original;
  const crlf = original.includes("\r\n");
  edits.forEach((edit, n) => {
    const label = edits.length > 1 ? `edit ${n + 1}` : "the search text";
    if (edit.search === "") throw new PatchError(`${label}: search text is empty; to write a whole file use write_file`);
    let { search, replace } = edit;
    let at = occurrences(text, search);
    // the model usually writes \n; the file may use \r\n
    if (!at.length && crlf && !search.includes("\r\n")) {
      search = search.replace(/\n/g, "\r\n");
      replace = replace.replace(/\n/g, "\r\n");
      at = occurrences(text, search);
    }
    if (!at.length) {
      const near = nearMiss(text, edit.search);
      throw new PatchError(
        `${label} was not found in the file` +
          (near ? ` (similar text at line ${near} differs in whitespace or indentation; copy it exactly)` : "; read the file again and copy the text exactly"),
      );
    }
    if (at.length > 1 && !edit.replace_all) {
      const lines = at.slice(0, 10).map((i) => lineOf(text, i));
      throw new PatchError(`${label} occurs ${at.length} times (lines ${lines.join(", ")}); include more surrounding lines to make it unique, or set replace_all`);
    }
    text = edit.replace_all ? text.split(search).join(replace) : text.slice(0, at[0]) + replace + text.slice(at[0]! + search.length);
  });
  return text;
}

export function patchTool(): ToolDefinition {
  return defineFileTool({
    name: "patch_file",
    description:
      "Edit an existing file. Either `edits`: exact search/replace pairs applied in order (each search text must occur exactly once, " +
      "unless replace_all is set; copy it exactly, including indentation), or `diff`: a unified diff (@@ -l,n +l,n @@ hunks with " +
      "' ', '-', '+' lines). All-or-nothing: if any part does not apply, the file is left unchanged. Returns the diff of what changed.",
    parameters: T.Object({
      path: T.String({ minLength: 1, description: "File to edit" }),
      edits: T.Optional(
        T.Array(
          T.Object({
            search: T.String({ description: "Exact text to find" }),
            replace: T.String({ description: "Text to put in its place" }),
            replace_all: T.Optional(T.Boolean({ description: "Replace every occurrence (default: exactly one must exist)" })),
          }),
          { minItems: 1 },
        ),
      ),
      diff: T.Optional(T.String({ minLength: 1, description: "A unified diff for this file" })),
    }),
    operation: "write",
    // Only an existing file is patched.
    changes: (args, ctx, { path, info }) => (info && !info.isDirectory() ? [path] : []),
    async run(args, ctx, { path, shown, info }): Promise<ToolOutput> {
      if (!!args.edits === !!args.diff) return fail("Give either `edits` or `diff` (exactly one of them).");
      if (!info) return fail(`File not found: ${shown}. Use create_file to create it.`);
      if (info.isDirectory()) return fail(`${shown} is a directory.`);
      if (info.size > MAX_PATCH_BYTES) return fail(`${shown} is too large to patch (${info.size} bytes).`);
      const before = await Bun.file(path).text();
      let after: string;
      try {
        after = args.edits ? applyEdits(before, args.edits) : applyUnifiedDiff(before, args.diff!);
      } catch (error) {
        if (error instanceof PatchError) return fail(`Patch not applied, ${shown} is unchanged: ${error.message}.`);
        throw error;
      }
      if (after === before) return ok(`${shown} already has this content; nothing changed.`, { path, diff: "" });
      await Bun.write(path, after);
      const diff = unifiedDiff(before, after, shown);
      return ok(`Patched ${shown}:\n${diff}`, { path, diff });
    },
  });
}
