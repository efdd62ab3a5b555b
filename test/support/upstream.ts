// A scripted LLM upstream for tests: a real HTTP server (Bun.serve, port 0) speaking the OpenAI chat completions
// and Anthropic messages wire formats (JSON and SSE), so the official SDKs — and our adapters — run unchanged.
//
// Pointing the app at it
//   const up = await startUpstream();
//   const app = await startTestApp({ env: { PENGUIN_MODEL: "openai/gpt-4o", OPENAI_API_KEY: "k", OPENAI_BASE_URL: up.openaiBaseUrl } });
//   // Anthropic: PENGUIN_MODEL "anthropic/claude-sonnet-4-5", ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL: up.anthropicBaseUrl
//   // OpenRouter (chat + discovery): OPENROUTER_API_KEY, OPENROUTER_BASE_URL: up.url (or up.openrouterBaseUrl)
//   // Any path ending in /chat/completions, /messages or /models is served. Keep failure tests fast with
//   // PENGUIN_RETRY_BASE_MS: "5" (backoff base) and a toml `[engine]` connect_timeout_ms / idle_timeout_ms (≥ 100).
//
// How to script it
//   up.script(
//     { text: "Hello there" },                                   // streamed in small chunks (chunkSize, default 4)
//     { reasoning: "Let me think", text: "42" },                  // reasoning_content deltas / thinking blocks
//     { toolCalls: [{ name: "read_file", arguments: { path: "a.txt" } }] },  // arguments split over chunks
//     { toolCalls: [{ name: "x", arguments: "{not json" }] },    // a string is sent verbatim (invalid JSON on demand)
//     { usage: { input: 12, output: 3 }, text: "ok" },            // usage numbers (defaults are derived from the text)
//     { error: { status: 429, retryAfter: 1 } },                  // HTTP error with retry-after; `body` overrides the body
//     { times: 3, error: { status: 500 } },                       // a step used for 3 requests in a row
//     { delayMs: 500, text: "slow" },                             // delay before the response headers
//     { chunkDelayMs: 20, text: "paced" },                        // delay between SSE events
//     { cutAfter: 3, text: "truncated…" },                        // closes after 3 SSE events, no terminator
//     { cutAfter: 3, cutMode: "reset", text: "…" },               // same, but the connection errors out
//     { stallAfter: 2, text: "…" },                               // sends 2 SSE events, then nothing (idle timeout)
//     { hang: true },                                             // never answers at all (connect timeout)
//     { key: "[case-7]", text: "only for requests whose last user message contains [case-7]" },
//     { match: (req) => req.body.model === "gpt-x", text: "…" },  // arbitrary predicate on the recorded request
//   );
// A request takes the first keyed/matching step that fits it (key found in the last user message that has text;
// tool results don't count), else the first step without key/match, else the default answer ("Default upstream
// answer." or `startUpstream({ defaultText })`). Streaming follows the request's `stream` flag; the final OpenAI
// usage chunk is sent only when `stream_options.include_usage` is set. OpenAI reasoning goes out as
// `reasoning_content` (`reasoningField: "reasoning"` for the OpenRouter spelling).
// Embeddings (POST …/embeddings, the OpenAI wire format, float or base64 as the request asks): `up.embed(text, model)`
// makes each input's vector; by default `wordHashEmbedding` (texts that share words point the same way). Assign your
// own to script meaning; `up.embeddingsError = { status }` makes the route fail until cleared.
// `up.requests` records every request (path, method, headers, parsed body, format, lastUserText) in arrival order;
// `up.pending()` counts unused steps; `up.reset()` clears steps and records; `up.catalogue` is the list served by
// GET …/models (OpenRouter shape: `{data:[…]}`), `up.catalogueError` makes that route fail. `await up.close()`.

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** An object is JSON-encoded; a string is sent exactly as given (use it for invalid JSON). */
  arguments?: string | Record<string, unknown>;
}

