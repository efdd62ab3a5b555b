// Turn shapes, declared once (TypeBox): what a turn streams ({"event","data"} frames), what it did (action
// results), what it cost (usage), and the bus event that carries every frame. Plugins validate and document with
// these schemas, the engine returns Static<> of them, and the web UI imports the same types.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { defineEvent, ScopeFields, type EventMapOf } from "../kernel/event-registry";
import { ApprovalPrompt, ApprovalResolution } from "../permission/schema";
import { MemoryUsed } from "../memory/schema";

export const ActionStatus = Type.Union([Type.Literal("completed"), Type.Literal("error"), Type.Literal("denied")]);
export type ActionStatus = Static<typeof ActionStatus>;

/** One tool call of a turn, as the API reports it. */
export const ActionResult = Type.Object({
  action: Type.String({ description: "tool name" }),
  result: Type.String(),
  status: ActionStatus,
  id: Type.String({ description: "tool call id" }),
  arguments: Type.Record(Type.String(), Type.Unknown()),
  started_at: Type.String(),
  duration_ms: Type.Number(),
});
export type ActionResult = Static<typeof ActionResult>;

export const TurnUsage = Type.Object({
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  cost_usd: Type.Number(),
});
export type TurnUsage = Static<typeof TurnUsage>;

/** The `complete` frame's payload. */
export const TurnComplete = Type.Object({
  response: Type.String(),
  action_results: Type.Array(ActionResult),
  reasoning: Type.String(),
  conversation_id: Type.String(),
  usage: TurnUsage,
  interrupted: Type.Optional(Type.Boolean({ description: "true when the turn was cancelled (stop, disconnect, shutdown); `response` holds what was streamed" })),
  context_note: Type.Optional(Type.String({ description: "Set when older history was trimmed or summarised to fit the context window" })),
  memories_used: Type.Optional(Type.Array(MemoryUsed, { description: "Long-term memories recalled into this turn's context (absent when none)" })),
});
export type TurnComplete = Static<typeof TurnComplete>;

const frame = <const N extends string, D extends TSchema>(event: N, data: D) => Type.Object({ event: Type.Literal(event), data });

/** Everything a turn streams, in order, as {"event": name, "data": {...}}. */
export const TurnEvent = Type.Union(
  [
    frame("start", Type.Object({ conversation_id: Type.String(), session_id: Type.String(), turn_id: Type.String() })),
    frame("token", Type.Object({ token: Type.String({ description: "coalesced text; the tokens of a turn add up to its response" }) })),
    frame("reasoning", Type.Object({ token: Type.String() })),
    frame("progress", Type.Object({ iteration: Type.Integer(), max_iterations: Type.Integer() })),
    frame("tool_start", Type.Object({ id: Type.String(), name: Type.String(), arguments: Type.Record(Type.String(), Type.Unknown()) })),
    frame("tool_result", Type.Object({ id: Type.String(), name: Type.String(), status: ActionStatus, result: Type.String(), duration_ms: Type.Number() })),
    frame("approval_required", ApprovalPrompt),
    frame("approval_resolved", ApprovalResolution),
    frame("complete", TurnComplete),
    frame(
      "error",
      Type.Object({
        message: Type.String(),
        code: Type.Optional(Type.String()),
        details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        recoverable: Type.Optional(Type.Boolean({ description: "Whether sending the message again can succeed (false: e.g. a refused provider key, a missing model)" })),
      }),
    ),
  ],
  { description: 'A chat stream frame: {"event": name, "data": {...}}' },
);
export type TurnEvent = Static<typeof TurnEvent>;
export type TurnEventData<E extends TurnEvent["event"]> = Extract<TurnEvent, { event: E }>["data"];

/** A turn in progress (GET /api/v1/chat/turns): what a client that comes back needs to find it and resume its stream. */
export const RunningTurnView = Type.Object({
  turn_id: Type.String(),
  conversation_id: Type.String(),
  session_id: Type.String(),
  agent_id: Type.String(),
  since: Type.Integer({ description: "Resume the turn's stream with since=<this> (WS /api/v1/chat/stream, SSE) to replay it from its start" }),
  started_at: Type.String({ description: "ISO 8601" }),
});
export type RunningTurnView = Static<typeof RunningTurnView>;

/** Every frame of a turn, for every subscriber: chat WebSockets, the SSE surface, tasks, checkpoints, telemetry. */
export const TurnEventPublished = defineEvent(
  "turn.event",
  Type.Object(
    { ...ScopeFields, turn_id: Type.String(), conversation_id: Type.String(), session_id: Type.String(), agent_id: Type.String(), event: TurnEvent },
    { description: "A frame of a running turn (approval prompts travel as approval.required / approval.resolved)." },
  ),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof TurnEventPublished]> {}
}
