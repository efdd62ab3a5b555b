// Tasks through the real server and the scripted upstream: background lifecycle and cancel, execute-sync (plain,
// continuous with task_completed, time limit), the task stream's event order, restart recovery, errors.
import { beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { get, openaiEnv, post, startChatApp, until, useChatApp, type Event } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started));
beforeEach(() => up.reset());

const taskStatus = async (id: string) => (await get(app, `/api/v1/tasks/${id}`)).body;
const waitForStatus = (id: string, statuses: string[], timeoutMs = 5000) =>
  until(async () => {
    const t = await taskStatus(id);
    return statuses.includes(t.status) ? t : undefined;
  }, timeoutMs, `task ${id} to reach ${statuses.join("/")}`);

describe("background tasks", () => {
  test("execute returns at once; the task runs through the engine and its result is readable", async () => {
    up.script({ delayMs: 300, text: "Documentation generated." });
    const started = Date.now();
    const res = await post(app, "/api/v1/tasks/execute", { name: "Generate API documentation", description: "Create OpenAPI documentation for all endpoints", continuous: false, time_limit: 30 });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(250);
    expect(res.body).toMatchObject({ status: "started", name: "Generate API documentation" });
    const id = res.body.task_id;
    expect(["pending", "running"]).toContain(res.body.task.status);

    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done).toMatchObject({ id, task_id: id, status: "completed", response: "Documentation generated.", continuous: false, time_limit: 30, turns: 1, iterations: 1, error: null });
    expect(done.execution_time).toBeGreaterThan(0.25);
    expect(done.usage.total_tokens).toBeGreaterThan(0);
    // The model got the task's name and description.
    expect(up.requests[0]!.lastUserText).toContain("Generate API documentation");
    expect(up.requests[0]!.lastUserText).toContain("Create OpenAPI documentation for all endpoints");
    // The task's conversation holds the transcript.
    const conv = await get(app, `/api/v1/conversations/${done.conversation_id}`);
    expect(conv.body.messages.map((m: any) => m.role)).toEqual(["user", "assistant"]);

    const list = await get(app, "/api/v1/tasks");
    expect(list.body.tasks[0].id).toBe(id);
    expect((await get(app, "/api/v1/tasks?status=completed")).body.tasks.some((t: any) => t.id === id)).toBe(true);
    expect((await get(app, "/api/v1/tasks?status=running")).body.tasks.some((t: any) => t.id === id)).toBe(false);
  });

  test("cancel stops a running task (and its upstream call) and marks it cancelled", async () => {
    up.script({ hang: true });
    const res = await post(app, "/api/v1/tasks/execute", { name: "Never finishes", description: "waits forever" });
    const id = res.body.task_id;
    await waitForStatus(id, ["running"]);
    await until(() => up.requests.length === 1, 2000, "the upstream call");
    const cancelled = await post(app, `/api/v1/tasks/${id}/cancel`, undefined);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", task_id: id, cancelled: true });
    expect(cancelled.body.task.finished_at).not.toBeNull();
    expect((await taskStatus(id)).status).toBe("cancelled");

    // Cancelling again changes nothing.
    const again = await post(app, `/api/v1/tasks/${id}/cancel`, undefined);
    expect(again.body).toMatchObject({ status: "cancelled", cancelled: false });
  });

  test("at most 32 tasks run at once; the next is refused with 429 until one ends", async () => {
    up.script({ times: 40, hang: true });
    const ids: string[] = [];
    for (let i = 0; i < 32; i++) {
      const res = await post(app, "/api/v1/tasks/execute", { name: `parallel ${i}` });
      expect(res.status).toBe(200);
      ids.push(res.body.task_id);
    }
    const refused = await post(app, "/api/v1/tasks/execute", { name: "one too many" });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("RATE_LIMITED");
    await post(app, `/api/v1/tasks/${ids[0]}/cancel`, undefined);
    const accepted = await post(app, "/api/v1/tasks/execute", { name: "now there is room" });
    expect(accepted.status).toBe(200);
    await Promise.all([...ids.slice(1), accepted.body.task_id].map((id) => post(app, `/api/v1/tasks/${id}/cancel`, undefined)));
    expect(app.core.tasks.runningCount).toBe(0);
  });

  test("unknown ids are 404; bad input is a validation error", async () => {
    expect((await get(app, "/api/v1/tasks/nope")).status).toBe(404);
    expect((await post(app, "/api/v1/tasks/nope/cancel", undefined)).status).toBe(404);
    const noProject = await post(app, "/api/v1/tasks/execute", { name: "x", project_id: "nope" });
    expect(noProject.status).toBe(404);
    expect(noProject.body.error.code).toBe("NOT_FOUND");
    for (const body of [{ description: "no name" }, { name: "x", time_limit: 0 }, { name: "x", time_limit: "soon" }, { name: "" }]) {
      const res = await post(app, "/api/v1/tasks/execute", body);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("VALIDATION_ERROR");
    }
    expect(up.requests).toHaveLength(0);
  });
});

