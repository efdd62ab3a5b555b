// The Penguin chat surface: POST /api/v1/chat/message (answers when the turn is done) and the WebSocket
// /api/v1/chat/stream (every event of every turn, in order). Both are thin adapters over core.engine.runTurn; the
// socket follows each of its turns through the event log (the turn's frames and its approval prompts, each with its
// event id). A turn belongs to the server: a socket that closes stops following it, and a client that comes back
// (GET /api/v1/chat/turns to find it) resumes it with `since`. Stopping is explicit: {"type":"stop"} or the stop route.
import { Elysia, t, type Static } from "elysia";
import { MAX_MESSAGE_CHARS } from "../src/core/engine/limits";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { Core } from "../src/core";
import { AppError, notFound } from "../src/core/kernel/errors";
import { newId } from "../src/core/kernel/ids";
import { endsTurn, findTurnToResume, toTurnFrame, turnScope } from "../src/core/engine/follow";
import { ActionResult, RunningTurnView, TurnUsage, type TurnEvent } from "../src/core/engine/schema";
import { MemoryUsed } from "../src/core/memory/schema";
import type { RunningTurn, TurnRequest, TurnResult } from "../src/core/engine/turn";
import { Feed } from "../src/core/eventlog/feed";
import { Since } from "../src/core/eventlog/schema";
import { canSee, type Viewer } from "../src/core/kernel/viewer";
import { callerOf } from "../src/http/auth";
import { LiveSocket, LiveSockets, rawSocket } from "../src/http/live-socket";
import { ErrorEnvelope, maybe, Id, queryOf, withoutNulls } from "../src/http/schemas";

export const ChatMessageBody = t.Object({
  text: t.String({ minLength: 1, maxLength: MAX_MESSAGE_CHARS, description: "The message content" }),
  conversation_id: maybe(t.String({ ...Id, description: "Continue this conversation (created with this id when new)" })),
  session_id: maybe(t.String({ ...Id, description: "Session key for directory binding; continues the session's latest conversation" })),
  directory: maybe(t.String({ minLength: 1, maxLength: 4096, description: "Binds the session to this directory on first use (409 when bound elsewhere, 400 when invalid)" })),
  agent_id: maybe(t.String({ ...Id, description: "Route to a specific agent" })),
  context: maybe(t.Record(t.String(), t.Unknown(), { description: "Additional context shown to the model" })),
  context_files: maybe(t.Array(t.String({ minLength: 1, maxLength: 4096 }), { maxItems: 50, description: "Files (inside the allowed roots) loaded as context" })),
  streaming: maybe(t.Boolean({ description: "Accepted for compatibility; the REST answer always comes when the turn is done" })),
  max_iterations: maybe(t.Integer({ minimum: 1, maximum: 100, description: "Maximum model/tool iterations (default from config, 5)" })),
  image_path: maybe(t.String({ minLength: 1, maxLength: 4096, description: "Image for vision models (inside the workspace or project)" })),
  include_reasoning: maybe(t.Boolean({ description: "Include the model's reasoning in the answer" })),
});
export type ChatMessageBody = Static<typeof ChatMessageBody>;

const ChatMessageResponse = t.Object({
  response: t.String(),
  action_results: t.Array(ActionResult),
  reasoning: t.Optional(t.String()),
  conversation_id: t.String(),
  session_id: t.String(),
  message_id: t.String(),
  model: t.String(),
  usage: TurnUsage,
  iterations: t.Integer(),
  interrupted: t.Boolean(),
  context_note: t.Optional(t.String({ description: "Present when older history was trimmed or summarised to fit the context window" })),
  memories_used: t.Optional(t.Array(MemoryUsed, { description: "Long-term memories recalled into this turn's context (absent when none)" })),
});

