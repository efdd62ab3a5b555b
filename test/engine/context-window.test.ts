// When the history outgrows the model's context window: older turns are trimmed (default) or summarised
// (engine.context_strategy = "summarize"), the answer says so, and the model never gets more than fits.
// Lifecycle: graceful shutdown cancels running turns; deleting a conversation stops its turn.
import { beforeEach, describe, expect, test } from "bun:test";
import { ChatSocket, get, post, systemTextOf, until, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

// A small window (and an agent offering no tools, whose specs would not fit in it) makes trimming predictable.
const toml = (baseUrl: string, strategy: "trim" | "summarize") => `
default_model = "small"
[engine]
context_strategy = "${strategy}"
[[models]]
id = "small"
provider = "openai"
model = "gpt-4o"
base_url = "${baseUrl}"
context_window = 500
max_tokens = 50
[[agents]]
id = "plain"
default_tools = ["no-such-tool"]
`;

const big = (tag: string) => `${tag} ` + "lorem ipsum dolor sit amet ".repeat(24); // ≈ 650 characters ≈ 165 tokens
const nonSystem = (body: any): string[] => body.messages.filter((m: any) => m.role !== "system").map((m: any) => m.content as string);

describe("context window: trim", () => {
  let up: Upstream;
  let app: TestApp;
  useChatApp("openai", (started) => ({ up, app } = started), ({ openaiBaseUrl }) => ({
    toml: toml(openaiBaseUrl, "trim"),
    env: { PENGUIN_MODEL: undefined },
  }));
  beforeEach(() => up.reset());

  test("older turns are left out, newest kept whole, and the answer says so", async () => {
    up.script({ text: "a1" }, { text: "a2" }, { text: "a3" });
    const one = await post(app, "/api/v1/chat/message", { text: big("[t1]"), conversation_id: "trim", agent_id: "plain" });
    expect(one.body.context_note).toBeUndefined();
    await post(app, "/api/v1/chat/message", { text: big("[t2]"), conversation_id: "trim", agent_id: "plain" });
    const three = await post(app, "/api/v1/chat/message", { text: big("[t3]"), conversation_id: "trim", agent_id: "plain" });
    expect(three.status).toBe(200);
    expect(three.body.context_note).toMatch(/older messages were left out/);
    const sent = nonSystem(up.requests[2]!.body);
    expect(sent.at(-1)).toStartWith("[t3]");
    expect(sent.some((c) => c.startsWith("[t1]"))).toBe(false);
    // What was sent fits: roughly 4 characters per token, within the window minus the answer's reserve.
    expect(JSON.stringify(up.requests[2]!.body.messages).length / 4).toBeLessThan(500);
    // Nothing is deleted from the conversation itself.
    const conv = await get(app, "/api/v1/conversations/trim");
    expect(conv.body.message_count).toBe(6);
  });

  test("the WebSocket complete event carries the note too", async () => {
    up.script({ times: 3, text: "ok" });
    await post(app, "/api/v1/chat/message", { text: big("[w1]"), conversation_id: "trim-ws", agent_id: "plain" });
    await post(app, "/api/v1/chat/message", { text: big("[w2]"), conversation_id: "trim-ws", agent_id: "plain" });
    const ws = await ChatSocket.open(app);
    ws.send({ text: big("[w3]"), conversation_id: "trim-ws", agent_id: "plain" });
    const complete = await ws.next("complete");
    expect(complete.data.context_note).toMatch(/left out/);
    ws.close();
  });
});

describe("context window: summarize", () => {
  let up: Upstream;
  let app: TestApp;
  const isSummaryRequest = (r: { body: any }) => systemTextOf(r.body).includes("You summarise conversations");
  useChatApp("openai", (started) => ({ up, app } = started), ({ openaiBaseUrl }) => ({
    toml: toml(openaiBaseUrl, "summarize"),
    env: { PENGUIN_MODEL: undefined },
  }));

  test("dropped turns are summarised once, stored, sent instead of the old messages, and counted", async () => {
    up.script({ match: isSummaryRequest, text: "SUMMARY: the user discussed lorem ipsum twice.", usage: { input: 120, output: 12 }, times: 5 });
    up.script({ key: "[s1]", text: "a1" }, { key: "[s2]", text: "a2" }, { key: "[s3]", text: "a3" }, { key: "[s4]", text: "a4" });
    await post(app, "/api/v1/chat/message", { text: big("[s1]"), conversation_id: "sum", agent_id: "plain" });
    await post(app, "/api/v1/chat/message", { text: big("[s2]"), conversation_id: "sum", agent_id: "plain" });
    const three = await post(app, "/api/v1/chat/message", { text: big("[s3]"), conversation_id: "sum", agent_id: "plain" });
    expect(three.status).toBe(200);
    expect(three.body.context_note).toMatch(/summarised/);
    const summaryCalls = up.requests.filter(isSummaryRequest);
    expect(summaryCalls.length).toBe(1);
    expect(JSON.stringify(summaryCalls[0]!.body.messages)).toContain("[s1]");
    const main = up.requests.at(-1)!;
    expect(systemTextOf(main.body)).toContain("SUMMARY: the user discussed lorem ipsum twice.");
    expect(nonSystem(main.body).some((c) => c.startsWith("[s1]"))).toBe(false);
    expect(nonSystem(main.body).at(-1)).toStartWith("[s3]");

    const stored = await get(app, "/api/v1/conversations/sum/history?message_type=summary");
    expect(stored.body.messages).toHaveLength(1);
    expect(stored.body.messages[0].role).toBe("system");
    expect((await get(app, "/api/v1/conversations/sum/history?include_system=false")).body.messages).toHaveLength(6);

    // The next turn starts from the stored summary.
    await post(app, "/api/v1/chat/message", { text: "[s4] short", conversation_id: "sum", agent_id: "plain" });
    expect(systemTextOf(up.requests.at(-1)!.body)).toContain("SUMMARY: the user discussed lorem ipsum twice.");

    const usage = (await get(app, "/api/v1/token-usage")).body.usage;
    expect(usage.summarizer.total).toBe(132 * up.requests.filter(isSummaryRequest).length);
    expect(usage.main_model.total).toBeGreaterThan(0);
  });
});

describe("lifecycle", () => {
  let up: Upstream;
  let app: TestApp;
  useChatApp("openai", (started) => ({ up, app } = started));

  test("deleting a conversation stops its running turn", async () => {
    up.script({ text: "a slow answer to a conversation that is about to be deleted", chunkDelayMs: 40 });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "doomed", conversation_id: "doomed" });
    await ws.next("token", 2);
    const res = await app.request("/api/v1/conversations/doomed", { method: "DELETE" });
    expect(res.status).toBe(200);
    const complete = await ws.next("complete");
    expect(complete.data.interrupted).toBe(true);
    await until(() => app.core.engine.activeTurns === 0);
    expect((await get(app, "/api/v1/conversations/doomed")).status).toBe(404);
    ws.close();
  });

  test("graceful shutdown cancels running turns and keeps their partial answers", async () => {
    up.script({ text: "an answer that outlives the server, streaming slowly for a while", chunkDelayMs: 40 });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "still there?", conversation_id: "shutdown" });
    await ws.next("token", 2);
    const stopped = Date.now();
    await app.core.engine.shutdown(2000);
    expect(Date.now() - stopped).toBeLessThan(1500);
    expect(app.core.engine.activeTurns).toBe(0);
    const rows = app.core.conversations.messages("shutdown");
    expect(rows.find((m) => m.role === "assistant")!.status).toBe("interrupted");
    const refused = await post(app, "/api/v1/chat/message", { text: "after shutdown" });
    expect(refused.status).toBe(503);
    ws.close();
  });
});