describe("execute-sync", () => {
  test("runs to completion with the documented response, including the tools' action results", async () => {
    up.script({ toolCalls: [{ name: "write_file", arguments: { path: "api/users.py", content: "# users\n" } }] }, { text: "I've created a REST API endpoint for user management." });
    const res = await post(app, "/api/v1/tasks/execute-sync", { name: "Create API endpoint", description: "Create a REST API endpoint for user management", continuous: false, time_limit: 5 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "completed",
      response: "I've created a REST API endpoint for user management.",
      iterations: 2,
      task_metadata: { name: "Create API endpoint", continuous: false, time_limit: 5, turns: 1 },
    });
    expect(typeof res.body.execution_time).toBe("number");
    expect(res.body.action_results).toHaveLength(1);
    expect(res.body.action_results[0]).toMatchObject({ action: "write_file", status: "completed" });
    expect(readFileSync(join(app.projectRoot, "api/users.py"), "utf8")).toBe("# users\n");
  });

  test("a continuous task takes turns until the model calls task_completed", async () => {
    up.script(
      { text: "Step one done." },
      { toolCalls: [{ name: "task_completed", arguments: { summary: "All three steps are done." } }] },
      { text: "Everything is finished." },
    );
    const res = await post(app, "/api/v1/tasks/execute-sync", { name: "Three steps", description: "Do three steps", continuous: true, time_limit: 1 });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("completed");
    expect(res.body.task_metadata.turns).toBe(2);
    expect(res.body.iterations).toBe(3);
    expect(res.body.response).toBe("Everything is finished.");
    expect(res.body.action_results.map((a: any) => [a.action, a.status])).toEqual([["task_completed", "completed"]]);
    // The task_completed tool was offered, and the second turn asked the model to continue.
    expect(up.requests[0]!.body.tools.map((t: any) => t.function.name)).toContain("task_completed");
    expect(up.requests[1]!.lastUserText).toContain("Continue working on the task");
    // One conversation holds every turn.
    const conv = await get(app, `/api/v1/conversations/${res.body.task_metadata.conversation_id}`);
    expect(conv.body.messages.filter((m: any) => m.role === "user")).toHaveLength(2);
  });

  test("the time limit bounds a continuous task that never completes", async () => {
    up.script({ times: 1000, delayMs: 100, text: "Still working…" });
    const started = Date.now();
    const res = await post(app, "/api/v1/tasks/execute-sync", { name: "Endless", continuous: true, time_limit: 0.01 }); // 0.6 s
    const elapsed = (Date.now() - started) / 1000;
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("timeout");
    expect(res.body.error).toContain("time limit");
    expect(res.body.execution_time).toBeGreaterThanOrEqual(0.55);
    expect(elapsed).toBeLessThan(2);
    expect(res.body.task_metadata.turns).toBeGreaterThanOrEqual(2);
    const stored = await taskStatus(res.body.task_id);
    expect(stored.status).toBe("timeout");
    expect(stored.response).toBe("Still working…");
  });

  test("an upstream failure before any work answers with that error and the task id", async () => {
    up.script({ times: 5, error: { status: 500 } });
    const res = await post(app, "/api/v1/tasks/execute-sync", { name: "Doomed" });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("UPSTREAM_ERROR");
    const task = await taskStatus(res.body.error.details.task_id);
    expect(task.status).toBe("failed");
    expect(task.error).toBeTruthy();
  });
});

