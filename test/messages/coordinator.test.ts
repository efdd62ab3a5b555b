// The coordinator over HTTP, on the scripted upstream (each agent recognised by its system prompt): roles, messages
// to a role and to several, round-robin prompts answered in order by alternating agents, a role chain whose every
// step gets the previous step's answer (checked in what the upstream received), unknown role → 404 and a role whose
// agents are all paused → 409.
import { beforeAll, describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { RecordedRequest, Upstream } from "../support/upstream";
import { send, systemTextOf, until, useChatApp } from "../support/chat";

const AGENTS = ["w1", "w2", "w3", "analyst", "coder", "checker", "idle1", "idle2", "lead"];

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), {
  toml: AGENTS.map((id) => `[[agents]]\nid = "${id}"\nsystem_prompt = "You are agent ${id}."\n`).join("\n"),
});

const call = (method: string, path: string, json?: unknown) => send(app, method, path, json);
const register = async (agent: string, role: string) => {
  const res = await call("POST", `/api/v1/agents/${agent}/register`, { role });
  expect(res.status).toBe(200);
  return res.body;
};
/** The agent whose turn the upstream served (from its system prompt). */
const agentOf = (r: RecordedRequest) => /You are agent (\S+)\./.exec(systemTextOf(r.body))?.[1];
const requestsWith = (marker: string) => up.requests.filter((r) => r.format === "openai" && r.lastUserText.includes(marker));

beforeAll(async () => {
  await register("w1", "worker");
  await register("w2", "worker");
  await register("analyst", "analyzer");
  await register("coder", "implementer");
  await register("checker", "tester");
  await register("idle1", "sleepy");
  await register("idle2", "sleepy");
  await register("lead", "reviewer");
  await register("w3", "reviewer");
  for (const id of ["idle1", "idle2"]) expect((await call("PATCH", `/api/v1/agents/${id}`, { paused: true })).status).toBe(200);
});

describe("roles", () => {
  test("register returns the agent's roles; GET /coord/roles lists members in round-robin order", async () => {
    const again = await register("w1", "helper");
    expect(again).toEqual({ ok: true, agent_id: "w1", role: "helper", roles: ["worker", "helper"] });
    // registering twice changes nothing
    expect((await register("w1", "helper")).roles).toEqual(["worker", "helper"]);
    const roles = (await call("GET", "/api/v1/coord/roles")).body.roles;
    expect(roles.find((r: any) => r.role === "worker").agents).toEqual([
      { id: "w1", paused: false },
      { id: "w2", paused: false },
    ]);
    expect(roles.find((r: any) => r.role === "sleepy").agents.every((a: any) => a.paused)).toBe(true);
    const removed = await call("DELETE", "/api/v1/agents/w1/register?role=helper");
    expect(removed.body).toEqual({ ok: true, agent_id: "w1", removed: ["helper"], roles: ["worker"] });
  });

  test("a deleted agent leaves its roles; one created later under the same id starts without them", async () => {
    expect((await call("POST", "/api/v1/agents", { id: "temp" })).status).toBe(201);
    await register("temp", "temporary");
    expect((await call("GET", "/api/v1/coord/roles")).body.roles.map((r: any) => r.role)).toContain("temporary");
    expect((await call("DELETE", "/api/v1/agents/temp")).status).toBe(200);
    expect((await call("POST", "/api/v1/coord/send-role", { role: "temporary", content: "hello" })).status).toBe(404);
    expect((await call("POST", "/api/v1/agents", { id: "temp" })).status).toBe(201);
    expect((await call("GET", "/api/v1/coord/roles")).body.roles.map((r: any) => r.role)).not.toContain("temporary");
  });

  test("an unknown agent cannot be registered (404 AGENT_NOT_FOUND); a blank role is 422", async () => {
    const res = await call("POST", "/api/v1/agents/ghost/register", { role: "worker" });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "AGENT_NOT_FOUND", details: { agent_id: "ghost" } });
    expect((await call("POST", "/api/v1/agents/w1/register", { role: " " })).status).toBe(422);
  });
});

