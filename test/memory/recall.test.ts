// Memory in chat turns: the engine recalls the most relevant memories of the turn's user into the model's context
// (bounded by recall_max_tokens) and says which in the turn's metadata — `memories_used` in the REST answer, the
// WebSocket `complete` event and the stored assistant message — and the model keeps and finds memories itself with
// memory_store / memory_search.
import { beforeEach, describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { ChatSocket, systemTextOf, until, useChatApp } from "../support/chat";

const KEYS = { alice: "adminkey", bob: "userkey1", carol: "userkey2" } as const;
type Who = keyof typeof KEYS;

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), {
  env: { PENGUIN_API_KEYS: `${KEYS.alice}:alice:admin,${KEYS.bob}:bob:user,${KEYS.carol}:carol:user` },
  // small enough to see the bound at work: a header and two or three short memories
  toml: "[memory]\nrecall_max_tokens = 120\nrecall_max_items = 4\n",
});
beforeEach(() => up.reset());

async function as(who: Who, method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.request(path, { method, headers: { "x-api-key": KEYS[who] }, ...(json !== undefined ? { json } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const remember = async (who: Who, content: string, extra: Record<string, unknown> = {}) => (await as(who, "POST", "/v1/memories", { content, ...extra })).body;
const modelRequests = () => up.requests.filter((r) => r.format === "openai");

describe("memories recalled into a turn", () => {
  test("the REST answer lists the memories used; the model saw them in its system prompt; recall counts as an access", async () => {
    const rust = await remember("bob", "Bob writes his parsers in Rust with the nom crate.", { memory_type: "preference", importance: 0.9 });
    await remember("bob", "Bob's standup is at nine thirty.");
    up.script({ key: "[r1]", text: "Use Rust and nom, as usual." });

    const res = await as("bob", "POST", "/api/v1/chat/message", { text: "Which language for the new parser? [r1]" });
    expect(res.status).toBe(200);
    expect(res.body.memories_used).toEqual([{ id: rust.id, summary: rust.summary, memory_type: "preference", score: expect.any(Number) }]);
    const system = systemTextOf(modelRequests()[0]!.body);
    expect(system).toContain("Long-term memory");
    expect(system).toContain("- [preference] Bob writes his parsers in Rust with the nom crate.");
    expect(system).not.toContain("standup");
    expect((await as("bob", "GET", `/v1/memories/${rust.id}`)).body.access_count).toBe(1);

    // the stored answer carries the same list, for whoever reads the history later
    const history = await as("bob", "GET", `/api/v1/conversations/${res.body.conversation_id}/history`);
    const answer = history.body.messages.find((m: any) => m.role === "assistant");
    expect(answer.metadata.memories_used.map((m: any) => m.id)).toEqual([rust.id]);
  });

  test("the WebSocket complete event carries memories_used; a turn with nothing relevant has none and no memory section", async () => {
    const plant = await remember("alice", "The office ficus gets water every Monday.");
    up.script({ key: "[r2]", text: "On Monday." }, { key: "[r3]", text: "Hello!" });
    const socket = new ChatSocket(app.wsUrl("/api/v1/chat/stream", KEYS.alice));
    await until(() => socket.ws.readyState === WebSocket.OPEN, 5000, "the socket to open");
    try {
      socket.send({ text: "When does the ficus need water? [r2]" });
      const complete = await socket.next("complete");
      expect(complete.data.memories_used.map((m: any) => m.id)).toEqual([plant.id]);

      socket.send({ text: "Good morning [r3]" });
      const second = await socket.next("complete", 2);
      expect(second.data.memories_used).toBeUndefined();
    } finally {
      socket.close();
    }
    expect(systemTextOf(modelRequests()[1]!.body)).not.toContain("Long-term memory");
  });

  test("only the turn's user's memories are recalled", async () => {
    await remember("carol", "Carol's hovercraft is full of eels.");
    up.script({ key: "[r4]", text: "No idea." });
    const res = await as("bob", "POST", "/api/v1/chat/message", { text: "What is the hovercraft full of? [r4]" });
    expect(res.body.memories_used).toBeUndefined();
    expect(systemTextOf(modelRequests()[0]!.body)).not.toContain("eels");
  });

  test("recall stays within recall_max_tokens: the most relevant first, a long one cut short, the rest left out", async () => {
    const long = "Carol's telescope " + "observes distant galaxies with great patience ".repeat(20);
    const best = await remember("carol", long, { importance: 1 });
    await remember("carol", "Carol cleans the telescope mirror every spring.");
    await remember("carol", "Carol bought the telescope in Zurich.");
    up.script({ key: "[r5]", text: "Nice." });
    const res = await as("carol", "POST", "/api/v1/chat/message", { text: "Tell me about the telescope galaxies [r5]" });
    const section = systemTextOf(modelRequests()[0]!.body).split("Long-term memory")[1]!;
    expect(Math.ceil(("Long-term memory" + section).length / 4)).toBeLessThanOrEqual(120);
    expect(res.body.memories_used[0].id).toBe(best.id);
    expect(section).toContain("…");
    expect(res.body.memories_used.length).toBeLessThan(3);
  });
});

describe("memory tools", () => {
  test("memory_store keeps a memory for the turn's user; memory_search finds it in a later turn", async () => {
    up.script(
      { key: "[t1]", toolCalls: [{ name: "memory_store", arguments: { content: "Bob's favourite editor font is Iosevka.", memory_type: "preference", importance: 0.8, tags: ["editor"] } }] },
      { key: "[t1]", text: "Noted." },
    );
    const stored = await as("bob", "POST", "/api/v1/chat/message", { text: "Remember my editor font is Iosevka [t1]" });
    expect(stored.body.action_results).toMatchObject([{ action: "memory_store", status: "completed" }]);
    const id = /Stored memory (\S+):/.exec(stored.body.action_results[0].result)![1]!;
    expect((await as("bob", "GET", `/v1/memories/${id}`)).body).toMatchObject({ owner: "bob", memory_type: "preference", importance: 0.8, tags: ["editor"] });
    expect((await as("carol", "GET", `/v1/memories/${id}`)).status).toBe(404);

    up.script({ key: "[t2]", toolCalls: [{ name: "memory_search", arguments: { query: "Iosevka font" } }] }, { key: "[t2]", text: "Iosevka." });
    const found = await as("bob", "POST", "/api/v1/chat/message", { text: "Which typeface did I pick? [t2]" });
    expect(found.body.action_results[0]).toMatchObject({ action: "memory_search", status: "completed" });
    expect(found.body.action_results[0].result).toContain(`[preference] Bob's favourite editor font is Iosevka. (id ${id}`);

    // storing it again (other case and punctuation) updates the same memory
    up.script({ key: "[t3]", toolCalls: [{ name: "memory_store", arguments: { content: "bob's favourite editor font is iosevka" } }] }, { key: "[t3]", text: "Already known." });
    const again = await as("bob", "POST", "/api/v1/chat/message", { text: "Remember: font Iosevka [t3]" });
    expect(again.body.action_results[0].result).toContain(`Updated the existing memory ${id}`);
  });
});
