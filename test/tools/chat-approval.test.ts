// A destructive command asked for by the (scripted) model, end to end: the WS stream carries approval_required,
// a REST call approves or denies it, the command runs or the files stay untouched, and the model continues.
import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChatSocket, post, until, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started));
beforeEach(() => {
  up.reset();
  mkdirSync(join(app.projectRoot, "build", "out"), { recursive: true });
  writeFileSync(join(app.projectRoot, "build", "out", "app.js"), "compiled");
});

const rmBuild = (key: string, after: string) =>
  up.script({ key, toolCalls: [{ id: `call_${key}`, name: "execute_command", arguments: { command: "rm -rf build" } }] }, { key, text: after });

/** The tool message the model received in its follow-up request. */
const toolResultSentToModel = () => {
  const last = up.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
  return JSON.stringify(last.messages.filter((m) => m.role === "tool").map((m) => m.content));
};

describe("approval over the chat stream", () => {
  test("approve: approval_required → REST approve → approval_resolved → the command runs → the model continues", async () => {
    rmBuild("[approve]", "The build folder is gone.");
    const ws = await ChatSocket.open(app);
    ws.send({ text: "please clean the build [approve]" });
    const required = await ws.next("approval_required");
    expect(required.data).toEqual({
      request_id: expect.any(String),
      tool_name: "execute_command",
      operation: "process.execute",
      resource: "rm -rf build",
      reason: expect.stringContaining("Destructive command requires approval"),
      expires_at: expect.any(String),
      cwd: app.projectRoot,
      suggested_pattern: "rm *",
    });
    expect(existsSync(join(app.projectRoot, "build"))).toBe(true);

    const pending = (await (await app.request("/api/v1/approvals")).json()).pending;
    expect(pending.map((p: any) => p.id)).toEqual([required.data.request_id]);

    const approved = await post(app, `/api/v1/approvals/${required.data.request_id}/approve`, { scope: "once" });
    expect(approved.body).toEqual({ status: "approved", request_id: required.data.request_id, scope: "once" });
    const resolved = await ws.next("approval_resolved");
    expect(resolved.data).toEqual({ request_id: required.data.request_id, status: "approved", scope: "once" });

    const complete = await ws.next("complete", 1, 10_000);
    expect(complete.data.response).toBe("The build folder is gone.");
    expect(existsSync(join(app.projectRoot, "build"))).toBe(false);
    const result = ws.turn(1).find((e) => e.event === "tool_result")!;
    expect(result.data).toMatchObject({ name: "execute_command", status: "completed" });
    expect(complete.data.action_results[0]).toMatchObject({ action: "execute_command", status: "completed" });

    // the order the client saw: the prompt, its resolution, then the tool's result
    const order = ws.turn(1).map((e) => e.event).filter((e) => ["tool_start", "approval_required", "approval_resolved", "tool_result", "complete"].includes(e));
    expect(order).toEqual(["tool_start", "approval_required", "approval_resolved", "tool_result", "complete"]);
    ws.close();
  });

  test("deny: the files stay, the model is told and answers", async () => {
    rmBuild("[deny]", "Understood, I left the build folder alone.");
    const ws = await ChatSocket.open(app);
    ws.send({ text: "clean the build [deny]" });
    const required = await ws.next("approval_required");
    const denied = await post(app, `/api/v1/approvals/${required.data.request_id}/deny`, undefined);
    expect(denied.body).toEqual({ status: "denied", request_id: required.data.request_id });
    expect((await ws.next("approval_resolved")).data).toEqual({ request_id: required.data.request_id, status: "denied" });

    const complete = await ws.next("complete", 1, 10_000);
    expect(complete.data.response).toBe("Understood, I left the build folder alone.");
    expect(existsSync(join(app.projectRoot, "build", "out", "app.js"))).toBe(true);
    expect(ws.turn(1).find((e) => e.event === "tool_result")!.data).toMatchObject({ status: "denied" });
    expect(toolResultSentToModel()).toContain("Permission denied by the user");
    ws.close();
  });

  test("REST chat waits for an approval given from another connection", async () => {
    rmBuild("[rest]", "Done over REST.");
    const reply = post(app, "/api/v1/chat/message", { text: "clean it [rest]" });
    const request = await until(async () => (await (await app.request("/api/v1/approvals")).json()).pending[0], 5000, "a pending approval");
    expect(request.resource).toBe("rm -rf build");
    await post(app, `/api/v1/approvals/${request.id}/approve`, {});
    const { status, body } = await reply;
    expect(status).toBe(200);
    expect(body.response).toBe("Done over REST.");
    expect(body.action_results[0]).toMatchObject({ action: "execute_command", status: "completed" });
    expect(existsSync(join(app.projectRoot, "build"))).toBe(false);
  });
});