/** The API body → an engine request (the same translation serves REST and WebSocket). */
export function turnRequestFrom(body: ChatMessageBody): TurnRequest {
  const b = withoutNulls(body);
  return {
    text: b.text,
    conversationId: b.conversation_id,
    sessionId: b.session_id,
    directory: b.directory,
    agentId: b.agent_id,
    context: b.context,
    contextFiles: b.context_files,
    maxIterations: b.max_iterations,
    imagePath: b.image_path,
    includeReasoning: b.include_reasoning ?? false,
  };
}

function toChatAnswerView(result: TurnResult, includeReasoning: boolean): Static<typeof ChatMessageResponse> {
  return {
    response: result.response,
    action_results: result.actionResults,
    ...(includeReasoning ? { reasoning: result.reasoning } : {}),
    conversation_id: result.conversationId,
    session_id: result.sessionId,
    message_id: result.messageId,
    model: result.model,
    usage: result.usage,
    iterations: result.iterations,
    interrupted: result.interrupted,
    ...(result.contextNote ? { context_note: result.contextNote } : {}),
    ...(result.memoriesUsed?.length ? { memories_used: result.memoriesUsed } : {}),
  };
}

// ── WebSocket ─────────────────────────────────────────────────────────────────────────────────────────────────

const StopFrame = t.Object({ type: t.Literal("stop"), turn_id: t.Optional(t.String({ description: "One of the turns this socket follows (default: all of them)" })) });
const stopCheck = TypeCompiler.Compile(StopFrame);
const messageCheck = TypeCompiler.Compile(ChatMessageBody);

/** Where a client comes back to a turn: in the socket's query, or later in a {"type":"resume"} frame. */
const ResumeFields = {
  since: t.Optional(Since),
  turn_id: t.Optional(t.String({ ...Id, description: "The turn to follow (else the turn of the event `since` names, else the running turn of conversation_id)" })),
  conversation_id: t.Optional(t.String({ ...Id, description: "Follow this conversation's running turn from its start" })),
};
const ResumeFrame = t.Object({ type: t.Literal("resume"), ...ResumeFields });
const resumeCheck = TypeCompiler.Compile(ResumeFrame);

/** Messages waiting behind the running one on one socket. */
const MAX_QUEUED = 32;

interface SocketState {
  socket: LiveSocket;
  /** Who opened the socket: its turns run as this user. */
  viewer?: Viewer;
  queue: ChatMessageBody[];
  busy: boolean;
  /** The turns whose frames this socket streams (its own and resumed ones): what {"type":"stop"} stops. */
  following: Map<string, Feed>;
}

const RunningTurns = t.Object({
  turns: t.Array(RunningTurnView),
  last_event_id: t.Integer({ description: "The newest event id now" }),
});

const toRunningTurnView = (turn: RunningTurn): RunningTurnView => ({
  turn_id: turn.turnId,
  conversation_id: turn.conversationId,
  session_id: turn.sessionId,
  agent_id: turn.agentId,
  since: turn.since,
  started_at: new Date(turn.startedAt).toISOString(),
});

