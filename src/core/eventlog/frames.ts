// The event stream's view of the bus (WS /api/v1/events/ws): each bus event under its documented name —
// `bus.message` and `human_message` for the MessageBus, `message` for user and assistant messages, `stream_chunk` for
// streamed text — with its kind (`message_type`) and whether it is a MessageBus or a UI event, so the stream's
// filters (agent_id, message_type, channel, include_ui, include_bus) apply to every event the same way.
import type { LoggedEvent } from "./event-log";
import type { StreamMessageType } from "./schema";

export interface StreamView {
  event: string;
  message_type: StreamMessageType;
  /** MessageBus traffic, or everything else (what the UI shows). */
  source: "bus" | "ui";
  data: Record<string, unknown>;
}

export interface StreamFilter {
  agentId?: string;
  messageType?: StreamMessageType;
  channel?: string;
  includeUi: boolean;
  includeBus: boolean;
}

/** What the view needs besides the event: a user message's text (the bus event names only its id). */
export interface StreamLookups {
  message(id: string): { content: string; channel: string | null } | undefined;
}

type Data = Record<string, unknown>;

/** The documented view of one event, or undefined for events the stream does not show (e.g. a tool result's row). */
export function toStreamView(event: LoggedEvent, lookups: StreamLookups): StreamView | undefined {
  const d = event.data as Data;
  const ui = (name: string, message_type: StreamMessageType, data: Data): StreamView => ({ event: name, message_type, source: "ui", data });
  switch (event.type) {
    case "bus.message": {
      const human = d.recipient === "human";
      return { event: human ? "human_message" : "bus.message", message_type: (d.message_type as StreamMessageType) ?? "message", source: "bus", data: d };
    }
    case "bus.message.updated":
      return { event: "bus.message.updated", message_type: "status", source: "bus", data: d };
    case "message.appended": {
      // Assistant text arrives as stream_chunk and ends in the turn's `message`; tool rows as tool_result.
      if (d.role !== "user") return undefined;
      const message = lookups.message(String(d.message_id));
      if (!message) return undefined;
      return ui("message", "message", { ...d, content: message.content, ...(message.channel ? { channel: message.channel } : {}) });
    }
    case "turn.event":
      return turnView(d);
    case "approval.required":
      return ui("approval_required", "action", d);
    case "approval.resolved":
      return ui("approval_resolved", "action", d);
    case "task.event": {
      const inner = d.event as { event: string; data: Data };
      return ui(`task_${inner.event}`, inner.event === "action" ? "action" : "status", { ...scopeOf(d), task_id: d.task_id, ...inner.data });
    }
    case "agent.updated":
      return ui("agent_state", "status", d);
    case "agent.delegation":
      return ui("delegation", "action", d);
    default:
      return ui(event.type.replaceAll(".", "_"), "status", d);
  }
}

function turnView(d: Data): StreamView | undefined {
  const frame = d.event as { event: string; data: Data };
  const scope = scopeOf(d);
  const ui = (name: string, message_type: StreamMessageType, data: Data): StreamView => ({ event: name, message_type, source: "ui", data: { ...scope, ...data } });
  switch (frame.event) {
    case "token":
      return ui("stream_chunk", "message", { stream_id: d.turn_id, chunk: frame.data.token, is_reasoning: false, role: "assistant" });
    case "reasoning":
      return ui("stream_chunk", "message", { stream_id: d.turn_id, chunk: frame.data.token, is_reasoning: true, role: "assistant" });
    case "complete": {
      const c = frame.data;
      return ui("message", "message", { role: "assistant", content: c.response, usage: c.usage, action_results: c.action_results, ...(c.interrupted ? { interrupted: true } : {}) });
    }
    case "start":
      return ui("turn_start", "status", {});
    case "progress":
      return ui("progress", "status", frame.data);
    case "tool_start":
    case "tool_result":
      return ui(frame.event, "action", frame.data);
    case "error":
      return ui("error", "status", frame.data);
    default:
      // approval frames travel as approval.* events; anything new shows under its own name
      return ui(frame.event, "status", frame.data);
  }
}

function scopeOf(d: Data): Data {
  const scope: Data = {};
  for (const key of ["agent_id", "conversation_id", "session_id", "turn_id"]) if (d[key] !== undefined) scope[key] = d[key];
  return scope;
}

/** Whether a view passes the stream's filters. */
export function passes(view: StreamView, filter: StreamFilter): boolean {
  if (view.source === "bus" ? !filter.includeBus : !filter.includeUi) return false;
  if (filter.messageType && view.message_type !== filter.messageType) return false;
  const d = view.data;
  if (filter.channel && d.channel !== filter.channel) return false;
  if (filter.agentId) {
    const id = filter.agentId;
    // An agent's events: its turns and tasks, and messages it sent or received (a delegation: parent or child).
    if (d.agent_id !== id && d.sender !== id && d.recipient !== id && d.child_id !== id) return false;
  }
  return true;
}
