// Event log and event stream shapes, declared once (TypeBox): how a stream is resumed (`since`), the frames of the
// event stream (WS /api/v1/events/ws, documented names), its filters, and the notices every live stream may send
// (a gap past a slow consumer's bound). plugins/events.ts validates and documents with these.
import { Type as T, type Static } from "@sinclair/typebox";
import { MAX_QUERY_INTEGER } from "../kernel/shapes";

/** An event id to resume after: the stream replays every later event (from the log) before going live. */
export const Since = T.Integer({
  minimum: 0,
  maximum: MAX_QUERY_INTEGER,
  description: "Resume after this event id: every later event is replayed from the event log before the stream goes live (ids are in every frame)",
});

/** The kinds of messages the event stream's `message_type` filter selects. */
export const StreamMessageType = T.Union([T.Literal("message"), T.Literal("action"), T.Literal("status")], {
  description: "message: user/assistant/agent text (message, stream_chunk, bus.message, human_message); action: tool and approval events; status: everything else",
});
export type StreamMessageType = Static<typeof StreamMessageType>;

export const EventStreamQuery = T.Object({
  agent_id: T.Optional(T.String({ minLength: 1, maxLength: 200, description: "Only events of this agent (its turns, or messages it sent or received)" })),
  message_type: T.Optional(StreamMessageType),
  channel: T.Optional(T.String({ minLength: 1, maxLength: 200, description: "Only events on this message bus channel" })),
  include_ui: T.Optional(T.Boolean({ default: true, description: "Conversation, turn, tool, approval, task and agent events (default true)" })),
  include_bus: T.Optional(T.Boolean({ default: true, description: "MessageBus messages: bus.message, human_message (default true)" })),
  since: T.Optional(Since),
});
export type EventStreamQuery = Static<typeof EventStreamQuery>;

/** One frame of the event stream. */
export const StreamFrame = T.Object(
  {
    id: T.Integer({ description: "The event's id: reconnect with since=<id> to continue after it" }),
    event: T.String({
      description:
        "bus.message, human_message (MessageBus); message (a user or assistant message), stream_chunk (streamed text), turn_start, progress, " +
        "tool_start, tool_result, approval_required, approval_resolved, error (turns); conversation_created, conversation_deleted, model_loaded, " +
        "task_updated, task_start, task_progress, task_action, task_complete, task_error; other events under their bus name",
    }),
    message_type: StreamMessageType,
    timestamp: T.String({ description: "ISO 8601" }),
    data: T.Record(T.String(), T.Unknown()),
  },
  { description: "An event stream frame" },
);
export type StreamFrame = Static<typeof StreamFrame>;

/**
 * Sent by any live stream whose client stopped reading while more than its bound of events waited: the stream then
 * closes, and the client reconnects with since=<resume_from> to get everything after what it already received.
 */
export const GapNotice = T.Object(
  {
    event: T.Literal("gap"),
    data: T.Object({
      resume_from: T.Integer({ description: "The last event id this stream delivered; reconnect with since=<resume_from>" }),
      reason: T.String(),
    }),
  },
  { description: "The stream fell too far behind and closes; resume with since" },
);
export type GapNotice = Static<typeof GapNotice>;
