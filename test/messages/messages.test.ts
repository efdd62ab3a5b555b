// The message bus over HTTP, on the scripted upstream: a message to an agent makes it act (a turn of its engine, as
// that agent, visible in its history and carrying the message's channel), a paused agent refuses and nothing is
// queued, an unknown one is 404 AGENT_NOT_FOUND, an agent that asks the human with send_message waits and is resumed
// by the human's reply, agents message each other with send_message, and a `user` key sees only its own messages.
import { describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { RecordedRequest, Upstream } from "../support/upstream";
import { systemTextOf, until, useChatApp } from "../support/chat";

const KEYS = { admin: "test-admin-key-0123", bob: "test-bob-key-01234", carol: "test-carol-key-0123" } as const;
type Who = keyof typeof KEYS;

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), {
  env: { PENGUIN_API_KEYS: `${KEYS.admin}:admin:admin,${KEYS.bob}:bob:user,${KEYS.carol}:carol:user` },
  toml: `
[[agents]]
id = "reviewer"
persona = "A meticulous code reviewer."
system_prompt = "You are the reviewer agent."

[[agents]]
id = "tester"
system_prompt = "You are the tester agent."

[[agents]]
id = "sleeper"
system_prompt = "You are the sleeper agent."
`,
});

async function as(who: Who, method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.request(path, { method, headers: { "x-api-key": KEYS[who] }, ...(json !== undefined ? { json } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const admin = (method: string, path: string, json?: unknown) => as("admin", method, path, json);

/** Waits until the message reached one of these statuses; returns it. */
async function settled(id: string, statuses = ["answered", "failed", "interrupted"], who: Who = "admin"): Promise<any> {
  return until(
    async () => {
      const { body } = await as(who, "GET", `/api/v1/messages/${id}`);
      return statuses.includes(body.status) ? body : undefined;
    },
    8000,
    `message ${id} to reach ${statuses.join("/")}`,
  );
}

const requestsWith = (marker: string): RecordedRequest[] => up.requests.filter((r) => r.format === "openai" && r.lastUserText.includes(marker));
const historyOf = async (conversationId: string, query = "") => (await admin("GET", `/api/v1/conversations/${conversationId}/history${query}`)).body.messages as any[];

describe("a message to an agent", () => {
  test("makes it answer as itself, in a turn visible in its history", async () => {
    up.script({ key: "[m1]", text: "Looks good to me." });
    const res = await admin("POST", "/api/v1/messages", { recipient: "reviewer", content: "[m1] please review PR 123", message_type: "message", channel: "code-review", metadata: { pr_id: "123" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sent: true, ok: true, message: { sender: "human", recipient: "reviewer", content: "[m1] please review PR 123", message_type: "message", channel: "code-review", metadata: { pr_id: "123" }, status: "delivered" } });

    const done = await settled(res.body.message.id);
    expect(done.status).toBe("answered");
    expect(typeof done.conversation_id).toBe("string");
    // the turn ran as the reviewer: its system prompt, the message as the user text
    const [request] = requestsWith("[m1]");
    expect(systemTextOf(request!.body)).toContain("You are the reviewer agent.");
    expect(request!.lastUserText).toBe("[m1] please review PR 123");

    const history = await historyOf(done.conversation_id);
    expect(history.map((m) => [m.role, m.content, m.agent_id, m.channel])).toEqual(
      expect.arrayContaining([
        ["user", "[m1] please review PR 123", "reviewer", "code-review"],
        ["assistant", "Looks good to me.", "reviewer", "code-review"],
      ]),
    );
    const agentHistory = await admin("GET", "/api/v1/agents/reviewer/history");
    expect(agentHistory.status).toBe(200);
    expect(JSON.stringify(agentHistory.body)).toContain("Looks good to me.");
  });

  test("the history's channel filter keeps each channel's messages apart", async () => {
    up.script({ key: "[c-ops]", text: "ops answer" }, { key: "[c-qa]", text: "qa answer" });
    const ops = await admin("POST", "/api/v1/messages/to-agent", { agent_id: "tester", content: "[c-ops] restart the worker", channel: "ops" });
    expect(ops.status).toBe(200);
    const first = await settled(ops.body.message.id);
    const qa = await admin("POST", "/api/v1/messages/to-agent", { agent_id: "tester", content: "[c-qa] run the suite", channel: "qa" });
    const second = await settled(qa.body.message.id);
    // both in the tester's own conversation
    expect(second.conversation_id).toBe(first.conversation_id);

    const all = await historyOf(first.conversation_id);
    expect(all.map((m) => m.content)).toEqual(expect.arrayContaining(["[c-ops] restart the worker", "ops answer", "[c-qa] run the suite", "qa answer"]));
    const onlyOps = await historyOf(first.conversation_id, "?channel=ops");
    expect(onlyOps.map((m) => [m.role, m.content])).toEqual([
      ["user", "[c-ops] restart the worker"],
      ["assistant", "ops answer"],
    ]);
    const onlyQa = await historyOf(first.conversation_id, "?channel=qa");
    expect(onlyQa.map((m) => m.content)).toEqual(["[c-qa] run the suite", "qa answer"]);
    expect(await historyOf(first.conversation_id, "?channel=none")).toEqual([]);
  });

  test("delegate: a message from the parent that the agent acts on", async () => {
    up.script({ key: "[d1]", text: "No security issues." });
    const res = await admin("POST", "/api/v1/agents/tester/delegate", { content: "[d1] review for security issues", parent: "reviewer", channel: "code-review", metadata: { priority: "high" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, delegated_to: "tester", parent: "reviewer", message: { sender: "reviewer", recipient: "tester", channel: "code-review", metadata: { priority: "high", delegated_by: "reviewer" } } });
    await settled(res.body.message.id);
    expect(systemTextOf(requestsWith("[d1]")[0]!.body)).toContain("You are the tester agent.");
  });

  test("unknown agent → 404 AGENT_NOT_FOUND on every route, and nothing is stored", async () => {
    const before = (await admin("GET", "/api/v1/messages")).body.total;
    const attempts = [
      admin("POST", "/api/v1/messages", { recipient: "ghost", content: "hello" }),
      admin("POST", "/api/v1/messages/to-agent", { agent_id: "ghost", content: "hello" }),
      admin("POST", "/api/v1/messages/human-reply", { agent_id: "ghost", content: "hello" }),
      admin("POST", "/api/v1/agents/ghost/delegate", { content: "hello" }),
      admin("POST", "/api/v1/agents/tester/delegate", { content: "hello", parent: "ghost" }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: "AGENT_NOT_FOUND", details: { agent_id: "ghost" }, recoverable: false, suggested_action: "check_agent_id" });
    }
    expect((await admin("GET", "/api/v1/messages")).body.total).toBe(before);
  });

  test("a paused agent refuses with 409 and nothing is queued; resumed, it takes work again", async () => {
    expect((await admin("PATCH", "/api/v1/agents/sleeper", { paused: true })).status).toBe(200);
    up.script({ key: "[p1]", text: "awake" });
    const requests = up.requests.length;
    const stored = (await admin("GET", "/api/v1/messages?agent_id=sleeper")).body.total;
    for (const res of await Promise.all([
      admin("POST", "/api/v1/messages", { recipient: "sleeper", content: "[p1] wake up" }),
      admin("POST", "/api/v1/messages/to-agent", { agent_id: "sleeper", content: "[p1] wake up" }),
      admin("POST", "/api/v1/agents/sleeper/delegate", { content: "[p1] wake up" }),
      admin("POST", "/api/v1/messages/human-reply", { agent_id: "sleeper", content: "[p1] wake up" }),
    ])) {
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("CONFLICT");
    }
    await Bun.sleep(50);
    expect(up.requests.length).toBe(requests);
    expect((await admin("GET", "/api/v1/messages?agent_id=sleeper")).body.total).toBe(stored);
    expect((await admin("GET", "/api/v1/agents/sleeper")).body.active).toBe(false);

    expect((await admin("PATCH", "/api/v1/agents/sleeper", { paused: false })).status).toBe(200);
    const res = await admin("POST", "/api/v1/messages", { recipient: "sleeper", content: "[p1] wake up" });
    expect(res.status).toBe(200);
    expect((await settled(res.body.message.id)).status).toBe("answered");
  });

  test("invalid bodies are 422 naming the field", async () => {
    const bad = await admin("POST", "/api/v1/messages", { recipient: "tester", content: "x", message_type: "shout" });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error.details.fields)).toContain("message_type");
    expect((await admin("POST", "/api/v1/messages/to-agent", { agent_id: "tester", content: "" })).status).toBe(422);
  });
});

describe("messages to the human", () => {
  test("to-human and recipient \"human\" land in the human's inbox", async () => {
    const status = await admin("POST", "/api/v1/messages/to-human", { content: "Build finished", sender: "tester", channel: "ci" });
    expect(status.status).toBe(200);
    expect(status.body.message).toMatchObject({ sender: "tester", recipient: "human", message_type: "status", channel: "ci", status: "sent" });
    const direct = await admin("POST", "/api/v1/messages", { recipient: "user", content: "FYI", sender: "reviewer" });
    expect(direct.body.message).toMatchObject({ sender: "reviewer", recipient: "human", message_type: "message" });
    const inbox = (await admin("GET", "/api/v1/messages?recipient=human")).body.messages.map((m: any) => m.id);
    expect(inbox).toEqual(expect.arrayContaining([status.body.message.id, direct.body.message.id]));
    const ci = (await admin("GET", "/api/v1/messages?recipient=human&channel=ci")).body.messages;
    expect(ci.map((m: any) => m.id)).toEqual([status.body.message.id]);
  });

  test("an agent that asks the human waits; the human's reply resumes that very turn", async () => {
    const hasReply = (r: RecordedRequest) => JSON.stringify(r.body.messages).includes("The human replied");
    up.script(
      { key: "[ask]", toolCalls: [{ name: "send_message", arguments: { recipient: "human", content: "Which branch should I review?", wait_for_reply: true, channel: "code-review" } }] },
      { key: "[ask]", match: hasReply, text: "Reviewing branch main now." },
    );
    const res = await admin("POST", "/api/v1/messages", { recipient: "reviewer", content: "[ask] review the latest work", channel: "code-review" });
    expect(res.status).toBe(200);

    const question = await until(async () => (await admin("GET", "/api/v1/messages?recipient=human&status=awaiting_reply")).body.messages[0], 8000, "the agent's question");
    expect(question).toMatchObject({ sender: "reviewer", content: "Which branch should I review?", channel: "code-review", turn_id: res.body.message.turn_id });
    // it waits: the turn has not finished
    expect((await admin("GET", `/api/v1/messages/${res.body.message.id}`)).body.status).toBe("delivered");
    expect((await admin("GET", "/api/v1/agents/reviewer")).body.active).toBe(true);

    const reply = await admin("POST", "/api/v1/messages/human-reply", { agent_id: "reviewer", content: "main, please" });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ ok: true, resumed: true, message: { sender: "human", recipient: "reviewer", content: "main, please", channel: "code-review", turn_id: res.body.message.turn_id } });

    const done = await settled(res.body.message.id);
    expect(done.status).toBe("answered");
    expect((await admin("GET", `/api/v1/messages/${question.id}`)).body.status).toBe("replied");
    const resumed = requestsWith("[ask]").find(hasReply)!;
    expect(JSON.stringify(resumed.body.messages)).toContain("The human replied:\\nmain, please");
    const history = await historyOf(done.conversation_id, "?channel=code-review");
    expect(history.at(-1)).toMatchObject({ role: "assistant", content: "Reviewing branch main now." });
  });

  test("a reply when nothing waits starts a new turn", async () => {
    up.script({ key: "[late]", text: "Thanks for the note." });
    const reply = await admin("POST", "/api/v1/messages/human-reply", { agent_id: "tester", content: "[late] the build is green" });
    expect(reply.status).toBe(200);
    expect(reply.body.resumed).toBe(false);
    expect((await settled(reply.body.message.id)).status).toBe("answered");
  });
});

describe("the send_message tool", () => {
  test("one agent messages another, which acts on it in its own turn", async () => {
    up.script(
      { key: "[relay]", match: (r) => systemTextOf(r.body).includes("reviewer agent"), toolCalls: [{ name: "send_message", arguments: { recipient: "tester", content: "[relayed] please run the tests", channel: "qa" } }] },
      { key: "[relay]", match: (r) => systemTextOf(r.body).includes("reviewer agent"), text: "Asked the tester." },
      { key: "[relayed]", text: "All 42 tests pass." },
    );
    const res = await admin("POST", "/api/v1/messages", { recipient: "reviewer", content: "[relay] get the tests run" });
    const done = await settled(res.body.message.id);
    expect(done.status).toBe("answered");

    const relayed = await until(async () => (await admin("GET", "/api/v1/messages?sender=reviewer&recipient=tester&channel=qa")).body.messages[0], 8000, "the relayed message");
    expect(relayed).toMatchObject({ content: "[relayed] please run the tests", message_type: "message" });
    const answered = await settled(relayed.id);
    const [request] = requestsWith("[relayed]");
    expect(systemTextOf(request!.body)).toContain("You are the tester agent.");
    expect(systemTextOf(request!.body)).toContain('"from": "reviewer"');
    expect((await historyOf(answered.conversation_id, "?channel=qa")).map((m) => m.content)).toContain("All 42 tests pass.");
    // the reviewer's tool call reported the delivery
    const toolResult = (await historyOf(done.conversation_id)).findLast((m) => m.role === "tool" && m.name === "send_message");
    expect(toolResult.content).toContain("delivered to agent 'tester'");
  });

  test("a message to an unknown or paused agent is a tool error the model can read", async () => {
    await admin("PATCH", "/api/v1/agents/sleeper", { paused: true });
    up.script(
      { key: "[bad-send]", toolCalls: [{ name: "send_message", arguments: { recipient: "nobody", content: "hi" } }, { name: "send_message", arguments: { recipient: "sleeper", content: "hi" } }] },
      { key: "[bad-send]", text: "Could not reach them." },
    );
    const res = await admin("POST", "/api/v1/messages", { recipient: "reviewer", content: "[bad-send] reach out" });
    const done = await settled(res.body.message.id);
    await admin("PATCH", "/api/v1/agents/sleeper", { paused: false });
    const results = (await historyOf(done.conversation_id)).filter((m) => m.role === "tool" && m.name === "send_message").slice(-2);
    expect(results.map((m) => m.metadata.status)).toEqual(["error", "error"]);
    expect(results[0].content).toContain("agent 'nobody' not found");
    expect(results[1].content).toContain("paused");
  });
});

describe("a user key sees only its own messages", () => {
  test("lists, reads and replies stay within the user's messages", async () => {
    up.script({ key: "[bob]", text: "hello bob" });
    const bobs = await as("bob", "POST", "/api/v1/messages", { recipient: "tester", content: "[bob] private note" });
    expect(bobs.status).toBe(200);
    const note = await as("bob", "POST", "/api/v1/messages/to-human", { content: "bob's status", sender: "tester" });
    await settled(bobs.body.message.id, undefined, "bob");

    const bobList = (await as("bob", "GET", "/api/v1/messages")).body;
    expect(bobList.messages.map((m: any) => m.id).sort()).toEqual([bobs.body.message.id, note.body.message.id].sort());
    const carolList = (await as("carol", "GET", "/api/v1/messages")).body;
    expect(carolList.total).toBe(0);
    expect((await as("carol", "GET", `/api/v1/messages/${bobs.body.message.id}`)).status).toBe(404);
    // the admin sees everyone's
    const all = (await admin("GET", "/api/v1/messages?limit=1000")).body.messages.map((m: any) => m.id);
    expect(all).toEqual(expect.arrayContaining([bobs.body.message.id, note.body.message.id]));
  });

  test("another user's reply never resumes a turn waiting for this user's answer", async () => {
    const hasReply = (r: RecordedRequest) => JSON.stringify(r.body.messages).includes("The human replied");
    up.script(
      { key: "[bob-ask]", toolCalls: [{ name: "send_message", arguments: { recipient: "human", content: "Bob, which file?", wait_for_reply: true } }] },
      { key: "[bob-ask]", match: hasReply, text: "Opening it." },
    );
    const asked = await as("bob", "POST", "/api/v1/messages", { recipient: "reviewer", content: "[bob-ask] look at my file" });
    const question = await until(async () => (await as("bob", "GET", "/api/v1/messages?recipient=human&status=awaiting_reply")).body.messages[0], 8000, "bob's question");
    expect((await as("carol", "GET", "/api/v1/messages?recipient=human&status=awaiting_reply")).body.total).toBe(0);
    // naming bob's question is a 404 for carol; a plain reply from her is a new message, not an answer to bob's
    const named = await as("carol", "POST", "/api/v1/messages/human-reply", { agent_id: "reviewer", content: "src/a.ts", reply_to: question.id });
    expect(named.status).toBe(404);
    const carols = await as("carol", "POST", "/api/v1/messages/human-reply", { agent_id: "reviewer", content: "[carol-reply] src/a.ts" });
    expect(carols.body.resumed).toBe(false);
    expect((await as("bob", "GET", `/api/v1/messages/${question.id}`)).body.status).toBe("awaiting_reply");
    const bobs = await as("bob", "POST", "/api/v1/messages/human-reply", { agent_id: "reviewer", content: "src/b.ts", reply_to: question.id });
    expect(bobs.body.resumed).toBe(true);
    expect((await settled(asked.body.message.id, undefined, "bob")).status).toBe("answered");
    await settled(carols.body.message.id, undefined, "carol");
  });
});

test("every message route is in the OpenAPI document", async () => {
  const doc = (await admin("GET", "/api/docs/json")).body;
  for (const path of ["/api/v1/messages", "/api/v1/messages/to-agent", "/api/v1/messages/to-human", "/api/v1/messages/human-reply", "/api/v1/agents/{agent_id}/delegate"]) {
    expect(doc.paths[path]?.post).toBeDefined();
  }
  expect(doc.paths["/api/v1/messages"].get).toBeDefined();
});
