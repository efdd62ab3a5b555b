// Agentic tasks (PiSovereign /v1/agentic/tasks) through the real server and the scripted upstream: the planner's JSON
// plan, three sub-agents in parallel and the combination streamed over SSE (and replayed to a late subscriber), a plan
// that waits for approval (nothing runs before; denial cancels), a task cancelled mid-run (every sub-agent turn
// stops), a planner answer that is not JSON (retried once, then failed), the parallel limit, sub-agent approvals in
// the task's session, 404s and owners.
import { beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { get, openaiEnv, post, systemTextOf, until, useChatApp } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";
import type { RecordedRequest, Step, Upstream } from "../support/upstream";

interface SseEvent {
  id: number;
  event: string;
  data: any;
  /** When the client read it (ms). */
  at: number;
}

/** An open SSE stream whose events are collected as they arrive; `ended` settles when the server closes it. */
async function openStream(app: TestApp, path: string, headers: Record<string, string> = {}) {
  const res = await app.request(path, { headers });
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  const ended = (async () => {
    if (!res.body) return;
    let buffer = "";
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(":")) continue;
        const field = (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(block)?.[1];
        events.push({ id: Number(field("id")), event: field("event") ?? "message", data: JSON.parse(field("data") ?? "null"), at: Date.now() });
      }
    }
  })();
  return { res, events, ended };
}

const names = (events: SseEvent[]) => events.map((e) => e.event);

// The three kinds of turn a task takes, told apart by what they are asked.
const isPlanner = (r: RecordedRequest) => r.lastUserText.startsWith("Plan the following request");
const isPlanRetry = (r: RecordedRequest) => r.lastUserText.startsWith("Your previous answer was not a valid plan");
const isCombination = (r: RecordedRequest) => r.lastUserText.startsWith("Combine the sub-agents' results");
const isSubAgent = (r: RecordedRequest) => r.lastUserText.startsWith("You are a sub-agent");

const plan = (marker: string, subTasks: string[], extra: Partial<Step> = {}): Step => ({
  match: (r) => isPlanner(r) && r.lastUserText.includes(marker),
  text: JSON.stringify({ summary: `${subTasks.length} sub-tasks for ${marker}`, sub_tasks: subTasks.map((description) => ({ description })) }),
  ...extra,
});
const subAgent = (key: string, text: string, extra: Partial<Step> = {}): Step => ({ match: (r) => isSubAgent(r) && r.lastUserText.includes(key), text, ...extra });
const combination = (marker: string, text: string): Step => ({ match: (r) => isCombination(r) && r.lastUserText.includes(marker), text });

async function create(app: TestApp, description: string, requireApproval?: boolean) {
  const res = await post(app, "/v1/agentic/tasks", { description, ...(requireApproval !== undefined ? { require_approval: requireApproval } : {}) });
  expect(res.status).toBe(201);
  return res.body.task_id as string;
}

const task = async (app: TestApp, id: string) => (await get(app, `/v1/agentic/tasks/${id}`)).body;
const waitForStatus = (app: TestApp, id: string, statuses: string[], timeoutMs = 5000) =>
  until(async () => {
    const t = await task(app, id);
    return statuses.includes(t.status) ? t : undefined;
  }, timeoutMs, `agentic task ${id} to reach ${statuses.join("/")}`);

