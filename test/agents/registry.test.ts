// The agents registry over HTTP: create, list, read, pause/resume, delete; the error shapes (409 taken, 404
// AGENT_NOT_FOUND with the envelope's guidance); a paused agent refusing work; unknown agents on every surface that
// takes one; two agents with their own persona and model answering in their own conversations; history and sessions.
import { beforeEach, describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { ChatSocket, get, post, send, systemTextOf, until, useChatApp } from "../support/chat";

let up: Upstream;
let app: TestApp;
useChatApp(
  "openai",
  (started) => ({ up, app } = started),
  (upstream) => ({
    toml: `
[[models]]
id = "fast"
provider = "openai"
model = "gpt-fast"
base_url = "${upstream.openaiBaseUrl}"

[[models]]
id = "deep"
provider = "openai"
model = "gpt-deep"
base_url = "${upstream.openaiBaseUrl}"
max_tokens = 9000

[[agents]]
id = "reviewer"
persona = "A meticulous code reviewer."
default_tools = ["read_file", "grep_search"]
`,
  }),
);
beforeEach(() => up.reset());

/** The envelope's guidance and code, checked together. */
function expectError(body: any, code: string, recoverable: boolean, action: string) {
  expect({ code: body.error.code, recoverable: body.error.recoverable, suggested_action: body.error.suggested_action }).toEqual({ code, recoverable, suggested_action: action });
  expect(typeof body.error.request_id).toBe("string");
  expect(body.detail).toBe(body.error.message);
}

describe("create, read, list, delete", () => {
  test("POST creates an agent (201) with the documented fields; it is listed and readable", async () => {
    const created = await post(app, "/api/v1/agents", {
      id: "writer",
      model_config_id: "deep",
      persona: "technical-writer",
      system_prompt: "You write documentation.",
      default_tools: ["read_file"],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: "writer",
      persona: "technical-writer",
      model: { model: "openai/gpt-deep", provider: "openai", max_output_tokens: 9000 },
      model_config_id: "deep",
      system_prompt: "You write documentation.",
      parent: null,
      children: [],
      default_tools: ["read_file"],
      active: false,
      paused: false,
      is_sub_agent: false,
      source: "api",
    });
    const list = await get(app, "/api/v1/agents");
    expect(list.body.map((a: any) => a.id)).toEqual(["default", "reviewer", "writer"]);
    const simple = await get(app, "/api/v1/agents?simple=true");
    expect(simple.body[2]).toEqual({ id: "writer", persona: "technical-writer", active: false, paused: false });
    expect((await get(app, "/api/v1/agents/writer")).body.system_prompt).toBe("You write documentation.");

    const gone = await send(app, "DELETE", "/api/v1/agents/writer");
    expect(gone.status).toBe(200);
    expect(gone.body).toEqual({ status: "deleted", agent_id: "writer", deleted: ["writer"], conversations_deleted: 0 });
    expect((await get(app, "/api/v1/agents/writer")).status).toBe(404);
  });

  test("DELETE keeps the agent's conversations by default; preserve_conversation=false deletes them", async () => {
    up.script({ key: "[keep]", text: "kept" }, { key: "[drop]", text: "dropped" });
    await post(app, "/api/v1/agents", { id: "keeper" });
    await post(app, "/api/v1/agents", { id: "dropper" });
    const kept = await post(app, "/api/v1/chat/message", { text: "hi [keep]", agent_id: "keeper" });
    const dropped = await post(app, "/api/v1/chat/message", { text: "hi [drop]", agent_id: "dropper" });
    expect((await send(app, "DELETE", "/api/v1/agents/keeper")).body.conversations_deleted).toBe(0);
    expect((await get(app, `/api/v1/conversations/${kept.body.conversation_id}`)).status).toBe(200);
    expect((await send(app, "DELETE", "/api/v1/agents/dropper?preserve_conversation=false")).body.conversations_deleted).toBe(1);
    expect((await get(app, `/api/v1/conversations/${dropped.body.conversation_id}`)).status).toBe(404);
  });

  test("a taken id is 409; an unknown id is 404 AGENT_NOT_FOUND naming it, not recoverable, check_agent_id", async () => {
    const taken = await post(app, "/api/v1/agents", { id: "reviewer" });
    expect(taken.status).toBe(409);
    expectError(taken.body, "CONFLICT", false, "resolve_conflict");
    expect(taken.body.error.details).toEqual({ agent_id: "reviewer" });

    for (const [method, path] of [
      ["GET", "/api/v1/agents/ghost"],
      ["PATCH", "/api/v1/agents/ghost"],
      ["DELETE", "/api/v1/agents/ghost"],
      ["GET", "/api/v1/agents/ghost/history"],
      ["GET", "/api/v1/agents/ghost/sessions"],
      ["GET", "/api/v1/agents/ghost/sessions/s1/history"],
    ] as const) {
      const res = await send(app, method, path, method === "PATCH" ? { paused: true } : undefined);
      expect(res.status).toBe(404);
      expectError(res.body, "AGENT_NOT_FOUND", false, "check_agent_id");
      expect(res.body.error.details).toEqual({ agent_id: "ghost" });
    }
  });

  test("the default agent and config agents cannot be deleted; bad input is named", async () => {
    const d = await send(app, "DELETE", "/api/v1/agents/default");
    expect(d.status).toBe(409);
    expect(d.body.error.message).toContain("default agent cannot be deleted");
    expect((await send(app, "DELETE", "/api/v1/agents/reviewer")).status).toBe(409);
    expect((await get(app, "/api/v1/agents/default")).status).toBe(200);

    const badId = await post(app, "/api/v1/agents", { id: "no spaces/allowed" });
    expect(badId.status).toBe(422);
    expectError(badId.body, "VALIDATION_ERROR", false, "fix_request");
    const badModel = await post(app, "/api/v1/agents", { id: "m1", model_config_id: "nope" });
    expect(badModel.status).toBe(400);
    expect(badModel.body.error.message).toContain("model_config_id 'nope'");
    const badTool = await post(app, "/api/v1/agents", { id: "t1", default_tools: ["read_file", "teleport"] });
    expect(badTool.status).toBe(400);
    expect(badTool.body.error.details.unknown).toEqual(["teleport"]);
    expect((await get(app, "/api/v1/agents/m1")).status).toBe(404);
  });

  test("a sub-agent created with parent: listed as the parent's child, at most the parent's tools, deleted with it", async () => {
    expect((await post(app, "/api/v1/agents", { id: "lead", default_tools: ["read_file", "list_files"] })).status).toBe(201);
    const tooMuch = await post(app, "/api/v1/agents", { id: "lead-helper", parent: "lead", default_tools: ["execute_command"] });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.details.not_allowed).toEqual(["execute_command"]);
    const child = await post(app, "/api/v1/agents", { id: "lead-helper", parent: "lead" });
    expect(child.status).toBe(201);
    expect(child.body).toMatchObject({ parent: "lead", is_sub_agent: true, default_tools: ["read_file", "list_files"], source: "api" });
    expect((await get(app, "/api/v1/agents/lead")).body.children).toEqual(["lead-helper"]);
    const unknownParent = await post(app, "/api/v1/agents", { id: "orphan", parent: "nobody" });
    expect(unknownParent.status).toBe(404);
    expect(unknownParent.body.error.code).toBe("AGENT_NOT_FOUND");

    const gone = await send(app, "DELETE", "/api/v1/agents/lead");
    expect(gone.body.deleted).toEqual(["lead", "lead-helper"]);
    expect((await get(app, "/api/v1/agents/lead-helper")).status).toBe(404);
  });
});