export interface Step {
  /** Only requests whose last user message (with text) contains this marker take this step. */
  key?: string;
  /** Only requests for which this returns true take this step. */
  match?: (request: RecordedRequest) => boolean;
  /** How many requests this step answers (default 1). */
  times?: number;
  text?: string;
  reasoning?: string;
  /** Anthropic thinking signature (default "sig-…"). */
  signature?: string;
  reasoningField?: "reasoning_content" | "reasoning";
  toolCalls?: ScriptedToolCall[];
  usage?: { input?: number; output?: number };
  finishReason?: "stop" | "tool_calls" | "length";
  error?: { status: number; body?: unknown; message?: string; retryAfter?: number | string };
  /** Milliseconds before the response headers are sent. */
  delayMs?: number;
  /** Milliseconds between SSE events. */
  chunkDelayMs?: number;
  /** Characters per text / reasoning delta (default 4); tool arguments are split in pieces of the same size. */
  chunkSize?: number;
  /** Close the stream after this many SSE events, without the terminator. */
  cutAfter?: number;
  /** "close" ends the body cleanly (EOF mid-message, the default); "reset" breaks the connection. */
  cutMode?: "close" | "reset";
  /** Send this many SSE events, then nothing more while keeping the connection open. */
  stallAfter?: number;
  /** Never send anything, not even headers. */
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  format: "openai" | "anthropic" | "models" | "embeddings" | "other";
  /** Text of the last user message that has text (tool results skipped); "" when none. */
  lastUserText: string;
  stream: boolean;
  /** The key of the step that answered, or null for an unkeyed/default step. */
  stepKey: string | null;
}

export interface OpenRouterModel {
  id: string;
  name: string;
  context_length: number;
  pricing: { prompt: string; completion: string; [k: string]: string };
  top_provider?: { context_length?: number; max_completion_tokens?: number | null; is_moderated?: boolean };
  architecture?: { modality?: string; input_modalities?: string[]; output_modalities?: string[] };
  [extra: string]: unknown;
}

export interface Upstream {
  url: string;
  /** Base URL for the OpenAI SDK (ends in /v1). */
  openaiBaseUrl: string;
  /** Base URL for the Anthropic SDK (the SDK appends /v1/messages). */
  anthropicBaseUrl: string;
  /** Base URL for OpenRouter (ends in /api/v1). */
  openrouterBaseUrl: string;
  script(...steps: Step[]): void;
  requests: RecordedRequest[];
  pending(): number;
  reset(): void;
  catalogue: OpenRouterModel[];
  catalogueError?: { status: number; body?: unknown };
  /** The vector POST …/embeddings returns for one input (default: wordHashEmbedding). */
  embed: (text: string, model: string) => number[];
  embeddingsError?: { status: number; body?: unknown };
  close(): Promise<void>;
}

/** Each word (lowercased letters and digits) adds 1 to one of `dimensions` slots chosen by its hash. */
export function wordHashEmbedding(text: string, dimensions = 64): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) vector[Bun.hash.crc32(word) % dimensions]! += 1;
  return vector;
}

export const DEFAULT_CATALOGUE: OpenRouterModel[] = [
  {
    id: "anthropic/claude-sonnet-4.5",
    name: "Anthropic: Claude Sonnet 4.5",
    context_length: 200000,
    architecture: { modality: "text+image->text", input_modalities: ["text", "image"], output_modalities: ["text"] },
    pricing: { prompt: "0.000003", completion: "0.000015", request: "0", image: "0" },
    top_provider: { context_length: 200000, max_completion_tokens: 64000, is_moderated: false },
  },
  {
    id: "openai/gpt-4o",
    name: "OpenAI: GPT-4o",
    context_length: 128000,
    architecture: { modality: "text+image->text", input_modalities: ["text", "image"], output_modalities: ["text"] },
    pricing: { prompt: "0.0000025", completion: "0.00001", request: "0", image: "0" },
    top_provider: { context_length: 128000, max_completion_tokens: 16384, is_moderated: true },
  },
  {
    id: "meta-llama/llama-3.1-8b-instruct",
    name: "Meta: Llama 3.1 8B Instruct",
    context_length: 131072,
    architecture: { modality: "text->text", input_modalities: ["text"], output_modalities: ["text"] },
    pricing: { prompt: "0.00000002", completion: "0.00000005", request: "0", image: "0" },
    top_provider: { context_length: 131072, max_completion_tokens: null, is_moderated: false },
  },
];

