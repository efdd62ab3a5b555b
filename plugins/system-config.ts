// Runtime roots (Penguin API: /api/v1/system/config*): project root, workspace root and the execution mode that
// picks the active one. Changes apply at once to every tool call of a session not bound to its own directory.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { badRequest } from "../src/core/kernel/errors";
import { ErrorEnvelope } from "../src/http/schemas";

// `path` is checked by hand so a missing one is a 400 like a wrong one (as the v0.4 spec documents).
const PathBody = t.Optional(t.Object({ path: t.Optional(t.Unknown({ description: "An existing directory (for execution-mode: project or workspace)" })) }));

const requirePath = (body: { path?: unknown } | null | undefined, what: string): string => {
  const path = body?.path;
  if (typeof path !== "string" || !path.trim()) throw badRequest(`Missing ${what}: send {"path": "..."}`);
  return path;
};

const Changed = t.Object({ status: t.Literal("success"), message: t.String(), path: t.String(), active_root: t.String() });

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
        response: {
          200: t.Object({
            status: t.Literal("success"),
            config: t.Object({
              project_root: t.String(),
              workspace_root: t.String(),
              execution_mode: t.Union([t.Literal("project"), t.Literal("workspace")]),
              active_root: t.String(),
            }),
          }),
        },
        detail: { summary: "Current runtime roots and execution mode" },
      },
    )
    .post(
      "/api/v1/system/config/project-root",
      ({ body }) => {
        const path = roots.setProjectRoot(requirePath(body, "path"));
        return { status: "success" as const, message: `Project root set to ${path}`, path, active_root: roots.activeRoot };
      },
      {
        body: PathBody,
        response: { 200: Changed, 400: ErrorEnvelope },
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
        body: PathBody,
        response: { 200: Changed, 400: ErrorEnvelope },
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
        body: PathBody,
        response: {
          200: t.Object({ status: t.Literal("success"), message: t.String(), execution_mode: t.Union([t.Literal("project"), t.Literal("workspace")]), active_root: t.String() }),
          400: ErrorEnvelope,
        },
        detail: { summary: "Switch between project and workspace mode", description: 'Body {"path": "project" | "workspace"}; anything else → 400.' },
      },
    );
};
