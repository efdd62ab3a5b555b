// The catalog of every bus event. Each domain declares its events once, with defineEvent, in its schema.ts; this
// list gathers them so the bus is typed by them (EventMap), validates against them, and the OpenAPI document lists
// them. It is the one kernel file that reads domain files: schema.ts files hold declarations only, no behaviour.
// Payloads are plain JSON so any transport (WS, SSE, a cross-instance bus) can carry them unchanged.
import { Type } from "@sinclair/typebox";
import { ApprovalRequired, ApprovalResolved } from "../permission/schema";
import { TurnEventPublished } from "../engine/schema";
import { TaskEventPublished, TaskUpdated } from "../tasks/schema";
import { createEventRegistry, defineEvent, ScopeFields, type EventMapOf } from "./event-registry";

export { Scope } from "./event-registry";

// Declared here until their domains have a schema.ts of their own (conversation, providers, tools).
const ConversationCreated = defineEvent("conversation.created", Type.Object({ ...ScopeFields, conversation_id: Type.String() }, { description: "A conversation was created." }));
const ConversationDeleted = defineEvent("conversation.deleted", Type.Object({ ...ScopeFields, conversation_id: Type.String() }, { description: "A conversation was deleted." }));
const MessageAppended = defineEvent(
  "message.appended",
  Type.Object({ ...ScopeFields, message_id: Type.String(), role: Type.String() }, { description: "A message was stored in a conversation." }),
);
const ModelLoaded = defineEvent(
  "model.loaded",
  Type.Object(
    { model_id: Type.String(), previous_model_id: Type.Union([Type.String(), Type.Null()]) },
    { description: "The current model was switched at run time (POST /api/v1/models/load)." },
  ),
);

export const EVENTS = createEventRegistry([
  ConversationCreated,
  ConversationDeleted,
  MessageAppended,
  TurnEventPublished,
  ApprovalRequired,
  ApprovalResolved,
  ModelLoaded,
  TaskUpdated,
  TaskEventPublished,
]);

export type EventMap = EventMapOf<typeof EVENTS.definitions>;