describe("paused agents", () => {
  test("a paused agent refuses chat and tasks with 409 (resume_agent) and nothing is queued or stored; resumed, it works", async () => {
    await post(app, "/api/v1/agents", { id: "sleeper" });
    const paused = await send(app, "PATCH", "/api/v1/agents/sleeper", { paused: true });
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    const before = (await get(app, "/api/v1/conversations?agent_id=sleeper")).body.total;

    const chat = await post(app, "/api/v1/chat/message", { text: "are you there? [sleeper]", agent_id: "sleeper" });
    expect(chat.status).toBe(409);
    expectError(chat.body, "CONFLICT", true, "resume_agent");
    expect(chat.body.error.details).toEqual({ agent_id: "sleeper", paused: true });
    const task = await post(app, "/api/v1/tasks/execute", { name: "nap", description: "do it", agent_id: "sleeper" });
    expect(task.status).toBe(409);
    expect((await get(app, "/api/v1/tasks")).body.tasks.some((t: any) => t.agent_id === "sleeper")).toBe(false);
    expect(up.requests.length).toBe(0);
    expect((await get(app, "/api/v1/conversations?agent_id=sleeper")).body.total).toBe(before);
    expect((await get(app, "/api/v1/agents/sleeper")).body.active).toBe(false);

    expect((await send(app, "PATCH", "/api/v1/agents/sleeper", { paused: false })).body.paused).toBe(false);
    up.script({ text: "awake" });
    const again = await post(app, "/api/v1/chat/message", { text: "now? [sleeper]", agent_id: "sleeper" });
    expect(again.status).toBe(200);
    expect(again.body.response).toBe("awake");
  });

  test("activate: false creates it paused", async () => {
    const created = await post(app, "/api/v1/agents", { id: "dormant", activate: false });
    expect(created.body.paused).toBe(true);
    expect((await post(app, "/api/v1/chat/message", { text: "hi", agent_id: "dormant" })).status).toBe(409);
  });
});

