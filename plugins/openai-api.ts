// The OpenAI API: GET /v1/models, GET /v1/models/{model}, POST /v1/chat/completions (JSON, or SSE with `stream: true`),
// authenticated with the server's keys as `Authorization: Bearer`. Each agent is a model. Errors on these routes take
// OpenAI's shape (src/http/openai-errors.ts, applied by app.ts). The turns themselves: src/core/openai-compat.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { AppError } from "../src/core/kernel/errors";
import { ChatCompletion, ChatCompletionRequest, CONVERSATION_HEADER, Model, ModelList, ModelParams, OpenAiError } from "../src/core/openai-compat/schema";
import type { Segment } from "../src/core/openai-compat/segment";
import { OpenAiCompat } from "../src/core/openai-compat/service";
import { ChunkViews, toCompletionView } from "../src/core/openai-compat/views";
import { callerOf } from "../src/http/auth";
import { toOpenAiError } from "../src/http/openai-errors";

const HEARTBEAT_MS = 15_000;
/** Bytes a stream's reader may leave unread before it is considered gone. */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

const errors = { 400: OpenAiError, 401: OpenAiError, 404: OpenAiError, 409: OpenAiError, 429: OpenAiError, 502: OpenAiError, 503: OpenAiError };

/** The Segment as Server-Sent Events: `data: <chunk>` per chunk, then `data: [DONE]`; a failure is `data: {"error":…}`. */
function streamOf(segment: Segment, views: ChunkViews, headers: Record<string, string>, stop: () => void): Response {
  const encoder = new TextEncoder();
  let sink!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    try {
      sink.close();
    } catch {
      // already closed by the client
    }
  };
  const write = (text: string) => {
    if (closed) return;
    sink.enqueue(encoder.encode(text));
    // A reader that stopped reading must not make us buffer forever.
    if ((sink.desiredSize ?? 0) < -MAX_UNREAD_BYTES) {
      stop();
      close();
    }
  };
  const data = (value: unknown) => write(`data: ${JSON.stringify(value)}\n\n`);
  const heartbeat = setInterval(() => write(": ping\n\n"), HEARTBEAT_MS);
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        sink = controller;
      },
      cancel() {
        stop();
        close();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
  void (async () => {
    try {
      data(views.first());
      for await (const event of segment) {
        if (event.type === "delta") data(views.text(event.text));
        else for (const chunk of views.last(event.end)) data(chunk);
      }
      write("data: [DONE]\n\n");
    } catch (error) {
      const known = error instanceof AppError ? error : new AppError("INTERNAL_ERROR", "internal error while running the turn");
      data(toOpenAiError(500, { code: known.errorCode, message: known.message, details: known.details }).body);
    } finally {
      close();
    }
  })();
  return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no", ...headers } });
}

export const openAiApiPlugin = (core: Core) => {
  const openai = new OpenAiCompat({ agents: core.agents, conversations: core.conversations, models: core.models, bus: core.bus, startedAt: core.metrics.startedAt });
  return new Elysia({ name: "openai-api", detail: { tags: ["OpenAI API"] } })
    .get("/v1/models", ({ request }) => ({ object: "list" as const, data: openai.models.list(callerOf(request)) }), {
      response: { 200: ModelList, 401: OpenAiError },
      detail: { summary: "The models: every agent (`default` and each agent by id), then the configured models" },
    })
    .get("/v1/models/:model", ({ params, request }) => openai.models.get(params.model, callerOf(request)), {
      params: ModelParams,
      response: { 200: Model, 401: OpenAiError, 404: OpenAiError },
      detail: { summary: "One model" },
    })
    .post(
      "/v1/chat/completions",
      async ({ body, request, set }) => {
        const stream = body.stream === true;
        // The turn belongs to the server: a client that goes away (or stops reading) ends only its response.
        const abort = new AbortController();
        request.signal.addEventListener("abort", () => abort.abort(request.signal.reason), { once: true });
        const { segment, conversationId } = await openai.complete(body, {
          viewer: callerOf(request),
          conversationId: request.headers.get(CONVERSATION_HEADER) ?? undefined,
          stream,
          signal: abort.signal,
        });
        if (!stream) {
          set.headers[CONVERSATION_HEADER] = conversationId;
          return toCompletionView(body.model, segment, await segment.collect());
        }
        const views = new ChunkViews(body.model, segment, body.stream_options?.include_usage === true);
        const events = streamOf(segment, views, { [CONVERSATION_HEADER]: conversationId }, () => abort.abort(new Error("client gone")));
        // A Response is sent as it is; the route's declared 200 is the JSON answer.
        return events as unknown as ChatCompletion;
      },
      {
        body: ChatCompletionRequest,
        response: { 200: ChatCompletion, ...errors },
        detail: {
          summary: "Chat completion: a turn of the agent the model names",
          description:
            "The last user message runs as a turn of the agent (`model`: `default`, an agent id, or a configured model id, which runs the default " +
            "agent on it) with its tools, sandbox and permissions; earlier messages become the history of a new conversation, or the " +
            "`X-Penguin-Conversation-Id` header continues a stored one (the response header names the conversation either way). Function " +
            "`tools` of the request are offered next to the server's own: when the model calls one the response ends with " +
            '`finish_reason: "tool_calls"`, and the next request\'s `tool` messages continue the turn. `stream: true` answers with ' +
            "Server-Sent Events (`chat.completion.chunk` objects, then `data: [DONE]`). `penguin` summarises what the server's tools did.",
        },
      },
    );
};