describe("agentic tasks", () => {
  let up: Upstream;
  let app: TestApp;
  useChatApp("openai", (started) => ({ up, app } = started));
  beforeEach(() => up.reset());

  test("three sub-tasks: planned, run in parallel in their own conversations, combined, streamed over SSE in order", async () => {
    up.script(
      plan("[berlin]", ["Check the Berlin weather [weather]", "Find transit options [transit]", "Create calendar events [calendar]"], { delayMs: 150 }),
      subAgent("[weather]", "15°C, partly cloudy", { delayMs: 250 }),
      subAgent("[transit]", "U-Bahn U2 to Alexanderplatz", { delayMs: 250 }),
      subAgent("[calendar]", "3 events created", { delayMs: 250 }),
      combination("[berlin]", "Your Berlin trip is planned."),
    );
    const created = await post(app, "/v1/agentic/tasks", { description: "Plan my trip to Berlin next week [berlin]", require_approval: false });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ task_id: expect.any(String), status: "planning", created_at: expect.any(String) });
    const id = created.body.task_id;

    // Subscribed while the planner still thinks: the events arrive live, as they happen.
    const stream = await openStream(app, `/v1/agentic/tasks/${id}/stream`);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get("content-type")).toStartWith("text/event-stream");
    await stream.ended;
    expect(names(stream.events)).toEqual([
      "task_started",
      "plan_created",
      "sub_agent_started",
      "sub_agent_started",
      "sub_agent_started",
      "sub_agent_completed",
      "sub_agent_completed",
      "sub_agent_completed",
      "task_completed",
    ]);
    expect(stream.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [started, planned] = stream.events;
    expect(started!.data).toEqual({ task_id: id, description: "Plan my trip to Berlin next week [berlin]" });
    expect(planned!.data).toEqual({
      task_id: id,
      plan_summary: "3 sub-tasks for [berlin]",
      require_approval: false,
      sub_tasks: [
        { id: "sa-1", description: "Check the Berlin weather [weather]", agent_id: "default" },
        { id: "sa-2", description: "Find transit options [transit]", agent_id: "default" },
        { id: "sa-3", description: "Create calendar events [calendar]", agent_id: "default" },
      ],
    });
    const results = Object.fromEntries(stream.events.filter((e) => e.event === "sub_agent_completed").map((e) => [e.data.sub_agent_id, e.data]));
    expect(results["sa-1"]).toEqual({ task_id: id, sub_agent_id: "sa-1", status: "completed", result: "15°C, partly cloudy" });
    expect(results["sa-2"].result).toBe("U-Bahn U2 to Alexanderplatz");
    expect(results["sa-3"].result).toBe("3 events created");
    expect(stream.events.at(-1)!.data).toEqual({ task_id: id, result: "Your Berlin trip is planned." });
    // Live, not dumped at the end: the sub-agents' answers took 250 ms after they started.
    expect(stream.events.at(-1)!.at - stream.events[2]!.at).toBeGreaterThanOrEqual(200);

    // All three sub-agents were asked before any of them answered (parallel), then the combination.
    const subRequests = up.requests.filter(isSubAgent);
    expect(subRequests).toHaveLength(3);
    expect(up.requests.filter(isPlanner)).toHaveLength(1);
    const combine = up.requests.filter(isCombination);
    expect(combine).toHaveLength(1);
    for (const text of ["15°C, partly cloudy", "U-Bahn U2 to Alexanderplatz", "3 events created"]) expect(combine[0]!.lastUserText).toContain(text);
    // A sub-agent gets the overall request and its own sub-task, not the others'.
    const weather = subRequests.find((r) => r.lastUserText.includes("[weather]"))!;
    expect(weather.lastUserText).toContain("Plan my trip to Berlin next week");
    expect(weather.lastUserText).not.toContain("[transit]");

    const view = await task(app, id);
    expect(view).toMatchObject({
      task_id: id,
      status: "completed",
      description: "Plan my trip to Berlin next week [berlin]",
      plan_summary: "3 sub-tasks for [berlin]",
      result: "Your Berlin trip is planned.",
      error: null,
      require_approval: false,
      approval_request_id: null,
    });
    expect(view.sub_agents.map((s: any) => [s.id, s.status, s.result])).toEqual([
      ["sa-1", "completed", "15°C, partly cloudy"],
      ["sa-2", "completed", "U-Bahn U2 to Alexanderplatz"],
      ["sa-3", "completed", "3 events created"],
    ]);
    expect(view.usage.total_tokens).toBeGreaterThan(0);
    expect(view.finished_at).not.toBeNull();

    // Each sub-agent has its own conversation, all in the task's session (one root, sandbox and set of approvals).
    const conversations = new Set(view.sub_agents.map((s: any) => s.conversation_id));
    expect(conversations.size).toBe(3);
    expect(conversations.has(view.conversation_id)).toBe(false);
    for (const s of view.sub_agents) {
      const conv = (await get(app, `/api/v1/conversations/${s.conversation_id}`)).body;
      expect(conv.session_id).toBe(view.session_id);
      expect(conv.messages.map((m: any) => [m.role, m.content]).at(-1)).toEqual(["assistant", s.result]);
    }
    // The planner's conversation holds the plan and, last, the combined answer.
    const plannerConv = (await get(app, `/api/v1/conversations/${view.conversation_id}`)).body;
    expect(plannerConv.session_id).toBe(view.session_id);
    expect(plannerConv.messages.at(-1)).toMatchObject({ role: "assistant", content: "Your Berlin trip is planned." });

    // A late subscriber gets the whole stream replayed, then the stream ends.
    const late = await openStream(app, `/v1/agentic/tasks/${id}/stream`);
    await late.ended;
    expect(late.events.map(({ id, event, data }) => ({ id, event, data }))).toEqual(stream.events.map(({ id, event, data }) => ({ id, event, data })));
    // Resuming after an event replays only what came after it.
    const resumed = await openStream(app, `/v1/agentic/tasks/${id}/stream`, { "last-event-id": "6" });
    await resumed.ended;
    expect(resumed.events.map((e) => e.id)).toEqual([7, 8, 9]);
    const since = await openStream(app, `/v1/agentic/tasks/${id}/stream?since=8`);
    await since.ended;
    expect(names(since.events)).toEqual(["task_completed"]);
  });

  test("require_approval: the plan waits for a human; nothing runs before approval, then it completes", async () => {
    up.script(plan("[approve-me]", ["Part one [p1]", "Part two [p2]"]), subAgent("[p1]", "one done"), subAgent("[p2]", "two done"), combination("[approve-me]", "Both parts done."));
    const id = await create(app, "Do two things [approve-me]", true);
    const stream = await openStream(app, `/v1/agentic/tasks/${id}/stream`);
    const waiting = await waitForStatus(app, id, ["awaiting_approval"]);
    expect(waiting.plan_summary).toBe("2 sub-tasks for [approve-me]");
    expect(waiting.sub_agents.map((s: any) => s.status)).toEqual(["pending", "pending"]);
    const requestId = waiting.approval_request_id;
    expect(requestId).toEqual(expect.any(String));

    // The plan is an ordinary approval request: listed with the others, in the task's session.
    const pending = (await get(app, "/api/v1/approvals")).body.pending;
    const request = pending.find((p: any) => p.id === requestId);
    expect(request).toMatchObject({ tool_name: "agentic_task", operation: "agentic.execute", session_id: waiting.session_id });
    expect(request.reason).toContain("Part one [p1]");
    await until(() => stream.events.some((e) => e.event === "approval_required"), 2000, "approval_required");
    expect(stream.events.find((e) => e.event === "approval_required")!.data).toEqual({ task_id: id, request_id: requestId, expires_at: expect.any(String) });

    // Nothing runs while it waits.
    await Bun.sleep(300);
    expect(up.requests.filter(isSubAgent)).toHaveLength(0);
    expect((await task(app, id)).status).toBe("awaiting_approval");

    expect((await post(app, `/api/v1/approvals/${requestId}/approve`, {})).status).toBe(200);
    await stream.ended;
    expect(names(stream.events)).toEqual([
      "task_started",
      "plan_created",
      "approval_required",
      "sub_agent_started",
      "sub_agent_started",
      "sub_agent_completed",
      "sub_agent_completed",
      "task_completed",
    ]);
    expect(stream.events[1]!.data.require_approval).toBe(true);
    const done = await task(app, id);
    expect(done).toMatchObject({ status: "completed", result: "Both parts done." });
    expect(up.requests.filter(isSubAgent)).toHaveLength(2);
  });

  test("require_approval: denying the plan cancels the task; no sub-agent ever runs", async () => {
    up.script(plan("[deny-me]", ["Dangerous part [d1]", "Other part [d2]"]), subAgent("[d1]", "should not run"), subAgent("[d2]", "should not run"));
    const id = await create(app, "Do something risky [deny-me]", true);
    const waiting = await waitForStatus(app, id, ["awaiting_approval"]);
    expect((await post(app, `/api/v1/approvals/${waiting.approval_request_id}/deny`, undefined)).status).toBe(200);
    const cancelled = await waitForStatus(app, id, ["cancelled", "failed", "completed"]);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.error).toContain("denied");
    expect(cancelled.sub_agents.map((s: any) => [s.status, s.conversation_id])).toEqual([
      ["cancelled", null],
      ["cancelled", null],
    ]);
    expect(up.requests.filter(isSubAgent)).toHaveLength(0);
    expect(up.requests.filter(isCombination)).toHaveLength(0);

    const replay = await openStream(app, `/v1/agentic/tasks/${id}/stream`);
    await replay.ended;
    expect(names(replay.events)).toEqual(["task_started", "plan_created", "approval_required", "task_cancelled"]);
    expect(replay.events.at(-1)!.data.reason).toContain("denied");
  });

  test("cancel mid-run stops every sub-agent's turn; nothing is combined", async () => {
    const slow = "a long answer that streams slowly and will be cut off by the cancel long before it ends";
    up.script(plan("[cancel-me]", ["Slow one [s1]", "Slow two [s2]", "Slow three [s3]"]), ...["[s1]", "[s2]", "[s3]"].map((k) => subAgent(k, slow, { chunkDelayMs: 60 })));
    const id = await create(app, "Three slow things [cancel-me]");
    const stream = await openStream(app, `/v1/agentic/tasks/${id}/stream`);
    await until(() => stream.events.filter((e) => e.event === "sub_agent_started").length === 3, 5000, "three sub-agents started");
    await until(() => up.requests.filter(isSubAgent).length === 3, 5000, "three sub-agent requests");
    await Bun.sleep(150); // let each stream some of its answer

    const turnsBefore = app.core.engine.activeTurns;
    expect(turnsBefore).toBe(3);
    const cancelled = await post(app, `/v1/agentic/tasks/${id}/cancel`, undefined);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ task_id: id, status: "cancelled", cancelled: true });
    // The answer comes once they have stopped.
    expect(app.core.engine.activeTurns).toBe(0);

    await stream.ended;
    expect(names(stream.events).slice(-4)).toEqual(["sub_agent_completed", "sub_agent_completed", "sub_agent_completed", "task_cancelled"]);
    const view = await task(app, id);
    expect(view.status).toBe("cancelled");
    expect(view.result).toBeNull();
    for (const s of view.sub_agents) {
      expect(s.status).toBe("cancelled");
      expect(s.result!.length).toBeLessThan(slow.length);
      // Each sub-agent's answer was cut off where it was, marked interrupted.
      const assistant = (await get(app, `/api/v1/conversations/${s.conversation_id}`)).body.messages.find((m: any) => m.role === "assistant");
      expect(assistant.status).toBe("interrupted");
    }
    expect(up.requests.filter(isCombination)).toHaveLength(0);

    // Cancelling again changes nothing.
    expect((await post(app, `/v1/agentic/tasks/${id}/cancel`, undefined)).body).toEqual({ task_id: id, status: "cancelled", cancelled: false });
  });

  test("a planner answer that is not valid JSON is retried once, then the task fails with a clear error", async () => {
    up.script(
      { match: (r) => isPlanner(r) && r.lastUserText.includes("[bad-plan]"), text: "Sure! First I would check the weather, then book a train." },
      { match: isPlanRetry, text: '{"summary": "oops", "sub_tasks": [' },
    );
    const id = await create(app, "Something the planner gets wrong [bad-plan]");
    const stream = await openStream(app, `/v1/agentic/tasks/${id}/stream`);
    await stream.ended;
    expect(names(stream.events)).toEqual(["task_started", "task_failed"]);
    const failure = stream.events[1]!.data;
    expect(failure.status).toBe("failed");
    expect(failure.error).toContain("did not answer with a valid JSON plan");
    expect(failure.error).toContain("not valid JSON");

    // Asked twice: the retry says what was wrong, in the same conversation (the model sees its first answer).
    expect(up.requests.filter(isPlanner)).toHaveLength(1);
    const retries = up.requests.filter(isPlanRetry);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.lastUserText).toContain("not valid JSON");
    expect(JSON.stringify(retries[0]!.body.messages)).toContain("Sure! First I would check the weather");
    expect(up.requests.filter(isSubAgent)).toHaveLength(0);
    const view = await task(app, id);
    expect(view).toMatchObject({ status: "failed", plan_summary: null, sub_agents: [], result: null });
    expect(view.error).toBe(failure.error);
  });

  test("a retried plan that is valid the second time runs; a plan naming an unknown agent counts as invalid", async () => {
    up.script(
      { match: (r) => isPlanner(r) && r.lastUserText.includes("[second-try]"), text: JSON.stringify({ summary: "x", sub_tasks: [{ description: "x", agent_id: "nobody" }] }) },
      { match: isPlanRetry, text: '```json\n{"summary": "one step", "sub_tasks": [{"description": "The only step [only]"}]}\n```' },
      subAgent("[only]", "step done"),
      combination("[only]", "All done."),
    );
    const id = await create(app, "Fix it on the second try [second-try]");
    const done = await waitForStatus(app, id, ["completed", "failed"]);
    expect(done).toMatchObject({ status: "completed", plan_summary: "one step", result: "All done." });
    expect(done.sub_agents).toHaveLength(1);
    expect(up.requests.filter(isPlanRetry)[0]!.lastUserText).toContain('"nobody" is not an agent here');
  });

  test("a sub-task the plan gives to a registered agent runs as that agent; a paused agent is not offered", async () => {
    expect((await post(app, "/api/v1/agents", { id: "researcher", persona: "A careful researcher [persona-r]" })).status).toBeLessThan(300);
    expect((await post(app, "/api/v1/agents", { id: "sleeper", persona: "Paused", activate: false })).status).toBeLessThan(300);
    up.script(
      {
        match: (r) => isPlanner(r) && r.lastUserText.includes("[named]"),
        text: JSON.stringify({ summary: "two agents", sub_tasks: [{ description: "Research it [n1]", agent_id: "researcher" }, { description: "Write it up [n2]" }] }),
      },
      subAgent("[n1]", "found it"),
      subAgent("[n2]", "wrote it"),
      combination("[named]", "Researched and written."),
    );
    const id = await create(app, "Research and write [named]");
    const done = await waitForStatus(app, id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.sub_agents.map((s: any) => [s.id, s.agent_id])).toEqual([
      ["sa-1", "researcher"],
      ["sa-2", "default"],
    ]);
    // The planner was offered the agents that take work, with their personas.
    const planner = up.requests.find(isPlanner)!.lastUserText;
    expect(planner).toContain("- researcher: A careful researcher [persona-r]");
    expect(planner).not.toContain("sleeper");
    // The researcher's turn ran with its persona; the default agent's did not.
    expect(systemTextOf(up.requests.find((r) => isSubAgent(r) && r.lastUserText.includes("[n1]"))!.body)).toContain("[persona-r]");
    expect(systemTextOf(up.requests.find((r) => isSubAgent(r) && r.lastUserText.includes("[n2]"))!.body)).not.toContain("[persona-r]");
  });

  test("a server stop ends a running task as interrupted; after a restart (or a crash) its stream replays from the database", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "penguin-agentic-restart-"));
    try {
      const first = await startTestApp({ env: { ...openaiEnv(up), PENGUIN_WORKSPACE: workspace } });
      up.script(plan("[restart]", ["Never ends [r1]"]), subAgent("[r1]", "", { hang: true }));
      const id = await create(first, "Runs across a restart [restart]");
      await until(async () => (await task(first, id)).sub_agents[0]?.status === "running", 5000, "the sub-agent to run");
      await first.stop();

      const db = new Database(join(workspace, "penguin.db"));
      expect(db.query("SELECT status, error FROM agentic_tasks WHERE id = ?").get(id)).toEqual({ status: "interrupted", error: "the server stopped while this task was running" });
      const stored = db.query("SELECT event FROM agentic_task_events WHERE task_id = ? ORDER BY seq").all(id).map((r: any) => r.event);
      expect(stored).toEqual(["task_started", "plan_created", "sub_agent_started", "sub_agent_completed", "task_failed"]);
      // A crash: the rows left running, the last events never written.
      db.query("UPDATE agentic_tasks SET status = 'running', error = NULL, finished_at = NULL WHERE id = ?").run(id);
      db.query("UPDATE agentic_sub_tasks SET status = 'running', error = NULL, finished_at = NULL WHERE task_id = ?").run(id);
      db.query("DELETE FROM agentic_task_events WHERE task_id = ? AND event IN ('sub_agent_completed', 'task_failed')").run(id);
      db.close();

      const second = await startTestApp({ env: { ...openaiEnv(up), PENGUIN_WORKSPACE: workspace } });
      try {
        const view = await task(second, id);
        expect(view).toMatchObject({ status: "interrupted", error: "the server stopped while this task was running", plan_summary: "1 sub-tasks for [restart]" });
        expect(view.sub_agents[0].status).toBe("cancelled");
        const replay = await openStream(second, `/v1/agentic/tasks/${id}/stream`);
        await replay.ended;
        expect(names(replay.events)).toEqual(["task_started", "plan_created", "sub_agent_started", "task_failed"]);
        expect(replay.events.at(-1)!.data).toEqual({ task_id: id, error: "the server stopped while this task was running", status: "interrupted" });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  test("unknown task id is a 404 in the envelope on every route; an empty description is a 422", async () => {
    for (const [method, path] of [
      ["GET", "/v1/agentic/tasks/no-such-task"],
      ["GET", "/v1/agentic/tasks/no-such-task/stream"],
      ["POST", "/v1/agentic/tasks/no-such-task/cancel"],
    ] as const) {
      const res = await app.request(path, { method });
      expect(res.status).toBe(404);
      const body = await res.json();
      expect(body.error).toMatchObject({ code: "NOT_FOUND", message: "agentic task 'no-such-task' not found", request_id: expect.any(String) });
      expect(body.detail).toBe(body.error.message);
    }
    const empty = await post(app, "/v1/agentic/tasks", { description: "" });
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe("VALIDATION_ERROR");
    expect(empty.body.error.details.fields[0].field).toBe("description");
  });
});

