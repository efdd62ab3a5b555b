// Sub-agents through the model's tools, end to end over HTTP with the scripted upstream: spawn_sub_agent, delegate
// (wait, or a handle collected with wait_for_agents), stop_sub_agent. A sub-agent works in its parent's session (same
// root and sandbox: it cannot write outside the parent's session directory), gets at most its parent's tools, and its
// approvals reach the human watching the parent's turn.
import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { ChatSocket, get, post, systemTextOf, until, useChatApp } from "../support/chat";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), {
  toml: `
[[agents]]
id = "lead"
persona = "A lead who delegates."
default_tools = ["spawn_sub_agent", "delegate", "read_file"]
`,
});
beforeEach(() => up.reset());

const toolNamesOf = (body: any): string[] => (body.tools ?? []).map((t: any) => t.function.name).sort();
const toolResultsOf = (body: any): string[] => body.messages.filter((m: any) => m.role === "tool").map((m: any) => String(m.content));

describe("delegation round trip", () => {
  test("parent → child → parent: the child answers in its own conversation in the parent's session, the parent uses the answer", async () => {
    up.script(
      { key: "[parent]", toolCalls: [{ name: "spawn_sub_agent", arguments: { id: "helper", persona: "A careful arithmetician." } }] },
      { key: "[parent]", toolCalls: [{ name: "delegate", arguments: { agent_id: "helper", content: "What is 6*7? [child]" } }] },
      { key: "[child]", text: "The child says 42." },
      { key: "[parent]", text: "My helper found 42." },
    );
    const res = await post(app, "/api/v1/chat/message", { text: "work it out [parent]" });
    expect(res.status).toBe(200);
    expect(res.body.response).toBe("My helper found 42.");
    expect(res.body.action_results.map((a: any) => [a.action, a.status])).toEqual([
      ["spawn_sub_agent", "completed"],
      ["delegate", "completed"],
    ]);

    // the child's turn: its persona, the delegated task, and who sent it
    const toChild = up.requests.find((r) => r.lastUserText.includes("[child]"))!;
    expect(systemTextOf(toChild.body)).toContain("A careful arithmetician.");
    expect(toChild.lastUserText).toBe("What is 6*7? [child]");
    expect(systemTextOf(toChild.body)).toContain("delegated_by");
    // the parent's last call carries the child's answer as the delegate tool's result
    const last = up.requests.at(-1)!;
    expect(toolResultsOf(last.body).at(-1)).toContain("The child says 42.");

    const helper = (await get(app, "/api/v1/agents/helper")).body;
    const parentConversation = (await get(app, `/api/v1/conversations/${res.body.conversation_id}`)).body;
    expect(helper).toMatchObject({ parent: "default", is_sub_agent: true, source: "spawned", session_id: parentConversation.session_id, active: false });
    expect(helper.conversation_id).not.toBe(res.body.conversation_id);
    expect((await get(app, "/api/v1/agents/default")).body.children).toContain("helper");
    const history = (await get(app, "/api/v1/agents/helper/history")).body;
    expect(history.messages.map((m: any) => [m.role, m.content])).toEqual([
      ["user", "What is 6*7? [child]"],
      ["assistant", "The child says 42."],
    ]);

    // the session's next message (no conversation id) continues the parent's conversation, not the child's
    up.script({ key: "[next]", text: "continuing" });
    const next = await post(app, "/api/v1/chat/message", { text: "and now? [next]", session_id: parentConversation.session_id });
    expect(next.body.conversation_id).toBe(res.body.conversation_id);
  });

  test("delegate wait=false returns a handle; wait_for_agents collects both answers; stop_sub_agent cancels a running one", async () => {
    up.script(
      {
        key: "[fanout]",
        toolCalls: [
          { id: "c1", name: "spawn_sub_agent", arguments: { id: "fan-a", task: "part A [part-a]" } },
          { id: "c2", name: "spawn_sub_agent", arguments: { id: "fan-b" } },
          { id: "c3", name: "delegate", arguments: { agent_id: "fan-b", content: "part B [part-b]", wait: false } },
          { id: "c4", name: "spawn_sub_agent", arguments: { id: "fan-slow" } },
          { id: "c5", name: "delegate", arguments: { agent_id: "fan-slow", content: "forever [part-slow]", wait: false } },
        ],
      },
      { key: "[part-a]", delayMs: 100, text: "A is done" },
      { key: "[part-b]", text: "B is done" },
      { key: "[part-slow]", hang: true },
      { key: "[fanout]", toolCalls: [{ name: "wait_for_agents", arguments: { agent_ids: ["fan-a", "fan-b"], timeout_seconds: 10 } }] },
      { key: "[fanout]", toolCalls: [{ name: "stop_sub_agent", arguments: { agent_id: "fan-slow", remove: true } }] },
      { key: "[fanout]", toolCalls: [{ name: "wait_for_agents", arguments: {} }] },
      { key: "[fanout]", text: "all collected" },
    );
    const res = await post(app, "/api/v1/chat/message", { text: "split the work [fanout]", max_iterations: 10 });
    expect(res.body.response).toBe("all collected");
    const results = res.body.action_results;
    const collected = JSON.parse(results.find((a: any) => a.action === "wait_for_agents").result);
    expect(collected.map((d: any) => [d.agent_id, d.status, d.response]).sort()).toEqual([
      ["fan-a", "completed", "A is done"],
      ["fan-b", "completed", "B is done"],
    ]);
    expect(results.find((a: any) => a.action === "stop_sub_agent").result).toContain("1 delegation(s) cancelled; removed fan-slow");
    // the cancelled delegation is what is left to collect
    const rest = JSON.parse(results.filter((a: any) => a.action === "wait_for_agents")[1].result);
    expect(rest.map((d: any) => [d.agent_id, d.status])).toEqual([["fan-slow", "cancelled"]]);
    expect((await get(app, "/api/v1/agents/fan-slow")).status).toBe(404);
  });

  test("delegating to an agent that is not one's own sub-agent is refused to the model", async () => {
    await post(app, "/api/v1/agents", { id: "stranger" });
    up.script(
      { key: "[steal]", toolCalls: [{ name: "delegate", arguments: { agent_id: "stranger", content: "do my work" } }] },
      { key: "[steal]", text: "could not" },
    );
    const res = await post(app, "/api/v1/chat/message", { text: "borrow it [steal]" });
    expect(res.body.action_results[0]).toMatchObject({ action: "delegate", status: "error" });
    expect(res.body.action_results[0].result).toContain("'stranger' is not one of your sub-agents");
    expect(up.requests.length).toBe(2);
  });
});

