// Provider adapters against the scripted upstream, for both wire formats: what they yield, what they send, and
// how they fail (retries, timeouts, broken streams, invalid tool JSON, cancellation).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { loadConfig, type Config, type ModelEntry } from "../../src/config";
import { Metrics } from "../../src/core/system/metrics";
import { createProvider, openrouterBaseUrl, policyFrom } from "../../src/core/providers";
import type { CallPolicy } from "../../src/core/providers/resilience";
import { ProviderError, type ChatMessage, type CompletionRequest, type Provider, type ProviderEvent } from "../../src/core/providers/types";
import { startUpstream, type Upstream } from "../support/upstream";

let up: Upstream;
let config: Config;
const policy: CallPolicy = { maxRetries: 2, connectTimeoutMs: 400, idleTimeoutMs: 300, retryBaseMs: 5, retryMaxWaitMs: 5_000 };

beforeAll(async () => {
  up = await startUpstream();
  config = loadConfig({
    env: {
      OPENAI_API_KEY: "sk-test",
      ANTHROPIC_API_KEY: "ant-test",
      OPENROUTER_API_KEY: "or-test",
      OPENROUTER_SITE_URL: "https://penguin.example",
      OPENROUTER_SITE_TITLE: "Penguin Tests",
      OPENROUTER_BASE_URL: up.url,
      PENGUIN_WORKSPACE: "/tmp/penguin-adapters-unused",
    },
  });
});
afterAll(() => up.close());
beforeEach(() => up.reset());

const models = (): Record<"openai" | "anthropic", ModelEntry> => ({
  openai: { id: "gpt", provider: "openai", model: "gpt-test", base_url: up.openaiBaseUrl },
  anthropic: { id: "claude", provider: "anthropic", model: "claude-test", base_url: up.anthropicBaseUrl },
});

interface Outcome {
  events: ProviderEvent[];
  text: string;
  reasoning: string;
  calls: { id: string; name: string; arguments: string }[];
  done?: Extract<ProviderEvent, { type: "done" }>;
  error?: ProviderError;
  ms: number;
}

async function run(provider: Provider, request: Omit<CompletionRequest, "model"> & { model: ModelEntry }, onEvent?: (e: ProviderEvent) => void): Promise<Outcome> {
  const started = performance.now();
  const out: Outcome = { events: [], text: "", reasoning: "", calls: [], ms: 0 };
  try {
    for await (const event of provider.stream(request)) {
      out.events.push(event);
      onEvent?.(event);
      if (event.type === "text") out.text += event.delta;
      if (event.type === "reasoning") out.reasoning += event.delta;
      if (event.type === "tool_call") out.calls.push(event.call);
      if (event.type === "done") out.done = event;
    }
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    out.error = error;
  }
  out.ms = performance.now() - started;
  return out;
}

const hello: ChatMessage[] = [{ role: "user", content: "hello" }];

