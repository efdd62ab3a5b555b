// The catalog of every bus event. Each domain declares its events once, with defineEvent, in its schema.ts; this
// list gathers them so the bus is typed by them (EventMap), validates against them, and the OpenAPI document lists
// them. It is the one kernel file that reads domain files: schema.ts files hold declarations only, no behaviour.
// Payloads are plain JSON so any transport (WS, SSE, a cross-instance bus) can carry them unchanged.
import { ConversationCreatedEvent, ConversationDeletedEvent, MessageAppendedEvent } from "../conversation/schema";
import { ApprovalRequired, ApprovalResolved } from "../permission/schema";
import { ModelLoadedEvent } from "../providers/schema";
import { TurnEventPublished } from "../engine/schema";
import { TaskEventPublished, TaskUpdated } from "../tasks/schema";
import { createEventRegistry, type EventMapOf } from "./event-registry";

export { Scope } from "./event-registry";

export const EVENTS = createEventRegistry([
  ConversationCreatedEvent,
  ConversationDeletedEvent,
  MessageAppendedEvent,
  TurnEventPublished,
  ApprovalRequired,
  ApprovalResolved,
  ModelLoadedEvent,
  TaskUpdated,
  TaskEventPublished,
]);

export type EventMap = EventMapOf<typeof EVENTS.definitions>;
