// Message bus shapes, declared once (TypeBox): a message as the API shows it, what the routes accept (POST
// /api/v1/messages, /messages/to-agent, /messages/to-human, /messages/human-reply, /agents/{id}/delegate), and the
// bus events that carry every message to live streams. plugins/messages.ts validates and documents with these;
// core/messages returns Static<> of them.
import { Type as T, type Static } from "@sinclair/typebox";
import { defineEvent, type EventMapOf } from "../kernel/event-registry";
import { Id, maybe, Nullable, Offset, Timestamp } from "../kernel/shapes";

/** The recipient (or sender) that is the person at the keyboard rather than an agent. */
export const HUMAN = "human";

export const BusMessageType = T.Union([T.Literal("message"), T.Literal("action"), T.Literal("status")], {
  description: "message: something to read or answer; action: something to do; status: a progress report",
});
export type BusMessageType = Static<typeof BusMessageType>;

export const BusMessageStatus = T.Union(
  [T.Literal("sent"), T.Literal("delivered"), T.Literal("answered"), T.Literal("failed"), T.Literal("interrupted"), T.Literal("awaiting_reply"), T.Literal("replied")],
  {
    description:
      "sent: stored (to the human, or answered by a waiting turn); delivered: the recipient agent's turn runs; answered / failed / interrupted: how that turn ended; awaiting_reply: an agent waits for the human's reply; replied: the human answered it",
  },
);
export type BusMessageStatus = Static<typeof BusMessageStatus>;

/** A message as the API shows it. */
export const BusMessage = T.Object({
  id: T.String(),
  sender: T.String({ description: 'an agent id, "human", or "coordinator"' }),
  recipient: T.String({ description: 'an agent id, or "human"' }),
  content: T.String(),
  message_type: BusMessageType,
  channel: Nullable(T.String()),
  metadata: T.Record(T.String(), T.Unknown()),
  timestamp: Timestamp(),
  status: BusMessageStatus,
  conversation_id: Nullable(T.String(), { description: "Where the recipient agent acted on it (its history shows the turn), or where the sender waits" }),
  turn_id: Nullable(T.String(), { description: "The turn it started, or the turn that sent it" }),
});
export type BusMessage = Static<typeof BusMessage>;

// ── requests ──────────────────────────────────────────────────────────────────────────────────────────────────

const Content = T.String({ minLength: 1, maxLength: 200_000 });
const Channel = maybe(T.String({ minLength: 1, maxLength: 200, description: "A topic the message belongs to; the recipient's history can be filtered by it" }));
const Metadata = maybe(T.Record(T.String(), T.Unknown()));
const Sender = maybe(T.String({ minLength: 1, maxLength: 200, description: 'Who the message is from (default "human")' }));

/** POST /api/v1/messages */
export const SendMessageBody = T.Object({
  recipient: T.String({ minLength: 1, maxLength: 200, description: 'An agent id, or "human" (also "user")' }),
  content: Content,
  message_type: maybe(BusMessageType),
  channel: Channel,
  metadata: Metadata,
  sender: Sender,
});
export type SendMessageBody = Static<typeof SendMessageBody>;

/** POST /api/v1/messages/to-agent */
export const ToAgentBody = T.Object({ agent_id: Id, content: Content, message_type: maybe(BusMessageType), channel: Channel, metadata: Metadata, sender: Sender });
export type ToAgentBody = Static<typeof ToAgentBody>;

/** POST /api/v1/messages/to-human */
export const ToHumanBody = T.Object({
  content: Content,
  message_type: maybe(BusMessageType),
  channel: Channel,
  metadata: Metadata,
  sender: maybe(T.String({ minLength: 1, maxLength: 200, description: 'The agent speaking (default "default")' })),
});
export type ToHumanBody = Static<typeof ToHumanBody>;

/** POST /api/v1/messages/human-reply */
export const HumanReplyBody = T.Object({
  agent_id: Id,
  content: Content,
  message_type: maybe(BusMessageType),
  channel: Channel,
  metadata: Metadata,
  reply_to: maybe(T.String({ minLength: 1, maxLength: 200, description: "The id of the message being answered (default: the agent's oldest open question)" })),
});
export type HumanReplyBody = Static<typeof HumanReplyBody>;

/** POST /api/v1/agents/{agent_id}/delegate */
export const DelegateBody = T.Object({
  content: Content,
  parent: maybe(T.String({ minLength: 1, maxLength: 200, description: 'The delegating agent (default "default")' })),
  channel: Channel,
  metadata: Metadata,
});
export type DelegateBody = Static<typeof DelegateBody>;

/** GET /api/v1/messages */
export const MessageListQuery = T.Object({
  agent_id: T.Optional(T.String({ minLength: 1, maxLength: 200, description: "Messages sent by or to this agent" })),
  sender: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
  recipient: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
  channel: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
  message_type: T.Optional(BusMessageType),
  status: T.Optional(BusMessageStatus),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: T.Optional(Offset),
});
export type MessageListQuery = Static<typeof MessageListQuery>;

// ── responses ─────────────────────────────────────────────────────────────────────────────────────────────────

export const MessageSent = T.Object({ sent: T.Literal(true), ok: T.Literal(true), message: BusMessage });
export const MessageRouted = T.Object({ ok: T.Literal(true), message: BusMessage });
export const HumanReplied = T.Object({
  ok: T.Literal(true),
  resumed: T.Boolean({ description: "true: a turn waiting for this reply continues with it; false: the reply started a new turn" }),
  message: BusMessage,
});
export const Delegated = T.Object({ ok: T.Literal(true), delegated_to: T.String(), parent: T.String(), message: BusMessage });
export const MessageList = T.Object({ messages: T.Array(BusMessage), total: T.Integer(), limit: T.Integer(), offset: T.Integer() });

// ── events ────────────────────────────────────────────────────────────────────────────────────────────────────

/** Where an event belongs: streams filter on these (agent, channel, type) and on the owner (a user sees its own). */
const MessageScope = {
  agent_id: T.String({ description: "The agent involved: the recipient, or the sender of a message to the human" }),
  message_id: T.String(),
  sender: T.String(),
  recipient: T.String(),
  message_type: BusMessageType,
  channel: T.Optional(T.String()),
  status: BusMessageStatus,
  conversation_id: T.Optional(T.String()),
  turn_id: T.Optional(T.String()),
  owner: Nullable(T.String(), { description: "The user who sent it (null: auth off or the server itself)" }),
};

export const BusMessagePublished = defineEvent(
  "bus.message",
  T.Object(
    { ...MessageScope, content: T.String(), metadata: T.Record(T.String(), T.Unknown()), timestamp: Timestamp() },
    { description: "A message went over the message bus (to an agent, or to the human when recipient is \"human\")." },
  ),
);

export const BusMessageUpdated = defineEvent(
  "bus.message.updated",
  T.Object(MessageScope, { description: "What became of a message: the recipient's turn ended, or the human replied." }),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof BusMessagePublished, typeof BusMessageUpdated]> {}
}
