// The scripted upstream must speak the real wire formats: checked through the official SDKs.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { startUpstream, type Upstream } from "../support/upstream";

let up: Upstream;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  up = await startUpstream();
  openai = new OpenAI({ apiKey: "k", baseURL: up.openaiBaseUrl, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "k", baseURL: up.anthropicBaseUrl, maxRetries: 0 });
});
afterAll(() => up.close());
beforeEach(() => up.reset());

describe("OpenAI wire format", () => {
  test("JSON completion with tool calls and usage", async () => {
    up.script({ text: "hi", toolCalls: [{ id: "call_1", name: "read", arguments: { path: "a" } }], usage: { input: 7, output: 3 } });
    const res = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "go" }] });
    expect(res.choices[0]!.message.content).toBe("hi");
    expect(res.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: "call_1", function: { name: "read", arguments: '{"path":"a"}' } });
    expect(res.choices[0]!.finish_reason).toBe("tool_calls");
    expect(res.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  test("streamed text, reasoning, split tool-call arguments and the usage chunk", async () => {
    up.script({ reasoning: "think hard", text: "Hello world", toolCalls: [{ name: "t", arguments: { long: "x".repeat(20) } }], chunkSize: 3 });
    const stream = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "go" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let reasoning = "";
    let args = "";
    let argPieces = 0;
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta.content ?? "";
      reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? "";
      for (const tc of choice.delta.tool_calls ?? []) {
        if (tc.function?.arguments) argPieces++;
        args += tc.function?.arguments ?? "";
      }
      finish = choice.finish_reason ?? finish;
    }
    expect(text).toBe("Hello world");
    expect(reasoning).toBe("think hard");
    expect(JSON.parse(args)).toEqual({ long: "x".repeat(20) });
    expect(argPieces).toBeGreaterThan(3);
    expect(finish).toBe("tool_calls");
    expect(usage).toMatchObject({ prompt_tokens: 10 });
    expect(up.requests[0]).toMatchObject({ path: "/v1/chat/completions", format: "openai", stream: true, lastUserText: "go" });
    expect(up.requests[0]!.headers.authorization).toBe("Bearer k");
  });

  test("no usage chunk unless asked for", async () => {
    up.script({ text: "a" });
    const stream = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "go" }], stream: true });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.every((c) => !c.usage)).toBe(true);
  });

  test("HTTP errors carry status, body and retry-after", async () => {
    up.script({ error: { status: 429, retryAfter: 3, message: "slow down" } });
    const error = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "go" }] }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers.get("retry-after")).toBe("3");
    expect(error.message).toContain("slow down");
  });

  test("keyed steps go to the request that carries the key; the rest falls back to default text", async () => {
    up.script({ key: "[B]", text: "for B" }, { text: "unkeyed" });
    const ask = async (content: string) => (await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content }] })).choices[0]!.message.content;
    expect(await ask("hello")).toBe("unkeyed");
    expect(await ask("question [B]")).toBe("for B");
    expect(await ask("again [B]")).toBe("Default upstream answer.");
    expect(up.pending()).toBe(0);
  });

  test("a truncated stream ends without [DONE]; reset mode breaks the connection", async () => {
    up.script({ text: "abcdefghijkl", cutAfter: 2 }, { text: "abcdefghijkl", cutAfter: 2, cutMode: "reset" });
    const raw = await fetch(up.openaiBaseUrl + "/chat/completions", { method: "POST", body: JSON.stringify({ model: "m", stream: true, messages: [] }) });
    const body = await raw.text();
    expect(body.split("data:").length - 1).toBe(2);
    expect(body).not.toContain("[DONE]");
    const reset = fetch(up.openaiBaseUrl + "/chat/completions", { method: "POST", body: JSON.stringify({ model: "m", stream: true, messages: [] }) }).then((r) => r.text());
    expect(reset).rejects.toThrow();
  });

  test("hang never answers until the client gives up", async () => {
    up.script({ hang: true });
    const started = performance.now();
    const error = await fetch(up.openaiBaseUrl + "/chat/completions", { method: "POST", body: "{}", signal: AbortSignal.timeout(150) }).catch((e) => e);
    expect(error.name).toBe("TimeoutError");
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe("Anthropic wire format", () => {
  test("JSON message with thinking, text and tool_use", async () => {
    up.script({ reasoning: "hmm", text: "ok", toolCalls: [{ id: "toolu_1", name: "run", arguments: { cmd: "ls" } }] });
    const res = await anthropic.messages.create({ model: "claude", max_tokens: 100, messages: [{ role: "user", content: "go" }] });
    expect(res.content.map((b) => b.type)).toEqual(["thinking", "text", "tool_use"]);
    expect(res.content[2]).toMatchObject({ id: "toolu_1", name: "run", input: { cmd: "ls" } });
    expect(res.stop_reason).toBe("tool_use");
  });

  test("SSE events assemble through the SDK's stream helper", async () => {
    up.script({ reasoning: "deep thought", text: "The answer", toolCalls: [{ name: "calc", arguments: { expr: "6*7", note: "y".repeat(15) } }], usage: { input: 20, output: 9 } });
    const stream = anthropic.messages.stream({ model: "claude", max_tokens: 100, messages: [{ role: "user", content: "go" }] });
    const kinds = new Set<string>();
    stream.on("streamEvent", (e) => kinds.add(e.type === "content_block_delta" ? e.delta.type : e.type));
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: "thinking", thinking: "deep thought" });
    expect(final.content[1]).toMatchObject({ type: "text", text: "The answer" });
    expect(final.content[2]).toMatchObject({ type: "tool_use", name: "calc", input: { expr: "6*7", note: "y".repeat(15) } });
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage).toMatchObject({ input_tokens: 20, output_tokens: 9 });
    for (const k of ["message_start", "thinking_delta", "signature_delta", "text_delta", "input_json_delta", "content_block_stop", "message_delta", "message_stop"]) expect(kinds).toContain(k);
    expect(up.requests[0]).toMatchObject({ path: "/v1/messages", format: "anthropic", stream: true });
    // This SDK version sends the key as a bearer token; older ones use x-api-key.
    expect(up.requests[0]!.headers["x-api-key"] ?? up.requests[0]!.headers.authorization).toMatch(/^(Bearer )?k$/);
  });

  test("errors use the Anthropic error shape", async () => {
    up.script({ error: { status: 529, message: "overloaded" } });
    const error = await anthropic.messages.create({ model: "c", max_tokens: 5, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error.status).toBe(529);
    expect(error.error).toMatchObject({ type: "error", error: { type: "overloaded_error", message: "overloaded" } });
  });

  test("the key is looked up in the last user message with text, skipping tool results", async () => {
    up.script({ key: "[K]", text: "keyed" });
    const res = await anthropic.messages.create({
      model: "c",
      max_tokens: 5,
      messages: [
        { role: "user", content: "start [K]" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "x", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "done" }] },
      ],
    });
    expect(res.content[0]).toMatchObject({ type: "text", text: "keyed" });
  });
});

describe("OpenRouter catalogue", () => {
  test("GET /api/v1/models serves the catalogue, and can fail on demand", async () => {
    const res = await fetch(up.openrouterBaseUrl + "/models");
    const body = (await res.json()) as { data: { id: string; pricing: { prompt: string } }[] };
    expect(body.data.map((m) => m.id)).toContain("openai/gpt-4o");
    up.catalogueError = { status: 503 };
    expect((await fetch(up.openrouterBaseUrl + "/models")).status).toBe(503);
    up.catalogueError = undefined;
  });
});
