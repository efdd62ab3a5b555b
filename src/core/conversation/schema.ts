// Conversation shapes declared once (TypeBox): conversations, their messages and context files as the API shows
// them, and what the routes accept. plugins/conversations.ts and plugins/context-files.ts validate and document with
// these, the core returns Static<> of them, and the web UI's types are derived from them.
import { Type as T, type Static } from "@sinclair/typebox";
import { defineEvent, ScopeFields, type EventMapOf } from "../kernel/event-registry";
import { Id, maybe, Nullable, Offset, Timestamp } from "../kernel/shapes";

export const MessageRole = T.Union([T.Literal("system"), T.Literal("user"), T.Literal("assistant"), T.Literal("tool")]);
export type MessageRole = Static<typeof MessageRole>;

export const MessageStatus = T.Union([T.Literal("complete"), T.Literal("streaming"), T.Literal("interrupted"), T.Literal("error")], {
  description: "interrupted: cut short by a cancel or crash; error: the model call failed midway",
});
export type MessageStatus = Static<typeof MessageStatus>;

export const StoredToolCall = T.Object({ id: T.String(), name: T.String(), arguments: T.String({ description: "JSON text, as the model produced it" }) });
export type StoredToolCall = Static<typeof StoredToolCall>;

export const MessageUsage = T.Object({ prompt_tokens: T.Integer(), completion_tokens: T.Integer(), total_tokens: T.Integer(), cost_usd: T.Number() });
export type MessageUsage = Static<typeof MessageUsage>;

/** A message as the API shows it. */
export const Message = T.Object({
  id: T.String(),
  role: MessageRole,
  content: T.String(),
  timestamp: Timestamp(),
  reasoning: Nullable(T.String()),
  tool_calls: Nullable(T.Array(StoredToolCall)),
  tool_call_id: Nullable(T.String()),
  name: Nullable(T.String()),
  status: MessageStatus,
  agent_id: T.String(),
  channel: Nullable(T.String()),
  message_type: T.String(),
  model: Nullable(T.String()),
  usage: MessageUsage,
  metadata: T.Record(T.String(), T.Unknown()),
});
export type Message = Static<typeof Message>;

export const ConversationSummary = T.Object({
  id: T.String({ description: "the conversation id (as conversation_id), for clients of the original Penguin" }),
  session_id: T.String(),
  conversation_id: T.String(),
  title: T.String(),
  agent_id: T.String(),
  message_count: T.Integer(),
  created_at: Timestamp(),
  last_active: Timestamp(),
  archived: T.Optional(T.Boolean({ description: "present (true) on the copy a rollback keeps of the history it dropped" })),
});
export type ConversationSummary = Static<typeof ConversationSummary>;

/** Tokens and cost summed over model calls (a conversation's, or the usage report's groups). */
export const UsageTotals = T.Object({
  prompt: T.Integer(),
  completion: T.Integer(),
  total: T.Integer(),
  cost_usd: T.Number({ description: "USD, where prices are known (config price_input/price_output or OpenRouter pricing)" }),
  requests: T.Integer({ description: "model calls counted" }),
});
export type UsageTotals = Static<typeof UsageTotals>;

export const ConversationDetail = T.Composite([
  ConversationSummary,
  T.Object({
    directory: Nullable(T.String()),
    usage: UsageTotals,
    messages: T.Array(Message),
    metadata: T.Optional(T.Record(T.String(), T.Unknown(), { description: "where the conversation came from, e.g. a webhook's source and delivery id" })),
  }),
]);
export type ConversationDetail = Static<typeof ConversationDetail>;

// ── bus events ────────────────────────────────────────────────────────────────────────────────────────────────

export const ConversationCreatedEvent = defineEvent(
  "conversation.created",
  T.Object({ ...ScopeFields, conversation_id: T.String() }, { description: "A conversation was created." }),
);
export const ConversationDeletedEvent = defineEvent(
  "conversation.deleted",
  T.Object({ ...ScopeFields, conversation_id: T.String() }, { description: "A conversation was deleted." }),
);
export const MessageAppendedEvent = defineEvent(
  "message.appended",
  T.Object({ ...ScopeFields, message_id: T.String(), role: T.String() }, { description: "A message was stored in a conversation." }),
);

