// Agents: the built-in default plus the config file's [[agents]], listed for clients and applied to the turns
// routed to them with agent_id.
import { beforeEach, describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { get, post, systemTextOf, useChatApp } from "../support/chat";

const TOML = `
[[agents]]
id = "reviewer"
persona = "A meticulous code reviewer."
system_prompt = "You review code and answer with findings only."
default_tools = ["read_file", "grep_search"]
`;

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), { toml: TOML });
beforeEach(() => up.reset());

describe("agents", () => {
  test("GET /api/v1/agents lists the default agent and the configured ones, with their model", async () => {
    const { status, body } = await get(app, "/api/v1/agents");
    expect(status).toBe(200);
    expect(body.map((a: { id: string }) => a.id)).toEqual(["default", "reviewer"]);
    const reviewer = body[1];
    expect(reviewer).toMatchObject({ persona: "A meticulous code reviewer.", default_tools: ["read_file", "grep_search"], active: false, paused: false, is_sub_agent: false, parent: null, children: [] });
    expect(reviewer.model).toMatchObject({ provider: "openai", max_output_tokens: expect.any(Number), max_context_window_tokens: expect.any(Number) });
    const simple = await get(app, "/api/v1/agents?simple=true");
    expect(simple.body[1]).toEqual({ id: "reviewer", persona: "A meticulous code reviewer.", active: false, paused: false });
  });

  test("GET /api/v1/agents/{id}; unknown → 404 AGENT_NOT_FOUND", async () => {
    expect((await get(app, "/api/v1/agents/reviewer")).body.id).toBe("reviewer");
    const missing = await get(app, "/api/v1/agents/nobody");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("AGENT_NOT_FOUND");
    expect(missing.body.error.details).toEqual({ agent_id: "nobody" });
  });

  test("a message routed to an agent gets its system prompt, persona and only its default tools", async () => {
    up.script({ text: "No findings." });
    const res = await post(app, "/api/v1/chat/message", { text: "Review this", agent_id: "reviewer" });
    expect(res.status).toBe(200);
    const sent = up.requests[0]!.body;
    const system = systemTextOf(sent);
    expect(system).toContain("You review code and answer with findings only.");
    expect(system).toContain("A meticulous code reviewer.");
    expect(sent.tools.map((t: { function: { name: string } }) => t.function.name).sort()).toEqual(["grep_search", "read_file"]);
    const conversations = await get(app, "/api/v1/conversations");
    expect(conversations.body.conversations.find((c: { conversation_id: string }) => c.conversation_id === res.body.conversation_id).agent_id).toBe("reviewer");
  });
});
