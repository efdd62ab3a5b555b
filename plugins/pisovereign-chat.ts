// The PiSovereign chat surface: POST /v1/chat (JSON) and POST /v1/chat/stream (Server-Sent Events), over the same
// engine and conversations as the Penguin surface. The SSE stream follows its turn through the event log: every
// event carries its id, a reader that went away finds the turn still running (it belongs to the server) and resumes
// with Last-Event-ID (or ?since=) on GET /v1/chat/stream, or by sending the same POST again with Last-Event-ID.
import { Elysia, t, type Static } from "elysia";
import type { Core } from "../src/core";
import { newId } from "../src/core/kernel/ids";
import { endsTurn, findTurnToResume, toTurnFrame, turnScope } from "../src/core/engine/follow";
import type { TurnEvent } from "../src/core/engine/schema";
import type { TurnRequest, TurnResult } from "../src/core/engine/turn";
import { Feed } from "../src/core/eventlog/feed";
import { Since } from "../src/core/eventlog/schema";
import type { Viewer } from "../src/core/kernel/viewer";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, Id, queryOf } from "../src/http/schemas";
import { SseStream } from "../src/http/sse-stream";

const ChatRequest = t.Object({
  message: t.String({ minLength: 1, maxLength: 500_000, description: "User message", error: "message cannot be empty" }),
  conversation_id: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 200, description: "Continue an existing conversation" }))),
  system_prompt: t.Optional(t.Nullable(t.String({ maxLength: 100_000, description: "Override the system prompt" }))),
  model: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 300, description: "Override the default model (catalog id or model name)" }))),
  temperature: t.Optional(t.Nullable(t.Number({ minimum: 0, maximum: 2, description: "Sampling temperature (0.0-2.0)", error: "temperature must be between 0.0 and 2.0" }))),
  max_tokens: t.Optional(t.Nullable(t.Integer({ minimum: 1, maximum: 1_000_000, description: "Maximum response tokens" }))),
  agent_id: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 200, description: "Answer as this agent (GET /api/v1/agents); unknown → 404 AGENT_NOT_FOUND" }))),
});
type ChatRequest = typeof ChatRequest.static;

const Tokens = t.Object({ prompt: t.Integer(), completion: t.Integer(), total: t.Integer() });

const ChatResponse = t.Object({
  id: t.String({ description: "id of the assistant message" }),
  conversation_id: t.String(),
  role: t.Literal("assistant"),
  content: t.String(),
  model: t.String(),
  tokens: Tokens,
  created_at: t.String({ description: "ISO 8601" }),
});

const toTurnRequest = (body: ChatRequest, signal: AbortSignal | undefined, viewer: Viewer | undefined): TurnRequest => ({
  text: body.message,
  conversationId: body.conversation_id ?? undefined,
  systemPrompt: body.system_prompt ?? undefined,
  model: body.model ?? undefined,
  temperature: body.temperature ?? undefined,
  maxTokens: body.max_tokens ?? undefined,
  agentId: body.agent_id ?? undefined,
  signal,
  viewer,
});

function toChatResponseView(result: TurnResult): Static<typeof ChatResponse> {
  return {
    id: result.messageId,
    conversation_id: result.conversationId,
    role: "assistant",
    content: result.response,
    model: result.model,
    tokens: { prompt: result.usage.prompt_tokens, completion: result.usage.completion_tokens, total: result.usage.total_tokens },
    created_at: result.createdAt,
  };
}

const HEARTBEAT_MS = 15_000;

/** A turn frame as this surface streams it: `message` deltas, then `done` (or `error`); the rest is not shown. */
function toSseFrame(e: TurnEvent): { event: string; data: unknown } | undefined {
  switch (e.event) {
    case "token":
      return { event: "message", data: { delta: e.data.token } };
    case "complete": {
      const u = e.data.usage;
      return {
        event: "done",
        data: {
          tokens: { prompt: u.prompt_tokens, completion: u.completion_tokens, total: u.total_tokens },
          conversation_id: e.data.conversation_id,
          ...(e.data.interrupted ? { interrupted: true } : {}),
        },
      };
    }
    case "error":
      return { event: "error", data: { code: e.data.code ?? "INTERNAL_ERROR", message: e.data.message } };
    default:
      return undefined;
  }
}

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };

/** The id a reader resumes after: the Last-Event-ID header (EventSource sends it by itself), else ?since=. */
function resumeIdOf(request: Request, since: number | undefined): number | undefined {
  const header = request.headers.get("last-event-id")?.trim();
  if (header && /^\d{1,15}$/.test(header)) return Number(header);
  return since;
}

const ResumeQuery = t.Object({
  since: t.Optional(Since),
  turn_id: t.Optional(t.String({ ...Id, description: "The turn to follow (else the turn of the event `since`/Last-Event-ID names, else the running turn of conversation_id)" })),
  conversation_id: t.Optional(t.String({ ...Id, description: "Follow this conversation's running turn from its start" })),
});

