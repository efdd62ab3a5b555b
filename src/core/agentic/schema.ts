// Agentic task shapes, declared once (TypeBox): what POST /v1/agentic/tasks accepts and answers, the task as GET shows
// it, the planner's JSON answer (validated before anything runs), the task stream's events and the bus event that
// carries them. plugins/agentic.ts validates and documents with these; core/agentic returns Static<> of them.
import { Type as T, type Static, type TSchema } from "@sinclair/typebox";
import { defineEvent, ScopeFields, type EventMapOf } from "../kernel/event-registry";
import { Id, maybe, Nullable, Timestamp } from "../kernel/shapes";

export const AgenticTaskStatus = T.Union(
  [
    T.Literal("planning"),
    T.Literal("awaiting_approval"),
    T.Literal("running"),
    T.Literal("completed"),
    T.Literal("failed"),
    T.Literal("cancelled"),
    T.Literal("interrupted"),
  ],
  {
    description:
      "planning: the planner turn runs; awaiting_approval: the plan waits for a human (require_approval); running: sub-agents, then the final " +
      "combination; interrupted: the server stopped while it ran",
  },
);
export type AgenticTaskStatus = Static<typeof AgenticTaskStatus>;

export const SubAgentStatus = T.Union([T.Literal("pending"), T.Literal("running"), T.Literal("completed"), T.Literal("failed"), T.Literal("cancelled")]);
export type SubAgentStatus = Static<typeof SubAgentStatus>;

// ── requests and answers ──────────────────────────────────────────────────────────────────────────────────────

export const CreateAgenticTask = T.Object({
  description: T.String({ minLength: 1, maxLength: 100_000, description: "Task description in natural language", error: "description cannot be empty" }),
  require_approval: maybe(T.Boolean({ description: "Require approval before sub-agent execution (default: false)" })),
});
export type CreateAgenticTask = Static<typeof CreateAgenticTask>;

export const AgenticTaskCreated = T.Object({
  task_id: T.String(),
  status: T.Literal("planning"),
  created_at: Timestamp(),
});
export type AgenticTaskCreated = Static<typeof AgenticTaskCreated>;

export const AgenticTaskParams = T.Object({ task_id: Id });

export const AgenticStreamQuery = T.Object({
  since: T.Optional(T.Integer({ minimum: 0, description: "Replay only the events after this one (the SSE `id`); the Last-Event-ID header does the same" })),
});

export const SubAgentView = T.Object({
  id: T.String({ description: "sa-1, sa-2, … in plan order" }),
  description: T.String(),
  status: SubAgentStatus,
  agent_id: T.String(),
  conversation_id: Nullable(T.String({ description: "The sub-agent's own conversation (its full transcript)" })),
  result: Nullable(T.String()),
  error: Nullable(T.String()),
  started_at: Nullable(Timestamp()),
  finished_at: Nullable(Timestamp()),
});
export type SubAgentView = Static<typeof SubAgentView>;

export const AgenticTaskView = T.Object({
  task_id: T.String(),
  status: AgenticTaskStatus,
  description: T.String(),
  plan_summary: Nullable(T.String()),
  sub_agents: T.Array(SubAgentView),
  result: Nullable(T.String()),
  error: Nullable(T.String()),
  require_approval: T.Boolean(),
  approval_request_id: Nullable(
    T.String({ description: "With require_approval: the approval request for the plan (POST /api/v1/approvals/{id}/approve or /deny)" }),
  ),
  conversation_id: T.String({ description: "The planner's conversation; the final combination is its last answer" }),
  session_id: T.String({ description: "The session (root, sandbox, approvals) every turn of the task runs in" }),
  usage: T.Object({ prompt_tokens: T.Integer(), completion_tokens: T.Integer(), total_tokens: T.Integer() }),
  created_at: Timestamp(),
  started_at: Nullable(Timestamp()),
  finished_at: Nullable(Timestamp()),
  updated_at: Timestamp(),
});
export type AgenticTaskView = Static<typeof AgenticTaskView>;

export const AgenticTaskCancelled = T.Object({
  task_id: T.String(),
  status: AgenticTaskStatus,
  cancelled: T.Boolean({ description: "false when the task had already ended (its status is unchanged)" }),
});
export type AgenticTaskCancelled = Static<typeof AgenticTaskCancelled>;

// ── the planner's answer ──────────────────────────────────────────────────────────────────────────────────────

/** What the planner turn must answer with (JSON). Extra fields are ignored; the sub-task count is bounded by config. */
export const PlanAnswer = T.Object({
  summary: T.String({ minLength: 1, maxLength: 2000 }),
  sub_tasks: T.Array(
    T.Object({
      description: T.String({ minLength: 1, maxLength: 8000 }),
      agent_id: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
    }),
    { minItems: 1 },
  ),
});
export type PlanAnswer = Static<typeof PlanAnswer>;

// ── the task stream ───────────────────────────────────────────────────────────────────────────────────────────

const frame = <const N extends string, D extends TSchema>(event: N, data: D) => T.Object({ event: T.Literal(event), data });
const PlannedSubTask = T.Object({ id: T.String(), description: T.String(), agent_id: T.String() });

/** Everything a task's SSE stream sends, in order, each as `event: <name>` with `data: <json>` and `id: <seq>`. */
export const AgenticTaskEvent = T.Union(
  [
    frame("task_started", T.Object({ task_id: T.String(), description: T.String() })),
    frame("plan_created", T.Object({ task_id: T.String(), plan_summary: T.String(), sub_tasks: T.Array(PlannedSubTask), require_approval: T.Boolean() })),
    frame(
      "approval_required",
      T.Object(
        { task_id: T.String(), request_id: T.String(), expires_at: Timestamp() },
        { description: "require_approval: the plan waits for POST /api/v1/approvals/{request_id}/approve (deny cancels the task)" },
      ),
    ),
    frame("sub_agent_started", T.Object({ task_id: T.String(), sub_agent_id: T.String(), description: T.String(), agent_id: T.String(), conversation_id: T.String() })),
    frame(
      "sub_agent_completed",
      T.Object({
        task_id: T.String(),
        sub_agent_id: T.String(),
        status: SubAgentStatus,
        result: T.String({ description: "The sub-agent's answer (what it streamed so far when cancelled)" }),
        error: T.Optional(T.String()),
      }),
    ),
    frame("task_completed", T.Object({ task_id: T.String(), result: T.String() })),
    frame("task_failed", T.Object({ task_id: T.String(), error: T.String(), status: AgenticTaskStatus })),
    frame("task_cancelled", T.Object({ task_id: T.String(), reason: T.String() })),
  ],
  { description: "An agentic task stream event" },
);
export type AgenticTaskEvent = Static<typeof AgenticTaskEvent>;
export type AgenticTaskEventName = AgenticTaskEvent["event"];

export const AgenticEventPublished = defineEvent(
  "agentic.event",
  T.Object(
    { ...ScopeFields, task_id: T.String(), seq: T.Integer({ minimum: 1, description: "The event's position in its task's stream (the SSE id)" }), event: AgenticTaskEvent },
    { description: "An event of an agentic task's stream (also stored, for replay)." },
  ),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof AgenticEventPublished]> {}
}
