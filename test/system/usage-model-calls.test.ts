// Model calls that store no message are counted in usage: the conversation's title (a background call after the first
// exchange) and free text parsed into a command (POST /v1/commands/parse). Their tokens and cost show in the totals,
// per model, per agent, per day, in the conversation's report and in telemetry, under `utility`; a branch does not
// count them again, and deleting the conversation takes them with it. Real server, scripted upstream.
import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { modelCalls } from "../../src/core/store/schema";
import type { TestApp } from "../support/harness";
import type { RecordedRequest, Upstream } from "../support/upstream";
import { until, useChatApp } from "../support/chat";

const KEYS = { alice: "adminkey", bob: "userkey1", carol: "userkey2" } as const;
let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), (u) => ({
  env: { PENGUIN_API_KEYS: `${KEYS.alice}:alice:admin,${KEYS.bob}:bob:user,${KEYS.carol}:carol:user`, PENGUIN_MODEL: undefined, PENGUIN_AUTO_TITLE: "1" },
  toml: `default_model = "gpt"\n[[models]]\nid = "gpt"\nprovider = "openai"\nmodel = "gpt-4o"\nbase_url = "${u.openaiBaseUrl}"\nprice_input = 2\nprice_output = 10\n`,
}));

async function as(who: keyof typeof KEYS, method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.request(path, { method, headers: { "x-api-key": KEYS[who] }, ...(json !== undefined ? { json } : {}) });
  return { status: res.status, body: await res.json() };
}

const isTitleRequest = (r: RecordedRequest) => JSON.stringify(r.body?.messages?.[0] ?? "").includes("You name chat conversations");
const zero = { prompt: 0, completion: 0, total: 0, cost_usd: 0, requests: 0 };
/** Priced at 2 $ in and 10 $ out per million tokens. */
const totals = (prompt: number, completion: number, requests: number) => ({
  prompt,
  completion,
  total: prompt + completion,
  cost_usd: Math.round((prompt * 2 + completion * 10) * 100) / 1e8,
  requests,
});
const usage = async (who: keyof typeof KEYS, conversationId?: string) =>
  (await as(who, "GET", `/api/v1/token-usage${conversationId ? `?conversation_id=${conversationId}` : ""}`)).body.usage;
const today = async (who: keyof typeof KEYS) => (await as(who, "GET", "/api/v1/usage/daily?days=1")).body.days[0];
const telemetry = async () => (await as("alice", "GET", "/api/v1/telemetry")).body.tokens;
const titleOf = async (id: string) => (await as("bob", "GET", `/api/v1/conversations/${id}`)).body.title;

