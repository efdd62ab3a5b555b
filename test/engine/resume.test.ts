// Turns belong to the server, and every stream resumes: a chat socket that closes (a reload, a dropped connection)
// leaves its turn and its pending approval running; the client finds the turn again by conversation and resumes the
// stream with `since` — the chat WebSocket, the SSE stream with Last-Event-ID — without a gap or a duplicate at the
// seam. Stopping stays explicit ({"type":"stop"}, or the REST stop route).
import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChatSocket, get, parseSse, post, until, useChatApp, type Event } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), { configure: (c) => void (c.permissions.approvalTimeoutSeconds = 60) });
beforeEach(() => up.reset());

type Frame = Event & { id?: number };

/** A chat socket at a URL with a query (resume); resolves once open. */
async function openAt(path: string, token?: string): Promise<ChatSocket> {
  const socket = new ChatSocket(app.wsUrl(path, token));
  await until(() => socket.ws.readyState === WebSocket.OPEN || socket.closed, 3000, "the socket to open");
  return socket;
}

const idsOf = (frames: Frame[]) => frames.map((f) => f.id).filter((id): id is number => typeof id === "number");
const tokensOf = (frames: Frame[]) =>
  frames
    .filter((f) => f.event === "token")
    .map((f) => f.data.token)
    .join("");

const ANSWER = "a slow answer, streamed in small pieces, that outlives the socket which asked for it";