export const pisovereignChatPlugin = (core: Core) => {
  const streamOptions = (request: Request) => ({ log: core.log, label: "chat SSE", queueLimit: core.config.events.streamQueue, heartbeatMs: HEARTBEAT_MS, signal: request.signal });

  /** Streams one turn's frames after `since` until its end; the stream ends there (or when the reader goes away). */
  const streamTurn = (request: Request, turnId: string, since: number, viewer: Viewer | undefined, hooks: { onFrame?: (frame: TurnEvent) => void; onLive?: () => void } = {}) => {
    let feed: Feed | undefined;
    const sse = new SseStream({ ...streamOptions(request), onClose: () => feed?.close() });
    feed = new Feed(
      core.eventLog,
      {
        scope: turnScope(turnId, viewer, { approvals: false }),
        since,
        until: (event) => endsTurn(toTurnFrame(event)),
        onEnd: () => sse.close(),
        onLive: hooks.onLive,
      },
      sse.feedSink((event) => {
        const frame = toTurnFrame(event);
        hooks.onFrame?.(frame);
        return toSseFrame(frame);
      }),
    );
    sse.onDrain(() => feed!.resume());
    return { sse, feed };
  };

  return new Elysia({ name: "pisovereign-chat", detail: { tags: ["chat (PiSovereign)"] } })
    .post(
      "/v1/chat",
      async ({ body, request }) => {
        return toChatResponseView(await core.engine.runTurn(toTurnRequest(body, request.signal, callerOf(request))));
      },
      {
        body: ChatRequest,
        response: { 200: ChatResponse, 400: ErrorEnvelope, 404: ErrorEnvelope, 502: ErrorEnvelope, 503: ErrorEnvelope },
        detail: { summary: "Send a chat message (PiSovereign shape)" },
      },
    )
    .post(
      "/v1/chat/stream",
      async ({ body, request, query }) => {
        const viewer = callerOf(request);
        // A reconnecting reader (an EventSource sends the same request again with Last-Event-ID) resumes the turn it
        // was reading; it does not send its message a second time.
        const resumeAfter = resumeIdOf(request, query.since);
        if (resumeAfter !== undefined) return resume(request, { since: resumeAfter }, viewer);

        // Named first, so the feed is in place before the turn's `start`; the turn runs on when the reader goes away.
        const turnId = newId();
        let started!: (frame: TurnEvent) => void;
        const ready = new Promise<TurnEvent>((resolve) => (started = resolve));
        const { sse, feed } = streamTurn(request, turnId, core.bus.lastId, viewer, {
          onFrame: (frame) => {
            if (frame.event === "start") started(frame);
          },
        });
        feed.start();
        const turn = core.engine.runTurn({ ...toTurnRequest(body, undefined, viewer), turnId, live: true });
        turn.catch(() => {}); // the `error` event already told the reader
        // Refusals (bad model, no provider, …) happen before `start` and answer as a normal error envelope.
        const first = await Promise.race([ready, turn.then(() => undefined)]).catch((error) => {
          sse.close();
          throw error;
        });
        const scope = first?.event === "start" ? first.data : undefined;
        return new Response(sse.body, {
          headers: { ...SSE_HEADERS, "x-turn-id": turnId, ...(scope ? { "x-conversation-id": scope.conversation_id } : {}) },
        });
      },
      {
        body: ChatRequest,
        query: queryOf(t.Object({ since: t.Optional(Since) })),
        response: { 400: ErrorEnvelope, 404: ErrorEnvelope, 503: ErrorEnvelope },
        detail: {
          summary: "Streaming chat over Server-Sent Events (PiSovereign shape)",
          description:
            'Events: `message` with {"delta"} per chunk of the answer, then `done` with {"tokens":{prompt,completion,total}}; `error` with {code,message} if the turn fails. ' +
            "Every event has an `id:`; the X-Turn-Id header names the turn. A reader that goes away does not stop the turn: sending the same request " +
            "with Last-Event-ID (as EventSource does) or GET /v1/chat/stream resumes it after that event instead of starting a new one. " +
            "A reader that stops reading gets a `gap` event (resume_from) past the stream's bound, and the stream ends.",
        },
      },
    )
    .get("/v1/chat/stream", ({ request, query }) => resume(request, { since: resumeIdOf(request, query.since), turnId: query.turn_id, conversationId: query.conversation_id }, callerOf(request)), {
      query: queryOf(ResumeQuery),
      response: { 404: ErrorEnvelope },
      detail: {
        summary: "Resume a chat stream (SSE)",
        description:
          "Replays a turn's stream after Last-Event-ID (or since), then follows it live until `done` or `error`: the turn that event belongs to, or turn_id, " +
          "or the running turn of conversation_id (from its start). Another user's turn, or none, is a 404.",
      },
    });

  function resume(request: Request, ask: { since?: number; turnId?: string; conversationId?: string }, viewer: Viewer | undefined): Response {
    const target = findTurnToResume(core, ask, viewer);
    const { sse, feed } = streamTurn(request, target.turnId, target.since, viewer, {
      // Caught up with a turn that has ended (its end came before `since`): nothing more will come.
      onLive: () => {
        if (core.engine.runningTurns({ turnId: target.turnId }).length === 0) sse.close();
      },
    });
    feed.start();
    return new Response(sse.body, { headers: { ...SSE_HEADERS, "x-turn-id": target.turnId } });
  }
};
