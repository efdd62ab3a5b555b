// Approvals end to end on the real server: a tool call that needs approval waits; REST approves (once, session,
// pattern), denies, or lets it expire; pre-approvals and session grants; bus events and the audit trail.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BusEvent } from "../../src/core/kernel/bus";
import type { ToolContext } from "../../src/core/tools/types";
import { startTestApp, type TestApp } from "../support/harness";

let app: TestApp;
const events: BusEvent[] = [];
let n = 0;

beforeAll(async () => {
  app = await startTestApp({ configure: (c) => void (c.permissions.approvalTimeoutSeconds = 30) });
  app.core.bus.subscribe((e) => void events.push(e), ["approval.required", "approval.resolved"]);
});
afterAll(() => app.close());

const ctx = (overrides: Partial<ToolContext> = {}): ToolContext => ({
  root: app.core.roots.activeRoot,
  sessionId: "sess-a",
  conversationId: "conv-a",
  agentId: "default",
  turnId: "turn-a",
  signal: new AbortController().signal,
  ...overrides,
});
const run = (command: string, overrides: Partial<ToolContext> = {}) =>
  app.core.tools.execute({ id: `c${++n}`, name: "execute_command", arguments: JSON.stringify({ command }) }, ctx(overrides));

async function nextPending(sessionId = "sess-a") {
  for (let i = 0; i < 400; i++) {
    const res = await app.request(`/api/v1/approvals?session_id=${sessionId}`);
    const body = (await res.json()) as { pending: any[] };
    if (body.pending.length) return body.pending[0];
    await Bun.sleep(5);
  }
  throw new Error("no pending approval");
}

const post = (path: string, json?: unknown) => app.request(path, { method: "POST", ...(json !== undefined ? { json } : {}) });
const makeDir = (name: string) => {
  mkdirSync(join(app.projectRoot, name, "inner"), { recursive: true });
  writeFileSync(join(app.projectRoot, name, "inner", "f.txt"), "x");
};
const exists = (name: string) => existsSync(join(app.projectRoot, name));