describe("WS /api/v1/tasks/stream", () => {
  class TaskSocket {
    events: Event[] = [];
    ws: WebSocket;
    opened: Promise<void>;
    constructor(url: string) {
      this.ws = new WebSocket(url);
      this.ws.onmessage = (m) => this.events.push(JSON.parse(String(m.data)));
      this.opened = new Promise((resolve) => (this.ws.onopen = () => resolve()));
    }
    async next(name: string, timeoutMs = 5000): Promise<Event> {
      return (await until(() => this.events.find((e) => e.event === name), timeoutMs, `"${name}" event`))!;
    }
  }

  test("start, progress, action, progress, complete — in that order", async () => {
    up.script({ toolCalls: [{ name: "list_files", arguments: {} }] }, { text: "Listed everything." });
    const socket = new TaskSocket(app.wsUrl("/api/v1/tasks/stream"));
    await socket.opened;
    socket.ws.send(JSON.stringify({ name: "List files", description: "List the project files", continuous: false, time_limit: 1 }));
    const complete = await socket.next("complete");
    expect(socket.events.map((e) => e.event)).toEqual(["start", "progress", "action", "progress", "complete"]);
    const [start, p1, action, p2] = socket.events;
    expect(start!.data).toMatchObject({ name: "List files", continuous: false, time_limit: 1, status: "running" });
    const id = start!.data.task_id;
    expect(p1!.data).toMatchObject({ task_id: id, turn: 1, iteration: 1 });
    expect(p2!.data).toMatchObject({ task_id: id, turn: 1, iteration: 2 });
    expect(action!.data).toMatchObject({ task_id: id, action: "list_files", status: "completed" });
    expect(complete.data).toMatchObject({ task_id: id, status: "completed", response: "Listed everything.", iterations: 2 });
    expect((await taskStatus(id)).status).toBe("completed");
    socket.ws.close();
  });

  test("bad frames get an error event; stop cancels; closing the socket does not (the task belongs to the server)", async () => {
    const socket = new TaskSocket(app.wsUrl("/api/v1/tasks/stream"));
    await socket.opened;
    socket.ws.send("not json");
    socket.ws.send(JSON.stringify({ description: "no name" }));
    await until(() => socket.events.length === 2, 2000, "two errors");
    expect(socket.events.map((e) => [e.event, e.data.code])).toEqual([
      ["error", "BAD_REQUEST"],
      ["error", "VALIDATION_ERROR"],
    ]);

    up.script({ hang: true }, { hang: true });
    socket.ws.send(JSON.stringify({ name: "Stop me" }));
    const start = await socket.next("start");
    socket.ws.send(JSON.stringify({ type: "stop" }));
    const complete = await socket.next("complete");
    expect(complete.data).toMatchObject({ task_id: start.data.task_id, status: "cancelled" });

    socket.ws.send(JSON.stringify({ name: "Close me" }));
    await until(() => socket.events.filter((e) => e.event === "start").length === 2, 2000, "second start");
    const second = socket.events.filter((e) => e.event === "start")[1]!.data.task_id;
    await waitForStatus(second, ["running"]);
    socket.ws.close();
    await Bun.sleep(300);
    expect((await taskStatus(second)).status).toBe("running");
    // It is followed again after the last event the socket saw, and cancelled explicitly.
    const lastSeen = Math.max(...socket.events.map((e: any) => e.id ?? 0));
    const again = new TaskSocket(app.wsUrl(`/api/v1/tasks/stream?task_id=${second}&since=${lastSeen}`));
    await again.opened;
    again.ws.send(JSON.stringify({ type: "stop" }));
    const cancelled = await again.next("complete");
    expect(cancelled.data).toMatchObject({ task_id: second, status: "cancelled" });
    expect(again.events.map((e) => e.event)).toEqual(["complete"]);
    again.ws.close();
  });

  test("a failing task ends with an error event", async () => {
    up.script({ times: 5, error: { status: 500 } });
    const socket = new TaskSocket(app.wsUrl("/api/v1/tasks/stream"));
    await socket.opened;
    socket.ws.send(JSON.stringify({ name: "Fails" }));
    const error = await socket.next("error");
    expect(error.data).toMatchObject({ status: "failed", code: "UPSTREAM_ERROR" });
    expect(socket.events.map((e) => e.event)).toEqual(["start", "progress", "error"]);
    socket.ws.close();
  });
});

describe("task stream heartbeat", () => {
  test("a client that never answers pings is dropped (its task runs on); a live client stays", async () => {
    const fast = await startChatApp(up, "openai", { env: { PENGUIN_WS_HEARTBEAT_MS: "100" } });
    try {
      up.script({ hang: true }, { hang: true });
      // A live client (Bun's WebSocket answers pings) keeps its socket well past two heartbeats.
      const live = new WebSocket(fast.wsUrl("/api/v1/tasks/stream"));
      let liveClosed = false;
      live.onclose = () => (liveClosed = true);
      await new Promise((resolve) => (live.onopen = resolve));

      // A raw client: a hand-made handshake and one masked frame, then silence (no pongs).
      const url = new URL(fast.wsUrl("/api/v1/tasks/stream"));
      let received = "";
      let dropped = false;
      const socket = await Bun.connect({
        hostname: url.hostname,
        port: Number(url.port),
        socket: { data: (_s, chunk) => void (received += chunk.toString("latin1")), close: () => void (dropped = true) },
      });
      socket.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
      await until(() => received.includes("101"), 2000, "the upgrade");
      const payload = Buffer.from(JSON.stringify({ name: "Silent client" }));
      const mask = Buffer.from([1, 2, 3, 4]);
      const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
      socket.write(frame);
      const task = (await until(() => fast.core.tasks.list().tasks.find((t) => t.name === "Silent client"), 2000, "the task"))!;
      await until(() => dropped, 3000, "the silent client to be dropped");
      expect(fast.core.tasks.get(task.id).status).toBe("running");
      expect(liveClosed).toBe(false);
      expect((await fast.core.tasks.cancel(task.id)).status).toBe("cancelled");
      socket.end();
      live.close();
    } finally {
      await fast.close();
    }
  });
});