describe("unknown role → 404, no active agent → 409", () => {
  const routes: [string, (role: string) => unknown][] = [
    ["/api/v1/coord/send-role", (role) => ({ role, content: "hello" })],
    ["/api/v1/coord/broadcast", (role) => ({ roles: ["worker", role], content: "hello" })],
    ["/api/v1/coord/rr-workflow", (role) => ({ role, prompts: ["hello"] })],
    ["/api/v1/coord/role-chain", (role) => ({ roles: ["analyzer", role], content: "hello" })],
  ];

  test.each(routes)("%s", async (path, body) => {
    const requests = up.requests.length;
    const messages = (await call("GET", "/api/v1/messages")).body.total;
    const unknown = await call("POST", path, body("no-such-role"));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "NOT_FOUND", details: { role: "no-such-role" } });
    const asleep = await call("POST", path, body("sleepy"));
    expect(asleep.status).toBe(409);
    expect(asleep.body.error).toMatchObject({ code: "CONFLICT", details: { role: "sleepy" } });
    // checked before anything was sent, even to the roles that could take it
    await Bun.sleep(30);
    expect(up.requests.length).toBe(requests);
    expect((await call("GET", "/api/v1/messages")).body.total).toBe(messages);
  });
});

describe("messages to roles", () => {
  test("send-role reaches every active agent of the role, each answering in its own turn", async () => {
    up.script({ key: "[role-msg]", times: 2, text: "on it" });
    const res = await call("POST", "/api/v1/coord/send-role", { role: "worker", content: "[role-msg] new PR ready", message_type: "action", channel: "prs" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, target: "worker", recipients: ["w1", "w2"] });
    expect(res.body.messages.map((m: any) => [m.sender, m.recipient, m.message_type, m.channel])).toEqual([
      ["coordinator", "w1", "action", "prs"],
      ["coordinator", "w2", "action", "prs"],
    ]);
    await until(() => requestsWith("[role-msg]").length === 2, 8000, "both workers' turns");
    expect(requestsWith("[role-msg]").map(agentOf).sort()).toEqual(["w1", "w2"]);
  });

  test("broadcast reaches every role's agents once", async () => {
    up.script({ key: "[bcast]", times: 3, text: "noted" });
    const res = await call("POST", "/api/v1/coord/broadcast", { roles: ["reviewer", "tester", "reviewer"], content: "[bcast] release at noon" });
    expect(res.status).toBe(200);
    expect(res.body.sent.map((s: any) => [s.role, s.agent_id])).toEqual([
      ["reviewer", "lead"],
      ["reviewer", "w3"],
      ["tester", "checker"],
    ]);
    await until(() => requestsWith("[bcast]").length === 3, 8000, "three turns");
    expect(requestsWith("[bcast]").map(agentOf).sort()).toEqual(["checker", "lead", "w3"]);
  });
});

