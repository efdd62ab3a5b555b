// The Penguin chat surface: POST /api/v1/chat/message (answers when the turn is done) and the WebSocket
// /api/v1/chat/stream (every event of every turn, in order). Both are thin adapters over core.engine.runTurn; the
// socket follows each of its turns on the bus (the turn's frames and its approval prompts).
import { Elysia, t, type Static } from "elysia";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { Core } from "../src/core";
import { AppError } from "../src/core/kernel/errors";
import { newId } from "../src/core/kernel/ids";
import { followTurn } from "../src/core/engine/follow";
import { ActionResult, TurnUsage } from "../src/core/engine/schema";
import { MemoryUsed } from "../src/core/memory/schema";
import type { TurnRequest, TurnResult } from "../src/core/engine/turn";
import type { Viewer } from "../src/core/kernel/viewer";
import { callerOf } from "../src/http/auth";
import { LiveSocket, LiveSockets, rawSocket } from "../src/http/live-socket";
import { ErrorEnvelope, maybe, Id, withoutNulls } from "../src/http/schemas";

export const ChatMessageBody = t.Object({
  text: t.String({ minLength: 1, maxLength: 500_000, description: "The message content" }),
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

const StopFrame = t.Object({ type: t.Literal("stop") });
const stopCheck = TypeCompiler.Compile(StopFrame);
const messageCheck = TypeCompiler.Compile(ChatMessageBody);

/** Messages waiting behind the running one on one socket. */
const MAX_QUEUED = 32;

interface SocketState {
  socket: LiveSocket;
  /** Who opened the socket: its turns run as this user. */
  viewer?: Viewer;
  queue: ChatMessageBody[];
  running?: AbortController;
  busy: boolean;
}

export const chatPlugin = (core: Core) => {
  const options = { ...core.config.webSocket, log: core.log, label: "chat" };
  const sockets = new LiveSockets<SocketState>();

  /** Runs the socket's queued messages one after another. */
  const drain = async (state: SocketState) => {
    if (state.busy) return;
    state.busy = true;
    try {
      while (!state.socket.closed && state.queue.length > 0) {
        const body = state.queue.shift()!;
        const controller = new AbortController();
        state.running = controller;
        let started = false;
        // Named first, so the subscription is in place before the turn's `start`.
        const turnId = newId();
        const unfollow = followTurn(core.bus, turnId, (event) => {
          if (event.event === "start") started = true;
          state.socket.send(event);
        });
        try {
          await core.engine.runTurn({ ...turnRequestFrom(body), signal: controller.signal, turnId, live: true, viewer: state.viewer });
        } catch (error) {
          // After `start` the engine has already sent the `error` event; before it (refused request) we say why.
          if (!started) {
            const known = error instanceof AppError;
            state.socket.sendError(known ? error.message : "internal error", known ? error.errorCode : "INTERNAL_ERROR", known ? error.details : undefined);
          }
        } finally {
          unfollow();
          state.running = undefined;
        }
      }
    } finally {
      state.busy = false;
    }
  };

  return new Elysia({ name: "chat", detail: { tags: ["chat"] } })
    .post(
      "/api/v1/chat/message",
      async ({ body, request }) => {
        // A client that goes away cancels its turn; what was streamed so far stays in the conversation.
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
    .ws("/api/v1/chat/stream", {
      detail: {
        summary: "Stream chat turns over a WebSocket",
        description:
          'Send chat messages (same fields as POST /api/v1/chat/message) as JSON frames; receive {"event","data"} frames: start, token ' +
          "(coalesced), reasoning, progress, tool_start, tool_result, approval_required, approval_resolved, complete, error. " +
          'Messages on one socket run in order; {"type":"stop"} cancels the running turn; closing the socket cancels it too.',
      },
      open(ws) {
        core.log.debug("chat socket opened");
        const state: SocketState = {
          viewer: callerOf(ws.data.request),
          queue: [],
          busy: false,
          socket: new LiveSocket(rawSocket(ws), options, () => {
            state.queue.length = 0;
            state.running?.abort(new Error("client disconnected"));
          }),
        };
        sockets.set(ws, state);
      },
      pong(ws) {
        sockets.pong(ws);
      },
      message(ws, message) {
        const received = sockets.receive(ws, message);
        if (!received) return;
        const { state, frame } = received;
        const { socket } = state;
        if (stopCheck.Check(frame)) {
          state.running?.abort(new Error("stopped by the client"));
          return;
        }
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