describe("the title call's usage", () => {
  test("counts in the conversation's report, the totals, per model, per agent, per day and in telemetry; a branch does not count it again; deletion takes it along", async () => {
    const before = await usage("alice");
    const telemetryBefore = await telemetry();
    up.script(
      { key: "[u1]", match: (r) => !isTitleRequest(r), text: "Use a bounded queue.", usage: { input: 100, output: 10 } },
      { match: isTitleRequest, text: "Bounded queues", usage: { input: 40, output: 6 } },
    );
    const chat = await as("bob", "POST", "/api/v1/chat/message", { text: "How do I cope with a slow database? [u1]" });
    expect(chat.status).toBe(200);
    const id = chat.body.conversation_id;
    await until(async () => (await titleOf(id)) === "Bounded queues", 5000, "the model's title");

    // The conversation's report: the answer under main_model, the title under utility, both in the totals.
    const mine = await usage("bob", id);
    expect(mine.main_model).toEqual(totals(100, 10, 1));
    expect(mine.utility).toEqual(totals(40, 6, 1));
    expect(mine.summarizer).toEqual(zero);
    expect(mine.total).toEqual(totals(140, 16, 2));
    expect(mine.cost_usd).toBe(mine.total.cost_usd);
    expect(mine.models).toEqual({ gpt: mine.total });
    expect(mine.agents).toEqual({ default: mine.total });
    expect((await as("bob", "GET", `/api/v1/conversations/${id}`)).body.usage).toEqual(mine.total);

    // Everything: the same tokens more than before, and total = main_model + summarizer + utility.
    const after = await usage("alice");
    expect(after.total.total - before.total.total).toBe(156);
    expect(after.utility.total - before.utility.total).toBe(46);
    expect(after.utility.requests - before.utility.requests).toBe(1);
    expect(after.main_model.total - before.main_model.total).toBe(110);
    expect(after.models.gpt.total - (before.models.gpt?.total ?? 0)).toBe(156);
    expect(after.agents.default.total - (before.agents.default?.total ?? 0)).toBe(156);
    expect(after.total.total).toBe(after.main_model.total + after.summarizer.total + after.utility.total);
    expect(after.cost_usd - before.cost_usd).toBeCloseTo(totals(140, 16, 2).cost_usd, 8);

    // Per day: bob sees his conversation's two calls; another user sees none of it.
    expect((await today("bob")).total).toEqual(totals(140, 16, 2));
    expect((await today("bob")).agents).toEqual({ default: totals(140, 16, 2) });
    expect((await today("carol")).total).toEqual(zero);

    // Telemetry counted the title call as it was made (not only what the next start reads from the store).
    const telemetryAfter = await telemetry();
    expect(telemetryAfter.total.prompt - telemetryBefore.total.prompt).toBe(140);
    expect(telemetryAfter.per_agent.default.completion - (telemetryBefore.per_agent.default?.completion ?? 0)).toBe(16);

    // A branch copies the messages, not the title call: the branch reports no utility, the day and the title's
    // share of the totals stay as they were.
    const cp = await as("bob", "POST", "/api/v1/checkpoints/create", { conversation_id: id, name: "here" });
    expect(cp.status).toBe(200);
    const branch = await as("bob", "POST", `/api/v1/checkpoints/${cp.body.checkpoint_id}/branch`, {});
    expect(branch.status).toBe(200);
    expect((await usage("bob", branch.body.branch_id)).utility).toEqual(zero);
    expect((await today("bob")).total).toEqual(totals(140, 16, 2));
    expect((await usage("alice")).utility).toEqual(after.utility);

    // Deleting the conversation takes its title call along (as it takes its messages).
    expect((await as("bob", "DELETE", `/api/v1/conversations/${id}`)).status).toBe(200);
    expect(app.core.db.select().from(modelCalls).where(eq(modelCalls.conversationId, id)).all()).toEqual([]);
    expect((await usage("alice")).utility).toEqual(before.utility);
    // (the branch's copied messages are older than the branch, so the day counts none of it now)
    expect((await today("bob")).total).toEqual(zero);
    expect((await as("bob", "GET", `/api/v1/token-usage?conversation_id=${id}`)).status).toBe(404);
  });

  test("a title that arrives after its conversation was deleted is not counted, and nothing fails", async () => {
    const before = await usage("alice");
    up.script(
      { key: "[u2]", match: (r) => !isTitleRequest(r), text: "Fine.", usage: { input: 20, output: 2 } },
      { match: isTitleRequest, text: "Too late", usage: { input: 30, output: 3 }, delayMs: 400 },
    );
    const chat = await as("bob", "POST", "/api/v1/chat/message", { text: "Short-lived [u2]" });
    const id = chat.body.conversation_id;
    expect((await as("bob", "DELETE", `/api/v1/conversations/${id}`)).status).toBe(200);
    const sent = () => up.requests.some((r) => isTitleRequest(r) && JSON.stringify(r.body).includes("Short-lived"));
    await until(sent, 5000, "the title request");
    await Bun.sleep(600);
    expect((await usage("alice")).utility).toEqual(before.utility);
    expect(app.logs.filter((l) => String(l.msg).includes("could not generate a conversation title"))).toEqual([]);
  });
});

describe("the command parser's usage", () => {
  test("counts for the caller in the totals, per model, per agent (default) and per day, under utility, even when the answer is invalid", async () => {
    const before = await usage("alice");
    const carolBefore = await today("carol");
    const bobBefore = await today("bob");
    up.script(
      { key: "[p1]", text: '{"command": {"type": "help", "args": {}}, "confidence": 0.9}', usage: { input: 300, output: 20 } },
      { key: "[p2]", text: "not json at all", usage: { input: 200, output: 5 } },
    );
    const parsed = await as("carol", "POST", "/v1/commands/parse", { input: "what can you do? [p1]" });
    expect(parsed.status).toBe(200);
    expect(parsed.body.parsed).toBe(true);
    const invalid = await as("carol", "POST", "/v1/commands/parse", { input: "gibberish [p2]" });
    expect(invalid.status).toBe(502);

    const after = await usage("alice");
    expect(after.utility.total - before.utility.total).toBe(525);
    expect(after.utility.requests - before.utility.requests).toBe(2);
    expect(after.main_model).toEqual(before.main_model);
    expect(after.total.total - before.total.total).toBe(525);
    expect(after.models.gpt.total - (before.models.gpt?.total ?? 0)).toBe(525);
    expect(after.agents.default.total - (before.agents.default?.total ?? 0)).toBe(525);
    expect(after.cost_usd - before.cost_usd).toBeCloseTo(totals(500, 25, 2).cost_usd, 8);

    // Per day, for the user who asked (and for admins), not for other users.
    const carol = await today("carol");
    expect(carol.total.total - carolBefore.total.total).toBe(525);
    expect(carol.models.gpt.requests - (carolBefore.models.gpt?.requests ?? 0)).toBe(2);
    expect((await today("bob")).total).toEqual(bobBefore.total);
    expect((await today("alice")).total.total).toBeGreaterThanOrEqual(525);
  });
});
