// Task shapes, declared once (TypeBox): the task view, its outcome, the live events of a running task, and the bus
// events that carry them. plugins/tasks.ts validates and documents with these; core/tasks returns Static<> of them.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { defineEvent, ScopeFields, type EventMapOf } from "../kernel/event-registry";
import { Id, Offset } from "../kernel/shapes";
import { ActionResult } from "../engine/schema";

export const TaskStatus = Type.Union([
  Type.Literal("pending"),
  Type.Literal("running"),
  Type.Literal("completed"),
  Type.Literal("failed"),
  Type.Literal("cancelled"),
  Type.Literal("timeout"),
  Type.Literal("interrupted"),
]);
export type TaskStatus = Static<typeof TaskStatus>;

/** GET /api/v1/tasks. */
export const TaskListQuery = Type.Object({
  project_id: Type.Optional(Id),
  status: Type.Optional(TaskStatus),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  offset: Type.Optional(Offset),
});

const nullable = <S extends TSchema>(schema: S, options?: { description?: string }) => Type.Union([schema, Type.Null()], options);

export const TaskView = Type.Object({
  id: Type.String(),
  task_id: Type.String({ description: "Same as id" }),
  name: Type.String(),
  description: Type.String(),
  status: TaskStatus,
  continuous: Type.Boolean(),
  time_limit: Type.Number({ description: "minutes" }),
  project_id: nullable(Type.String()),
  agent_id: Type.String(),
  conversation_id: nullable(Type.String(), { description: "The conversation the task runs in (its full transcript)" }),
  session_id: nullable(Type.String()),
  turns: Type.Integer(),
  iterations: Type.Integer(),
  response: Type.String(),
  action_results: Type.Array(ActionResult),
  error: nullable(Type.String()),
  usage: Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() }),
  created_at: Type.String(),
  started_at: nullable(Type.String()),
  finished_at: nullable(Type.String()),
  execution_time: nullable(Type.Number(), { description: "seconds spent running so far (or in total once finished); null before it starts" }),
});
export type TaskView = Static<typeof TaskView>;

export const TaskMetadata = Type.Object({
  task_id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  continuous: Type.Boolean(),
  time_limit: Type.Number(),
  project_id: nullable(Type.String()),
  agent_id: Type.String(),
  conversation_id: nullable(Type.String()),
  turns: Type.Integer(),
});
export type TaskMetadata = Static<typeof TaskMetadata>;

/** The execute-sync response and the stream's `complete` payload. */
export const TaskOutcome = Type.Object({
  task_id: Type.String(),
  status: TaskStatus,
  response: Type.String(),
  iterations: Type.Integer(),
  execution_time: Type.Number({ description: "seconds" }),
  action_results: Type.Array(ActionResult),
  task_metadata: TaskMetadata,
  error: Type.Optional(Type.String()),
});
export type TaskOutcome = Static<typeof TaskOutcome>;

const frame = <const N extends string, D extends TSchema>(event: N, data: D) => Type.Object({ event: Type.Literal(event), data });

/** A running task's live events, as {"event","data"} frames on WS /api/v1/tasks/stream and /api/v1/tasks/{task_id}. */
export const TaskEvent = Type.Union(
  [
    frame("start", Type.Object({ ...TaskMetadata.properties, status: TaskStatus, started_at: Type.String() })),
    frame(
      "progress",
      Type.Object({
        task_id: Type.String(),
        turn: Type.Integer(),
        iteration: Type.Integer(),
        max_iterations: Type.Integer(),
        elapsed_seconds: Type.Number(),
        conversation_id: nullable(Type.String()),
      }),
    ),
    frame(
      "action",
      Type.Object({ task_id: Type.String(), id: Type.String(), action: Type.String(), result: Type.String(), status: Type.String(), duration_ms: Type.Number() }),
    ),
    frame("complete", TaskOutcome),
    frame("error", Type.Object({ task_id: Type.Optional(Type.String()), message: Type.String(), code: Type.Optional(Type.String()), status: Type.Optional(TaskStatus) })),
  ],
  { description: 'A task stream frame: {"event": name, "data": {...}}' },
);
export type TaskEvent = Static<typeof TaskEvent>;

export const TaskUpdated = defineEvent(
  "task.updated",
  Type.Object(
    { ...ScopeFields, task_id: Type.String(), status: TaskStatus, project_id: nullable(Type.String()) },
    { description: "A task changed state (created, started, progressed, finished)." },
  ),
);

export const TaskEventPublished = defineEvent(
  "task.event",
  Type.Object({ ...ScopeFields, task_id: Type.String(), event: TaskEvent }, { description: "A live event of a running task." }),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof TaskUpdated, typeof TaskEventPublished]> {}
}
