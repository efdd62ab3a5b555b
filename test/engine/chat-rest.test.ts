// POST /api/v1/chat/message through the scripted OpenAI upstream: answers, history, reasoning, iterations, retries,
// failures, cancellation on disconnect, ordering per conversation, parallelism across conversations.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { get, post, systemTextOf, until, useChatApp } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started));
beforeEach(() => up.reset());

describe("POST /api/v1/chat/message (OpenAI upstream)", () => {
  test("answers with the documented fields and persists both messages", async () => {
    up.script({ text: "Hello! I can help with Python.", usage: { input: 21, output: 7 } });
    const { status, body } = await post(app, "/api/v1/chat/message", { text: "How can you help me with Python?" });
    expect(status).toBe(200);
    expect(body.response).toBe("Hello! I can help with Python.");
    expect(body.action_results).toEqual([]);
    expect(body.reasoning).toBeUndefined();
    expect(typeof body.conversation_id).toBe("string");
    expect(body.usage).toEqual({ prompt_tokens: 21, completion_tokens: 7, total_tokens: 28, cost_usd: 0 });
    expect(body.interrupted).toBe(false);

    // The upstream got the system prompt and the user text, streaming with usage.
    const sent = up.requests[0]!.body;
    expect(sent.stream).toBe(true);
    expect(systemTextOf(sent)).toContain("Working directory:");
    expect(sent.messages.at(-1)).toEqual({ role: "user", content: "How can you help me with Python?" });

    const conv = await get(app, `/api/v1/conversations/${body.conversation_id}`);
    expect(conv.status).toBe(200);
    expect(conv.body.title).toBe("How can you help me with Python?");
    expect(conv.body.messages.map((m: any) => [m.role, m.content, m.status])).toEqual([
      ["user", "How can you help me with Python?", "complete"],
      ["assistant", "Hello! I can help with Python.", "complete"],
    ]);
    expect(conv.body.messages[1].usage.total_tokens).toBe(28);
    expect(conv.body.messages[1].model).toBe("openai/gpt-4o");
  });

  test("the next turn sends the history; null optional fields are accepted", async () => {
    up.script({ text: "Rust hello world: fn main() {}" }, { text: "The key component is main." });
    const first = await post(app, "/api/v1/chat/message", { text: "Generate a hello world program in Rust", conversation_id: null, agent_id: null });
    expect(first.status).toBe(200);
    const second = await post(app, "/api/v1/chat/message", { text: "Explain the key components", conversation_id: first.body.conversation_id });
    expect(second.body.conversation_id).toBe(first.body.conversation_id);
    const messages = up.requests[1]!.body.messages.filter((m: any) => m.role !== "system");
    expect(messages).toEqual([
      { role: "user", content: "Generate a hello world program in Rust" },
      { role: "assistant", content: "Rust hello world: fn main() {}" },
      { role: "user", content: "Explain the key components" },
    ]);
  });

  test("a new conversation id chosen by the client is created; conversation ids are reused", async () => {
    up.script({ text: "one" }, { text: "two" });
    const a = await post(app, "/api/v1/chat/message", { text: "first", conversation_id: "conversation_20240330_123456" });
    expect(a.body.conversation_id).toBe("conversation_20240330_123456");
    const b = await post(app, "/api/v1/chat/message", { text: "second", conversation_id: "conversation_20240330_123456" });
    expect(b.body.conversation_id).toBe("conversation_20240330_123456");
    const conv = await get(app, "/api/v1/conversations/conversation_20240330_123456");
    expect(conv.body.message_count).toBe(4);
  });

  test("include_reasoning returns the reasoning; without it the field is absent but it is stored", async () => {
    up.script({ reasoning: "First, I'll analyze the requirements.", text: "Use a list." }, { reasoning: "Hidden thoughts", text: "Done." });
    const withReasoning = await post(app, "/api/v1/chat/message", { text: "q1", include_reasoning: true });
    expect(withReasoning.body.reasoning).toBe("First, I'll analyze the requirements.");
    expect(withReasoning.body.response).toBe("Use a list.");
    const without = await post(app, "/api/v1/chat/message", { text: "q2" });
    expect(without.body.reasoning).toBeUndefined();
    const conv = await get(app, `/api/v1/conversations/${without.body.conversation_id}`);
    expect(conv.body.messages[1].reasoning).toBe("Hidden thoughts");
  });

  test("max_iterations bounds the loop; every tool call becomes an action result", async () => {
    up.script({ times: 5, toolCalls: [{ name: "nonexistent_tool", arguments: { path: "a.txt" } }] });
    const { status, body } = await post(app, "/api/v1/chat/message", { text: "loop forever", max_iterations: 2 });
    expect(status).toBe(200);
    expect(up.requests.length).toBe(2);
    expect(body.iterations).toBe(2);
    expect(body.action_results.length).toBe(2);
    for (const a of body.action_results) {
      expect(a.action).toBe("nonexistent_tool");
      expect(a.status).toBe("error");
      expect(a.arguments).toEqual({ path: "a.txt" });
      expect(typeof a.result).toBe("string");
      expect(typeof a.duration_ms).toBe("number");
    }
    // The second call carried the first call and its result.
    const second = up.requests[1]!.body.messages;
    const assistant = second.find((m: any) => m.role === "assistant");
    expect(assistant.tool_calls[0].function.name).toBe("nonexistent_tool");
    const tool = second.find((m: any) => m.role === "tool");
    expect(tool.tool_call_id).toBe(assistant.tool_calls[0].id);
  });

  test("429 then success surfaces as one answer", async () => {
    up.script({ error: { status: 429, retryAfter: 0 } }, { error: { status: 503 } }, { text: "after retries" });
    const { status, body } = await post(app, "/api/v1/chat/message", { text: "retry me" });
    expect(status).toBe(200);
    expect(body.response).toBe("after retries");
    expect(up.requests.length).toBe(3);
    const conv = await get(app, `/api/v1/conversations/${body.conversation_id}`);
    expect(conv.body.messages.filter((m: any) => m.role === "assistant").length).toBe(1);
  });

  test("a persistent upstream failure is a 502 UPSTREAM_ERROR envelope; the user message is kept", async () => {
    up.script({ times: 10, error: { status: 500, message: "upstream exploded" } });
    const { status, body } = await post(app, "/api/v1/chat/message", { text: "fail please", conversation_id: "conv-fail" });
    expect(status).toBe(502);
    expect(body.error.code).toBe("UPSTREAM_ERROR");
    expect(body.detail).toBe(body.error.message);
    const conv = await get(app, "/api/v1/conversations/conv-fail");
    expect(conv.body.messages.map((m: any) => m.role)).toEqual(["user"]);
  });

  test("a truncated stream ends with a clear error; the partial answer is kept and the conversation goes on", async () => {
    up.script({ text: "This answer will be cut off somewhere in the middle", cutAfter: 4 }, { text: "Recovered." });
    const broken = await post(app, "/api/v1/chat/message", { text: "cut me", conversation_id: "conv-cut" });
    expect(broken.status).toBe(502);
    expect(broken.body.error.code).toBe("UPSTREAM_ERROR");
    expect(broken.body.error.message.toLowerCase()).toMatch(/cut off|truncat|ended|incomplete|closed/);
    const conv = await get(app, "/api/v1/conversations/conv-cut");
    const assistant = conv.body.messages.find((m: any) => m.role === "assistant");
    expect(assistant.status).toBe("error");
    expect("This answer will be cut off somewhere in the middle".startsWith(assistant.content)).toBe(true);

    const next = await post(app, "/api/v1/chat/message", { text: "again", conversation_id: "conv-cut" });
    expect(next.status).toBe(200);
    expect(next.body.response).toBe("Recovered.");
  });

  test("validation: missing or empty text → 422 with the field", async () => {
    const missing = await post(app, "/api/v1/chat/message", { conversation_id: "x" });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe("VALIDATION_ERROR");
    expect(missing.body.error.details.fields[0].field).toBe("text");
    const empty = await post(app, "/api/v1/chat/message", { text: "" });
    expect(empty.status).toBe(422);
    const badIterations = await post(app, "/api/v1/chat/message", { text: "x", max_iterations: 0 });
    expect(badIterations.status).toBe(422);
    expect(up.requests.length).toBe(0);
  });

  test("a client that disconnects cancels the turn; what was streamed is kept, marked interrupted", async () => {
    up.script({ text: "a long answer that streams slowly, piece by piece, for a while", chunkSize: 4, chunkDelayMs: 40 });
    const controller = new AbortController();
    const pending = app
      .request("/api/v1/chat/message", { method: "POST", json: { text: "slow one", conversation_id: "conv-gone" }, signal: controller.signal })
      .catch((e) => e);
    await until(async () => {
      const conv = await get(app, "/api/v1/conversations/conv-gone");
      return conv.status === 200 && conv.body.messages.some((m: any) => m.role === "assistant" && m.content.length >= 8);
    }, 5000, "some streamed text");
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await until(() => app.core.engine.activeTurns === 0, 3000, "the turn to end");
    const conv = await get(app, "/api/v1/conversations/conv-gone");
    const assistant = conv.body.messages.find((m: any) => m.role === "assistant");
    expect(assistant.status).toBe("interrupted");
    expect(assistant.content.length).toBeGreaterThanOrEqual(8);
    expect(assistant.content.length).toBeLessThan("a long answer that streams slowly, piece by piece, for a while".length);
  });

  test("two messages to one conversation are serialized, in order", async () => {
    up.script({ key: "[first]", text: "first answer", chunkDelayMs: 30 }, { key: "[second]", text: "second answer" });
    const first = post(app, "/api/v1/chat/message", { text: "[first] go", conversation_id: "conv-order" });
    await until(() => up.requests.length === 1, 3000, "the first request");
    const second = post(app, "/api/v1/chat/message", { text: "[second] go", conversation_id: "conv-order" });
    const [a, b] = await Promise.all([first, second]);
    expect(a.body.response).toBe("first answer");
    expect(b.body.response).toBe("second answer");
    // The second model call saw the first answer: it started only after the first turn had finished.
    const sent = up.requests[1]!.body.messages.filter((m: any) => m.role !== "system").map((m: any) => m.content);
    expect(sent).toEqual(["[first] go", "first answer", "[second] go"]);
    const conv = await get(app, "/api/v1/conversations/conv-order");
    expect(conv.body.messages.map((m: any) => m.content)).toEqual(["[first] go", "first answer", "[second] go", "second answer"]);
  });

  test("different conversations run in parallel", async () => {
    up.script({ key: "[p1]", text: "one", delayMs: 400 }, { key: "[p2]", text: "two", delayMs: 400 });
    const a = post(app, "/api/v1/chat/message", { text: "[p1]" });
    const b = post(app, "/api/v1/chat/message", { text: "[p2]" });
    // Both reach the upstream while both are still waiting for it.
    await until(() => up.requests.length === 2, 350, "both requests upstream at once");
    expect((await a).body.response).toBe("one");
    expect((await b).body.response).toBe("two");
  });

  test("context dict and context_files reach the model; files outside the roots are refused", async () => {
    await Bun.write(`${app.projectRoot}/main.py`, "print('hello from main')\n");
    up.script({ text: "seen" });
    const ok = await post(app, "/api/v1/chat/message", { text: "explain", context: { ticket: "PEN-42" }, context_files: ["main.py"] });
    expect(ok.status).toBe(200);
    const system = systemTextOf(up.requests[0]!.body);
    expect(system).toContain("PEN-42");
    expect(system).toContain("print('hello from main')");

    const escape = await post(app, "/api/v1/chat/message", { text: "steal", context_files: ["../../../../etc/passwd"] });
    expect(escape.status).toBe(403);
    expect(escape.body.error.code).toBe("FORBIDDEN");
    const absolute = await post(app, "/api/v1/chat/message", { text: "steal", context_files: ["/etc/hostname"] });
    expect(absolute.status).toBe(403);
    const missing = await post(app, "/api/v1/chat/message", { text: "nothing", context_files: ["no-such-file.py"] });
    expect(missing.status).toBe(404);
    expect(up.requests.length).toBe(1);
  });

  test("image_path inside the workspace reaches a vision model; outside is refused", async () => {
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
    await Bun.write(`${app.workspace}/uploads/pixel.png`, png);
    up.script({ text: "a single pixel" });
    const ok = await post(app, "/api/v1/chat/message", { text: "what is this?", image_path: `${app.workspace}/uploads/pixel.png` });
    expect(ok.status).toBe(200);
    const user = up.requests[0]!.body.messages.at(-1);
    expect(Array.isArray(user.content)).toBe(true);
    expect(JSON.stringify(user.content)).toContain("data:image/png;base64,");
    const outside = await post(app, "/api/v1/chat/message", { text: "and this?", image_path: "/etc/hostname" });
    expect(outside.status).toBe(403);
  });
});

