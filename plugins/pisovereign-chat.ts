// The PiSovereign chat surface: POST /v1/chat (JSON) and POST /v1/chat/stream (Server-Sent Events), over the same
// engine and conversations as the Penguin surface. The SSE stream follows its turn on the bus.
import { Elysia, t, type Static } from "elysia";
import type { Core } from "../src/core";
import { newId } from "../src/core/kernel/ids";
import { followTurn } from "../src/core/engine/follow";
import type { TurnEvent } from "../src/core/engine/schema";
import type { TurnRequest, TurnResult } from "../src/core/engine/turn";
import type { Viewer } from "../src/core/kernel/viewer";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope } from "../src/http/schemas";

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

const toTurnRequest = (body: ChatRequest, signal: AbortSignal, viewer: Viewer | undefined): TurnRequest => ({
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
/** Bytes an SSE client may leave unread before it is considered gone. */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

export const pisovereignChatPlugin = (core: Core) =>
  new Elysia({ name: "pisovereign-chat", detail: { tags: ["chat (PiSovereign)"] } })
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
      async ({ body, request }) => {
        const abort = new AbortController();
        const onGone = () => abort.abort(new Error("client disconnected"));
        request.signal.addEventListener("abort", onGone, { once: true });
        const encoder = new TextEncoder();
        let sink: ReadableStreamDefaultController<Uint8Array> | undefined;
        let closed = false;
        let heartbeat: ReturnType<typeof setInterval> | undefined;

        const close = () => {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          request.signal.removeEventListener("abort", onGone);
          try {
            sink?.close();
          } catch {
            // already closed by the client
          }
        };
        const write = (text: string) => {
          if (closed || !sink) return;
          sink.enqueue(encoder.encode(text));
          // A reader that stopped reading must not make us buffer forever.
          if ((sink.desiredSize ?? 0) < -MAX_UNREAD_BYTES) {
            abort.abort(new Error("client too slow"));
            close();
          }
        };
        const event = (name: string, data: unknown) => write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

        const stream = new ReadableStream<Uint8Array>(
          {
            start(controller) {
              sink = controller;
            },
            cancel() {
              abort.abort(new Error("client disconnected"));
              close();
            },
          },
          new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
        );

        let started!: () => void;
        const ready = new Promise<void>((resolve) => (started = resolve));
        const relay = (e: TurnEvent) => {
          switch (e.event) {
            case "start":
              started();
              heartbeat = setInterval(() => write(": ping\n\n"), HEARTBEAT_MS);
              break;
            case "token":
              event("message", { delta: e.data.token });
              break;
            case "complete": {
              const u = e.data.usage;
              event("done", {
                tokens: { prompt: u.prompt_tokens, completion: u.completion_tokens, total: u.total_tokens },
                conversation_id: e.data.conversation_id,
                ...(e.data.interrupted ? { interrupted: true } : {}),
              });
              close();
              break;
            }
            case "error":
              event("error", { code: e.data.code ?? "INTERNAL_ERROR", message: e.data.message });
              close();
              break;
          }
        };
        // Named first, so the subscription is in place before the turn's `start`.
        const turnId = newId();
        const unfollow = followTurn(core.bus, turnId, relay, { approvals: false });
        const turn = core.engine.runTurn({ ...toTurnRequest(body, abort.signal, callerOf(request)), turnId, live: true });
        turn.catch(() => close()).finally(unfollow); // the `error` event already told the client
        // Refusals (bad model, no provider, …) happen before `start` and answer as a normal error envelope.
        await Promise.race([ready, turn]);
        return new Response(stream, {
          headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" },
        });
      },
      {
        body: ChatRequest,
        response: { 400: ErrorEnvelope, 404: ErrorEnvelope, 503: ErrorEnvelope },
        detail: {
          summary: "Streaming chat over Server-Sent Events (PiSovereign shape)",
          description: 'Events: `message` with {"delta"} per chunk of the answer, then `done` with {"tokens":{prompt,completion,total}}; `error` with {code,message} if the turn fails.',
        },
      },
    );
