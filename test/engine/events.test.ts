// Events travel one way (engine → bus → every live stream, each filtered to its own turn or task), and the OpenAPI
// document lists every event from its declaration.
import { beforeEach, describe, expect, test } from "bun:test";
import { EVENTS } from "../../src/core/events";
import { ChatSocket, parseSse, post, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started));
beforeEach(() => up.reset());

describe("events through the bus", () => {
  test("turns running at once on two sockets: each socket gets exactly its own turn's frames", async () => {
    up.script({ key: "[one]", text: "first answer, slowly streamed", chunkDelayMs: 5 }, { key: "[two]", text: "second answer, also slow", chunkDelayMs: 5 });
    const [a, b] = await Promise.all([ChatSocket.open(app), ChatSocket.open(app)]);
    a.send({ text: "[one] go" });
    b.send({ text: "[two] go" });
    const [doneA, doneB] = await Promise.all([a.next("complete"), b.next("complete")]);
    expect(doneA.data.response).toBe("first answer, slowly streamed");
    expect(doneB.data.response).toBe("second answer, also slow");
    expect(a.tokens(1)).toBe("first answer, slowly streamed");
    expect(b.tokens(1)).toBe("second answer, also slow");
    expect(a.events.filter((e) => e.event === "start")).toHaveLength(1);
    expect(b.events.filter((e) => e.event === "start")).toHaveLength(1);
    expect(a.events[0]!.data.turn_id).not.toBe(b.events[0]!.data.turn_id);
    a.close();
    b.close();
  });

  test("a turn's bus events carry its scope and increasing ids; the SSE stream is fed from them", async () => {
    up.script({ text: "scoped answer" });
    const seen: { id: number; data: any }[] = [];
    const off = app.core.bus.subscribe((e) => seen.push({ id: e.id, data: e.data }), ["turn.event"]);
    const res = await post(app, "/v1/chat/stream", { message: "hello over SSE" });
    off();
    const sse = parseSse(res.text);
    expect(sse.at(-1)!.event).toBe("done");
    expect(sse.filter((e) => e.event === "message").map((e) => e.data.delta).join("")).toBe("scoped answer");
    const ids = seen.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    const [start] = seen;
    expect(start!.data.event.event).toBe("start");
    for (const e of seen) {
      expect(e.data.turn_id).toBe(start!.data.event.data.turn_id);
      expect(e.data.conversation_id).toBe(sse.at(-1)!.data.conversation_id);
      expect(e.data.session_id).toBeString();
      expect(e.data.agent_id).toBe("default");
    }
    // Nothing is left subscribed once the stream ended (only the core's own subscribers remain).
    const before = app.core.bus.listenerCount;
    await post(app, "/v1/chat/stream", { message: "again" });
    expect(app.core.bus.listenerCount).toBe(before);
  });

  test("the OpenAPI document lists every bus event with its schema", async () => {
    const res = await app.request("/api/docs/json", { auth: false });
    const doc = await res.json();
    const names = EVENTS.definitions.map((d) => d.name);
    expect(doc["x-events"].map((e: { name: string }) => e.name)).toEqual(names);
    for (const name of names) {
      expect(doc.components.schemas[name]).toMatchObject({ type: "object" });
      expect(doc["x-events"].find((e: { name: string }) => e.name === name).schema).toEqual({ $ref: `#/components/schemas/${name}` });
    }
    expect(JSON.stringify(doc.components.schemas["turn.event"])).toContain("approval_required");
  });
});
