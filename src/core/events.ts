// The catalog of every bus event, gathered above the domains: each domain declares its events once, with defineEvent,
// in its schema.ts (and adds them to the kernel's EventMap there); this list hands the same declarations to the bus
// (which validates payloads against them in tests and debug runs) and to the OpenAPI document. The kernel knows only
// the mechanism, never the domains.
// Payloads are plain JSON so any transport (WS, SSE, a cross-instance bus) can carry them unchanged.
import { ConversationCreatedEvent, ConversationDeletedEvent, MessageAppendedEvent, ModelCallRecordedEvent } from "./conversation/schema";
import { ApprovalRequired, ApprovalResolved } from "./permission/schema";
import { ModelLoadedEvent } from "./providers/schema";
import { TurnEventPublished } from "./engine/schema";
import { TaskEventPublished, TaskUpdated } from "./tasks/schema";
import { MemoryChanged } from "./memory/schema";
import { CommandExecutionUpdated } from "./catalog/schema";
import { AgentUpdated, DelegationEvent } from "./agents/schema";
import { McpServerChanged } from "./mcp/schema";
import { AgenticEventPublished } from "./agentic/schema";
import { BusMessagePublished, BusMessageUpdated } from "./messages/schema";
import { WebhookProcessed } from "./webhooks/schema";
import { createEventRegistry, type EventMap, type EventMapOf } from "./kernel/event-registry";

export const EVENTS = createEventRegistry([
  ConversationCreatedEvent,
  ConversationDeletedEvent,
  MessageAppendedEvent,
  ModelCallRecordedEvent,
  TurnEventPublished,
  ApprovalRequired,
  ApprovalResolved,
  ModelLoadedEvent,
  TaskUpdated,
  TaskEventPublished,
  MemoryChanged,
  CommandExecutionUpdated,
  AgentUpdated,
  DelegationEvent,
  McpServerChanged,
  AgenticEventPublished,
  BusMessagePublished,
  BusMessageUpdated,
  WebhookProcessed,
]);

// Every event a domain added to EventMap is gathered here: otherwise this fails to compile, naming the missing one.
type Uncatalogued = Exclude<keyof EventMap, keyof EventMapOf<typeof EVENTS.definitions>>;
export const everyEventCatalogued: [Uncatalogued] extends [never] ? true : Uncatalogued = true;