for (const format of ["openai", "anthropic"] as const) {
  describe(`${format} adapter`, () => {
    let metrics: Metrics;
    let provider: Provider;
    let model: ModelEntry;
    beforeEach(() => {
      metrics = new Metrics();
      model = models()[format];
      provider = createProvider(model, config, { metrics, policy });
    });

    test("streams text in several deltas and reports usage", async () => {
      up.script({ text: "The quick brown fox", usage: { input: 11, output: 5 } });
      const out = await run(provider, { model, messages: hello });
      expect(out.error).toBeUndefined();
      expect(out.text).toBe("The quick brown fox");
      expect(out.events.filter((e) => e.type === "text").length).toBeGreaterThan(3);
      expect(out.done).toEqual({ type: "done", finishReason: "stop", usage: { promptTokens: 11, completionTokens: 5 } });
      expect(out.events.at(-1)!.type).toBe("done");
      expect(up.requests[0]!.body.stream).toBe(true);
      expect(metrics.inference).toMatchObject({ total: 1, success: 1, failed: 0, tokens: 16 });
    });

    test("reasoning deltas surface as reasoning", async () => {
      up.script({ reasoning: "First, consider the fox.", text: "Done." });
      const out = await run(provider, { model, messages: hello, reasoning: true, maxTokens: 2000 });
      expect(out.reasoning).toBe("First, consider the fox.");
      expect(out.text).toBe("Done.");
      if (format === "anthropic") {
        const body = up.requests[0]!.body;
        expect(body.thinking).toMatchObject({ type: "enabled" });
        expect(body.thinking.budget_tokens).toBeGreaterThanOrEqual(1024);
        expect(body.max_tokens).toBeGreaterThan(body.thinking.budget_tokens);
        expect(out.events.find((e) => e.type === "reasoning" && e.signature)).toBeDefined();
      }
    });

    test("tool calls are assembled from argument fragments, in order", async () => {
      const longArgs = { path: "src/some/deeply/nested/file.ts", content: "line\n".repeat(10) };
      up.script({ text: "Let me look.", toolCalls: [{ id: "c1", name: "read_file", arguments: longArgs }, { id: "c2", name: "list", arguments: {} }], chunkSize: 5 });
      const out = await run(provider, { model, messages: hello, tools: [{ name: "read_file", description: "reads", parameters: { type: "object", properties: { path: { type: "string" } } } }] });
      expect(out.error).toBeUndefined();
      expect(out.calls).toEqual([
        { id: "c1", name: "read_file", arguments: JSON.stringify(longArgs) },
        { id: "c2", name: "list", arguments: "{}" },
      ]);
      expect(out.done?.finishReason).toBe("tool_calls");
      const tools = up.requests[0]!.body.tools;
      if (format === "openai") expect(tools[0]).toEqual({ type: "function", function: { name: "read_file", description: "reads", parameters: { type: "object", properties: { path: { type: "string" } } } } });
      else expect(tools[0]).toEqual({ name: "read_file", description: "reads", input_schema: { type: "object", properties: { path: { type: "string" } } } });
    });

    test("a 429 with retry-after is waited out, then the answer streams", async () => {
      up.script({ error: { status: 429, retryAfter: 1 } }, { text: "after the wait" });
      const out = await run(provider, { model, messages: hello });
      expect(out.error).toBeUndefined();
      expect(out.text).toBe("after the wait");
      expect(up.requests.length).toBe(2);
      expect(out.ms).toBeGreaterThanOrEqual(950);
    });

    test("5xx is retried with backoff up to the limit, then a ProviderError names the status", async () => {
      up.script({ times: 5, error: { status: 500, message: "boom inside" } });
      const out = await run(provider, { model, messages: hello });
      expect(out.error).toBeInstanceOf(ProviderError);
      expect(out.error!.status).toBe(500);
      expect(out.error!.kind).toBe("http");
      expect(out.error!.message).toContain("500");
      expect(out.error!.message).toContain("boom inside");
      expect(out.error!.message).toContain("3 attempts");
      expect(up.requests.length).toBe(3);
      expect(metrics.inference).toMatchObject({ total: 1, failed: 1 });
    });

    test("a client error (400) is not retried", async () => {
      up.script({ error: { status: 400, message: "bad field" } });
      const out = await run(provider, { model, messages: hello });
      expect(out.error?.status).toBe(400);
      expect(out.error?.retryable).toBe(false);
      expect(up.requests.length).toBe(1);
    });

    test("a retry-after longer than the cap gives up at once", async () => {
      up.script({ error: { status: 429, retryAfter: 3600 } });
      const out = await run(provider, { model, messages: hello });
      expect(out.error?.status).toBe(429);
      expect(out.error?.message).toContain("retry after 3600 s");
      expect(out.ms).toBeLessThan(1000);
      expect(up.requests.length).toBe(1);
    });

    test("a stream cut off mid-way is a truncated error, after the text already streamed", async () => {
      up.script({ text: "This answer will never finish properly", cutAfter: 4 });
      const out = await run(provider, { model, messages: hello });
      expect(out.error?.kind).toBe("truncated");
      expect(out.error?.message).toContain("ended before the model finished");
      expect(out.text.length).toBeGreaterThan(0);
      expect(out.done).toBeUndefined();
      expect(up.requests.length).toBe(1);
    });

    test("a connection reset mid-stream is an error and is not retried", async () => {
      up.script({ text: "This answer will break", cutAfter: 4, cutMode: "reset", chunkDelayMs: 20 });
      const out = await run(provider, { model, messages: hello });
      expect(out.error?.kind).toBe("network");
      expect(up.requests.length).toBe(1);
    });

    test("invalid tool-call JSON is a clear error naming the tool", async () => {
      up.script({ toolCalls: [{ name: "write_file", arguments: '{"path": "a.txt", "content": ' }] });
      const out = await run(provider, { model, messages: hello });
      expect(out.error?.kind).toBe("invalid_tool_json");
      expect(out.error?.message).toContain("write_file");
      expect(out.calls).toEqual([]);
    });

    test("a stalled stream hits the idle timeout", async () => {
      up.script({ text: "stalls after a bit", stallAfter: 3 });
      const out = await run(provider, { model, messages: hello });
      expect(out.error?.kind).toBe("idle_timeout");
      expect(out.error?.message).toContain("300 ms");
      expect(out.ms).toBeGreaterThanOrEqual(290);
      expect(out.ms).toBeLessThan(2000);
    });

    test("no response headers within the connect timeout is an error", async () => {
      up.script({ hang: true });
      const out = await run(provider, { model, messages: hello });
      expect(out.error?.kind).toBe("connect_timeout");
      expect(out.ms).toBeGreaterThanOrEqual(390);
      expect(out.ms).toBeLessThan(2000);
    });

    test("slow but steady streams are not cut by the idle timeout", async () => {
      up.script({ text: "steady words arrive", chunkSize: 20, chunkDelayMs: 120, delayMs: 200 });
      const out = await run(provider, { model, messages: hello });
      expect(out.error).toBeUndefined();
      expect(out.text).toBe("steady words arrive");
    });

    test("aborting the signal stops the request promptly", async () => {
      up.script({ text: "x".repeat(400), chunkDelayMs: 50 });
      const controller = new AbortController();
      const out = await run(provider, { model, messages: hello, signal: controller.signal }, (e) => e.type === "text" && controller.abort());
      expect(out.error?.kind).toBe("cancelled");
      expect(out.ms).toBeLessThan(500);
      // an already-aborted signal never reaches the upstream
      const before = up.requests.length;
      const again = await run(provider, { model, messages: hello, signal: AbortSignal.abort() });
      expect(again.error?.kind).toBe("cancelled");
      expect(up.requests.length).toBe(before);
    });

    test("aborting during a retry wait cancels at once", async () => {
      up.script({ error: { status: 503, retryAfter: 4 } });
      const out = await run(provider, { model, messages: hello, signal: AbortSignal.timeout(200) });
      expect(out.error?.kind).toBe("cancelled");
      expect(out.ms).toBeLessThan(1000);
    });
  });
}