describe("a turn outlives its chat socket", () => {
  test("closing mid-answer does not stop the turn; resuming with turn_id and since gives the rest exactly once", async () => {
    up.script({ text: ANSWER, chunkDelayMs: 25 });
    const first = await ChatSocket.open(app);
    first.send({ text: "tell me slowly", conversation_id: "resume-ws" });
    await first.next("token", 3);
    const seen = first.events as Frame[];
    const turnId = seen.find((e) => e.event === "start")!.data.turn_id;
    first.close();
    await until(() => first.closed, 2000, "the first socket to close");
    const lastSeen = Math.max(...idsOf(seen));

    // The turn is still running, and the page finds it by its conversation.
    const running = await get(app, "/api/v1/chat/turns?conversation_id=resume-ws");
    expect(running.status).toBe(200);
    expect(running.body.turns).toEqual([
      { turn_id: turnId, conversation_id: "resume-ws", session_id: expect.any(String), agent_id: "default", since: expect.any(Number), started_at: expect.any(String) },
    ]);
    expect(running.body.last_event_id).toBeGreaterThanOrEqual(lastSeen);

    const again = await openAt(`/api/v1/chat/stream?turn_id=${turnId}&since=${lastSeen}`);
    const complete = await again.next("complete", 1, 10_000);
    const resumed = again.events as Frame[];
    // Nothing twice, nothing missing: the two halves make the whole answer, ids strictly increasing across the seam.
    expect(resumed[0]!.id!).toBeGreaterThan(lastSeen);
    const ids = [...idsOf(seen), ...idsOf(resumed)];
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(tokensOf(seen) + tokensOf(resumed)).toBe(ANSWER);
    expect(complete.data.response).toBe(ANSWER);
    expect(complete.data.interrupted).toBeUndefined();

    const stored = await get(app, "/api/v1/conversations/resume-ws");
    expect(stored.body.messages.find((m: any) => m.role === "assistant")).toMatchObject({ status: "complete", content: ANSWER });
    expect((await get(app, "/api/v1/chat/turns?conversation_id=resume-ws")).body.turns).toEqual([]);
    again.close();
  });

  test("a reload while an approval waits: the approval stays pending, the page reattaches by conversation, sees it, and answers it", async () => {
    mkdirSync(join(app.projectRoot, "dist"), { recursive: true });
    writeFileSync(join(app.projectRoot, "dist", "bundle.js"), "built");
    up.script({ key: "[reload]", toolCalls: [{ id: "call_reload", name: "execute_command", arguments: { command: "rm -rf dist" } }] }, { key: "[reload]", text: "The dist folder is gone." });
    const page = await ChatSocket.open(app);
    page.send({ text: "clean dist [reload]", conversation_id: "resume-approval" });
    const required = await page.next("approval_required");
    page.close(); // the reload
    await until(() => page.closed, 2000, "the old page's socket to close");
    await Bun.sleep(200);

    const pending = (await get(app, "/api/v1/approvals")).body.pending;
    expect(pending.map((p: any) => p.id)).toContain(required.data.request_id);
    expect(existsSync(join(app.projectRoot, "dist"))).toBe(true);

    // The new page: the conversation's running turn, replayed from its start.
    const reloaded = await openAt("/api/v1/chat/stream?conversation_id=resume-approval");
    const replayed = await reloaded.next("approval_required");
    expect(replayed.data).toEqual(required.data);
    expect(reloaded.events.map((e) => e.event).slice(0, 3)).toEqual(["start", "progress", "tool_start"]);

    const approved = await post(app, `/api/v1/approvals/${required.data.request_id}/approve`, { scope: "once" });
    expect(approved.status).toBe(200);
    await reloaded.next("approval_resolved");
    const complete = await reloaded.next("complete", 1, 10_000);
    expect(complete.data.response).toBe("The dist folder is gone.");
    expect(existsSync(join(app.projectRoot, "dist"))).toBe(false);
    reloaded.close();
  });

  test('an open socket reattaches with {"type":"resume"}; {"type":"stop"} then stops the resumed turn', async () => {
    up.script({ text: "x".repeat(400), chunkDelayMs: 20 });
    const starter = await ChatSocket.open(app);
    starter.send({ text: "go on and on", conversation_id: "resume-frame" });
    await starter.next("token", 2);
    starter.close();

    const other = await ChatSocket.open(app);
    other.send({ type: "resume", conversation_id: "resume-frame" });
    await other.next("token", 2);
    other.send({ type: "stop" });
    const complete = await other.next("complete", 1, 5000);
    expect(complete.data.interrupted).toBe(true);
    expect(other.events[0]!.event).toBe("start");
    other.close();
  });

  test("the stop route stops a running turn; unknown or ended turns are 404", async () => {
    up.script({ text: "y".repeat(400), chunkDelayMs: 20 });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "long", conversation_id: "stop-route" });
    const start = await ws.next("start");
    await ws.next("token");
    const turnId = start.data.turn_id;
    expect((await get(app, `/api/v1/chat/turns/${turnId}`)).body).toMatchObject({ turn_id: turnId, conversation_id: "stop-route" });
    const stopped = await post(app, `/api/v1/chat/turns/${turnId}/stop`, {});
    expect(stopped.body).toEqual({ stopped: true, turn_id: turnId });
    const complete = await ws.next("complete");
    expect(complete.data.interrupted).toBe(true);
    await until(async () => (await get(app, `/api/v1/chat/turns/${turnId}`)).status === 404, 2000, "the turn to end");
    expect((await post(app, `/api/v1/chat/turns/${turnId}/stop`, {})).status).toBe(404);
    expect((await post(app, "/api/v1/chat/turns/no-such-turn/stop", {})).status).toBe(404);
    ws.close();
  });

  test("resuming a finished turn after an id replays to its end; nothing to resume is an error frame", async () => {
    up.script({ text: "short and done" });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "quick", conversation_id: "resume-done" });
    await ws.next("complete");
    const start = ws.events.find((e) => e.event === "start") as Frame;
    ws.close();

    const later = await openAt(`/api/v1/chat/stream?since=${start.id}`);
    const complete = await later.next("complete");
    expect(complete.data.response).toBe("short and done");
    expect(later.events[0]!.event).toBe("progress");
    later.close();

    const nothing = await openAt("/api/v1/chat/stream?conversation_id=resume-done");
    const error = await nothing.next("error");
    expect(error.data.code).toBe("NOT_FOUND");
    nothing.close();
  });
});

