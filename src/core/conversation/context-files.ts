// Context files: text files the model should see. The workspace's `context/` folder is the library users drop
// files into; a chat may also name files of the project it works on. A path is judged before anything is read:
// it must stay inside an allowed root (workspace, project, the session's bound directory) after `..` and symlinks
// are resolved; otherwise FORBIDDEN and the file is never opened.
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Conversations } from "./conversations";
import type { ContextFileInfo, LoadedContextFile } from "./schema";
import { AppError, badRequest, notFound } from "../kernel/errors";
import type { Roots } from "../fs/roots";
import type { Viewer } from "../kernel/viewer";

export const MAX_CONTEXT_FILE_BYTES = 256 * 1024;

/** Text of a stored file loaded into a conversation (kept as a system message). */
export const loadedFileText = (path: string, content: string): string => `Context file ${path}:\n\`\`\`\n${content}\n\`\`\``;
const MAX_LISTED = 2000;

export interface ReadContextFile {
  /** Absolute, symlinks resolved. */
  path: string;
  /** As the caller named it. */
  requested: string;
  content: string;
  size: number;
}

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(".." + sep) && rel !== ".." && !isAbsolute(rel));
};

const realOrSelf = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};

/**
 * Resolves `requested` (absolute, or relative to the first of `bases` where it exists) and proves it lies inside one
 * of `roots` after `..` and symlinks are resolved. Outside → FORBIDDEN (decided before touching the file); missing →
 * NOT_FOUND. Returns the real path.
 */
export function resolveInsideRoots(requested: string, bases: string[], roots: string[]): string {
  if (typeof requested !== "string" || !requested.trim()) throw badRequest("file path must be a non-empty path");
  if (requested.includes("\0")) throw badRequest("file path contains a NUL byte");
  const allowed = roots.map(realOrSelf);
  const candidates = isAbsolute(requested) ? [resolve(requested)] : bases.map((b) => resolve(b, requested));
  // Judge the spelled path first: `../../etc/passwd` is refused whether or not it exists.
  const permitted = candidates.filter((c) => allowed.some((root) => inside(root, c) || inside(root, realOrSelf(c))));
  if (permitted.length === 0) {
    throw new AppError("FORBIDDEN", `${requested} is outside the allowed roots (workspace, project, session directory)`, { path: requested });
  }
  const found = permitted.find((c) => existsSync(c));
  if (!found) throw notFound("file", requested);
  const real = realpathSync(found);
  if (!allowed.some((root) => inside(root, real))) throw new AppError("FORBIDDEN", `${requested} resolves outside the allowed roots`, { path: requested });
  return real;
}

export class ContextFiles {
  constructor(
    private readonly roots: Roots,
    private readonly conversations: Conversations,
  ) {}

  /** The workspace's context library. */
  get folder(): string {
    return join(this.roots.dataDir, "context");
  }

  /** Files under `<workspace>/context/`, paths relative to it, sorted. */
  list(): ContextFileInfo[] {
    const folder = this.folder;
    if (!existsSync(folder)) return [];
    const files: ContextFileInfo[] = [];
    for (const path of new Bun.Glob("**/*").scanSync({ cwd: folder, onlyFiles: true, dot: false, followSymlinks: false })) {
      try {
        const st = statSync(join(folder, path));
        if (!st.isFile()) continue;
        files.push({ path, size: st.size, modified: st.mtime.toISOString() });
      } catch {
        continue; // vanished while listing
      }
      if (files.length >= MAX_LISTED) break;
    }
    return files.sort((a, b) => a.path.localeCompare(b.path));
  }

  /**
   * Resolves and reads one file. Relative paths are tried against `bases` in order (the first that exists wins);
   * the result must lie inside one of `allowedRoots` (defaults: workspace and project roots).
   */
  read(requested: string, options: { bases: string[]; extraRoots?: string[] }): ReadContextFile {
    const real = this.resolve(requested, options);
    const st = statSync(real);
    if (!st.isFile()) throw badRequest(`${requested} is not a regular file`, { path: requested });
    if (st.size > MAX_CONTEXT_FILE_BYTES) throw badRequest(`${requested} is ${st.size} bytes; context files are limited to ${MAX_CONTEXT_FILE_BYTES} bytes`, { path: requested, size: st.size });
    const bytes = readFileSync(real);
    if (bytes.includes(0)) throw badRequest(`${requested} looks like a binary file; only text files can be used as context`, { path: requested });
    return { path: real, requested, content: bytes.toString("utf8"), size: st.size };
  }

  /** Resolves a path the way `read` does (same roots, same refusals) without reading it. */
  resolve(requested: string, options: { bases: string[]; extraRoots?: string[] }): string {
    return resolveInsideRoots(requested, options.bases, [...this.roots.readableRoots(), ...(options.extraRoots ?? [])]);
  }

  /**
   * Adds a file to a conversation's context (kept as a system message, sent with every later turn). Without a
   * conversation id it goes to the most recently active conversation, or a new one (the viewer's own, for a user).
   */
  load(filePath: string, conversationId?: string, viewer?: Viewer): LoadedContextFile {
    const conversation = conversationId
      ? this.conversations.get(conversationId, viewer)
      : (this.conversations.latest(viewer) ?? this.conversations.create({ viewer }));
    const bound = this.conversations.boundDirectory(conversation.sessionId);
    const file = this.read(filePath, { bases: [this.folder, bound ?? this.roots.activeRoot], extraRoots: bound ? [bound] : [] });
    this.conversations.append(conversation.id, {
      role: "system",
      content: loadedFileText(file.requested, file.content),
      messageType: "context_file",
      metadata: { file_path: file.requested, path: file.path, size: file.size },
    });
    return { conversation_id: conversation.id, file_path: file.requested, path: file.path, size: file.size };
  }
}
