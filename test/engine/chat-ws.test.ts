// WS /api/v1/chat/stream: event shapes and order, coalescing, many messages per socket, stop, close, bad frames,
// approval forwarding, slow clients.
import { beforeEach, describe, expect, test } from "bun:test";
import { ChatSocket, get, until, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), { env: { PENGUIN_WS_HEARTBEAT_MS: "200" } });
beforeEach(() => up.reset());

describe("WS /api/v1/chat/stream", () => {
  test("one turn: start, progress, tokens, reasoning, complete — exactly {event, data, id}, ids increasing", async () => {
    up.script({ reasoning: "Analyzing code structure...", text: "Complete response text for you." });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "Explain this code", include_reasoning: true, max_iterations: 5 });
    const complete = await ws.next("complete");
    const events = ws.turn(1);
    for (const e of events) expect(Object.keys(e).sort()).toEqual(["data", "event", "id"]);
    const ids = events.map((e: any) => e.id as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(events[0]!.event).toBe("start");
    expect(events[0]!.data.conversation_id).toBeString();
    expect(events[0]!.data.turn_id).toBeString();
    expect(events[1] as unknown).toEqual({ event: "progress", data: { iteration: 1, max_iterations: 5 }, id: ids[1] });
    const reasoning = events.filter((e) => e.event === "reasoning").map((e) => e.data.token).join("");
    expect(reasoning).toBe("Analyzing code structure...");
    expect(ws.tokens(1)).toBe("Complete response text for you.");
    expect(complete.data.response).toBe("Complete response text for you.");
    expect(complete.data.reasoning).toBe("Analyzing code structure...");
    expect(complete.data.action_results).toEqual([]);
    expect(complete.data.conversation_id).toBe(events[0]!.data.conversation_id);
    expect(complete.data.usage.total_tokens).toBeGreaterThan(0);
    expect(events.at(-1)!.event).toBe("complete");
    ws.close();
  });

  test("reasoning events only when include_reasoning is true", async () => {
    up.script({ reasoning: "secret chain of thought", text: "answer" });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "no reasoning please" });
    const complete = await ws.next("complete");
    expect(ws.events.some((e) => e.event === "reasoning")).toBe(false);
    expect(complete.data.reasoning).toBe("");
    ws.close();
  });

  test("tokens are coalesced: a burst of 1-character deltas arrives in chunks of 5+ characters", async () => {
    const text = "The quick brown fox jumps over the lazy dog, again and again.";
    up.script({ text, chunkSize: 1 });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "burst" });
    await ws.next("complete");
    const tokens = ws.turn(1).filter((e) => e.event === "token").map((e) => e.data.token as string);
    expect(tokens.join("")).toBe(text);
    expect(tokens.length).toBeLessThan(text.length / 3);
    // All but the first (sent at once) and the last (flushed at the end) hold at least 5 characters.
    for (const t of tokens.slice(1, -1)) expect(t.length).toBeGreaterThanOrEqual(5);
    ws.close();
  });

  test("a slow trickle is flushed after 100 ms even below 5 characters", async () => {
    up.script({ text: "abcdef", chunkSize: 1, chunkDelayMs: 120 });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "trickle" });
    await ws.next("complete");
    const tokens = ws.turn(1).filter((e) => e.event === "token").map((e) => e.data.token as string);
    expect(tokens.join("")).toBe("abcdef");
    // One character per 120 ms: each is flushed by the 100 ms timer rather than waiting for 5.
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    ws.close();
  });

  test("many messages over one socket run in order", async () => {
    up.script({ key: "[one]", text: "first reply", chunkDelayMs: 20 }, { key: "[two]", text: "second reply" });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "[one]", conversation_id: "ws-order" });
    ws.send({ text: "[two]", conversation_id: "ws-order" });
    await ws.next("complete", 2);
    const names = ws.events.map((e) => e.event).filter((n) => n === "start" || n === "complete");
    expect(names).toEqual(["start", "complete", "start", "complete"]);
    expect(ws.tokens(1)).toBe("first reply");
    expect(ws.tokens(2)).toBe("second reply");
    ws.close();
  });

  test('{"type":"stop"} cancels the running turn; the socket stays usable', async () => {
    up.script({ key: "[slow]", text: "this is a slow answer that will be stopped midway through", chunkDelayMs: 40 }, { key: "[after]", text: "still here" });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "[slow]", conversation_id: "ws-stop" });
    await ws.next("token", 2);
    ws.send({ type: "stop" });
    const complete = await ws.next("complete");
    expect(complete.data.interrupted).toBe(true);
    expect(complete.data.response.length).toBeGreaterThan(0);
    expect(complete.data.response.length).toBeLessThan(40);
    const conv = await get(app, "/api/v1/conversations/ws-stop");
    const assistant = conv.body.messages.find((m: any) => m.role === "assistant");
    expect(assistant.status).toBe("interrupted");
    expect(assistant.content).toBe(complete.data.response);

    ws.send({ text: "[after]", conversation_id: "ws-stop" });
    const second = await ws.next("complete", 2);
    expect(second.data.response).toBe("still here");
    ws.close();
  });

  test("closing the socket does not cancel its turn: the answer is completed and kept", async () => {
    up.script({ text: "a slow answer for a client that leaves early, very slow", chunkDelayMs: 40 });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "bye", conversation_id: "ws-close" });
    await ws.next("token", 2);
    ws.close();
    await until(() => app.core.engine.activeTurns === 0, 5000, "the turn to finish");
    const conv = await get(app, "/api/v1/conversations/ws-close");
    const answer = conv.body.messages.find((m: any) => m.role === "assistant");
    expect(answer.status).toBe("complete");
    expect(answer.content).toBe("a slow answer for a client that leaves early, very slow");
  });

  test("invalid frames get an error event and the socket stays open", async () => {
    up.script({ text: "fine" });
    const ws = await ChatSocket.open(app);
    ws.send("this is not json");
    const notJson = await ws.next("error");
    expect(notJson.data.message).toContain("JSON");
    ws.send({ conversation_id: "no text here" });
    const invalid = await ws.next("error", 2);
    expect(invalid.data.code).toBe("VALIDATION_ERROR");
    expect(invalid.data.message).toContain("text");
    ws.send({ text: "x", max_iterations: "lots" });
    const badType = await ws.next("error", 3);
    expect(badType.data.message).toContain("max_iterations");
    ws.send({ text: "now a good one" });
    const complete = await ws.next("complete");
    expect(complete.data.response).toBe("fine");
    expect(ws.closed).toBe(false);
    ws.close();
  });

  test("a refused message (bad session directory) gets an error event with its code", async () => {
    const ws = await ChatSocket.open(app);
    ws.send({ text: "x", session_id: "ws-bad-dir", directory: "/definitely/not/here" });
    const error = await ws.next("error");
    expect(error.data.code).toBe("BAD_REQUEST");
    expect(ws.events.some((e) => e.event === "start")).toBe(false);
    ws.close();
  });

  test("an upstream failure mid-turn is an error event", async () => {
    up.script({ times: 10, error: { status: 500 } });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "fail" });
    const error = await ws.next("error");
    expect(error.data.code).toBe("UPSTREAM_ERROR");
    expect(ws.events[0]!.event).toBe("start");
    ws.close();
  });

  test("approval prompts raised for this turn are forwarded; other turns' are not", async () => {
    up.script({ text: "waiting for a human decision, slowly", chunkDelayMs: 15 });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "needs approval" });
    const start = await ws.next("start");
    const scope = { turn_id: start.data.turn_id, conversation_id: start.data.conversation_id, session_id: start.data.session_id };
    const prompt = { request_id: "apr_xyz789", tool_name: "bash", operation: "process.execute", resource: "rm -rf ./build", reason: "Destructive command requires approval", expires_at: "2030-01-01T12:05:00Z" };
    app.core.bus.publish("approval.required", { ...scope, ...prompt, turn_id: "someone-else" });
    app.core.bus.publish("approval.required", { ...scope, ...prompt });
    app.core.bus.publish("approval.resolved", { ...scope, request_id: "apr_xyz789", status: "approved", scope: "session" });
    const required = await ws.next("approval_required");
    expect(required.data).toEqual(prompt);
    const resolved = await ws.next("approval_resolved");
    expect(resolved.data).toEqual({ request_id: "apr_xyz789", status: "approved", scope: "session" });
    expect(ws.events.filter((e) => e.event === "approval_required").length).toBe(1);
    await ws.next("complete");
    ws.close();
  });

  test("every turn event is also published on the bus as turn.event", async () => {
    up.script({ text: "bus copy" });
    const seen: string[] = [];
    const off = app.core.bus.subscribe((e) => seen.push((e.data as any).event.event), ["turn.event"]);
    const ws = await ChatSocket.open(app);
    ws.send({ text: "publish" });
    await ws.next("complete");
    off();
    expect(seen).toEqual(ws.events.map((e) => e.event));
    ws.close();
  });

  test("heartbeat: the server pings, and closes a client that never answers", async () => {
    // A raw TCP client: it completes the upgrade, then ignores everything (no pong, no reads acted upon).
    const url = new URL(app.wsUrl("/api/v1/chat/stream"));
    const frames: number[] = [];
    let closed = false;
    let handshake = "";
    await Bun.connect({
      hostname: url.hostname,
      port: Number(url.port),
      socket: {
        open(socket) {
          socket.write(
            `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
          );
        },
        data(_socket, data) {
          if (!handshake.includes("\r\n\r\n")) {
            handshake += data.toString("latin1");
            return;
          }
          frames.push(data[0]!);
        },
        close() {
          closed = true;
        },
      },
    });
    await until(() => handshake.includes("\r\n\r\n"), 2000, "the upgrade");
    expect(handshake).toStartWith("HTTP/1.1 101");
    await until(() => closed || frames.includes(0x88), 3000, "the server to give up on the silent client");
    expect(frames).toContain(0x89); // it was pinged first
  });

  test("connections without a key are refused", async () => {
    const ws = new WebSocket(app.wsUrl("/api/v1/chat/stream", "wrong-key"));
    const outcome = await new Promise<string>((resolve) => {
      ws.onopen = () => resolve("open");
      ws.onerror = () => resolve("error");
      ws.onclose = () => resolve("closed");
    });
    expect(outcome).not.toBe("open");
  });
});
