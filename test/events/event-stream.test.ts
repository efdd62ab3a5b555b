// WS /api/v1/events/ws (and its alias /api/v1/ws/messages): every event under its documented name, the filters
// (agent_id, message_type, channel, include_ui, include_bus), replay with since=<id>, a `user` key that sees only its
// own, and a consumer that stops reading: a bounded queue, then a gap notice naming where to resume.
import net from "node:net";
import { beforeEach, describe, expect, test } from "bun:test";
import { ChatSocket, post, until, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

type Frame = { id?: number; event: string; message_type?: string; timestamp?: string; data: any };

class EventSocket {
  readonly frames: Frame[] = [];
  readonly ws: WebSocket;
  closed = false;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.onmessage = (m) => this.frames.push(JSON.parse(String(m.data)));
    this.ws.onclose = () => void (this.closed = true);
  }

  /** Open and subscribed (the first frame says so). */
  static async open(app: TestApp, query = "", options: { path?: string; token?: string } = {}): Promise<EventSocket> {
    const socket = new EventSocket(app.wsUrl(`${options.path ?? "/api/v1/events/ws"}${query ? `?${query}` : ""}`, options.token));
    await until(() => socket.frames[0]?.event === "subscribed", 3000, "the subscribed frame");
    return socket;
  }

  /** Frames after `subscribed`. */
  get events(): Frame[] {
    return this.frames.slice(1);
  }

  names(): string[] {
    return this.events.map((f) => f.event);
  }

  async next(predicate: (f: Frame) => boolean, what: string, timeoutMs = 5000): Promise<Frame> {
    return (await until(() => this.events.find(predicate), timeoutMs, what))!;
  }

  close(): void {
    this.ws.close();
  }
}

const isAssistantMessage = (f: Frame) => f.event === "message" && f.data.role === "assistant";

describe("the event stream", () => {
  let up: Upstream;
  let app: TestApp;
  useChatApp("openai", (started) => ({ up, app } = started));
  beforeEach(() => up.reset());

  test("a chat turn in the documented names, each frame with its id, kind and time", async () => {
    const events = await EventSocket.open(app);
    up.script({ text: "Hello from the stream." });
    await post(app, "/api/v1/chat/message", { text: "say hello", conversation_id: "ev-hello" });
    await events.next(isAssistantMessage, "the assistant's message");
    const names = events.names();
    expect(names).toContain("turn_start");
    expect(names).toContain("progress");
    expect(names.indexOf("message")).toBeLessThan(names.indexOf("stream_chunk"));
    const user = events.events.find((f) => f.event === "message" && f.data.role === "user")!;
    expect(user).toMatchObject({ message_type: "message", data: { content: "say hello", conversation_id: "ev-hello", agent_id: "default" } });
    const chunks = events.events.filter((f) => f.event === "stream_chunk");
    expect(chunks.map((c) => c.data.chunk).join("")).toBe("Hello from the stream.");
    expect(chunks[0]!.data).toMatchObject({ is_reasoning: false, conversation_id: "ev-hello", turn_id: expect.any(String) });
    expect(events.events.find(isAssistantMessage)!.data).toMatchObject({ content: "Hello from the stream.", usage: { total_tokens: expect.any(Number) } });
    for (const f of events.events) {
      expect(Object.keys(f).sort()).toEqual(["data", "event", "id", "message_type", "timestamp"]);
      expect(["message", "action", "status"]).toContain(f.message_type!);
    }
    const ids = events.events.map((f) => f.id!);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    events.close();
  });

  test("filters: include_ui, include_bus, channel, message_type, agent_id; since replays on the alias", async () => {
    const before = (await EventSocket.open(app)).frames[0]!.data.last_event_id as number;
    const all = await EventSocket.open(app);
    const busOnly = await EventSocket.open(app, "include_ui=false");
    const uiOnly = await EventSocket.open(app, "include_bus=false");
    const ops = await EventSocket.open(app, "channel=ops");
    const actions = await EventSocket.open(app, "message_type=action");
    const elsewhere = await EventSocket.open(app, "agent_id=someone-else");
    const mine = await EventSocket.open(app, "agent_id=default&message_type=message");

    up.script({ toolCalls: [{ name: "list_files", arguments: {} }] }, { text: "Listed." });
    await post(app, "/api/v1/chat/message", { text: "list them", conversation_id: "ev-filters" });
    const sent = await post(app, "/api/v1/messages/to-human", { content: "Build finished", channel: "ops", sender: "default", message_type: "message" });
    expect(sent.status).toBeLessThan(300);
    await all.next((f) => f.event === "human_message", "the message to the human");
    await until(() => all.events.some(isAssistantMessage), 3000, "the answer");
    await Bun.sleep(100);

    expect(all.names()).toEqual(expect.arrayContaining(["turn_start", "tool_start", "tool_result", "stream_chunk", "message", "human_message"]));
    expect(busOnly.names()).toEqual(["human_message"]);
    expect(busOnly.events[0]!.data).toMatchObject({ sender: "default", recipient: "human", content: "Build finished", channel: "ops", message_type: "message" });
    expect(uiOnly.names()).not.toContain("human_message");
    expect(uiOnly.names()).toContain("stream_chunk");
    expect(ops.names()).toEqual(["human_message"]);
    expect(new Set(actions.names())).toEqual(new Set(["tool_start", "tool_result"]));
    expect(elsewhere.events).toEqual([]);
    expect(new Set(mine.names())).toEqual(new Set(["message", "stream_chunk", "human_message"]));

    // Everything after `before`, replayed from the log on the alias, is what the live socket got.
    const replay = await EventSocket.open(app, `since=${before}`, { path: "/api/v1/ws/messages" });
    await until(() => replay.events.length >= all.events.length, 3000, "the replay");
    expect(replay.events.map((f) => f.id)).toEqual(all.events.map((f) => f.id));
    expect(replay.events).toEqual(all.events);
    for (const s of [all, busOnly, uiOnly, ops, actions, elsewhere, mine, replay]) s.close();
  });
});

