// The tool loop through both wire formats: the model calls real tools (read_file, execute_command), results go
// back, the loop ends with an answer; tool events on the stream; the session's bound directory is the tools' root;
// cancelling a running tool; invalid tool-call JSON; Anthropic thinking carried through a tool loop.
import { beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatSocket, get, post, systemTextOf, until, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

for (const provider of ["openai", "anthropic"] as const) {
  describe(`tool loop (${provider})`, () => {
    let up: Upstream;
    let app: TestApp;
    useChatApp(provider, (started) => ({ up, app } = started));
    beforeAll(() => writeFileSync(join(app.projectRoot, "notes.txt"), "alpha\nbeta\n"));
    beforeEach(() => up.reset());

    /** The tool results the model received in request `i` (either wire format). */
    const toolResultsIn = (i: number): string => {
      const body = up.requests[i]!.body;
      if (provider === "openai") return JSON.stringify(body.messages.filter((m: any) => m.role === "tool"));
      return JSON.stringify(body.messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content.filter((b: any) => b.type === "tool_result") : [])));
    };

    test("read_file → result sent back → final answer; action_results and stored messages", async () => {
      up.script({ toolCalls: [{ name: "read_file", arguments: { path: "notes.txt" } }] }, { text: "The file says alpha and beta." });
      const { status, body } = await post(app, "/api/v1/chat/message", { text: "What is in notes.txt?" });
      expect(status).toBe(200);
      expect(body.response).toBe("The file says alpha and beta.");
      expect(body.iterations).toBe(2);
      expect(body.action_results).toHaveLength(1);
      const action = body.action_results[0];
      expect(action).toMatchObject({ action: "read_file", status: "completed", arguments: { path: "notes.txt" } });
      expect(action.result).toContain("alpha");
      // Tools were offered, and the second call carried the result.
      const offered = provider === "openai" ? up.requests[0]!.body.tools.map((t: any) => t.function.name) : up.requests[0]!.body.tools.map((t: any) => t.name);
      expect(offered).toContain("read_file");
      expect(toolResultsIn(1)).toContain("beta");

      const conv = await get(app, `/api/v1/conversations/${body.conversation_id}`);
      const roles = conv.body.messages.map((m: any) => m.role);
      expect(roles).toEqual(["user", "assistant", "tool", "assistant"]);
      const call = conv.body.messages[1].tool_calls[0];
      expect(call.name).toBe("read_file");
      expect(conv.body.messages[2].tool_call_id).toBe(call.id);
      expect(conv.body.messages[2].content).toContain("alpha");
    });

    test("tool_start and tool_result events carry id, name, arguments and outcome", async () => {
      up.script({ toolCalls: [{ id: "call_notes_1", name: "read_file", arguments: { path: "notes.txt" } }] }, { text: "Done reading." });
      const ws = await ChatSocket.open(app);
      ws.send({ text: "read it" });
      const complete = await ws.next("complete");
      const started = await ws.next("tool_start");
      const finished = await ws.next("tool_result");
      expect(started.data).toEqual({ id: expect.any(String), name: "read_file", arguments: { path: "notes.txt" } });
      expect(finished.data).toMatchObject({ id: started.data.id, name: "read_file", status: "completed" });
      expect(finished.data.result).toContain("alpha");
      expect(typeof finished.data.duration_ms).toBe("number");
      const order = ws.events.map((e) => e.event).filter((n) => n !== "token");
      expect(order).toEqual(["start", "progress", "tool_start", "tool_result", "progress", "complete"]);
      expect(complete.data.action_results[0].id).toBe(started.data.id);
      ws.close();
    });

    test("the tools of a session bound to a directory run in that directory", async () => {
      const repo = realpathSync(mkdtempSync(join(tmpdir(), "penguin-bound-")));
      writeFileSync(join(repo, "notes.txt"), "only in the bound repo\n");
      up.script({ toolCalls: [{ name: "read_file", arguments: { path: "notes.txt" } }] }, { text: "ok" });
      const { body } = await post(app, "/api/v1/chat/message", { text: "read notes", session_id: `bound-${provider}`, directory: repo });
      expect(body.action_results[0].result).toContain("only in the bound repo");
      expect(systemTextOf(up.requests[0]!.body)).toContain(`Working directory: ${repo}`);
    });

    test("stop while a command runs: the process is cancelled and the turn ends interrupted", async () => {
      up.script({ toolCalls: [{ name: "execute_command", arguments: { command: "sleep 20" } }] }, { text: "never reached" });
      const ws = await ChatSocket.open(app);
      ws.send({ text: "run the slow thing", conversation_id: `stop-tool-${provider}` });
      await ws.next("tool_start");
      await Bun.sleep(100);
      const stoppedAt = Date.now();
      ws.send({ type: "stop" });
      const complete = await ws.next("complete", 1, 10_000);
      expect(Date.now() - stoppedAt).toBeLessThan(5000);
      expect(complete.data.interrupted).toBe(true);
      expect(up.requests.length).toBe(1); // the model was not called again
      const conv = await get(app, `/api/v1/conversations/stop-tool-${provider}`);
      const tool = conv.body.messages.find((m: any) => m.role === "tool");
      expect(tool).toBeDefined();
      expect(tool.metadata.status).not.toBe("completed");
      ws.close();
    });

    test("invalid tool-call JSON ends the turn with a clear error; the conversation stays usable", async () => {
      up.script({ toolCalls: [{ name: "read_file", arguments: '{"path": "notes.txt"' }] }, { text: "fine now" });
      const bad = await post(app, "/api/v1/chat/message", { text: "broken call", conversation_id: `badjson-${provider}` });
      expect(bad.status).toBe(502);
      expect(bad.body.error.code).toBe("UPSTREAM_ERROR");
      expect(bad.body.error.message.toLowerCase()).toContain("json");
      const next = await post(app, "/api/v1/chat/message", { text: "try again", conversation_id: `badjson-${provider}` });
      expect(next.status).toBe(200);
      expect(next.body.response).toBe("fine now");
      // No tool call without a result reached the model.
      const sent = JSON.stringify(up.requests.at(-1)!.body.messages);
      expect(sent).not.toContain('"path": "notes.txt"');
    });
  });
}

