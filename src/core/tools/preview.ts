// What an approval shows before anything happens: the change a file tool would make (a unified diff against the
// file as it is now; a new file as added lines, a deletion as removed lines) or where a command would run. Computed
// from the validated arguments only; a preview that cannot be computed is simply left out (the call is unaffected).
import { readdir, stat } from "node:fs/promises";
import { relative } from "node:path";
import type { ApprovalPreview } from "../permission/schema";
import { unifiedDiff } from "./diff";
import { applyEdits, type Edit } from "./patch";
import { applyUnifiedDiff } from "./diff";

/** Files above this are summarised instead of diffed (the prompt must stay small). */
const MAX_PREVIEW_SOURCE_BYTES = 512 * 1024;
/** The diff carried by the prompt is cut at this many lines (the UI collapses long ones anyway). */
export const MAX_PREVIEW_LINES = 400;

const shownPath = (path: string, root: string) => {
  const rel = relative(root, path);
  return rel && !rel.startsWith("..") ? rel : path;
};

function capped(diff: string): Pick<ApprovalPreview, "diff" | "diff_truncated"> {
  const lines = diff.split("\n");
  if (lines.length <= MAX_PREVIEW_LINES) return { diff };
  return { diff: lines.slice(0, MAX_PREVIEW_LINES).join("\n") + "\n", diff_truncated: true };
}

async function textOf(path: string): Promise<string | undefined | null> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined; // absent
  if (info.isDirectory() || info.size > MAX_PREVIEW_SOURCE_BYTES) return null; // not diffable
  const text = await Bun.file(path).text();
  return text.includes("\u0000") ? null : text;
}

export async function approvalPreview(toolName: string, args: Record<string, unknown>, resource: string, root: string): Promise<ApprovalPreview | undefined> {
  try {
    if (toolName === "execute_command" || toolName === "process_start") return { cwd: root };
    const shown = shownPath(resource, root);
    if (toolName === "write_file" || toolName === "create_file") {
      const before = await textOf(resource);
      if (before === null) return undefined;
      const after = typeof args.content === "string" ? args.content : "";
      return { ...capped(unifiedDiff(before ?? "", after, shown) || `--- a/${shown}\n+++ b/${shown}\n`), new_file: before === undefined };
    }
    if (toolName === "patch_file") {
      const before = await textOf(resource);
      if (typeof before !== "string") return undefined;
      const after = Array.isArray(args.edits) ? applyEdits(before, args.edits as Edit[]) : typeof args.diff === "string" ? applyUnifiedDiff(before, args.diff) : before;
      return capped(unifiedDiff(before, after, shown));
    }
    if (toolName === "delete_file") {
      const info = await stat(resource).catch(() => undefined);
      if (!info) return undefined;
      if (info.isDirectory()) {
        const entries = await readdir(resource, { recursive: true }).catch(() => [] as string[]);
        return { deletes_entries: entries.length };
      }
      const before = await textOf(resource);
      if (typeof before !== "string") return undefined;
      return capped(unifiedDiff(before, "", shown));
    }
  } catch {
    // a patch that does not apply, an unreadable file: the prompt goes without a preview
  }
  return undefined;
}