export const ModelCallRecordedEvent = defineEvent(
  "usage.recorded",
  T.Object(
    {
      ...ScopeFields,
      kind: T.String({ description: "what the call was for: title (a conversation's title), command (POST /v1/commands/parse)" }),
      model: T.String(),
      prompt_tokens: T.Integer(),
      completion_tokens: T.Integer(),
      cost_usd: T.Number(),
    },
    { description: "A model call that stores no message (a conversation title, a parsed command) was counted in usage." },
  ),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap
    extends EventMapOf<[typeof ConversationCreatedEvent, typeof ConversationDeletedEvent, typeof MessageAppendedEvent, typeof ModelCallRecordedEvent]> {}
}

// ── what the routes accept and answer ─────────────────────────────────────────────────────────────────────────

export const ConversationParams = T.Object({ id: Id });

export const ConversationListQuery = T.Object({
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: T.Optional(Offset),
  agent_id: T.Optional(T.String({ minLength: 1 })),
  session_id: T.Optional(T.String({ minLength: 1 })),
});

export const ConversationList = T.Object({ conversations: T.Array(ConversationSummary), total: T.Integer(), limit: T.Integer(), offset: T.Integer() });

export const NewConversation = T.Optional(
  T.Union([
    T.Object({
      title: maybe(T.String({ maxLength: 200 })),
      name: maybe(T.String({ maxLength: 200, description: "alias of title (Penguin client)" })),
      agent_id: maybe(T.String({ minLength: 1, maxLength: 200 })),
      session_id: maybe(T.String({ minLength: 1, maxLength: 200 })),
      conversation_id: maybe(T.String({ minLength: 1, maxLength: 200, description: "choose the id (409 when taken)" })),
    }),
    T.Null(),
  ]),
);

export const CreatedConversation = T.Object({ conversation_id: T.String(), session_id: T.String(), title: T.String(), agent_id: T.String() });

/** Query booleans arrive as text. */
const QueryBool = T.Union([T.Boolean(), T.Literal("true"), T.Literal("false"), T.Literal("1"), T.Literal("0")]);

export const HistoryQuery = T.Object({
  include_system: T.Optional(QueryBool),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 10_000 })),
  agent_id: T.Optional(T.String({ minLength: 1 })),
  channel: T.Optional(T.String({ minLength: 1 })),
  message_type: T.Optional(T.String({ minLength: 1 })),
});

export const History = T.Object({ conversation_id: T.String(), messages: T.Array(Message) });

export const Rename = T.Object({ title: T.String({ minLength: 1, maxLength: 200 }) });

export const ConversationDeleted = T.Object({ status: T.Literal("deleted"), conversation_id: T.String() });

// ── context files ─────────────────────────────────────────────────────────────────────────────────────────────

export const ContextFileInfo = T.Object({
  path: T.String({ description: "relative to <workspace>/context/" }),
  size: T.Integer({ description: "bytes" }),
  modified: Timestamp(),
});
export type ContextFileInfo = Static<typeof ContextFileInfo>;

export const ContextFileList = T.Object({ files: T.Array(ContextFileInfo), folder: T.String() });

export const LoadContextFile = T.Object({
  file_path: T.String({ minLength: 1, maxLength: 4096, description: "relative to context/ (or the project), or absolute inside the allowed roots" }),
  conversation_id: maybe(T.String({ minLength: 1, maxLength: 200, description: "default: the most recently active conversation, else a new one" })),
});

export const LoadedContextFile = T.Object({ conversation_id: T.String(), file_path: T.String(), path: T.String(), size: T.Integer() });
export type LoadedContextFile = Static<typeof LoadedContextFile>;

export const ContextFileLoaded = T.Composite([T.Object({ status: T.Literal("loaded") }), LoadedContextFile]);