describe("Anthropic specifics", () => {
  let up: Upstream;
  let app: TestApp;
  useChatApp("anthropic", (started) => ({ up, app } = started), {
    toml: `default_model = "claude"\n[[models]]\nid = "claude"\nprovider = "anthropic"\nmodel = "claude-scripted-test"\nreasoning = true\n`,
    env: { PENGUIN_MODEL: undefined },
  });
  beforeAll(() => writeFileSync(join(app.projectRoot, "notes.txt"), "gamma\n"));
  beforeEach(() => up.reset());

  test("plain answer: system prompt as `system`, history on the next turn", async () => {
    up.script({ text: "Hi from Claude." }, { text: "Still me." });
    const first = await post(app, "/api/v1/chat/message", { text: "hello" });
    expect(first.status).toBe(200);
    expect(first.body.response).toBe("Hi from Claude.");
    expect(systemTextOf(up.requests[0]!.body)).toContain("Working directory:");
    await post(app, "/api/v1/chat/message", { text: "again", conversation_id: first.body.conversation_id });
    const messages = up.requests[1]!.body.messages;
    expect(JSON.stringify(messages)).toContain("Hi from Claude.");
    expect(messages[0].role).toBe("user");
  });

  test("thinking streams as reasoning and is carried, with its signature, through a tool loop", async () => {
    up.script(
      { reasoning: "I should read the file first.", signature: "sig-abc", toolCalls: [{ name: "read_file", arguments: { path: "notes.txt" } }] },
      { reasoning: "Now I know.", text: "It says gamma." },
    );
    const ws = await ChatSocket.open(app);
    ws.send({ text: "what does notes.txt say?", include_reasoning: true });
    const complete = await ws.next("complete");
    expect(complete.data.response).toBe("It says gamma.");
    expect(complete.data.reasoning).toContain("I should read the file first.");
    expect(complete.data.reasoning).toContain("Now I know.");
    const reasoningEvents = ws.events.filter((e) => e.event === "reasoning").map((e) => e.data.token).join("");
    expect(reasoningEvents).toContain("I should read the file first.");
    // The follow-up request replays the thinking block with its signature before the tool use.
    const assistant = up.requests[1]!.body.messages.find((m: any) => m.role === "assistant");
    const thinking = assistant.content.find((b: any) => b.type === "thinking");
    expect(thinking).toMatchObject({ thinking: "I should read the file first.", signature: "sig-abc" });
    ws.close();
  });
});

describe("vision through a tool", () => {
  let up: Upstream;
  let app: TestApp;
  useChatApp("openai", (started) => ({ up, app } = started));

  test("an image read by a tool reaches a vision model after the tool results", async () => {
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
    writeFileSync(join(app.projectRoot, "pixel.png"), png);
    up.script({ toolCalls: [{ name: "read_file", arguments: { path: "pixel.png" } }] }, { text: "A tiny image." });
    const { body } = await post(app, "/api/v1/chat/message", { text: "look at pixel.png" });
    expect(body.response).toBe("A tiny image.");
    const messages = up.requests[1]!.body.messages;
    const last = messages.at(-1);
    expect(last.role).toBe("user");
    expect(JSON.stringify(last.content)).toContain("data:image/png;base64,");
    const toolIndex = messages.findIndex((m: any) => m.role === "tool");
    expect(toolIndex).toBeLessThan(messages.length - 1);
    await until(() => app.core.engine.activeTurns === 0);
  });
});
