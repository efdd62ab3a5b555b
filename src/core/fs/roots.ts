// The runtime roots: project root, workspace root and the execution mode that picks the active one.
// Changeable at run time (/api/v1/system/config/*); listeners hear about every change.
import { mkdirSync, realpathSync, statSync } from "node:fs";
import { isInside, realPathOf } from "./paths";
import { join, resolve } from "node:path";
import { badRequest } from "../kernel/errors";
import type { ExecutionMode } from "./schema";

export function assertDirectory(path: string, what = "path"): string {
  if (typeof path !== "string" || path.trim() === "") throw badRequest(`${what} must be a non-empty path`);
  const abs = resolve(path);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    throw badRequest(`${what} ${abs} does not exist`, { path: abs });
  }
  if (!isDir) throw badRequest(`${what} ${abs} is not a directory`, { path: abs });
  return abs;
}

/** Whether `dir` is the server's own folder or lies in it outside its `files/` (the agent's workspace root). */
export function insideServerFolder(dir: string, dataDir: string): boolean {
  const data = realPathOf(dataDir);
  const real = realPathOf(dir);
  return isInside(real, data) && !isInside(real, join(data, "files"));
}

export class Roots {
  private listeners = new Set<(roots: Roots) => void>();

  constructor(
    private project: string,
    private workspace: string,
    private mode: ExecutionMode,
    /** The server's own folder (database, config, uploads, context files): never a root the agent works in. */
    readonly dataDir: string,
  ) {
    mkdirSync(workspace, { recursive: true });
  }

  get projectRoot(): string {
    return this.project;
  }
  get workspaceRoot(): string {
    return this.workspace;
  }
  get executionMode(): ExecutionMode {
    return this.mode;
  }
  get activeRoot(): string {
    return this.mode === "project" ? this.project : this.workspace;
  }
  /** Where files named by API callers (images, context files) may come from: the roots, and the server's uploads and
   *  context library; never the rest of the server's folder (database, config). */
  readableRoots(): string[] {
    return [this.workspace, this.project, join(this.dataDir, "uploads"), join(this.dataDir, "context")];
  }

  /** A directory the agent may work in: it exists, and it is not the server's own folder nor inside it (except the
   *  workspace's files/), where the database, configuration and keys live. */
  assertAgentRoot(path: string, what = "path"): string {
    const dir = realpathSync(assertDirectory(path, what));
    if (insideServerFolder(dir, this.dataDir)) {
      throw badRequest(`${what} ${dir} holds the server's own database and configuration; choose a project folder (or ${join(this.dataDir, "files")})`, { path: dir });
    }
    return dir;
  }

  setProjectRoot(path: string): string {
    this.project = this.assertAgentRoot(path);
    this.changed();
    return this.project;
  }
  setWorkspaceRoot(path: string): string {
    this.workspace = this.assertAgentRoot(path);
    this.changed();
    return this.workspace;
  }
  setExecutionMode(mode: string): ExecutionMode {
    if (mode !== "project" && mode !== "workspace") throw badRequest(`execution mode must be 'project' or 'workspace', not '${mode}'`);
    this.mode = mode;
    this.changed();
    return mode;
  }

  onChange(listener: (roots: Roots) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l(this);
  }
}
