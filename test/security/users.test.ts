// Users and roles over HTTP: keys map to users with a role. A `user` key (bob, carol) sees and answers only its own
// conversations, sessions, approvals, tasks, checkpoints and audit entries — another user's are 404, exactly like
// missing ones, and lists leave them out — and may not change server-wide settings (403). An `admin` key (alice) sees
// everything. Every approval decision and grant records who made it.
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { ChatSocket, until, useChatApp } from "../support/chat";

const KEYS = { alice: "adminkey", bob: "userkey1", carol: "userkey2" } as const;
type Who = keyof typeof KEYS;

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), {
  env: { PENGUIN_API_KEYS: `${KEYS.alice}:alice:admin,${KEYS.bob}:bob:user,${KEYS.carol}:carol:user` },
  configure: (c) => void (c.permissions.approvalTimeoutSeconds = 30),
});

/** A request with this user's key; the parsed body. */
async function as(who: Who, method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.request(path, { method, headers: { "x-api-key": KEYS[who] }, ...(json !== undefined ? { json } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const get = (who: Who, path: string) => as(who, "GET", path);

/** A chat turn as this user (the upstream answers `text` for messages containing `marker`). */
async function chat(who: Who, marker: string, body: Record<string, unknown> = {}) {
  up.script({ key: marker, text: `answer for ${marker}` });
  return as(who, "POST", "/api/v1/chat/message", { text: `hello ${marker}`, ...body });
}

/** The body a missing thing gets, without the request id: what another user's thing must look like too. */
const notFoundShape = (what: string, id: string) => ({
  error: { code: "NOT_FOUND", message: `${what} '${id}' not found`, details: { id }, request_id: expect.any(String), recoverable: false, suggested_action: "check_resource_id" },
  detail: `${what} '${id}' not found`,
});

describe("conversations and sessions", () => {
  test("bob cannot list, read, rename, delete or chat into carol's conversation or session; alice sees both", async () => {
    const carols = await chat("carol", "[c-conv]", { session_id: "carol-session" });
    expect(carols.status).toBe(200);
    const convId: string = carols.body.conversation_id;
    const bobs = await chat("bob", "[b-conv]");
    expect(bobs.status).toBe(200);

    // Lists: each user its own, the admin everything.
    const idsOf = async (who: Who) => (await get(who, "/api/v1/conversations?limit=500")).body.conversations.map((c: any) => c.conversation_id);
    expect(await idsOf("bob")).toEqual([bobs.body.conversation_id]);
    expect(await idsOf("carol")).toEqual([convId]);
    expect(await idsOf("alice")).toEqual(expect.arrayContaining([convId, bobs.body.conversation_id]));
    expect((await get("bob", "/api/v1/conversations?session_id=carol-session")).body).toMatchObject({ conversations: [], total: 0 });

    // Single items: exactly the answer a missing id gets.
    for (const path of [`/api/v1/conversations/${convId}`, `/api/v1/conversations/${convId}/history`]) {
      const denied = await get("bob", path);
      expect(denied.status).toBe(404);
      expect(denied.body).toEqual(notFoundShape("conversation", convId));
      expect((await get("carol", path)).status).toBe(200);
      expect((await get("alice", path)).status).toBe(200);
    }
    expect((await as("bob", "PATCH", `/api/v1/conversations/${convId}`, { title: "mine now" })).status).toBe(404);
    expect((await as("bob", "DELETE", `/api/v1/conversations/${convId}`)).status).toBe(404);
    expect((await get("bob", `/api/v1/token-usage?conversation_id=${convId}`)).status).toBe(404);
    expect((await as("bob", "POST", "/api/v1/context-files/load", { file_path: "x.md", conversation_id: convId })).status).toBe(404);

    // Chatting into it: by conversation, by session, by a new conversation in carol's session, on both surfaces.
    const requests = up.requests.length;
    const byConversation = await chat("bob", "[b-into]", { conversation_id: convId });
    expect(byConversation.status).toBe(404);
    expect(byConversation.body).toEqual(notFoundShape("conversation", convId));
    const bySession = await chat("bob", "[b-into]", { session_id: "carol-session" });
    expect(bySession.status).toBe(404);
    expect(bySession.body.error.message).toBe("session 'carol-session' not found");
    expect((await chat("bob", "[b-into]", { conversation_id: "bob-new", session_id: "carol-session" })).status).toBe(404);
    expect((await as("bob", "POST", "/api/v1/conversations/create", { session_id: "carol-session" })).status).toBe(404);
    expect((await as("bob", "POST", "/api/v1/conversations/create", { conversation_id: convId })).body).toEqual(notFoundShape("conversation", convId));
    expect((await as("carol", "POST", "/api/v1/conversations/create", { conversation_id: convId })).status).toBe(409);
    expect((await as("bob", "POST", "/v1/chat", { message: "hi", conversation_id: convId })).status).toBe(404);
    const socket = new ChatSocket(app.wsUrl("/api/v1/chat/stream", KEYS.bob));
    await until(() => socket.ws.readyState === WebSocket.OPEN, 2000, "socket open");
    socket.send({ text: "via socket", conversation_id: convId });
    expect((await socket.next("error")).data).toMatchObject({ code: "NOT_FOUND" });
    socket.close();
    expect(up.requests.length).toBe(requests); // none of it reached the model

    // Nothing of carol's changed; the owner and the admin still work in it.
    const detail = await get("carol", `/api/v1/conversations/${convId}`);
    expect(detail.body.message_count).toBe(2);
    expect((await chat("carol", "[c-again]", { session_id: "carol-session" })).body.conversation_id).toBe(convId);
    expect((await chat("alice", "[a-into]", { conversation_id: convId })).status).toBe(200);
    expect((await as("alice", "PATCH", `/api/v1/conversations/${convId}`, { title: "renamed by alice" })).status).toBe(200);

    // The "current session" the system routes report is the latest one the key may see.
    for (const path of ["/api/v1/system/info", "/api/v1/system/status"]) {
      const current = async (who: Who) => {
        const body = (await get(who, path)).body;
        return body.conversation_manager?.current_session_id ?? body.current_session_id;
      };
      expect(await current("alice")).toBe("carol-session");
      expect(await current("bob")).toBe(bobs.body.session_id);
    }
  });

  test("a conversation from before users existed (no owner) is for admins only", async () => {
    const legacy = app.core.conversations.create({ id: "legacy-conv" });
    expect(legacy.owner).toBeNull();
    expect((await get("bob", "/api/v1/conversations/legacy-conv")).status).toBe(404);
    expect((await get("alice", "/api/v1/conversations/legacy-conv")).status).toBe(200);
  });
});

describe("approvals and the audit log", () => {
  test("bob cannot see or answer carol's approval, nor her session's grants or audit entries; the grant records who approved it", async () => {
    mkdirSync(join(app.projectRoot, "junk", "inner"), { recursive: true });
    up.script(
      { key: "[c-ask]", toolCalls: [{ name: "execute_command", arguments: { command: "rm -rf junk" } }] },
      { key: "[c-ask]", text: "removed" },
    );
    const turn = as("carol", "POST", "/api/v1/chat/message", { text: "clean up [c-ask]", session_id: "carol-ask" });
    const request = await until(async () => (await get("carol", "/api/v1/approvals")).body.pending[0], 5000, "carol's pending approval");
    expect(request.session_id).toBe("carol-ask");

    expect((await get("bob", "/api/v1/approvals")).body.pending).toEqual([]);
    expect((await get("bob", "/api/v1/approvals?session_id=carol-ask")).body.pending).toEqual([]);
    expect((await get("alice", "/api/v1/approvals")).body.pending.map((p: any) => p.id)).toContain(request.id);
    for (const [method, path] of [
      ["GET", `/api/v1/approvals/${request.id}`],
      ["POST", `/api/v1/approvals/${request.id}/approve`],
      ["POST", `/api/v1/approvals/${request.id}/deny`],
    ] as const) {
      const denied = await as("bob", method, path);
      expect(denied.status).toBe(404);
      expect(denied.body).toEqual(notFoundShape("Approval request", request.id));
    }
    expect((await get("bob", "/api/v1/approvals/session/carol-ask")).status).toBe(404);
    expect((await as("bob", "DELETE", "/api/v1/approvals/session/carol-ask")).status).toBe(404);
    const preApprove = await as("bob", "POST", "/api/v1/approvals/pre-approve", { operation: "process.execute", pattern: "rm *", session_id: "carol-ask" });
    expect(preApprove.status).toBe(403);
    expect(preApprove.body.error.code).toBe("FORBIDDEN");

    // Still pending after all that; carol approves it for the session.
    expect((await get("carol", `/api/v1/approvals/${request.id}`)).body).toMatchObject({ status: "pending", owner: "carol", decided_by: null });
    expect((await as("carol", "POST", `/api/v1/approvals/${request.id}/approve`, { scope: "session" })).status).toBe(200);
    expect((await turn).status).toBe(200);
    expect((await get("carol", `/api/v1/approvals/${request.id}`)).body).toMatchObject({ status: "approved", scope: "session", owner: "carol", decided_by: "carol" });
    const grants = await get("carol", "/api/v1/approvals/session/carol-ask");
    expect(grants.body.approvals).toEqual([expect.objectContaining({ request_id: request.id, scope: "session", approved_by: "carol" })]);
    expect((await get("alice", "/api/v1/approvals/session/carol-ask")).body.approvals).toHaveLength(1);

    // The audit log: carol sees her turn's entries (the approval outcome says who decided); bob sees none of them.
    const carolsAudit = (await get("carol", "/api/v1/security/audit?limit=1000")).body.entries;
    expect(carolsAudit.length).toBeGreaterThanOrEqual(2);
    expect(carolsAudit.every((e: any) => e.owner === "carol")).toBe(true);
    const outcome = carolsAudit.find((e: any) => e.policy === "approval");
    expect(outcome).toMatchObject({ result: "allow", owner: "carol", decided_by: "carol", session_id: "carol-ask" });
    expect(outcome.reason).toContain("Approved by carol");
    const bobsAudit = await get("bob", "/api/v1/security/audit?limit=1000");
    expect(bobsAudit.body.entries.filter((e: any) => e.session_id === "carol-ask")).toEqual([]);
    expect(bobsAudit.body.total).toBe(bobsAudit.body.entries.length);
    expect((await get("bob", "/api/v1/security/audit/stats")).body.total).toBe(bobsAudit.body.total);
    expect((await get("bob", "/api/v1/security/audit?user=carol")).status).toBe(403);
    const alices = await get("alice", "/api/v1/security/audit?user=carol&limit=1000");
    expect(alices.body.entries.map((e: any) => e.id)).toEqual(carolsAudit.map((e: any) => e.id));
    expect((await get("alice", "/api/v1/security/audit/stats")).body.total).toBeGreaterThan((await get("bob", "/api/v1/security/audit/stats")).body.total);
  });

  test("an admin may answer anyone's approval and pre-approve any session; the decision names the admin", async () => {
    mkdirSync(join(app.projectRoot, "junk2"), { recursive: true });
    up.script(
      { key: "[c-ask2]", toolCalls: [{ name: "execute_command", arguments: { command: "rm -rf junk2" } }] },
      { key: "[c-ask2]", text: "removed" },
    );
    const turn = as("carol", "POST", "/api/v1/chat/message", { text: "clean up [c-ask2]", session_id: "carol-ask2" });
    const request = await until(async () => (await get("carol", "/api/v1/approvals?session_id=carol-ask2")).body.pending[0], 5000, "pending approval");
    expect((await as("alice", "POST", `/api/v1/approvals/${request.id}/approve`, { scope: "session" })).status).toBe(200);
    expect((await turn).status).toBe(200);
    expect((await get("carol", `/api/v1/approvals/${request.id}`)).body.decided_by).toBe("alice");
    expect((await get("carol", "/api/v1/approvals/session/carol-ask2")).body.approvals[0].approved_by).toBe("alice");

    const pre = await as("alice", "POST", "/api/v1/approvals/pre-approve", { operation: "process.execute", pattern: "make *", session_id: "carol-ask2" });
    expect(pre.status).toBe(200);
    // A user may pre-approve its own session, and the grant names it.
    const own = await as("carol", "POST", "/api/v1/approvals/pre-approve", { operation: "process.execute", pattern: "npm *", session_id: "carol-ask2" });
    expect(own.status).toBe(200);
    const approvedBy = (await get("carol", "/api/v1/approvals/session/carol-ask2")).body.approvals.map((g: any) => g.approved_by);
    expect(approvedBy).toEqual(["alice", "alice", "carol"]);
    // …but not a session nobody has used yet: it would be waiting for whoever claims it.
    expect((await as("carol", "POST", "/api/v1/approvals/pre-approve", { operation: "process.execute", pattern: "npm *", session_id: "fresh" })).status).toBe(403);
  });
});

describe("tasks and checkpoints", () => {
  test("bob cannot list, read, follow or cancel carol's task, nor see or roll back her checkpoints", async () => {
    up.script({ key: "Task: carol's task", text: "task done" });
    const started = await as("carol", "POST", "/api/v1/tasks/execute", { name: "carol's task" });
    expect(started.status).toBe(200);
    const taskId: string = started.body.task_id;
    const task = await until(async () => {
      const t = (await get("carol", `/api/v1/tasks/${taskId}`)).body;
      return t.status === "completed" && t;
    }, 5000, "task completed");

    expect((await get("bob", "/api/v1/tasks")).body.tasks.map((t: any) => t.id)).not.toContain(taskId);
    expect((await get("carol", "/api/v1/tasks")).body.tasks.map((t: any) => t.id)).toContain(taskId);
    expect((await get("alice", "/api/v1/tasks")).body.tasks.map((t: any) => t.id)).toContain(taskId);
    const denied = await get("bob", `/api/v1/tasks/${taskId}`);
    expect(denied.status).toBe(404);
    expect(denied.body).toEqual(notFoundShape("task", taskId));
    expect((await as("bob", "POST", `/api/v1/tasks/${taskId}/cancel`)).status).toBe(404);
    // The task's conversation is carol's too.
    expect((await get("bob", `/api/v1/conversations/${task.conversation_id}`)).status).toBe(404);
    expect((await get("carol", `/api/v1/conversations/${task.conversation_id}`)).status).toBe(200);
    const follow = new ChatSocket(app.wsUrl(`/api/v1/tasks/${taskId}`, KEYS.bob));
    expect((await follow.next("error")).data.code).toBe("NOT_FOUND");
    await until(() => follow.closed, 2000, "socket closed");
    expect(follow.closeCode).toBe(4404);

    // Checkpoints live in conversations: carol's are hers.
    const carols = (await get("carol", `/api/v1/checkpoints?conversation_id=${task.conversation_id}`)).body.checkpoints;
    expect(carols.length).toBeGreaterThan(0);
    const checkpointId: string = carols[0].id;
    expect((await get("bob", "/api/v1/checkpoints?limit=1000")).body.checkpoints.map((c: any) => c.id)).not.toContain(checkpointId);
    expect((await get("alice", "/api/v1/checkpoints?limit=1000")).body.checkpoints.map((c: any) => c.id)).toContain(checkpointId);
    expect((await get("bob", `/api/v1/checkpoints/${checkpointId}`)).status).toBe(404);
    expect((await as("bob", "POST", `/api/v1/checkpoints/${checkpointId}/rollback`, {})).status).toBe(404);
    expect((await as("bob", "POST", `/api/v1/checkpoints/${checkpointId}/branch`, {})).status).toBe(404);
    expect((await as("bob", "POST", "/api/v1/checkpoints/create", { conversation_id: task.conversation_id })).status).toBe(404);
    expect((await get("carol", `/api/v1/checkpoints/${checkpointId}`)).status).toBe(200);
  });

  test("a project holding carol's task cannot be deleted by bob (403), only by its tasks' owner or an admin", async () => {
    const project = (await as("carol", "POST", "/api/v1/projects", { name: "shared" })).body;
    up.script({ key: "Task: in project", text: "ok" });
    const started = (await as("carol", "POST", "/api/v1/tasks/execute-sync", { name: "in project", project_id: project.id })).body;
    expect(started.status).toBe("completed");
    expect((await get("bob", `/api/v1/projects/${project.id}`)).body.tasks).toEqual([]);
    expect((await get("carol", `/api/v1/projects/${project.id}`)).body.tasks).toHaveLength(1);
    expect((await as("bob", "DELETE", `/api/v1/projects/${project.id}`)).status).toBe(403);
    expect((await as("carol", "DELETE", `/api/v1/projects/${project.id}`)).status).toBe(200);
  });
});

describe("server-wide settings", () => {
  test("a user key may not change roots, the model or retention (403); an admin key may", async () => {
    const forbidden = [
      ["/api/v1/system/config/execution-mode", { path: "project" }],
      ["/api/v1/system/config/project-root", { path: app.projectRoot }],
      ["/api/v1/system/config/workspace-root", { path: app.projectRoot }],
      ["/api/v1/models/load", { model_id: "openai/gpt-4o" }],
      ["/api/v1/checkpoints/cleanup", undefined],
    ] as const;
    for (const [path, body] of forbidden) {
      const res = await as("bob", "POST", path, body);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("FORBIDDEN");
    }
    expect((await as("alice", "POST", "/api/v1/system/config/execution-mode", { path: "project" })).status).toBe(200);
    expect((await as("alice", "POST", "/api/v1/models/load", { model_id: "openai/gpt-4o" })).status).toBe(200);
    expect((await as("alice", "POST", "/api/v1/checkpoints/cleanup")).status).toBe(200);
    // Reading stays open to every key.
    expect((await get("bob", "/api/v1/system/config")).status).toBe(200);
  });
});