const encoder = new TextEncoder();

export async function startUpstream(options: { defaultText?: string } = {}): Promise<Upstream> {
  const defaultText = options.defaultText ?? "Default upstream answer.";
  const steps: { step: Step; left: number }[] = [];
  const requests: RecordedRequest[] = [];
  // Aborted on close(): releases every hanging or stalled response.
  const closing = new AbortController();
  let counter = 0;

  const take = (request: RecordedRequest): Step => {
    const fits = (s: Step) => (s.key === undefined || request.lastUserText.includes(s.key)) && (s.match === undefined || s.match(request));
    let index = steps.findIndex((e) => (e.step.key !== undefined || e.step.match !== undefined) && fits(e.step));
    if (index < 0) index = steps.findIndex((e) => e.step.key === undefined && e.step.match === undefined);
    if (index < 0) return { text: defaultText };
    const entry = steps[index]!;
    if (--entry.left <= 0) steps.splice(index, 1);
    return entry.step;
  };

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => (headers[k] = v));
      let body: any = undefined;
      const raw = req.method === "POST" ? await req.text() : "";
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const path = url.pathname;
      const format: RecordedRequest["format"] =
        req.method === "POST" && path.endsWith("/chat/completions")
          ? "openai"
          : req.method === "POST" && path.endsWith("/messages")
            ? "anthropic"
            : req.method === "GET" && path.endsWith("/models")
              ? "models"
              : req.method === "POST" && path.endsWith("/embeddings")
                ? "embeddings"
                : "other";
      const record: RecordedRequest = {
        method: req.method,
        path,
        headers,
        body,
        format,
        lastUserText: format === "openai" || format === "anthropic" ? lastUserText(body) : "",
        stream: body?.stream === true,
        stepKey: null,
      };
      requests.push(record);

      if (format === "models") {
        if (upstream.catalogueError) {
          return Response.json(upstream.catalogueError.body ?? { error: { message: "catalogue unavailable", code: upstream.catalogueError.status } }, {
            status: upstream.catalogueError.status,
          });
        }
        return Response.json({ data: upstream.catalogue });
      }
      if (format === "embeddings") return embeddingsResponse(body, upstream);
      if (format === "other") return Response.json({ error: { message: `no route ${req.method} ${path}` } }, { status: 404 });
      if (typeof body !== "object" || body === null) return errorResponse(format, 400, undefined, "body must be JSON");

      const step = take(record);
      record.stepKey = step.key ?? null;
      const stop = anySignal([req.signal, closing.signal]);

      if (step.hang) {
        await waitFor(stop);
        return new Response(null, { status: 499 });
      }
      if (step.delayMs) await sleep(step.delayMs, stop);
      if (stop.aborted) return new Response(null, { status: 499 });
      if (step.error) return errorResponse(format, step.error.status, step.error.body, step.error.message, step.error.retryAfter);

      const id = `${format === "openai" ? "chatcmpl" : "msg"}-${++counter}`;
      const model = String(body.model ?? "scripted-model");
      if (!record.stream) return Response.json(format === "openai" ? openaiJson(step, id, model) : anthropicJson(step, id, model));

      const events = format === "openai" ? openaiEvents(step, id, model, body.stream_options?.include_usage === true) : anthropicEvents(step, id, model);
      return sse(events, step, stop);
    },
  });

  const base = `http://127.0.0.1:${server.port}`;
  const upstream: Upstream = {
    url: base,
    openaiBaseUrl: `${base}/v1`,
    anthropicBaseUrl: base,
    openrouterBaseUrl: `${base}/api/v1`,
    script(...more) {
      for (const step of more) steps.push({ step, left: Math.max(1, step.times ?? 1) });
    },
    requests,
    pending: () => steps.reduce((n, e) => n + e.left, 0),
    reset() {
      steps.length = 0;
      requests.length = 0;
    },
    catalogue: structuredClone(DEFAULT_CATALOGUE),
    embed: (text) => wordHashEmbedding(text),
    async close() {
      closing.abort();
      await server.stop(true);
    },
  };
  return upstream;
}