describe("WS /api/v1/tasks/{task_id}", () => {
  const collect = (url: string) => {
    const events: Event[] = [];
    const ws = new WebSocket(url);
    const closed = new Promise<number>((resolve) => (ws.onclose = (e) => resolve(e.code)));
    ws.onmessage = (m) => events.push(JSON.parse(String(m.data)));
    return { events, closed };
  };

  test("follows a background task: snapshot, its events, then close when it ends", async () => {
    up.script({ delayMs: 200, toolCalls: [{ name: "list_files", arguments: {} }] }, { text: "Watched." });
    const res = await post(app, "/api/v1/tasks/execute", { name: "Watch me" });
    const id = res.body.task_id;
    const watch = collect(app.wsUrl(`/api/v1/tasks/${id}`));
    expect(await watch.closed).toBe(1000);
    const names = watch.events.map((e) => e.event);
    expect(names[0]).toBe("snapshot");
    expect(watch.events[0]!.data).toMatchObject({ id, name: "Watch me" });
    // The first progress may come before the socket opens; the upstream's delay guarantees the rest come after.
    expect(names.slice(-3)).toEqual(["action", "progress", "complete"]);
    expect(watch.events.at(-1)!.data).toMatchObject({ task_id: id, status: "completed", response: "Watched." });
  });

  test("a finished task sends its snapshot and closes; an unknown id gets an error and 4404", async () => {
    up.script({ text: "quick" });
    const done = await post(app, "/api/v1/tasks/execute-sync", { name: "Already done" });
    const finished = collect(app.wsUrl(`/api/v1/tasks/${done.body.task_id}`));
    expect(await finished.closed).toBe(1000);
    expect(finished.events).toHaveLength(1);
    expect(finished.events[0]!.data.status).toBe("completed");

    const unknown = collect(app.wsUrl("/api/v1/tasks/no-such-task"));
    expect(await unknown.closed).toBe(4404);
    expect(unknown.events[0]).toMatchObject({ event: "error", data: { code: "NOT_FOUND" } });
  });
});

describe("restart", () => {
  test("a graceful stop marks running tasks interrupted; a crash leaves them to the next start, which does the same", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "penguin-task-restart-"));
    try {
      const first = await startTestApp({ env: { ...openaiEnv(up), PENGUIN_WORKSPACE: workspace } });
      up.script({ hang: true });
      const res = await post(first, "/api/v1/tasks/execute", { name: "Long job", continuous: true, time_limit: 60 });
      const id = res.body.task_id;
      await until(async () => (await get(first, `/api/v1/tasks/${id}`)).body.status === "running", 3000, "running");
      await first.stop();

      const db = new Database(join(workspace, "penguin.db"));
      const graceful = db.query("SELECT status, error FROM tasks WHERE id = ?").get(id) as { status: string; error: string };
      expect(graceful).toEqual({ status: "interrupted", error: "the server stopped while this task was running" });
      // A crash: a row left "running" by a process that died.
      db.query("UPDATE tasks SET status = 'running', error = NULL, finished_at = NULL WHERE id = ?").run(id);
      db.close();

      const second = await startTestApp({ env: { ...openaiEnv(up), PENGUIN_WORKSPACE: workspace } });
      try {
        const task = (await get(second, `/api/v1/tasks/${id}`)).body;
        expect(task.status).toBe("interrupted");
        expect(task.error).toContain("server stopped");
        expect(task.finished_at).not.toBeNull();
      } finally {
        await second.close();
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe("without a model", () => {
  test("execute-sync answers 503 saying what to set; execute starts and the task fails with that reason", async () => {
    const bare = await startTestApp();
    try {
      const sync = await post(bare, "/api/v1/tasks/execute-sync", { name: "No model" });
      expect(sync.status).toBe(503);
      expect(sync.body.error.code).toBe("SERVICE_UNAVAILABLE");
      const bg = await post(bare, "/api/v1/tasks/execute", { name: "No model either" });
      expect(bg.status).toBe(200);
      const task = await until(async () => {
        const t = (await get(bare, `/api/v1/tasks/${bg.body.task_id}`)).body;
        return t.status === "failed" ? t : undefined;
      });
      expect(task.error).toBe(sync.body.error.message);
    } finally {
      await bare.close();
    }
  });
});
