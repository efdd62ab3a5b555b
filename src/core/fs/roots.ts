// The runtime roots: project root, workspace root and the execution mode that picks the active one.
// Changeable at run time (/api/v1/system/config/*); listeners hear about every change.
import { statSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
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

export class Roots {
  private listeners = new Set<(roots: Roots) => void>();

  constructor(
    private project: string,
    private workspace: string,
    private mode: ExecutionMode,
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

  setProjectRoot(path: string): string {
    this.project = assertDirectory(path);
    this.changed();
    return this.project;
  }
  setWorkspaceRoot(path: string): string {
    this.workspace = assertDirectory(path);
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
