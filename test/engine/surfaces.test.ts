// The other surfaces over the same engine: PiSovereign /v1/chat (JSON + SSE), conversations CRUD, context files,
// token usage.
import { beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { get, parseSse, post, systemTextOf, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
const toml = (baseUrl: string) => `
default_model = "gpt"
[[models]]
id = "gpt"
provider = "openai"
model = "gpt-4o"
base_url = "${baseUrl}"
price_input = 2.5
price_output = 10
[[models]]
id = "cheap"
provider = "openai"
model = "gpt-4o-mini"
base_url = "${baseUrl}"
[[agents]]
id = "code-expert"
persona = "You are a meticulous code reviewer."
`;

useChatApp("openai", (started) => ({ up, app } = started), ({ openaiBaseUrl }) => ({
  toml: toml(openaiBaseUrl),
  env: { PENGUIN_MODEL: undefined },
}));
beforeEach(() => up.reset());

describe("PiSovereign POST /v1/chat", () => {
  test("answers in the PiSovereign shape and continues the conversation", async () => {
    up.script({ text: "Currently in Berlin, it's 15°C.", usage: { input: 45, output: 128 } }, { text: "Tomorrow too." });
    const first = await post(app, "/v1/chat", { message: "What's the weather in Berlin?", temperature: 0.7 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ role: "assistant", content: "Currently in Berlin, it's 15°C.", model: "gpt", tokens: { prompt: 45, completion: 128, total: 173 } });
    expect(first.body.id).toBeString();
    expect(new Date(first.body.created_at).toString()).not.toBe("Invalid Date");
    expect(up.requests[0]!.body.temperature).toBe(0.7);

    const second = await post(app, "/v1/chat", { message: "And tomorrow?", conversation_id: first.body.conversation_id, system_prompt: "Answer like a pirate.", model: "cheap", max_tokens: 50 });
    expect(second.status).toBe(200);
    expect(second.body.conversation_id).toBe(first.body.conversation_id);
    const sent = up.requests[1]!.body;
    expect(sent.model).toBe("gpt-4o-mini");
    expect(systemTextOf(sent)).toStartWith("Answer like a pirate.");
    expect(sent.messages.some((m: any) => m.content === "Currently in Berlin, it's 15°C.")).toBe(true);
  });

  test("validation: temperature outside 0–2 and empty message → 422 with the fields", async () => {
    const hot = await post(app, "/v1/chat", { message: "hi", temperature: 2.5 });
    expect(hot.status).toBe(422);
    expect(hot.body.error.code).toBe("VALIDATION_ERROR");
    expect(hot.body.error.details.fields.map((f: any) => f.field)).toContain("temperature");
    const empty = await post(app, "/v1/chat", { message: "" });
    expect(empty.status).toBe(422);
    expect(empty.body.error.details.fields[0].field).toBe("message");
    const unknownModel = await post(app, "/v1/chat", { message: "hi", model: "nope" });
    expect(unknownModel.status).toBe(404);
    expect(up.requests.length).toBe(0);
  });
});

describe("PiSovereign POST /v1/chat/stream (SSE)", () => {
  test("message deltas then done with tokens", async () => {
    up.script({ text: "Currently in Berlin, it's 15°C", usage: { input: 45, output: 128 } });
    const res = await app.request("/v1/chat/stream", { method: "POST", json: { message: "Weather?" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("x-request-id")).toBeString();
    const events = parseSse(await res.text());
    const deltas = events.filter((e) => e.event === "message");
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((e) => e.data.delta).join("")).toBe("Currently in Berlin, it's 15°C");
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    expect(done.data.tokens).toEqual({ prompt: 45, completion: 128, total: 173 });
  });

  test("refusals before streaming are plain error envelopes; failures while streaming are error events", async () => {
    const refused = await app.request("/v1/chat/stream", { method: "POST", json: { message: "x", model: "missing-model" } });
    expect(refused.status).toBe(404);
    expect((await refused.json()).error.code).toBe("NOT_FOUND");

    up.script({ times: 10, error: { status: 500 } });
    const failing = await app.request("/v1/chat/stream", { method: "POST", json: { message: "fail" } });
    expect(failing.status).toBe(200);
    const events = parseSse(await failing.text());
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "UPSTREAM_ERROR" } });
  });

  test("a reader that goes away does not stop the turn: the answer is completed and kept", async () => {
    up.script({ text: "slow stream for a reader that leaves, slow slow slow", chunkDelayMs: 40 });
    const controller = new AbortController();
    const res = await app.request("/v1/chat/stream", { method: "POST", json: { message: "leave", conversation_id: "sse-gone" }, signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const deadline = Date.now() + 5000;
    while (app.core.engine.activeTurns > 0 && Date.now() < deadline) await Bun.sleep(10);
    expect(app.core.engine.activeTurns).toBe(0);
    const conv = await get(app, "/api/v1/conversations/sse-gone");
    const answer = conv.body.messages.find((m: any) => m.role === "assistant");
    expect(answer.status).toBe("complete");
    expect(answer.content).toBe("slow stream for a reader that leaves, slow slow slow");
  });
});

describe("conversations", () => {
  test("create, list newest first with counts and titles, paginate, get, rename, delete", async () => {
    const a = await post(app, "/api/v1/conversations/create", {});
    expect(a.status).toBe(200);
    expect(a.body.conversation_id).toBeString();
    const noBody = await app.request("/api/v1/conversations/create", { method: "POST" });
    expect(noBody.status).toBe(200);
    const b = (await noBody.json()) as { conversation_id: string };

    up.script({ text: "sure" });
    await post(app, "/api/v1/chat/message", { text: "Debug the failing   login test\nplease", conversation_id: a.body.conversation_id });

    const list = await get(app, "/api/v1/conversations?limit=2");
    expect(list.status).toBe(200);
    expect(list.body.conversations.length).toBe(2);
    const first = list.body.conversations[0];
    expect(Object.keys(first).sort()).toEqual(["agent_id", "conversation_id", "created_at", "id", "last_active", "message_count", "session_id", "title"]);
    expect(first.conversation_id).toBe(a.body.conversation_id); // most recently active
    expect(first.title).toBe("Debug the failing login test please");
    expect(first.message_count).toBe(2);
    expect(list.body.conversations[1].conversation_id).toBe(b.conversation_id);
    expect(list.body.conversations[1].message_count).toBe(0);
    const page2 = await get(app, "/api/v1/conversations?limit=1&offset=1");
    expect(page2.body.conversations[0].conversation_id).toBe(b.conversation_id);

    const renamed = await app.request(`/api/v1/conversations/${b.conversation_id}`, { method: "PATCH", json: { title: "Debug Session" } });
    expect(renamed.status).toBe(200);
    expect((await renamed.json()).title).toBe("Debug Session");
    expect((await get(app, `/api/v1/conversations/${b.conversation_id}`)).body.title).toBe("Debug Session");

    const deleted = await app.request(`/api/v1/conversations/${a.body.conversation_id}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect((await get(app, `/api/v1/conversations/${a.body.conversation_id}`)).status).toBe(404);
  });

  test("a chosen id and a name are honoured; a taken id is 409", async () => {
    const made = await post(app, "/api/v1/conversations/create", { conversation_id: "my-conv", name: "Debug Session" });
    expect(made.body).toMatchObject({ conversation_id: "my-conv", title: "Debug Session" });
    const again = await post(app, "/api/v1/conversations/create", { conversation_id: "my-conv" });
    expect(again.status).toBe(409);
  });

  test("unknown ids → 404 envelope on every route; bad input → 422", async () => {
    for (const [method, path, json] of [
      ["GET", "/api/v1/conversations/nope", undefined],
      ["GET", "/api/v1/conversations/nope/history", undefined],
      ["PATCH", "/api/v1/conversations/nope", { title: "x" }],
      ["DELETE", "/api/v1/conversations/nope", undefined],
    ] as const) {
      const res = await app.request(path, { method, json });
      expect(res.status).toBe(404);
      const body = await res.json();
      expect(body.error.code).toBe("NOT_FOUND");
      expect(body.error.message).toContain("nope");
    }
    const badLimit = await app.request("/api/v1/conversations?limit=0");
    expect(badLimit.status).toBe(422);
    const emptyTitle = await app.request("/api/v1/conversations/x", { method: "PATCH", json: { title: "" } });
    expect(emptyTitle.status).toBe(422);
  });

  test("history filters: include_system, limit, agent_id, message_type", async () => {
    await Bun.write(`${app.workspace}/context/notes.md`, "# Notes\nremember this");
    const conv = (await post(app, "/api/v1/conversations/create", { conversation_id: "hist" })).body.conversation_id;
    await post(app, "/api/v1/context-files/load", { file_path: "notes.md", conversation_id: conv });
    up.script({ text: "a1" }, { text: "a2" });
    await post(app, "/api/v1/chat/message", { text: "q1", conversation_id: conv });
    await post(app, "/api/v1/chat/message", { text: "q2", conversation_id: conv, agent_id: "code-expert" });

    const all = await get(app, `/api/v1/conversations/${conv}/history`);
    expect(all.body.messages.map((m: any) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant"]);
    const noSystem = await get(app, `/api/v1/conversations/${conv}/history?include_system=false`);
    expect(noSystem.body.messages.map((m: any) => m.content)).toEqual(["q1", "a1", "q2", "a2"]);
    const last2 = await get(app, `/api/v1/conversations/${conv}/history?limit=2`);
    expect(last2.body.messages.map((m: any) => m.content)).toEqual(["q2", "a2"]);
    const expert = await get(app, `/api/v1/conversations/${conv}/history?agent_id=code-expert`);
    expect(expert.body.messages.map((m: any) => m.content)).toEqual(["q2", "a2"]);
    const files = await get(app, `/api/v1/conversations/${conv}/history?message_type=context_file`);
    expect(files.body.messages.length).toBe(1);
    expect(files.body.messages[0].content).toContain("remember this");
    // The agent's persona reached the model.
    expect(systemTextOf(up.requests[1]!.body)).toContain("meticulous code reviewer");
  });
});

describe("context files", () => {
  test("lists <workspace>/context/ with path, size, modified", async () => {
    mkdirSync(`${app.workspace}/context/docs`, { recursive: true });
    writeFileSync(`${app.workspace}/context/docs/api_reference.md`, "# API\n");
    const { status, body } = await get(app, "/api/v1/context-files");
    expect(status).toBe(200);
    const entry = body.files.find((f: any) => f.path === "docs/api_reference.md");
    expect(entry).toMatchObject({ path: "docs/api_reference.md", size: 6 });
    expect(new Date(entry.modified).getTime()).toBeGreaterThan(0);
  });

  test("a loaded file is sent with the conversation's next turns", async () => {
    writeFileSync(`${app.workspace}/context/style.md`, "Always use tabs, never spaces.");
    const conv = (await post(app, "/api/v1/conversations/create", {})).body.conversation_id;
    const loaded = await post(app, "/api/v1/context-files/load", { file_path: "style.md", conversation_id: conv });
    expect(loaded.status).toBe(200);
    expect(loaded.body).toMatchObject({ status: "loaded", conversation_id: conv, file_path: "style.md" });
    up.script({ text: "ok" });
    await post(app, "/api/v1/chat/message", { text: "format my code", conversation_id: conv });
    expect(systemTextOf(up.requests[0]!.body)).toContain("Always use tabs, never spaces.");
  });

  test("escapes are refused and never read: .., absolute paths, symlinks out of the roots", async () => {
    const conv = (await post(app, "/api/v1/conversations/create", {})).body.conversation_id;
    const dotdot = await post(app, "/api/v1/context-files/load", { file_path: "../../../../../../etc/passwd", conversation_id: conv });
    expect(dotdot.status).toBe(403);
    expect(dotdot.body.error.code).toBe("FORBIDDEN");
    const absolute = await post(app, "/api/v1/context-files/load", { file_path: "/etc/passwd", conversation_id: conv });
    expect(absolute.status).toBe(403);
    symlinkSync("/etc/hostname", `${app.workspace}/context/sneaky.md`);
    const link = await post(app, "/api/v1/context-files/load", { file_path: "sneaky.md", conversation_id: conv });
    expect(link.status).toBe(403);
    const missing = await post(app, "/api/v1/context-files/load", { file_path: "nothing-here.md", conversation_id: conv });
    expect(missing.status).toBe(404);
    const unknownConv = await post(app, "/api/v1/context-files/load", { file_path: "style.md", conversation_id: "no-such-conv" });
    expect(unknownConv.status).toBe(404);
    const history = await get(app, `/api/v1/conversations/${conv}/history`);
    expect(history.body.messages).toEqual([]);
  });
});

describe("GET /api/v1/token-usage", () => {
  test("totals, main_model, per model and per agent, with cost from configured prices", async () => {
    const before = (await get(app, "/api/v1/token-usage")).body.usage;
    up.script({ text: "priced", usage: { input: 1000, output: 500 } }, { text: "free", usage: { input: 100, output: 50 } });
    await post(app, "/api/v1/chat/message", { text: "count me", agent_id: "code-expert" });
    await post(app, "/v1/chat", { message: "and me", model: "cheap" });
    const { status, body } = await get(app, "/api/v1/token-usage");
    expect(status).toBe(200);
    const usage = body.usage;
    expect(usage.main_model.total - before.main_model.total).toBe(1650);
    expect(usage.total.prompt - before.total.prompt).toBe(1100);
    expect(usage.models.gpt.total - (before.models.gpt?.total ?? 0)).toBe(1500);
    expect(usage.models.cheap.total - (before.models.cheap?.total ?? 0)).toBe(150);
    expect(usage.agents["code-expert"].total - (before.agents["code-expert"]?.total ?? 0)).toBe(1500);
    // 1000 × $2.5/M + 500 × $10/M = $0.0075
    expect(usage.cost_usd - before.cost_usd).toBeCloseTo(0.0075, 8);
    expect(usage.current_model).toBe("gpt");
  });
});