describe("SSE resumes with Last-Event-ID", () => {
  test("a reader that leaves mid-answer resumes with GET and Last-Event-ID; the halves make the whole answer", async () => {
    up.script({ text: ANSWER, chunkDelayMs: 25 });
    const controller = new AbortController();
    const res = await app.request("/v1/chat/stream", { method: "POST", json: { message: "stream it", conversation_id: "sse-resume" }, signal: controller.signal });
    expect(res.headers.get("x-turn-id")).toBeString();
    expect(res.headers.get("x-conversation-id")).toBe("sse-resume");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while ((text.match(/event: message/g) ?? []).length < 3) text += decoder.decode((await reader.read()).value, { stream: true });
    controller.abort();
    const blocks = text.split("\n\n").filter((b) => b.includes("event: message"));
    const firstHalf = blocks.map((b) => JSON.parse(/^data: (.*)$/m.exec(b)![1]!).delta).join("");
    const lastId = Number(/^id: (\d+)$/m.exec(blocks.at(-1)!)![1]);

    const resumed = await app.request("/v1/chat/stream", { headers: { "last-event-id": String(lastId) } });
    expect(resumed.status).toBe(200);
    const rest = await resumed.text();
    const events = parseSse(rest);
    expect(events.at(-1)!.event).toBe("done");
    const ids = [...rest.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids[0]!).toBeGreaterThan(lastId);
    expect(firstHalf + events.filter((e) => e.event === "message").map((e) => e.data.delta).join("")).toBe(ANSWER);
  });

  test("the same POST sent again with Last-Event-ID (an EventSource reconnecting) resumes instead of asking again", async () => {
    up.script({ text: "only once, please", chunkDelayMs: 10 });
    const first = await post(app, "/v1/chat/stream", { message: "ask once", conversation_id: "sse-once" });
    const firstId = Number(/^id: (\d+)$/m.exec(first.text)![1]);
    const again = await app.request("/v1/chat/stream", { method: "POST", json: { message: "ask once", conversation_id: "sse-once" }, headers: { "last-event-id": String(firstId) } });
    const events = parseSse(await again.text());
    expect(events.at(-1)!.event).toBe("done");
    const history = await get(app, "/api/v1/conversations/sse-once");
    expect(history.body.messages.filter((m: any) => m.role === "user")).toHaveLength(1);
    expect(up.requests).toHaveLength(1);
  });

  test("resuming after an id that is not a turn's is a 404; no stream is left following the log", async () => {
    const res = await app.request("/v1/chat/stream?since=999999999");
    expect(res.status).toBe(404);
    // Every stream of the tests above has ended: none is still attached to the event log.
    await until(() => app.core.eventLog.followerCount === 0, 2000, "every feed to be closed");
  });
});

describe("task streams resume with since", () => {
  test("WS /api/v1/tasks/{id}?since= replays a finished task's events after that id, then closes", async () => {
    up.script({ toolCalls: [{ name: "list_files", arguments: {} }] }, { text: "Listed for the replay." });
    const done = await post(app, "/api/v1/tasks/execute-sync", { name: "Replay me" });
    expect(done.body.status).toBe("completed");
    const frames: Frame[] = [];
    const ws = new WebSocket(app.wsUrl(`/api/v1/tasks/${done.body.task_id}?since=0`));
    ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
    const code = await new Promise<number>((resolve) => (ws.onclose = (e) => resolve(e.code)));
    expect(code).toBe(1000);
    expect(frames.map((f) => f.event)).toEqual(["snapshot", "start", "progress", "action", "progress", "complete"]);
    const ids = idsOf(frames);
    expect(ids).toHaveLength(5);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    // After the second event: the rest only.
    const rest: Frame[] = [];
    const again = new WebSocket(app.wsUrl(`/api/v1/tasks/${done.body.task_id}?since=${ids[1]}`));
    again.onmessage = (m) => rest.push(JSON.parse(String(m.data)));
    await new Promise((resolve) => (again.onclose = resolve));
    expect(rest.map((f) => f.event)).toEqual(["snapshot", "action", "progress", "complete"]);
  });
});