describe("unknown agent_id is the same 404 everywhere, never a silent default", () => {
  test("chat REST, chat WebSocket, PiSovereign /v1/chat and /v1/chat/stream, tasks execute and execute-sync", async () => {
    const rest = await post(app, "/api/v1/chat/message", { text: "hello", agent_id: "nobody" });
    expect(rest.status).toBe(404);
    expectError(rest.body, "AGENT_NOT_FOUND", false, "check_agent_id");
    expect(rest.body.error.details).toEqual({ agent_id: "nobody" });

    const pi = await post(app, "/v1/chat", { message: "hello", agent_id: "nobody" });
    expect(pi.status).toBe(404);
    expect(pi.body.error.code).toBe("AGENT_NOT_FOUND");
    const piStream = await post(app, "/v1/chat/stream", { message: "hello", agent_id: "nobody" });
    expect(piStream.status).toBe(404);
    expect(piStream.body.error.details.agent_id).toBe("nobody");

    for (const route of ["/api/v1/tasks/execute", "/api/v1/tasks/execute-sync"]) {
      const task = await post(app, route, { name: "t", description: "d", agent_id: "nobody" });
      expect(task.status).toBe(404);
      expect(task.body.error.code).toBe("AGENT_NOT_FOUND");
    }

    const socket = await ChatSocket.open(app);
    socket.send({ text: "hello", agent_id: "nobody" });
    const error = await socket.next("error");
    expect(error.data).toMatchObject({ code: "AGENT_NOT_FOUND", details: { agent_id: "nobody" } });
    socket.close();
    expect(up.requests.length).toBe(0);

    // The agent a conversation belongs to, deleted since: continuing it names that agent too.
    await post(app, "/api/v1/agents", { id: "temp" });
    up.script({ text: "first" });
    const first = await post(app, "/api/v1/chat/message", { text: "hi", agent_id: "temp" });
    await send(app, "DELETE", "/api/v1/agents/temp");
    const orphan = await post(app, "/api/v1/chat/message", { text: "again", conversation_id: first.body.conversation_id });
    expect(orphan.status).toBe(404);
    expect(orphan.body.error.details).toEqual({ agent_id: "temp" });
  });
});