export const chatPlugin = (core: Core) => {
  const options = { ...core.config.webSocket, queueLimit: core.config.events.streamQueue, log: core.log, label: "chat" };
  const sockets = new LiveSockets<SocketState>();

  /** Streams a turn's frames (with their event ids) to the socket after `since`, until its `complete` or `error`. */
  const follow = (state: SocketState, turnId: string, since: number, hooks: { onFrame?: (frame: TurnEvent) => void; onLive?: () => void } = {}): Feed => {
    state.following.get(turnId)?.close();
    const feed: Feed = new Feed(
      core.eventLog,
      {
        scope: turnScope(turnId, state.viewer),
        since,
        until: (event) => endsTurn(toTurnFrame(event)),
        onEnd: () => {
          offDrain();
          if (state.following.get(turnId) === feed) state.following.delete(turnId);
        },
        onLive: hooks.onLive,
      },
      state.socket.sink((event) => {
        const frame = toTurnFrame(event);
        hooks.onFrame?.(frame);
        return { ...frame, id: event.id };
      }),
    );
    const offDrain = state.socket.onDrain(() => feed.resume());
    state.following.set(turnId, feed);
    return feed.start();
  };

  /** A client that comes back: the turn it names (or its conversation's running one) is replayed after `since`. */
  const resume = (state: SocketState, ask: { since?: number; turnId?: string; conversationId?: string }) => {
    try {
      const target = findTurnToResume(core, ask, state.viewer);
      follow(state, target.turnId, target.since, {
        // Caught up with a turn that has ended before `since`: nothing more will come for it.
        onLive: () => {
          if (core.engine.runningTurns({ turnId: target.turnId }).length === 0) state.following.get(target.turnId)?.close();
        },
      });
    } catch (error) {
      const known = error instanceof AppError;
      state.socket.sendError(known ? error.message : "internal error", known ? error.errorCode : "INTERNAL_ERROR", known ? error.details : undefined);
    }
  };

  /** Runs the socket's queued messages one after another. */
  const drain = async (state: SocketState) => {
    if (state.busy) return;
    state.busy = true;
    try {
      while (!state.socket.closed && state.queue.length > 0) {
        const body = state.queue.shift()!;
        let started = false;
        // Named first, so the feed is in place before the turn's `start`.
        const turnId = newId();
        const feed = follow(state, turnId, core.bus.lastId, {
          onFrame: (frame) => {
            if (frame.event === "start") started = true;
          },
        });
        try {
          // No signal: the turn belongs to the server; only {"type":"stop"} or the stop route ends it early.
          await core.engine.runTurn({ ...turnRequestFrom(body), turnId, live: true, viewer: state.viewer });
        } catch (error) {
          // After `start` the engine has already sent the `error` event; before it (refused request) we say why.
          if (!started) {
            feed.close();
            const known = error instanceof AppError;
            state.socket.sendError(known ? error.message : "internal error", known ? error.errorCode : "INTERNAL_ERROR", known ? error.details : undefined);
          }
        }
      }
    } finally {
      state.busy = false;
    }
  };

  /** A running turn the caller may see (another user's is a 404 like a missing one). */
  const visibleTurn = (turnId: string, request: Request): RunningTurn => {
    const turn = core.engine.runningTurns({ turnId })[0];
    if (!turn || !canSee(callerOf(request), turn.owner)) throw notFound("running turn", turnId);
    return turn;
  };

  return new Elysia({ name: "chat", detail: { tags: ["chat"] } })
    .post(
      "/api/v1/chat/message",
      async ({ body, request }) => {
        // A REST caller that goes away cancels its turn (it cannot resume a response); what was streamed stays.
        const result = await core.engine.runTurn({ ...turnRequestFrom(body), signal: request.signal, viewer: callerOf(request) });
        return toChatAnswerView(result, body.include_reasoning === true);
      },
      {
        body: ChatMessageBody,
        response: { 200: ChatMessageResponse, 400: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope, 502: ErrorEnvelope, 503: ErrorEnvelope },
        detail: {
          summary: "Send a message and get the agent's answer",
          description:
            "Runs one agent turn (model calls and tool calls, up to max_iterations) and answers when it is done. " +
            "Messages to the same conversation are processed in order. Upstream failures → 502 UPSTREAM_ERROR; no usable model → 503.",
        },
      },
    )
    .get(
      "/api/v1/chat/turns",
      ({ query, request }) => {
        const viewer = callerOf(request);
        const turns = core.engine.runningTurns({ conversationId: query.conversation_id }).filter((turn) => canSee(viewer, turn.owner));
        return { turns: turns.map(toRunningTurnView), last_event_id: core.bus.lastId };
      },
      {
        query: t.Object({ conversation_id: t.Optional(t.String({ ...Id, description: "Only this conversation's turns" })) }),
        response: { 200: RunningTurns },
        detail: {
          summary: "Running turns",
          description:
            "Turns in progress (running or queued), oldest first, with what a client needs to resume one: `since` replays a turn's stream from its start " +
            "(WS /api/v1/chat/stream?turn_id=…&since=…, or GET /v1/chat/stream). A turn runs on when the page that started it closes.",
        },
      },
    )
    .get("/api/v1/chat/turns/:turn_id", ({ params, request }) => toRunningTurnView(visibleTurn(params.turn_id, request)), {
      params: t.Object({ turn_id: Id }),
      response: { 200: RunningTurnView, 404: ErrorEnvelope },
      detail: { summary: "A running turn", description: "404 once it has ended (its events stay in the event log for replay)." },
    })
    .post(
      "/api/v1/chat/turns/:turn_id/stop",
      ({ params, request }) => {
        visibleTurn(params.turn_id, request);
        core.engine.stop(params.turn_id, "stopped through the API");
        return { stopped: true as const, turn_id: params.turn_id };
      },
      {
        params: t.Object({ turn_id: Id }),
        response: { 200: t.Object({ stopped: t.Literal(true), turn_id: t.String() }), 404: ErrorEnvelope },
        detail: { summary: "Stop a running turn", description: "What was streamed stays in the conversation, marked interrupted; the turn's streams get `complete` with interrupted: true." },
      },
    )
    .ws("/api/v1/chat/stream", {
      query: queryOf(t.Object({ ...ResumeFields, token: t.Optional(t.String()) })),
      detail: {
        summary: "Stream chat turns over a WebSocket",
        description:
          'Send chat messages (same fields as POST /api/v1/chat/message) as JSON frames; receive {"event","data","id"} frames: start, token ' +
          "(coalesced), reasoning, progress, tool_start, tool_result, approval_required, approval_resolved, complete, error (`id`: the event's id). " +
          'Messages on one socket run in order; {"type":"stop"} stops the running turn. A turn belongs to the server: closing the socket (or reloading ' +
          "the page) does not stop it or its pending approvals. Come back with ?turn_id= or ?conversation_id= (and since=<last id seen>), or send " +
          '{"type":"resume",…} with the same fields: the turn\'s frames after `since` are replayed, then it is followed live. A client that stops ' +
          'reading gets {"event":"gap","data":{"resume_from"}} past its bound, and the socket closes.',
      },
      open(ws) {
        core.log.debug("chat socket opened");
        const state: SocketState = {
          viewer: callerOf(ws.data.request),
          queue: [],
          busy: false,
          following: new Map(),
          socket: new LiveSocket(rawSocket(ws), options, () => {
            // The socket goes away, its turns do not: only the streaming stops (and messages that never started).
            state.queue.length = 0;
            for (const feed of [...state.following.values()]) feed.close();
          }),
        };
        sockets.set(ws, state);
        const { since, turn_id, conversation_id } = ws.data.query;
        if (since !== undefined || turn_id || conversation_id) resume(state, { since, turnId: turn_id, conversationId: conversation_id });
      },
      pong(ws) {
        sockets.pong(ws);
      },
      drain(ws) {
        sockets.drain(ws);
      },
      message(ws, message) {
        const received = sockets.receive(ws, message);
        if (!received) return;
        const { state, frame } = received;
        const { socket } = state;
        if (stopCheck.Check(frame)) {
          for (const turnId of frame.turn_id ? [frame.turn_id] : [...state.following.keys()]) {
            if (state.following.has(turnId)) core.engine.stop(turnId);
          }
          return;
        }
        if (resumeCheck.Check(frame)) return resume(state, { since: frame.since, turnId: frame.turn_id, conversationId: frame.conversation_id });
        if (!messageCheck.Check(frame)) {
          return socket.rejectFrame(frame, messageCheck, "message");
        }
        if (state.queue.length >= MAX_QUEUED) return socket.sendError(`too many queued messages on this socket (limit ${MAX_QUEUED})`, "RATE_LIMITED");
        state.queue.push(frame);
        void drain(state);
      },
      close(ws, code) {
        core.log.debug("chat socket closed", { code });
        sockets.close(ws);
      },
    });
};