describe("a user key sees only its own events", () => {
  let up: Upstream;
  let app: TestApp;
  const KEYS = { admin: "admin-key-000", bob: "bob-key-00000", carol: "carol-key-000" };
  useChatApp("openai", (started) => ({ up, app } = started), { env: { PENGUIN_API_KEYS: `${KEYS.admin}:root:admin,${KEYS.bob}:bob:user,${KEYS.carol}:carol:user` } });

  test("bob's stream has bob's turn only; carol can neither see it nor resume it", async () => {
    const admin = await EventSocket.open(app, "", { token: KEYS.admin });
    const bob = await EventSocket.open(app, "", { token: KEYS.bob });
    const carol = await EventSocket.open(app, "", { token: KEYS.carol });
    up.script({ key: "[bob]", text: "for bob", chunkDelayMs: 30 }, { key: "[carol]", text: "for carol" });
    const asBob = (path: string, json: unknown) => app.request(path, { method: "POST", json, headers: { "x-api-key": KEYS.bob } });
    const bobTurn = asBob("/api/v1/chat/message", { text: "mine [bob]", conversation_id: "bob-conv" });
    await bob.next((f) => f.event === "stream_chunk", "bob's first chunk");
    const turnId = bob.events.find((f) => f.event === "turn_start")!.data.turn_id;

    // Carol cannot attach to bob's running turn, by id, by conversation or by one of its event ids.
    const tries = [`turn_id=${turnId}`, "conversation_id=bob-conv", `since=${bob.events[0]!.id}`];
    for (const query of tries) {
      const socket = new ChatSocket(app.wsUrl(`/api/v1/chat/stream?${query}`, KEYS.carol));
      const error = await socket.next("error");
      expect(error.data.code).toBe("NOT_FOUND");
      expect(socket.events.some((e) => e.event === "token")).toBe(false);
      socket.close();
    }
    const sse = await app.request(`/v1/chat/stream?turn_id=${turnId}`, { headers: { "x-api-key": KEYS.carol } });
    expect(sse.status).toBe(404);
    expect((await app.request("/api/v1/chat/turns", { headers: { "x-api-key": KEYS.carol } }).then((r) => r.json())).turns).toEqual([]);

    await bobTurn;
    await app.request("/api/v1/chat/message", { method: "POST", json: { text: "mine [carol]", conversation_id: "carol-conv" }, headers: { "x-api-key": KEYS.carol } });
    await carol.next(isAssistantMessage, "carol's answer");
    await admin.next((f) => isAssistantMessage(f) && f.data.conversation_id === "carol-conv", "carol's answer on the admin stream");

    const conversations = (s: EventSocket) => new Set(s.events.map((f) => f.data.conversation_id).filter(Boolean));
    expect(conversations(bob)).toEqual(new Set(["bob-conv"]));
    expect(conversations(carol)).toEqual(new Set(["carol-conv"]));
    expect(conversations(admin)).toEqual(new Set(["bob-conv", "carol-conv"]));
    // Replaying everything from the start shows carol only hers, too.
    const replay = await EventSocket.open(app, "since=0", { token: KEYS.carol });
    await until(() => replay.events.some(isAssistantMessage), 3000, "carol's replay");
    expect(conversations(replay)).toEqual(new Set(["carol-conv"]));
    for (const s of [admin, bob, carol, replay]) s.close();
  });
});