describe("ask → approve", () => {
  test("a destructive command waits; the request is listed, announced and approvable once", async () => {
    makeDir("build");
    const pending = run("rm -rf build");
    const request = await nextPending();
    expect(request).toEqual({
      id: expect.any(String),
      tool_name: "execute_command",
      operation: "process.execute",
      resource: "rm -rf build",
      reason: expect.stringContaining("Destructive command requires approval"),
      session_id: "sess-a",
      conversation_id: "conv-a",
      created_at: expect.any(String),
      expires_at: expect.any(String),
      cwd: app.projectRoot,
      suggested_pattern: "rm *",
    });
    expect(Date.parse(request.expires_at) - Date.parse(request.created_at)).toBe(30_000);
    expect(exists("build")).toBe(true);

    const announced = events.find((e) => e.type === "approval.required" && (e.data as any).request_id === request.id)!;
    expect(announced.data).toMatchObject({ turn_id: "turn-a", conversation_id: "conv-a", session_id: "sess-a", tool_name: "execute_command", resource: "rm -rf build", expires_at: request.expires_at });

    const one = await (await app.request(`/api/v1/approvals/${request.id}`)).json();
    expect(one).toMatchObject({ id: request.id, status: "pending", scope: null });

    const approved = await post(`/api/v1/approvals/${request.id}/approve`, { scope: "once" });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toEqual({ status: "approved", request_id: request.id, scope: "once" });
    const result = await pending;
    expect(result.status).toBe("completed");
    expect(exists("build")).toBe(false);
    expect(events.find((e) => e.type === "approval.resolved" && (e.data as any).request_id === request.id)!.data).toMatchObject({ status: "approved", scope: "once", turn_id: "turn-a" });

    // the audit trail: the ask, then the approval
    const trail = (await (await app.request("/api/v1/security/audit?limit=2")).json()).entries;
    expect(trail.map((e: any) => [e.result, e.policy])).toEqual([["allow", "approval"], ["ask", "command-risk"]]);

    // once means once: the same command asks again
    makeDir("build");
    const again = run("rm -rf build");
    const second = await nextPending();
    expect(second.id).not.toBe(request.id);
    expect((await post(`/api/v1/approvals/${second.id}/approve`)).status).toBe(200); // no body = once
    expect((await again).status).toBe("completed");
  });

  test("approving or denying a resolved request is 409; an unknown id is 404", async () => {
    makeDir("b2");
    const pending = run("rm -rf b2");
    const request = await nextPending();
    await post(`/api/v1/approvals/${request.id}/approve`);
    await pending;
    const twice = await post(`/api/v1/approvals/${request.id}/approve`);
    expect(twice.status).toBe(409);
    expect((await twice.json()).error.code).toBe("CONFLICT");
    expect((await post(`/api/v1/approvals/${request.id}/deny`)).status).toBe(409);
    expect((await post("/api/v1/approvals/no-such-id/approve")).status).toBe(404);
    expect((await app.request("/api/v1/approvals/no-such-id")).status).toBe(404);
    const badScope = await post(`/api/v1/approvals/${request.id}/approve`, { scope: "forever" });
    expect(badScope.status).toBe(422);
    expect((await badScope.json()).error.code).toBe("VALIDATION_ERROR");
  });

  test("scope session: that exact command runs without asking for the rest of that session only; other commands still ask", async () => {
    makeDir("s1");
    makeDir("s2");
    const first = run("rm -rf s1", { sessionId: "sess-s" });
    const request = await nextPending("sess-s");
    expect(await (await post(`/api/v1/approvals/${request.id}/approve`, { scope: "session" })).json()).toEqual({
      status: "approved",
      request_id: request.id,
      scope: "session",
      pattern: "rm -rf s1",
    });
    expect((await first).status).toBe("completed");
    makeDir("s1");
    // the same command, spaced differently, is the same command
    const again = await run("rm  -rf 's1'", { sessionId: "sess-s" });
    expect(again.status).toBe("completed");
    expect(exists("s1")).toBe(false);
    const audit = (await (await app.request("/api/v1/security/audit?limit=1")).json()).entries[0];
    expect(audit).toMatchObject({ result: "allow", policy: "approval:session", session_id: "sess-s" });
    // another command is not covered: it asks
    const second = run("rm -rf s2", { sessionId: "sess-s" });
    const secondRequest = await nextPending("sess-s");
    expect(secondRequest.resource).toBe("rm -rf s2");
    await post(`/api/v1/approvals/${secondRequest.id}/deny`);
    expect((await second).status).toBe("denied");
    expect(exists("s2")).toBe(true);

    const grants = await (await app.request("/api/v1/approvals/session/sess-s")).json();
    expect(grants.approvals).toEqual([expect.objectContaining({ operation: "process.execute", pattern: "rm -rf s1", scope: "session", request_id: request.id })]);

    // another session still asks
    makeDir("s3");
    const other = run("rm -rf s3", { sessionId: "sess-t" });
    const otherRequest = await nextPending("sess-t");
    await post(`/api/v1/approvals/${otherRequest.id}/deny`);
    expect((await other).status).toBe("denied");

    // clearing the session's approvals brings the question back
    const cleared = await app.request("/api/v1/approvals/session/sess-s", { method: "DELETE" });
    expect(await cleared.json()).toEqual({ status: "cleared", session_id: "sess-s", removed: 1 });
    const asked = run("rm -rf s3", { sessionId: "sess-s" });
    const r = await nextPending("sess-s");
    await post(`/api/v1/approvals/${r.id}/deny`);
    expect((await asked).status).toBe("denied");
  });

  test("scope pattern: matching resources run, others still ask", async () => {
    makeDir("p1");
    makeDir("p2");
    const first = run("rm -rf p1", { sessionId: "sess-p" });
    const request = await nextPending("sess-p");
    const body = await (await post(`/api/v1/approvals/${request.id}/approve`, { scope: "pattern" })).json();
    expect(body).toEqual({ status: "approved", request_id: request.id, scope: "pattern", pattern: "rm *" });
    expect((await first).status).toBe("completed");
    expect((await run("rm -rf p2", { sessionId: "sess-p" })).status).toBe("completed");
    expect(exists("p2")).toBe(false);

    const force = run("git push --force", { sessionId: "sess-p" });
    const forceRequest = await nextPending("sess-p");
    expect(forceRequest.resource).toBe("git push --force");
    await post(`/api/v1/approvals/${forceRequest.id}/deny`);
    expect((await force).status).toBe("denied");
  });

  test("scope pattern with an explicit glob", async () => {
    makeDir("cache-a");
    makeDir("cache-b");
    makeDir("keep");
    const first = run("rm -rf cache-a", { sessionId: "sess-g" });
    const request = await nextPending("sess-g");
    await post(`/api/v1/approvals/${request.id}/approve`, { scope: "pattern", pattern: "rm -rf cache-*" });
    await first;
    expect((await run("rm -rf cache-b", { sessionId: "sess-g" })).status).toBe("completed");
    const keep = run("rm -rf keep", { sessionId: "sess-g" });
    const keepRequest = await nextPending("sess-g");
    await post(`/api/v1/approvals/${keepRequest.id}/deny`);
    expect((await keep).status).toBe("denied");
    expect(exists("keep")).toBe(true);
  });
});