// ---------------------------------------------------------------------------------------------------------------
// Wire formats

function lastUserText(body: any): string {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content)) {
      const text = m.content
        .filter((p: any) => p?.type === "text" && typeof p.text === "string")
        .map((p: any) => p.text)
        .join("\n");
      if (text) return text;
    }
  }
  return "";
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function argumentsText(call: ScriptedToolCall): string {
  return typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments ?? {});
}

function usageOf(step: Step): { input: number; output: number } {
  const produced = (step.text ?? "").length + (step.reasoning ?? "").length + (step.toolCalls ?? []).reduce((n, c) => n + argumentsText(c).length + c.name.length, 0);
  return { input: step.usage?.input ?? 10, output: step.usage?.output ?? Math.max(1, Math.ceil(produced / 4)) };
}

function finishOf(step: Step): "stop" | "tool_calls" | "length" {
  return step.finishReason ?? (step.toolCalls?.length ? "tool_calls" : "stop");
}

const toolId = (step: Step, i: number, prefix: string) => step.toolCalls![i]!.id ?? `${prefix}_${i + 1}_${Math.random().toString(36).slice(2, 10)}`;

function openaiJson(step: Step, id: string, model: string) {
  const usage = usageOf(step);
  const message: Record<string, unknown> = { role: "assistant", content: step.text ?? (step.toolCalls?.length ? null : ""), refusal: null };
  if (step.reasoning) message[step.reasoningField ?? "reasoning_content"] = step.reasoning;
  if (step.toolCalls?.length) {
    message.tool_calls = step.toolCalls.map((c, i) => ({ id: toolId(step, i, "call"), type: "function", function: { name: c.name, arguments: argumentsText(c) } }));
  }
  return {
    id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finishOf(step), logprobs: null }],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

function openaiEvents(step: Step, id: string, model: string, includeUsage: boolean): string[] {
  const size = Math.max(1, step.chunkSize ?? 4);
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...(includeUsage ? { usage: null } : {}),
    });
  const events = [chunk({ role: "assistant", content: "" })];
  const field = step.reasoningField ?? "reasoning_content";
  for (const p of pieces(step.reasoning ?? "", size)) events.push(chunk({ [field]: p }));
  for (const p of pieces(step.text ?? "", size)) events.push(chunk({ content: p }));
  (step.toolCalls ?? []).forEach((call, index) => {
    events.push(chunk({ tool_calls: [{ index, id: toolId(step, index, "call"), type: "function", function: { name: call.name, arguments: "" } }] }));
    for (const p of pieces(argumentsText(call), size)) events.push(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
  });
  events.push(chunk({}, finishOf(step)));
  if (includeUsage) {
    const u = usageOf(step);
    events.push(
      JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: null, choices: [], usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output } }),
    );
  }
  return events.map((data) => `data: ${data}\n\n`).concat("data: [DONE]\n\n");
}

const anthropicStop = (step: Step) => ({ stop: "end_turn", tool_calls: "tool_use", length: "max_tokens" })[finishOf(step)];

function anthropicJson(step: Step, id: string, model: string) {
  const usage = usageOf(step);
  const content: unknown[] = [];
  if (step.reasoning) content.push({ type: "thinking", thinking: step.reasoning, signature: step.signature ?? `sig-${id}` });
  if (step.text) content.push({ type: "text", text: step.text });
  (step.toolCalls ?? []).forEach((c, i) => {
    let input: unknown = {};
    try {
      input = JSON.parse(argumentsText(c));
    } catch {
      input = argumentsText(c); // the real API never does this; scripted invalid input stays visible
    }
    content.push({ type: "tool_use", id: toolId(step, i, "toolu"), name: c.name, input });
  });
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: anthropicStop(step),
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}