describe("session directory binding", () => {
  test("first valid directory binds; same again is fine; elsewhere → 409; invalid → 400", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, realpathSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const repoA = realpathSync(mkdtempSync(`${tmpdir()}/penguin-repo-a-`));
    const repoB = mkdtempSync(`${tmpdir()}/penguin-repo-b-`);
    mkdirSync(`${repoA}/src`);
    writeFileSync(`${repoA}/file.txt`, "x");
    up.script({ times: 3, text: "ok" });

    const bound = await post(app, "/api/v1/chat/message", { text: "Run checks in this repo", session_id: "repo-session-1", directory: repoA });
    expect(bound.status).toBe(200);
    expect(bound.body.session_id).toBe("repo-session-1");
    expect(systemTextOf(up.requests[0]!.body)).toContain(`Working directory: ${repoA}`);

    const again = await post(app, "/api/v1/chat/message", { text: "again", session_id: "repo-session-1", directory: repoA });
    expect(again.status).toBe(200);
    expect(again.body.conversation_id).toBe(bound.body.conversation_id);

    const elsewhere = await post(app, "/api/v1/chat/message", { text: "move", session_id: "repo-session-1", directory: repoB });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error.code).toBe("CONFLICT");

    const missing = await post(app, "/api/v1/chat/message", { text: "x", session_id: "repo-session-2", directory: `${repoA}/does-not-exist` });
    expect(missing.status).toBe(400);
    const file = await post(app, "/api/v1/chat/message", { text: "x", session_id: "repo-session-3", directory: `${repoA}/file.txt` });
    expect(file.status).toBe(400);
    expect(file.body.error.message).toContain("not a directory");

    const conv = await get(app, `/api/v1/conversations/${bound.body.conversation_id}`);
    expect(conv.body.directory).toBe(repoA);

    // The conversation cannot be taken to another session (and so another directory) by naming a new session id.
    const hijack = await post(app, "/api/v1/chat/message", { text: "x", conversation_id: bound.body.conversation_id, session_id: "other-session", directory: repoB });
    expect(hijack.status).toBe(409);
    expect(hijack.body.error.details.session_id).toBe("repo-session-1");
  });
});

describe("no usable model", () => {
  let bare: TestApp;
  beforeAll(async () => {
    bare = await startTestApp();
  });
  afterAll(() => bare.close());

  test("chat answers 503 saying exactly what to set; nothing is stored", async () => {
    const { status, body } = await post(bare, "/api/v1/chat/message", { text: "hello" });
    expect(status).toBe(503);
    expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.error.message).toContain("PENGUIN_MODEL");
    expect(body.error.message).toContain("OPENAI_API_KEY");
    const list = await get(bare, "/api/v1/conversations");
    expect(list.body.conversations).toEqual([]);
  });
});