describe("agentic tasks: limits, sub-agent approvals, owners", () => {
  const ADMIN = "admin-key-0123456789";
  const ALICE = "alice-key-0123456789";
  const BOB = "bob-key-01234567890";
  let up: Upstream;
  let app: TestApp;
  useChatApp("openai", (started) => ({ up, app } = started), {
    env: { PENGUIN_API_KEYS: `${ADMIN},${ALICE}:alice:user,${BOB}:bob:user` },
    toml: '[agentic]\nmax_parallel = 2\n\n[permissions]\nwrites = "ask"\n',
  });
  beforeEach(() => up.reset());
  const as = (key: string, method: string, path: string, json?: unknown) =>
    app.request(path, { method, headers: { "x-api-key": key }, ...(json !== undefined ? { json } : {}) });

  test("at most max_parallel sub-agents run at once; the next starts when one finishes", async () => {
    up.script(
      plan("[limit]", ["First [l1]", "Second [l2]", "Third [l3]"]),
      subAgent("[l1]", "first", { delayMs: 200 }),
      subAgent("[l2]", "second", { delayMs: 400 }),
      subAgent("[l3]", "third"),
      combination("[limit]", "done"),
    );
    const res = await as(ADMIN, "POST", "/v1/agentic/tasks", { description: "Three things, two at a time [limit]" });
    const id = (await res.json()).task_id;
    const stream = await openStream(app, `/v1/agentic/tasks/${id}/stream`, { "x-api-key": ADMIN });
    await stream.ended;
    const order = stream.events.filter((e) => e.event.startsWith("sub_agent")).map((e) => `${e.event === "sub_agent_started" ? "start" : "done"} ${e.data.sub_agent_id}`);
    // sa-3 waits for a free slot: it starts only after sa-1 (the quicker one) is done.
    expect(order).toEqual(["start sa-1", "start sa-2", "done sa-1", "start sa-3", "done sa-3", "done sa-2"]);
    expect(names(stream.events).at(-1)).toBe("task_completed");
  });

  test("a sub-agent's tool approval reaches the human through the normal approvals, in the task's session and root", async () => {
    up.script(
      plan("[write]", ["Write the notes file [notes]"]),
      { match: (r) => isSubAgent(r) && r.lastUserText.includes("[notes]") && !JSON.stringify(r.body.messages).includes('"role":"tool"'), toolCalls: [{ name: "write_file", arguments: { path: "notes.txt", content: "from a sub-agent" } }] },
      subAgent("[notes]", "notes.txt written"),
      combination("[write]", "The notes are written."),
    );
    const res = await as(ALICE, "POST", "/v1/agentic/tasks", { description: "Write notes [write]" });
    const id = (await res.json()).task_id;
    const request = await until(async () => (await (await as(ALICE, "GET", "/api/v1/approvals")).json()).pending[0], 5000, "the sub-agent's approval request");
    const running = await (await as(ALICE, "GET", `/v1/agentic/tasks/${id}`)).json();
    expect(running.status).toBe("running");
    expect(request).toMatchObject({ tool_name: "write_file", operation: "filesystem.write", session_id: running.session_id });
    // Bob does not see Alice's sub-agent's request.
    expect((await (await as(BOB, "GET", "/api/v1/approvals")).json()).pending).toEqual([]);
    expect(existsSync(join(app.projectRoot, "notes.txt"))).toBe(false);

    expect((await as(ALICE, "POST", `/api/v1/approvals/${request.id}/approve`, {})).status).toBe(200);
    const done = await until(async () => {
      const t = await (await as(ALICE, "GET", `/v1/agentic/tasks/${id}`)).json();
      return t.status === "completed" ? t : undefined;
    }, 5000, "the task to complete");
    expect(done.result).toBe("The notes are written.");
    expect(readFileSync(join(app.projectRoot, "notes.txt"), "utf8")).toBe("from a sub-agent");
  });

  test("a user key sees only its own tasks: another user's is a 404, an admin sees it", async () => {
    up.script(plan("[mine]", ["Only step [m1]"]), subAgent("[m1]", "ok"), combination("[mine]", "Alice's result"));
    const res = await as(ALICE, "POST", "/v1/agentic/tasks", { description: "Alice's task [mine]" });
    expect(res.status).toBe(201);
    const id = (await res.json()).task_id;
    for (const [method, path] of [
      ["GET", `/v1/agentic/tasks/${id}`],
      ["GET", `/v1/agentic/tasks/${id}/stream`],
      ["POST", `/v1/agentic/tasks/${id}/cancel`],
    ] as const) {
      const other = await as(BOB, method, path);
      expect(other.status).toBe(404);
      expect((await other.json()).error.message).toBe(`agentic task '${id}' not found`);
    }
    const done = await until(async () => {
      const t = await (await as(ALICE, "GET", `/v1/agentic/tasks/${id}`)).json();
      return t.status === "completed" ? t : undefined;
    }, 5000, "Alice's task to complete");
    expect(done.result).toBe("Alice's result");
    expect((await as(ADMIN, "GET", `/v1/agentic/tasks/${id}`)).status).toBe(200);
    // Its conversations are Alice's too.
    expect((await as(BOB, "GET", `/api/v1/conversations/${done.sub_agents[0].conversation_id}`)).status).toBe(404);
    expect((await as(ALICE, "GET", `/api/v1/conversations/${done.sub_agents[0].conversation_id}`)).status).toBe(200);
  });
});
