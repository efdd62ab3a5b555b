// Runtime roots (Penguin API: /api/v1/system/config*): project root, workspace root and the execution mode that
// picks the active one. Changes apply at once to every tool call of a session not bound to its own directory, so
// changing them is for admin keys (403 for a user key).
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { realpathSync } from "node:fs";
import { DirectoryChecked, DirectoryToCheck, ExecutionModeChanged, RootChanged, RootPath, RootsConfig } from "../src/core/fs/schema";
import { assertDirectory } from "../src/core/fs/roots";
import { badRequest } from "../src/core/kernel/errors";
import { adminOnly } from "../src/http/auth";
import { ErrorEnvelope } from "../src/http/schemas";

const requirePath = (body: { path?: unknown } | null | undefined, what: string): string => {
  const path = body?.path;
  if (typeof path !== "string" || !path.trim()) throw badRequest(`Missing ${what}: send {"path": "..."}`);
  return path;
};

export const systemConfigPlugin = (core: Core) => {
  const { roots } = core;
  return new Elysia({ name: "system-config", detail: { tags: ["system"] } })
    .get(
      "/api/v1/system/config",
      () => ({
        status: "success" as const,
        config: { project_root: roots.projectRoot, workspace_root: roots.workspaceRoot, execution_mode: roots.executionMode, active_root: roots.activeRoot },
      }),
      {
        response: { 200: RootsConfig },
        detail: { summary: "Current runtime roots and execution mode" },
      },
    )
    .post(
      "/api/v1/system/config/check-directory",
      ({ body }) => ({ valid: true as const, path: realpathSync(assertDirectory(body.path, "directory")) }),
      {
        body: DirectoryToCheck,
        response: { 200: DirectoryChecked, 400: ErrorEnvelope },
        detail: {
          summary: "Check a folder a chat may work in",
          description: "The test a chat's `directory` passes when it binds its session: 400 saying why when the path does not exist or is not a directory. Changes nothing.",
        },
      },
    )
    .post(
      "/api/v1/system/config/project-root",
      ({ body }) => {
        const path = roots.setProjectRoot(requirePath(body, "path"));
        return { status: "success" as const, message: `Project root set to ${path}`, path, active_root: roots.activeRoot };
      },
      {
        ...adminOnly("Changing the project root"),
        body: RootPath,
        response: { 200: RootChanged, 400: ErrorEnvelope, 403: ErrorEnvelope },
        detail: { summary: "Change the project root", description: "400 when the path is missing, does not exist or is not a directory." },
      },
    )
    .post(
      "/api/v1/system/config/workspace-root",
      ({ body }) => {
        const path = roots.setWorkspaceRoot(requirePath(body, "path"));
        return { status: "success" as const, message: `Workspace root set to ${path}`, path, active_root: roots.activeRoot };
      },
      {
        ...adminOnly("Changing the workspace root"),
        body: RootPath,
        response: { 200: RootChanged, 400: ErrorEnvelope, 403: ErrorEnvelope },
        detail: {
          summary: "Change the workspace root",
          description: "Where uploads and workspace-mode tools go. The database stays where the server opened it. 400 for a missing or invalid path.",
        },
      },
    )
    .post(
      "/api/v1/system/config/execution-mode",
      ({ body }) => {
        const mode = roots.setExecutionMode(requirePath(body, "mode").trim());
        return { status: "success" as const, message: `Execution mode set to ${mode}: ${roots.activeRoot}`, execution_mode: mode, active_root: roots.activeRoot };
      },
      {
        ...adminOnly("Changing the execution mode"),
        body: RootPath,
        response: { 200: ExecutionModeChanged, 400: ErrorEnvelope, 403: ErrorEnvelope },
        detail: { summary: "Switch between project and workspace mode", description: 'Body {"path": "project" | "workspace"}; anything else → 400.' },
      },
    );
};