describe("deny, expiry, cancel", () => {
  test("deny: files untouched, the model is told, the event and audit say so", async () => {
    makeDir("precious");
    const pending = run("rm -rf precious");
    const request = await nextPending();
    const denied = await post(`/api/v1/approvals/${request.id}/deny`);
    expect(await denied.json()).toEqual({ status: "denied", request_id: request.id });
    const result = await pending;
    expect(result.status).toBe("denied");
    expect(result.output).toContain("Permission denied by the user");
    expect(result.output).toContain("rm -rf precious");
    expect(exists("precious/inner/f.txt")).toBe(true);
    expect(events.find((e) => e.type === "approval.resolved" && (e.data as any).request_id === request.id)!.data).toMatchObject({ status: "denied" });
    expect((await (await app.request(`/api/v1/approvals/${request.id}`)).json()).status).toBe("denied");
    const audit = (await (await app.request("/api/v1/security/audit?limit=1")).json()).entries[0];
    expect(audit).toMatchObject({ result: "deny", policy: "approval", tool_name: "execute_command" });
  });

  test("an unanswered request expires as denied", async () => {
    app.core.config.permissions.approvalTimeoutSeconds = 1;
    try {
      makeDir("slow");
      const started = Date.now();
      const result = await run("rm -rf slow", { sessionId: "sess-x" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(result.status).toBe("denied");
      expect(result.output).toContain("nobody approved");
      expect(exists("slow")).toBe(true);
      const expired = events.filter((e) => e.type === "approval.resolved" && (e.data as any).status === "expired");
      expect(expired.length).toBe(1);
      const id = (expired[0]!.data as any).request_id;
      expect((await (await app.request(`/api/v1/approvals/${id}`)).json()).status).toBe("expired");
      expect((await post(`/api/v1/approvals/${id}/approve`)).status).toBe(409);
      expect((await (await app.request("/api/v1/approvals?session_id=sess-x")).json()).pending).toEqual([]);
    } finally {
      app.core.config.permissions.approvalTimeoutSeconds = 30;
    }
  });

  test("cancelling the turn ends the wait", async () => {
    makeDir("cancelme");
    const controller = new AbortController();
    const pending = run("rm -rf cancelme", { sessionId: "sess-c", signal: controller.signal });
    const request = await nextPending("sess-c");
    controller.abort();
    const result = await pending;
    expect(result.output).toContain("Cancelled while waiting for approval");
    expect(exists("cancelme")).toBe(true);
    expect((await (await app.request(`/api/v1/approvals/${request.id}`)).json()).status).toBe("cancelled");
  });
});

describe("pre-approval", () => {
  test("a pre-approved operation pattern runs without asking; relative patterns follow the session's root", async () => {
    const res = await post("/api/v1/approvals/pre-approve", { operation: "filesystem.delete", pattern: "./build/*", session_id: "sess-pre" });
    expect(await res.json()).toMatchObject({ status: "pre-approved", operation: "filesystem.delete", pattern: "./build/*" });
    makeDir("build");
    writeFileSync(join(app.projectRoot, "build", "a.o"), "x");
    const del = await app.core.tools.execute({ id: "d1", name: "delete_file", arguments: JSON.stringify({ path: "build/a.o" }) }, ctx({ sessionId: "sess-pre" }));
    expect(del.status).toBe("completed");
    expect(exists("build/a.o")).toBe(false);
    // outside the pattern: asks
    writeFileSync(join(app.projectRoot, "top.txt"), "x");
    const other = app.core.tools.execute({ id: "d2", name: "delete_file", arguments: JSON.stringify({ path: "top.txt" }) }, ctx({ sessionId: "sess-pre" }));
    const request = await nextPending("sess-pre");
    expect(request.operation).toBe("filesystem.delete");
    await post(`/api/v1/approvals/${request.id}/deny`);
    expect((await other).status).toBe("denied");
    expect(exists("top.txt")).toBe(true);
  });

  test("pre-approval never overrides a policy deny", async () => {
    await post("/api/v1/approvals/pre-approve", { operation: "filesystem.*", pattern: "/**", session_id: "sess-pre2" });
    const r = await app.core.tools.execute({ id: "d3", name: "read_file", arguments: JSON.stringify({ path: "/etc/hostname" }) }, ctx({ sessionId: "sess-pre2" }));
    expect(r.status).toBe("denied");
  });

  test("bad pre-approve bodies are validation errors", async () => {
    for (const body of [{}, { operation: "filesystem.delete", pattern: "x" }, { operation: "NOT VALID", pattern: "x", session_id: "s" }, { operation: "filesystem.delete", pattern: "", session_id: "s" }]) {
      const res = await post("/api/v1/approvals/pre-approve", body);
      expect(res.status).toBe(422);
    }
  });
});