function anthropicEvents(step: Step, id: string, model: string): string[] {
  const size = Math.max(1, step.chunkSize ?? 4);
  const usage = usageOf(step);
  const events: [string, unknown][] = [];
  events.push([
    "message_start",
    { type: "message_start", message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input, output_tokens: 1 } } },
  ]);
  events.push(["ping", { type: "ping" }]);
  let index = 0;
  if (step.reasoning) {
    events.push(["content_block_start", { type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } }]);
    for (const p of pieces(step.reasoning, size)) events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: p } }]);
    events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "signature_delta", signature: step.signature ?? `sig-${id}` } }]);
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
    index++;
  }
  if (step.text) {
    events.push(["content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }]);
    for (const p of pieces(step.text, size)) events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: p } }]);
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
    index++;
  }
  (step.toolCalls ?? []).forEach((call, i) => {
    events.push(["content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id: toolId(step, i, "toolu"), name: call.name, input: {} } }]);
    for (const p of pieces(argumentsText(call), size)) events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: p } }]);
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
    index++;
  });
  events.push(["message_delta", { type: "message_delta", delta: { stop_reason: anthropicStop(step), stop_sequence: null }, usage: { output_tokens: usage.output } }]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

function embeddingsResponse(body: any, upstream: Upstream): Response {
  if (upstream.embeddingsError) {
    const { status, body: errorBody } = upstream.embeddingsError;
    return Response.json(errorBody ?? { error: { message: `scripted embeddings error ${status}`, type: "server_error", param: null, code: null } }, { status });
  }
  const inputs: unknown[] = Array.isArray(body?.input) ? body.input : [body?.input];
  if (inputs.length === 0 || inputs.some((i) => typeof i !== "string")) return errorResponse("openai", 400, undefined, "input must be a string or an array of strings");
  const model = String(body.model ?? "scripted-embedding");
  const data = (inputs as string[]).map((text, index) => {
    const vector = upstream.embed(text, model);
    const embedding = body.encoding_format === "base64" ? Buffer.from(Float32Array.from(vector).buffer).toString("base64") : vector;
    return { object: "embedding", index, embedding };
  });
  const tokens = (inputs as string[]).reduce((n, t) => n + Math.ceil(t.length / 4), 0);
  return Response.json({ object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

function errorResponse(format: "openai" | "anthropic", status: number, body: unknown, message?: string, retryAfter?: number | string): Response {
  const text = message ?? `scripted upstream error ${status}`;
  const anthropicType = status === 429 ? "rate_limit_error" : status === 529 ? "overloaded_error" : status >= 500 ? "api_error" : status === 401 ? "authentication_error" : "invalid_request_error";
  const payload =
    body ?? (format === "openai" ? { error: { message: text, type: status === 429 ? "rate_limit_exceeded" : "server_error", param: null, code: null } } : { type: "error", error: { type: anthropicType, message: text } });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
  return new Response(typeof payload === "string" ? payload : JSON.stringify(payload), { status, headers });
}

function sse(events: string[], step: Step, stop: AbortSignal): Response {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (step.stallAfter !== undefined && sent >= step.stallAfter) {
        await waitFor(stop);
        controller.close();
        return;
      }
      if (step.cutAfter !== undefined && sent >= step.cutAfter) {
        if (step.cutMode === "reset") controller.error();
        else controller.close();
        return;
      }
      if (sent >= events.length) {
        controller.close();
        return;
      }
      if (sent > 0 && step.chunkDelayMs) await sleep(step.chunkDelayMs, stop);
      if (stop.aborted) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(events[sent++]!));
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function waitFor(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}

function anySignal(signals: AbortSignal[]): AbortSignal {
  return AbortSignal.any(signals);
}
