// The host command catalog's shapes (PiSovereign /v1/commands/catalog*), declared once: the plugin validates with them
// and the OpenAPI document shows them.
import { type Static, Type as T } from "@sinclair/typebox";
import { defineEvent, type EventMapOf } from "../kernel/event-registry";
import { Id, Nullable, Offset, Timestamp } from "../kernel/shapes";

export const RiskLevel = T.Union([T.Literal("safe"), T.Literal("moderate"), T.Literal("dangerous")], {
  description: "safe: reads only; moderate or dangerous: always asks for approval before it runs",
});
export type RiskLevel = Static<typeof RiskLevel>;

export const CommandParameter = T.Object(
  {
    type: T.Union([T.Literal("string"), T.Literal("integer")]),
    description: T.Optional(T.String({ maxLength: 500 })),
    pattern: T.Optional(T.String({ maxLength: 500, description: "a regular expression the whole value must match" })),
    enum: T.Optional(T.Array(T.String({ maxLength: 200 }), { minItems: 1, maxItems: 100 })),
    minimum: T.Optional(T.Integer()),
    maximum: T.Optional(T.Integer()),
    maxLength: T.Optional(T.Integer({ minimum: 1, maximum: 4096 })),
    default: T.Optional(T.Union([T.String({ maxLength: 4096 }), T.Integer()])),
  },
  {
    additionalProperties: false,
    description:
      "A {{name}} placeholder of the command's arguments. Values are checked against this schema and replace the placeholder inside one argument; " +
      "a string value may not start with '-' (it would become an option) and is never seen by a shell.",
  },
);
export type CommandParameter = Static<typeof CommandParameter>;

const ParameterName = T.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,63}$" });

export const CatalogCommand = T.Object({
  id: T.String(),
  name: T.String(),
  description: T.String(),
  command: T.String({ description: "the arguments joined for display (quoted where needed); it is never given to a shell" }),
  argv: T.Array(T.String(), { description: "what is spawned: the program and its arguments" }),
  category: T.String(),
  risk_level: RiskLevel,
  os: T.String(),
  requires_approval: T.Boolean({ description: "true: executing creates an approval request; approving it runs the command once" }),
  parameters: T.Record(ParameterName, CommandParameter),
  created_at: Timestamp(),
  updated_at: Timestamp(),
});
export type CatalogCommand = Static<typeof CatalogCommand>;

export const NewCatalogCommand = T.Object(
  {
    name: T.String({ minLength: 1, maxLength: 100 }),
    description: T.Optional(T.String({ maxLength: 1000 })),
    command: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 4000,
        description: "split into arguments like a simple shell word list (quotes group words); pipes, redirections, ; & $ and backticks are refused",
      }),
    ),
    argv: T.Optional(T.Array(T.String({ maxLength: 4000 }), { minItems: 1, maxItems: 200, description: "the arguments as a list (instead of command)" })),
    category: T.Optional(T.String({ minLength: 1, maxLength: 50, pattern: "^[a-z][a-z0-9_-]*$" })),
    risk_level: T.Optional(RiskLevel),
    os: T.Optional(T.String({ minLength: 1, maxLength: 50 })),
    requires_approval: T.Optional(T.Boolean()),
    parameters: T.Optional(T.Record(ParameterName, CommandParameter)),
  },
  { additionalProperties: false },
);
export type NewCatalogCommand = Static<typeof NewCatalogCommand>;

export const CatalogListQuery = T.Object({
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: T.Optional(Offset),
});
export const CatalogSearchQuery = T.Object({
  q: T.String({ minLength: 1, maxLength: 200, description: "words matched against name, description, category and command" }),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
export const CatalogCount = T.Object({ count: T.Integer() });
export const CatalogParams = T.Object({ id: Id });

export const ExecuteRequest = T.Object(
  { args: T.Optional(T.Record(ParameterName, T.Union([T.String({ maxLength: 4096 }), T.Integer()]), { description: "values of the command's parameters" })) },
  { additionalProperties: false },
);
export type ExecuteRequest = Static<typeof ExecuteRequest>;

export const ExecutionStatus = T.Union([
  T.Literal("awaiting_approval"),
  T.Literal("running"),
  T.Literal("completed"),
  T.Literal("failed"),
  T.Literal("denied"),
  T.Literal("expired"),
  T.Literal("cancelled"),
]);
export type ExecutionStatus = Static<typeof ExecutionStatus>;

export const CommandExecution = T.Object({
  id: T.String(),
  command_id: T.String(),
  command_name: T.String(),
  command: T.String({ description: "the arguments that ran, joined for display" }),
  argv: T.Array(T.String()),
  status: ExecutionStatus,
  reason: T.String({ description: "why it asked, or why it was refused" }),
  approval_request_id: Nullable(T.String(), { description: "the approval request to answer through /api/v1/approvals" }),
  network: T.Boolean({ description: "whether the command saw the host's network (only approved network-category commands do)" }),
  sandbox: T.String({ description: "bubblewrap or none" }),
  root: T.String({ description: "the directory it ran in (the active root)" }),
  exit_code: Nullable(T.Integer()),
  output: T.String({ description: "stdout and stderr, merged, capped" }),
  truncated: T.Boolean(),
  requested_by: Nullable(T.String()),
  decided_by: Nullable(T.String()),
  created_at: Timestamp(),
  started_at: Nullable(Timestamp()),
  finished_at: Nullable(Timestamp()),
  duration_ms: Nullable(T.Integer()),
});
export type CommandExecution = Static<typeof CommandExecution>;
export const ExecutionParams = T.Object({ id: Id });
export const ExecutionListQuery = T.Object({
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  offset: T.Optional(Offset),
});

export const CommandExecutionUpdated = defineEvent(
  "command.execution",
  T.Object(
    {
      execution_id: T.String(),
      command_id: T.String(),
      command: T.String(),
      status: ExecutionStatus,
      exit_code: Nullable(T.Integer()),
      approval_request_id: Nullable(T.String()),
      owner: Nullable(T.String()),
    },
    { description: "A catalog execution was requested, started (after approval) or ended; GET /v1/commands/executions/{id} has its output." },
  ),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof CommandExecutionUpdated]> {}
}