/** Server-to-client WebSocket frames (unmasked) in a byte buffer, and what is left of an unfinished one. */
function readFrames(buffer: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  while (buffer.length - at >= 2) {
    const opcode = buffer[at]! & 0x0f;
    let length = buffer[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      if (buffer.length - at < 4) break;
      length = buffer.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (buffer.length - at < 10) break;
      length = Number(buffer.readBigUInt64BE(at + 2));
      header = 10;
    }
    if (buffer.length - at < header + length) break;
    frames.push({ opcode, payload: buffer.subarray(at + header, at + header + length) });
    at += header + length;
  }
  return { frames, rest: buffer.subarray(at) };
}

describe("a consumer that stops reading", () => {
  let up: Upstream;
  let app: TestApp;
  useChatApp("openai", (started) => ({ up, app } = started), { env: { PENGUIN_WS_MAX_BUFFERED_BYTES: "65536", PENGUIN_STREAM_QUEUE: "8" } });

  test("gets a bounded queue, then a gap notice with the id to resume from; resuming from it misses nothing", async () => {
    const url = new URL(app.wsUrl("/api/v1/events/ws?message_type=message&include_bus=false"));
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    let raw = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => void (raw = Buffer.concat([raw, chunk])));
    await until(() => raw.includes("subscribed"), 3000, "the subscription");
    socket.pause(); // from here on the client reads nothing

    // 24 user messages of 300 KB: far more than the socket, the kernel and the queue of 8 hold.
    const big = (i: number) => `${String(i).padStart(3, "0")} ${"z".repeat(300_000)}`;
    for (let i = 0; i < 24; i++) await post(app, "/api/v1/chat/message", { text: big(i) });
    await until(() => app.logs.some((l) => String(l.msg ?? l.message ?? "").includes("gap notice")), 5000, "the gap notice");

    // The client reads again: what it was sent, then the gap notice, then the close.
    socket.resume();
    let closeCode: number | undefined;
    const got: any[] = [];
    await until(() => {
      const { frames, rest } = readFrames(raw.subarray(raw.indexOf("\r\n\r\n") + 4));
      got.length = 0;
      for (const f of frames) {
        if (f.opcode === 1) got.push(JSON.parse(f.payload.toString("utf8")));
        if (f.opcode === 8) closeCode = f.payload.readUInt16BE(0);
      }
      void rest;
      return closeCode !== undefined;
    }, 10_000, "the close frame");
    socket.destroy();
    expect(closeCode).toBe(1013);
    const gap = got.at(-1);
    expect(gap.event).toBe("gap");
    const delivered = got.filter((f) => typeof f.id === "number");
    expect(gap.data.resume_from).toBe(delivered.at(-1)?.id ?? 0);

    // Resuming after resume_from brings every message the first connection did not get, once.
    const again = await EventSocket.open(app, `message_type=message&include_bus=false&since=${gap.data.resume_from}`);
    const userText = (f: Frame) => (f.event === "message" && f.data.role === "user" ? String(f.data.content).slice(0, 3) : undefined);
    await until(() => new Set([...delivered, ...again.events].map(userText).filter(Boolean)).size === 24, 10_000, "all 24 user messages");
    // The first connection got only part of them before its bound was reached.
    expect(delivered.map(userText).filter(Boolean).length).toBeLessThan(24);
    const seen = [...delivered, ...again.events].map(userText).filter(Boolean);
    expect(seen).toHaveLength(24);
    expect(seen).toEqual(Array.from({ length: 24 }, (_, i) => String(i).padStart(3, "0")));
    again.close();
  });
});
