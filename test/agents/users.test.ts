// Agents and users: shared agents (default, config) are everyone's; an agent a `user` key creates is its own: another
// user gets 404 AGENT_NOT_FOUND for it (listing, reading, chatting, history) exactly as for a missing one, and may not
// pause, delete or add sub-agents to shared agents (403). Admin keys see and change everything.
import { describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { useChatApp } from "../support/chat";

const KEYS = { alice: "adminkey-agents", bob: "userkey-agents-1", carol: "userkey-agents-2" } as const;
type Who = keyof typeof KEYS;

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), {
  env: { PENGUIN_API_KEYS: `${KEYS.alice}:alice:admin,${KEYS.bob}:bob:user,${KEYS.carol}:carol:user` },
  toml: '[[agents]]\nid = "shared"\npersona = "Everyone\'s helper."\n',
});

async function as(who: Who, method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.request(path, { method, headers: { "x-api-key": KEYS[who] }, ...(json !== undefined ? { json } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe("agents per user", () => {
  test("a user's agent is its own: others get the same 404 as for a missing agent; admins see it", async () => {
    expect((await as("bob", "POST", "/api/v1/agents", { id: "bobs-agent", persona: "Bob's" })).status).toBe(201);
    const ids = async (who: Who) => (await as(who, "GET", "/api/v1/agents")).body.map((a: any) => a.id);
    expect(await ids("bob")).toEqual(["default", "shared", "bobs-agent"]);
    expect(await ids("carol")).toEqual(["default", "shared"]);
    expect(await ids("alice")).toEqual(["default", "shared", "bobs-agent"]);

    for (const [method, path, json] of [
      ["GET", "/api/v1/agents/bobs-agent"],
      ["PATCH", "/api/v1/agents/bobs-agent", { paused: true }],
      ["DELETE", "/api/v1/agents/bobs-agent"],
      ["GET", "/api/v1/agents/bobs-agent/history"],
      ["POST", "/api/v1/chat/message", { text: "hi", agent_id: "bobs-agent" }],
      ["POST", "/api/v1/agents", { id: "carols-child", parent: "bobs-agent" }],
    ] as const) {
      const res = await as("carol", method, path, json);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: "AGENT_NOT_FOUND", details: { agent_id: "bobs-agent" } });
    }
    expect(up.requests.length).toBe(0);

    up.script({ key: "[bob]", text: "hello bob" });
    const chat = await as("bob", "POST", "/api/v1/chat/message", { text: "hi [bob]", agent_id: "bobs-agent" });
    expect(chat.body.response).toBe("hello bob");
    expect((await as("bob", "GET", "/api/v1/agents/bobs-agent/history")).body.messages).toHaveLength(2);
    expect((await as("alice", "GET", "/api/v1/agents/bobs-agent")).body.id).toBe("bobs-agent");
  });

  test("shared agents are for admins to pause or extend; a user may use them", async () => {
    const pause = await as("bob", "PATCH", "/api/v1/agents/shared", { paused: true });
    expect(pause.status).toBe(403);
    expect(pause.body.error).toMatchObject({ code: "FORBIDDEN", recoverable: false, suggested_action: "use_authorized_key" });
    expect((await as("bob", "POST", "/api/v1/agents", { id: "under-shared", parent: "shared" })).status).toBe(403);
    expect((await as("alice", "PATCH", "/api/v1/agents/shared", { paused: true })).body.paused).toBe(true);
    expect((await as("bob", "POST", "/api/v1/chat/message", { text: "hi", agent_id: "shared" })).status).toBe(409);
    expect((await as("alice", "PATCH", "/api/v1/agents/shared", { paused: false })).body.paused).toBe(false);
  });
});