describe("request translation", () => {
  const conversation: ChatMessage[] = [
    { role: "system", content: "You are Penguin." },
    { role: "user", content: [{ type: "text", text: "What is in this picture?" }, { type: "image", mediaType: "image/png", base64: "iVBORw0KGgo=" }] },
    { role: "assistant", content: "Let me check.", toolCalls: [{ id: "call_a", name: "read_file", arguments: '{"path":"x"}' }, { id: "call_b", name: "list", arguments: "{}" }] },
    { role: "tool", toolCallId: "call_a", name: "read_file", content: "file body" },
    { role: "tool", toolCallId: "call_b", name: "list", content: "" },
    { role: "user", content: "thanks" },
    { role: "user", content: "and more" },
  ];

  test("OpenAI: roles, image data URL, tool calls and results, include_usage, max_completion_tokens", async () => {
    const model = models().openai;
    await run(createProvider(model, config, { policy }), { model, messages: conversation, maxTokens: 77, temperature: 0.3 });
    const body = up.requests[0]!.body;
    expect(body.model).toBe("gpt-test");
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(body.max_completion_tokens).toBe(77);
    expect(body.temperature).toBe(0.3);
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(["system", "user", "assistant", "tool", "tool", "user", "user"]);
    expect(body.messages[1].content[1]).toEqual({ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } });
    expect(body.messages[2].tool_calls[0]).toEqual({ id: "call_a", type: "function", function: { name: "read_file", arguments: '{"path":"x"}' } });
    expect(body.messages[3]).toEqual({ role: "tool", tool_call_id: "call_a", content: "file body" });
    expect(up.requests[0]!.headers.authorization).toBe("Bearer sk-test");
  });

  test("Anthropic: system separated, images as base64 blocks, tool_result blocks, same-role messages merged", async () => {
    const model = models().anthropic;
    await run(createProvider(model, config, { policy }), { model, messages: conversation, temperature: 1.5 });
    const body = up.requests[0]!.body;
    expect(body.system).toBe("You are Penguin.");
    expect(body.max_tokens).toBe(4096);
    expect(body.temperature).toBe(1);
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(body.messages[0].content[1]).toEqual({ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } });
    expect(body.messages[1].content).toEqual([
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: "call_a", name: "read_file", input: { path: "x" } },
      { type: "tool_use", id: "call_b", name: "list", input: {} },
    ]);
    expect(body.messages[2].content).toEqual([
      { type: "tool_result", tool_use_id: "call_a", content: "file body" },
      { type: "tool_result", tool_use_id: "call_b", content: "(no output)" },
      { type: "text", text: "thanks" },
      { type: "text", text: "and more" },
    ]);
  });

  test("Anthropic thinking: kept across a tool loop with its signature, dropped without it", async () => {
    const model = models().anthropic;
    const provider = createProvider(model, config, { policy });
    const loop = (signature?: string): ChatMessage[] => [
      { role: "user", content: "go" },
      { role: "assistant", content: "", reasoning: "plan", reasoningSignature: signature, toolCalls: [{ id: "t1", name: "ls", arguments: "{}" }] },
      { role: "tool", toolCallId: "t1", name: "ls", content: "a b" },
    ];
    await run(provider, { model, messages: loop("sig-1"), reasoning: true });
    expect(up.requests[0]!.body.thinking).toBeDefined();
    expect(up.requests[0]!.body.messages[1].content[0]).toEqual({ type: "thinking", thinking: "plan", signature: "sig-1" });
    await run(provider, { model, messages: loop(undefined), reasoning: true });
    expect(up.requests[1]!.body.thinking).toBeUndefined();
  });

  test("OpenRouter: attribution headers, reasoning flag, max_tokens, base URL from OPENROUTER_BASE_URL", async () => {
    const model: ModelEntry = { id: "or", provider: "openrouter", model: "anthropic/claude-sonnet-4.5" };
    up.script({ reasoning: "hmm", reasoningField: "reasoning", text: "hi" });
    const out = await run(createProvider(model, config, { policy }), { model, messages: hello, reasoning: true, maxTokens: 50 });
    expect(out.reasoning).toBe("hmm");
    const req = up.requests[0]!;
    expect(req.path).toBe("/api/v1/chat/completions");
    expect(req.headers["http-referer"]).toBe("https://penguin.example");
    expect(req.headers["x-title"]).toBe("Penguin Tests");
    expect(req.headers.authorization).toBe("Bearer or-test");
    expect(req.body.reasoning).toEqual({ enabled: true });
    expect(req.body.max_tokens).toBe(50);
  });

  test("OpenAI-compatible servers (Ollama, vLLM, …) by base URL, no key needed", async () => {
    const cfg = loadConfig({ env: { PENGUIN_MODEL: "ollama/llama3.2", OPENAI_BASE_URL: up.openaiBaseUrl, PENGUIN_WORKSPACE: "/tmp/penguin-adapters-unused" } });
    const model = cfg.models[0]!;
    const out = await run(createProvider(model, cfg, { policy }), { model, messages: hello, maxTokens: 10 });
    expect(out.text).toBe("Default upstream answer.");
    expect(up.requests[0]!.body.model).toBe("llama3.2");
    expect(up.requests[0]!.body.max_tokens).toBe(10);
  });

  test("OPENROUTER_BASE_URL accepts the site root or the API base", () => {
    expect(openrouterBaseUrl({})).toBe("https://openrouter.ai/api/v1");
    expect(openrouterBaseUrl({ OPENROUTER_BASE_URL: "http://h:1/" })).toBe("http://h:1/api/v1");
    expect(openrouterBaseUrl({ OPENROUTER_BASE_URL: "http://h:1/api/v1" })).toBe("http://h:1/api/v1");
  });

  test("the engine settings become the call policy", () => {
    const cfg = loadConfig({ env: { PENGUIN_RETRY_BASE_MS: "7", PENGUIN_WORKSPACE: "/tmp/penguin-adapters-unused" } });
    expect(policyFrom(cfg)).toMatchObject({ maxRetries: 2, connectTimeoutMs: 10_000, idleTimeoutMs: 120_000, retryBaseMs: 7 });
  });

  test("a model without its key cannot get a provider, and the error names the variable", () => {
    const cfg = loadConfig({ env: { PENGUIN_WORKSPACE: "/tmp/penguin-adapters-unused" } });
    expect(() => createProvider({ id: "c", provider: "anthropic", model: "x" }, cfg)).toThrow(/ANTHROPIC_API_KEY/);
  });
});
