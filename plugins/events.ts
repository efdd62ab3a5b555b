// The event stream: WS /api/v1/events/ws and its alias /api/v1/ws/messages. Every bus event the caller may see, under
// its documented name (src/core/eventlog/frames.ts), filtered by agent_id, message_type, channel, include_ui and
// include_bus; with since=<id> the events after that id are replayed from the event log first. A `user` key gets only
// events of its own conversations, sessions, tasks and messages. Thin: the feed (src/core/eventlog/feed.ts) and the
// socket (src/http/live-socket.ts) do the work.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import type { LoggedEvent } from "../src/core/eventlog/event-log";
import { Feed } from "../src/core/eventlog/feed";
import { passes, toStreamView, type StreamFilter, type StreamLookups, type StreamView } from "../src/core/eventlog/frames";
import { EventStreamQuery, type StreamFrame } from "../src/core/eventlog/schema";
import { ownerLimit } from "../src/core/kernel/viewer";
import { callerOf } from "../src/http/auth";
import { LiveSocket, LiveSockets, rawSocket } from "../src/http/live-socket";
import { queryOf } from "../src/http/schemas";

/** Frames are built once per event and shared by every socket that shows it (many subscribers, one JSON). */
const FRAME_CACHE = 256;

export const eventsPlugin = (core: Core) => {
  const options = { ...core.config.webSocket, queueLimit: core.config.events.streamQueue, log: core.log, label: "event stream" };
  const sockets = new LiveSockets<{ socket: LiveSocket }>();
  const lookups: StreamLookups = {
    message: (id) => {
      const row = core.conversations.message(id);
      return row ? { content: row.content, channel: row.channel } : undefined;
    },
  };
  // The documented view of recent events, by id, with its JSON (undefined: not shown on this stream).
  const views = new Map<number, { view: StreamView; json: string } | undefined>();
  const viewOf = (event: LoggedEvent) => {
    if (views.has(event.id)) return views.get(event.id);
    const view = toStreamView(event, lookups);
    const frame: StreamFrame | undefined = view && { id: event.id, event: view.event, message_type: view.message_type, timestamp: new Date(event.at).toISOString(), data: view.data };
    const shown = view && { view, json: JSON.stringify(frame) };
    if (views.size >= FRAME_CACHE) views.delete(views.keys().next().value!);
    views.set(event.id, shown);
    return shown;
  };

  const stream = {
    query: queryOf(t.Object({ ...EventStreamQuery.properties, token: t.Optional(t.String()) })),
    detail: {
      summary: "Stream events (agents, messages, turns, tools, approvals)",
      description:
        'Frames {"id","event","message_type","timestamp","data"}: bus.message and human_message (MessageBus), message (a user or assistant message), ' +
        "stream_chunk (streamed text, is_reasoning for thoughts), turn_start, progress, tool_start, tool_result, approval_required, approval_resolved, " +
        "error, agent_state, delegation, task_* and the rest under their bus names. Filters: agent_id (its turns, and messages it sent or received), " +
        "message_type (message | action | status), channel, include_ui, include_bus (both default true). since=<id> replays what came after that id " +
        'first. The first frame is {"event":"subscribed","data":{"last_event_id",…}}. A client that stops reading gets {"event":"gap","data":{"resume_from"}} ' +
        "past its bound and the socket closes: reconnect with since=<resume_from>. A `user` key sees only its own conversations, tasks and messages.",
    },
    open(ws: { raw: unknown; data: { request: Request; query: Record<string, unknown> } }) {
      const query = ws.data.query as EventStreamQuery;
      const viewer = callerOf(ws.data.request);
      const owner = ownerLimit(viewer);
      const filter: StreamFilter = {
        agentId: query.agent_id,
        messageType: query.message_type,
        channel: query.channel,
        includeUi: query.include_ui ?? true,
        includeBus: query.include_bus ?? true,
      };
      let feed: Feed | undefined;
      const socket = new LiveSocket(rawSocket(ws), options, () => feed?.close());
      sockets.set(ws, { socket });
      socket.send({ event: "subscribed", data: { last_event_id: core.bus.lastId, since: query.since ?? null, filters: { ...filter } } });
      feed = new Feed(
        core.eventLog,
        {
          scope: owner !== undefined ? { owner } : {},
          since: query.since,
          match: (event) => {
            const shown = viewOf(event);
            return shown !== undefined && passes(shown.view, filter);
          },
        },
        socket.sink((event) => viewOf(event)!.json),
      );
      socket.onDrain(() => feed!.resume());
      feed.start();
    },
    pong(ws: object) {
      sockets.pong(ws);
    },
    drain(ws: object) {
      sockets.drain(ws);
    },
    message(ws: object, message: unknown) {
      // Nothing to say to this stream; a frame only shows the client is alive.
      sockets.receive(ws, message);
    },
    close(ws: object) {
      sockets.close(ws);
    },
  };

  return new Elysia({ name: "events", detail: { tags: ["events"] } })
    .ws("/api/v1/events/ws", stream)
    .ws("/api/v1/ws/messages", { ...stream, detail: { ...stream.detail, summary: "Stream events (alias of /api/v1/events/ws)" } });
};