describe("a sub-agent created over the API", () => {
  test("joins its parent's session (root, approvals) with the first work the parent hands it", async () => {
    expect((await post(app, "/api/v1/agents", { id: "api-child", parent: "default" })).body.session_id).toBeNull();
    const directory = realpathSync(mkdtempSync(join(tmpdir(), "penguin-api-child-")));
    try {
      up.script(
        { key: "[adopt]", toolCalls: [{ name: "delegate", arguments: { agent_id: "api-child", content: "where are you? [api-child]" } }] },
        { key: "[api-child]", toolCalls: [{ name: "execute_command", arguments: { command: "pwd > where.txt" } }] },
        { key: "[api-child]", text: "here" },
        { key: "[adopt]", text: "adopted" },
      );
      const res = await post(app, "/api/v1/chat/message", { text: "use your helper [adopt]", directory });
      expect(res.body.response).toBe("adopted");
      expect(readFileSync(join(directory, "where.txt"), "utf8").trim()).toBe(directory);
      const child = (await get(app, "/api/v1/agents/api-child")).body;
      expect(child.session_id).toBe(res.body.session_id);
      expect((await get(app, `/api/v1/conversations/${child.conversation_id}`)).body.session_id).toBe(res.body.session_id);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe("a sub-agent never has more than its parent", () => {
  test("a restricted parent cannot give a sub-agent other tools; one that names none gets the parent's", async () => {
    up.script(
      { key: "[restricted]", toolCalls: [{ name: "spawn_sub_agent", arguments: { id: "lead-x", default_tools: ["execute_command"] } }] },
      { key: "[restricted]", toolCalls: [{ name: "spawn_sub_agent", arguments: { id: "lead-y" } }] },
      { key: "[restricted]", toolCalls: [{ name: "delegate", arguments: { agent_id: "lead-y", content: "look around [lead-y]" } }] },
      { key: "[lead-y]", text: "looked" },
      { key: "[restricted]", text: "done" },
    );
    const res = await post(app, "/api/v1/chat/message", { text: "go [restricted]", agent_id: "lead" });
    expect(res.body.response).toBe("done");
    expect(res.body.action_results[0].status).toBe("error");
    expect(res.body.action_results[0].result).toContain("may not use: execute_command");
    expect((await get(app, "/api/v1/agents/lead-x")).status).toBe(404);
    expect((await get(app, "/api/v1/agents/lead-y")).body.default_tools).toEqual(["spawn_sub_agent", "delegate", "read_file"]);
    const toChild = up.requests.find((r) => r.lastUserText.includes("[lead-y]"))!;
    expect(toolNamesOf(toChild.body)).toEqual(["delegate", "read_file", "spawn_sub_agent"]);
  });

  test("its commands run in the parent's session directory: inside it writes, outside it cannot, even when granted", async () => {
    const directory = realpathSync(mkdtempSync(join(tmpdir(), "penguin-parent-dir-")));
    const outside = join(app.projectRoot, "escaped.txt");
    try {
      up.script(
        { key: "[confine]", toolCalls: [{ name: "spawn_sub_agent", arguments: { id: "worker" } }] },
        { key: "[confine]", toolCalls: [{ name: "delegate", arguments: { agent_id: "worker", content: "write the files [worker]" } }] },
        { key: "[worker]", toolCalls: [{ name: "execute_command", arguments: { command: `echo inside > inside.txt; pwd > where.txt; echo out > ${outside}; echo status=$?` } }] },
        { key: "[worker]", text: "wrote them" },
        { key: "[confine]", text: "finished" },
      );
      // The human grants whatever the sub-agent asks: approval never lifts the sandbox.
      let approving = true;
      const granted: string[] = [];
      const approver = (async () => {
        while (approving) {
          for (const request of (await get(app, "/api/v1/approvals")).body.pending ?? []) {
            granted.push(request.resource);
            await post(app, `/api/v1/approvals/${request.id}/approve`, {});
          }
          await Bun.sleep(20);
        }
      })();
      const res = await post(app, "/api/v1/chat/message", { text: "set it up [confine]", directory }).finally(() => (approving = false));
      await approver;
      expect(res.status).toBe(200);
      expect(res.body.response).toBe("finished");
      expect(readFileSync(join(directory, "inside.txt"), "utf8")).toBe("inside\n");
      expect(readFileSync(join(directory, "where.txt"), "utf8").trim()).toBe(directory);
      expect(existsSync(outside)).toBe(false);
      const workerCall = up.requests.filter((r) => r.lastUserText.includes("[worker]")).at(-1)!;
      expect(toolResultsOf(workerCall.body).at(-1)).not.toContain("status=0");
      const worker = (await get(app, "/api/v1/agents/worker")).body;
      const parent = (await get(app, `/api/v1/conversations/${res.body.conversation_id}`)).body;
      expect(worker.session_id).toBe(parent.session_id);
      expect(parent.directory).toBe(directory);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("its approvals reach the human watching the parent's turn, in the parent's session", async () => {
    up.script(
      { key: "[ask]", toolCalls: [{ name: "spawn_sub_agent", arguments: { id: "cleaner" } }] },
      { key: "[ask]", toolCalls: [{ name: "delegate", arguments: { agent_id: "cleaner", content: "clean up [cleaner]" } }] },
      { key: "[cleaner]", toolCalls: [{ name: "execute_command", arguments: { command: "rm -rf build" } }] },
      { key: "[cleaner]", text: "cleaned" },
      { key: "[ask]", text: "all clean" },
    );
    const socket = await ChatSocket.open(app);
    try {
      socket.send({ text: "tidy up [ask]" });
      const required = await socket.next("approval_required", 1, 10_000);
      expect(required.data).toMatchObject({ tool_name: "execute_command", resource: "rm -rf build" });
      const request = (await get(app, `/api/v1/approvals/${required.data.request_id}`)).body;
      const start = socket.events.find((e) => e.event === "start")!;
      expect(request.session_id).toBe(start.data.session_id);
      expect((await post(app, `/api/v1/approvals/${required.data.request_id}/approve`, {})).status).toBe(200);
      expect((await socket.next("approval_resolved")).data).toMatchObject({ request_id: required.data.request_id, status: "approved" });
      const complete = await socket.next("complete", 1, 10_000);
      expect(complete.data.response).toBe("all clean");
      expect(JSON.stringify(complete.data.action_results)).toContain("cleaned");
    } finally {
      socket.close();
    }
    await until(async () => !(await get(app, "/api/v1/agents/cleaner")).body.active, 5000, "cleaner idle");
  });
});
