// Root shapes declared once (TypeBox): the runtime roots as /api/v1/system/config* shows and changes them.
// plugins/system-config.ts validates and documents with these; fs/roots.ts types the execution mode from them.
import { Type as T, type Static } from "@sinclair/typebox";

export const ExecutionMode = T.Union([T.Literal("project"), T.Literal("workspace")]);
export type ExecutionMode = Static<typeof ExecutionMode>;

export const RootsConfig = T.Object({
  status: T.Literal("success"),
  config: T.Object({ project_root: T.String(), workspace_root: T.String(), execution_mode: ExecutionMode, active_root: T.String() }),
});

/** `path` is checked by the route itself, so a missing one is a 400 like a wrong one (as the v0.4 spec documents). */
export const RootPath = T.Optional(T.Object({ path: T.Optional(T.Unknown({ description: "An existing directory (for execution-mode: project or workspace)" })) }));

export const RootChanged = T.Object({ status: T.Literal("success"), message: T.String(), path: T.String(), active_root: T.String() });

export const ExecutionModeChanged = T.Object({ status: T.Literal("success"), message: T.String(), execution_mode: ExecutionMode, active_root: T.String() });

/** A folder a chat may be bound to, checked before the first message (the same test the binding makes). */
export const DirectoryToCheck = T.Object({ path: T.String({ minLength: 1, maxLength: 4096, description: "Absolute path on the server" }) });
export const DirectoryChecked = T.Object({ valid: T.Literal(true), path: T.String({ description: "The folder as the chat will be bound to it (absolute, links resolved)" }) });