describe("workflows", () => {
  test("rr-workflow: prompts go round-robin over the role's agents; results come back in the prompts' order", async () => {
    await register("w3", "rr");
    await register("lead", "rr");
    // When each prompt reached the upstream: the first answer is slow, so a second agent working in parallel asks
    // before it is back.
    const arrived: Record<number, number> = {};
    const seen = (n: number) => () => ((arrived[n] = Date.now()), true);
    up.script(...[1, 2, 3, 4, 5].map((n) => ({ key: `[rr-${n}]`, match: seen(n), delayMs: n === 1 ? 400 : 0, text: `answer ${n}` })));
    const res = await call("POST", "/api/v1/coord/rr-workflow", { role: "rr", prompts: [1, 2, 3, 4, 5].map((n) => `[rr-${n}] task ${n}`) });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.results.map((r: any) => [r.index, r.agent_id, r.status, r.response])).toEqual([
      [0, "w3", "completed", "answer 1"],
      [1, "lead", "completed", "answer 2"],
      [2, "w3", "completed", "answer 3"],
      [3, "lead", "completed", "answer 4"],
      [4, "w3", "completed", "answer 5"],
    ]);
    // who the upstream actually served for each prompt
    for (const [n, agent] of [[1, "w3"], [2, "lead"], [3, "w3"], [4, "lead"], [5, "w3"]] as const) expect(agentOf(requestsWith(`[rr-${n}]`)[0]!)).toBe(agent);
    // each agent took its prompts in order: w3 saw task 1 before task 3 before task 5
    const w3Order = up.requests.filter((r) => agentOf(r) === "w3" && /\[rr-\d\]/.test(r.lastUserText)).map((r) => r.lastUserText.slice(0, 6));
    expect(w3Order).toEqual(["[rr-1]", "[rr-3]", "[rr-5]"]);
    // the agents worked in parallel: lead's first prompt reached the upstream while w3's first answer was delayed
    expect(arrived[2]! - arrived[1]!).toBeLessThan(400);

    // the rotation continues where it stopped
    up.script({ key: "[rr-6]", text: "answer 6" });
    const next = await call("POST", "/api/v1/coord/rr-workflow", { role: "rr", prompts: ["[rr-6] task 6"] });
    expect(next.body.results[0].agent_id).toBe("lead");
  });

  test("rr-workflow skips paused agents", async () => {
    await register("idle1", "mixed");
    await register("w2", "mixed");
    up.script({ key: "[mix]", times: 2, text: "done" });
    const res = await call("POST", "/api/v1/coord/rr-workflow", { role: "mixed", prompts: ["[mix] a", "[mix] b"] });
    expect(res.body.results.map((r: any) => r.agent_id)).toEqual(["w2", "w2"]);
  });

  test("role-chain: each role's answer is the next role's input; every step and the final output are returned", async () => {
    up.script(
      { key: "[chain-start]", text: "[to-implementer] plan: add a --verbose flag" },
      { key: "[to-implementer]", text: "[to-tester] diff: +--verbose handling" },
      { key: "[to-tester]", text: "verdict: 3 tests added, all pass" },
    );
    const res = await call("POST", "/api/v1/coord/role-chain", { roles: ["analyzer", "implementer", "tester"], content: "[chain-start] Implement feature X with full testing" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, roles: ["analyzer", "implementer", "tester"], final_output: "verdict: 3 tests added, all pass" });
    expect(res.body.steps.map((s: any) => [s.role, s.agent_id, s.input, s.output])).toEqual([
      ["analyzer", "analyst", "[chain-start] Implement feature X with full testing", "[to-implementer] plan: add a --verbose flag"],
      ["implementer", "coder", "[to-implementer] plan: add a --verbose flag", "[to-tester] diff: +--verbose handling"],
      ["tester", "checker", "[to-tester] diff: +--verbose handling", "verdict: 3 tests added, all pass"],
    ]);
    // the data flow as the upstream saw it: each agent got exactly the previous answer
    const seen = ["[chain-start]", "[to-implementer]", "[to-tester]"].map((marker) => requestsWith(marker).at(-1)!);
    expect(seen.map((r) => [agentOf(r), r.lastUserText])).toEqual([
      ["analyst", "[chain-start] Implement feature X with full testing"],
      ["coder", "[to-implementer] plan: add a --verbose flag"],
      ["checker", "[to-tester] diff: +--verbose handling"],
    ]);
    // every step is a message on the bus, answered
    for (const step of res.body.steps) {
      const message = (await call("GET", `/api/v1/messages/${step.message_id}`)).body;
      expect(message).toMatchObject({ sender: "coordinator", recipient: step.agent_id, content: step.input, message_type: "action", status: "answered", conversation_id: step.conversation_id });
      expect(message.metadata).toMatchObject({ workflow: "role-chain", role: step.role });
    }
  });

  test("role-chain stops with the error of a failing step", async () => {
    up.script({ key: "[chain-fail]", error: { status: 400, message: "bad request upstream" } });
    const res = await call("POST", "/api/v1/coord/role-chain", { roles: ["analyzer", "implementer"], content: "[chain-fail] go" });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.error).toBeDefined();
  });
});

test("every coordinator route is in the OpenAPI document", async () => {
  const doc = (await call("GET", "/api/docs/json")).body;
  for (const path of ["/api/v1/coord/send-role", "/api/v1/coord/broadcast", "/api/v1/coord/rr-workflow", "/api/v1/coord/role-chain", "/api/v1/agents/{agent_id}/register"]) {
    expect(doc.paths[path]?.post).toBeDefined();
  }
});
