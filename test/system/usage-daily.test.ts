// GET /api/v1/usage/daily: tokens and cost per UTC day, per model and per agent, from the stored conversations; a
// `user` key sees its own; a branch's or a rollback archive's copied history is not counted twice. Real server, scripted upstream.
import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { conversations, messages } from "../../src/core/store/schema";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { useChatApp } from "../support/chat";

const KEYS = { alice: "adminkey", bob: "userkey1" } as const;
let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), (u) => ({
  env: { PENGUIN_API_KEYS: `${KEYS.alice}:alice:admin,${KEYS.bob}:bob:user`, PENGUIN_MODEL: undefined },
  toml: `default_model = "gpt"\n[[models]]\nid = "gpt"\nprovider = "openai"\nmodel = "gpt-4o"\nbase_url = "${u.openaiBaseUrl}"\nprice_input = 2\nprice_output = 10\n[[agents]]\nid = "reviewer"\npersona = "You review."\n`,
}));

async function as(who: keyof typeof KEYS, method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.request(path, { method, headers: { "x-api-key": KEYS[who] }, ...(json !== undefined ? { json } : {}) });
  return { status: res.status, body: await res.json() };
}

const today = () => new Date().toISOString().slice(0, 10);

describe("GET /api/v1/usage/daily", () => {
  test("every day of the range, zeros included; today split per model and per agent with cost", async () => {
    up.script({ key: "[d1]", text: "one", usage: { input: 1000, output: 100 } }, { key: "[d2]", text: "two", usage: { input: 50, output: 5 } }, { key: "[d3]", text: "three", usage: { input: 7, output: 3 } });
    expect((await as("alice", "POST", "/api/v1/chat/message", { text: "first [d1]" })).status).toBe(200);
    expect((await as("alice", "POST", "/api/v1/chat/message", { text: "second [d2]" })).status).toBe(200);
    const bobs = await as("bob", "POST", "/api/v1/chat/message", { text: "bob's [d3]", agent_id: "reviewer" });
    expect(bobs.body.error ?? null).toBeNull();

    const res = await as("alice", "GET", "/api/v1/usage/daily?days=7");
    expect(res.status).toBe(200);
    expect(res.body.days).toHaveLength(7);
    expect(res.body.to).toBe(today());
    expect(res.body.days.at(-1).date).toBe(today());
    expect(res.body.days[0].total).toEqual({ prompt: 0, completion: 0, total: 0, cost_usd: 0, requests: 0 });
    const day = res.body.days.at(-1);
    // priced at 2 $ in and 10 $ out per million tokens
    expect(day.total).toEqual({ prompt: 1057, completion: 108, total: 1165, cost_usd: 0.003194, requests: 3 });
    expect(day.models).toEqual({ gpt: day.total });
    expect(day.agents).toEqual({
      default: { prompt: 1050, completion: 105, total: 1155, cost_usd: 0.00315, requests: 2 },
      reviewer: { prompt: 7, completion: 3, total: 10, cost_usd: 0.000044, requests: 1 },
    });
    expect(res.body.models).toEqual(["gpt"]);
    expect(res.body.agents).toEqual(["default", "reviewer"]);
    expect(res.body.total).toEqual(day.total);

    // bob sees his own turn only
    const bob = await as("bob", "GET", "/api/v1/usage/daily?days=1");
    expect(bob.body.days).toEqual([{ date: today(), total: { prompt: 7, completion: 3, total: 10, cost_usd: 0.000044, requests: 1 }, models: { gpt: expect.any(Object) }, agents: { reviewer: expect.any(Object) } }]);

    // A branch copies the history with its usage: still counted once.
    const cp = await as("bob", "POST", "/api/v1/checkpoints/create", { conversation_id: bobs.body.conversation_id, name: "here" });
    expect((await as("bob", "POST", `/api/v1/checkpoints/${cp.body.checkpoint_id}/branch`, {})).status).toBe(200);
    expect((await as("bob", "GET", "/api/v1/usage/daily?days=1")).body.total.total).toBe(10);
  });

  test("older days land on their own date and outside the range are left out; days is bounded", async () => {
    const DAY = 86_400_000;
    // Move one conversation two days back (stored usage is all the route reads).
    const row = app.core.db.select().from(messages).where(eq(messages.content, "one")).get()!;
    app.core.db.update(messages).set({ createdAt: row.createdAt - 2 * DAY }).where(eq(messages.conversationId, row.conversationId)).run();
    app.core.db.update(conversations).set({ createdAt: row.createdAt - 2 * DAY - 1000 }).where(eq(conversations.id, row.conversationId)).run();
    const three = (await as("alice", "GET", "/api/v1/usage/daily?days=3")).body;
    const twoDaysAgo = new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10);
    expect(three.days[0]).toMatchObject({ date: twoDaysAgo, total: { prompt: 1000, completion: 100 } });
    const two = (await as("alice", "GET", "/api/v1/usage/daily?days=2")).body;
    expect(two.days.map((d: any) => d.total.prompt)).not.toContain(1000);
    expect((await as("alice", "GET", "/api/v1/usage/daily?days=0")).status).toBe(422);
    expect((await as("alice", "GET", "/api/v1/usage/daily?days=400")).status).toBe(422);
  });

  test("branches and rollbacks count every model call once, all time, per day and per conversation; a rolled-back turn still counts", async () => {
    up.script({ key: "[r1]", text: "kept", usage: { input: 100, output: 10 } }, { key: "[r2]", text: "undone", usage: { input: 200, output: 20 } }, { key: "[r3]", text: "on the branch", usage: { input: 300, output: 30 } });
    const total = async () => (await as("alice", "GET", "/api/v1/token-usage")).body.usage.total.total as number;
    const daily = async () => (await as("alice", "GET", "/api/v1/usage/daily?days=1")).body.total.total as number;
    const perConversation = async (id: string) => (await as("alice", "GET", `/api/v1/token-usage?conversation_id=${id}`)).body.usage.total.total as number;
    const [allBefore, dayBefore] = [await total(), await daily()];

    const first = await as("alice", "POST", "/api/v1/chat/message", { text: "keep this [r1]" });
    const id = first.body.conversation_id;
    await as("alice", "POST", "/api/v1/chat/message", { text: "undo this [r2]", conversation_id: id });
    expect([await total(), await daily()]).toEqual([allBefore + 330, dayBefore + 330]);

    // Roll back the second turn (its automatic checkpoint sits just before its prompt): its tokens were spent.
    const autos = (await as("alice", "GET", `/api/v1/checkpoints?conversation_id=${id}&type=auto`)).body.checkpoints;
    const rolled = await as("alice", "POST", `/api/v1/checkpoints/${autos[0].id}/rollback`, {});
    expect(rolled.body.removed_messages).toBe(2);
    expect([await total(), await daily()]).toEqual([allBefore + 330, dayBefore + 330]);
    // The conversation keeps the first turn; the archive holds the undone one (and copies of what came before it).
    expect(await perConversation(id)).toBe(110);
    expect(await perConversation(rolled.body.archived_conversation_id)).toBe(220);
    const archived = (await as("alice", "GET", `/api/v1/conversations/${rolled.body.archived_conversation_id}`)).body.messages;
    expect(archived.map((m: any) => m.content)).toEqual(["keep this [r1]", "kept", "undo this [r2]", "undone"]);

    // A branch from the first turn starts with copies: only its own turn adds.
    const branch = await as("alice", "POST", `/api/v1/checkpoints/${autos[0].id}/branch`, {});
    expect(branch.body.message_count).toBe(2);
    await as("alice", "POST", "/api/v1/chat/message", { text: "branch off [r3]", conversation_id: branch.body.branch_id });
    expect([await total(), await daily()]).toEqual([allBefore + 660, dayBefore + 660]);
    expect(await perConversation(branch.body.branch_id)).toBe(330);
  });
});