describe("agents at work", () => {
  test("two agents with different personas and models answer in their own conversations", async () => {
    await post(app, "/api/v1/agents", { id: "poet", persona: "A poet who answers in rhyme.", model_config_id: "fast" });
    await post(app, "/api/v1/agents", { id: "critic", persona: "A harsh literary critic.", system_prompt: "Judge everything.", model_config_id: "deep" });
    up.script({ key: "[to-poet]", text: "Roses are red." }, { key: "[to-critic]", text: "Derivative." });
    const poem = await post(app, "/api/v1/chat/message", { text: "a poem please [to-poet]", agent_id: "poet" });
    const review = await post(app, "/api/v1/chat/message", { text: "judge it [to-critic]", agent_id: "critic" });
    expect([poem.body.response, review.body.response]).toEqual(["Roses are red.", "Derivative."]);
    expect(poem.body.conversation_id).not.toBe(review.body.conversation_id);

    const toPoet = up.requests.find((r) => r.lastUserText.includes("[to-poet]"))!;
    const toCritic = up.requests.find((r) => r.lastUserText.includes("[to-critic]"))!;
    expect(toPoet.body.model).toBe("gpt-fast");
    expect(toCritic.body.model).toBe("gpt-deep");
    expect(systemTextOf(toPoet.body)).toContain("A poet who answers in rhyme.");
    expect(systemTextOf(toPoet.body)).not.toContain("critic");
    expect(systemTextOf(toCritic.body)).toContain("A harsh literary critic.");
    expect(systemTextOf(toCritic.body)).toContain("Judge everything.");
    // each saw only its own conversation
    expect(JSON.stringify(toCritic.body.messages)).not.toContain("Roses are red.");

    const poetHistory = await get(app, "/api/v1/agents/poet/history");
    expect(poetHistory.body.conversation_id).toBe(poem.body.conversation_id);
    expect(poetHistory.body.messages.map((m: any) => [m.role, m.content])).toEqual([
      ["user", "a poem please [to-poet]"],
      ["assistant", "Roses are red."],
    ]);
    const limited = await get(app, "/api/v1/agents/critic/history?limit=1&include_system=false");
    expect(limited.body.messages.map((m: any) => m.content)).toEqual(["Derivative."]);

    const sessions = await get(app, "/api/v1/agents/critic/sessions");
    expect(sessions.body.sessions).toEqual([
      { session_id: review.body.session_id ?? expect.any(String), conversations: [review.body.conversation_id], message_count: 2, last_active: expect.any(String) },
    ]);
    const sessionId = sessions.body.sessions[0].session_id;
    const inSession = await get(app, `/api/v1/agents/critic/sessions/${sessionId}/history`);
    expect(inSession.body.messages.map((m: any) => m.content)).toEqual(["judge it [to-critic]", "Derivative."]);
    expect((await get(app, "/api/v1/agents/poet/sessions/" + sessionId + "/history")).status).toBe(404);
  });

  test("active is true while the agent has a turn running and false after; initial_prompt starts work at once", async () => {
    up.script({ key: "[slow]", delayMs: 400, text: "done slowly" });
    const created = await post(app, "/api/v1/agents", { id: "busy", initial_prompt: "work on this [slow]" });
    expect(created.status).toBe(201);
    expect(created.body.active).toBe(true);
    expect((await get(app, "/api/v1/agents?simple=true")).body.find((a: any) => a.id === "busy").active).toBe(true);
    await until(async () => !(await get(app, "/api/v1/agents/busy")).body.active, 5000, "busy to go idle");
    const history = await get(app, "/api/v1/agents/busy/history");
    expect(history.body.messages.map((m: any) => m.content)).toEqual(["work on this [slow]", "done slowly"]);
    // its own conversation is the one later work continues
    expect((await get(app, "/api/v1/agents/busy")).body.conversation_id).toBe(history.body.conversation_id);
  });
});
