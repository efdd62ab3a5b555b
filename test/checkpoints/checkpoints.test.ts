// Checkpoints through the real server and the scripted upstream: automatic and manual checkpoints, rollback (what
// the model sees next), branches, file restore, retention cleanup, stats, errors.
import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { get, post, startChatApp, until, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { checkpoints } from "../../src/core/store/schema";

let up: Upstream;
let app: TestApp;
// Deleting needs approval by default; this suite lets the agent delete so a folder deletion can be undone.
useChatApp("openai", (started) => ({ up, app } = started), { toml: '[[permissions.rules]]\naction = "allow"\noperation = "filesystem.delete"\n' });
beforeEach(() => up.reset());

/** The non-system messages the upstream received in its n-th request (0-based), as [role, content]. */
const sentMessages = (n: number) =>
  up.requests[n]!.body.messages.filter((m: any) => m.role !== "system").map((m: any) => [m.role, typeof m.content === "string" ? m.content : JSON.stringify(m.content)]);

async function chat(text: string, conversationId?: string) {
  const res = await post(app, "/api/v1/chat/message", { text, ...(conversationId ? { conversation_id: conversationId } : {}) });
  expect(res.status).toBe(200);
  return res.body as { conversation_id: string; response: string };
}

async function checkpoint(conversationId: string, name: string, description = "") {
  const res = await post(app, "/api/v1/checkpoints/create", { name, description, conversation_id: conversationId });
  expect(res.status).toBe(200);
  return res.body as { checkpoint_id: string; status: string; name: string; description: string; message_count: number };
}

describe("creating and listing", () => {
  test("with no conversation at all, create says there is nothing to checkpoint (400)", async () => {
    // Runs first in this file: the app has no conversation yet.
    const res = await post(app, "/api/v1/checkpoints/create", { name: "x" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("BAD_REQUEST");
    expect(res.body.detail).toContain("no conversation");
  });

  test("every turn gets one automatic checkpoint, just before its prompt and named by it, listed newest first with the documented fields", async () => {
    up.script({ text: "Hi there" }, { toolCalls: [{ name: "list_files", arguments: { path: "." } }] }, { text: "Listed." });
    const { conversation_id } = await chat("Hello");
    const long = `List the files  and\n${"explain each one in detail, ".repeat(20)}`;
    await chat(long, conversation_id);
    const list = await get(app, `/api/v1/checkpoints?conversation_id=${conversation_id}`);
    expect(list.status).toBe(200);
    const cps = list.body.checkpoints;
    // Two turns (the second with a tool call: four messages) → two checkpoints, at 2 and 0 messages.
    expect(cps.map((c: any) => [c.type, c.message_count])).toEqual([
      ["auto", 2],
      ["auto", 0],
    ]);
    expect(cps[1]).toMatchObject({ name: "Hello", description: "Hello" });
    // The name is the prompt on one line, shortened; the description keeps more of it.
    expect(cps[0].name).toStartWith("List the files and explain each one");
    expect(cps[0].name.length).toBeWithin(75, 81);
    expect(cps[0].name).toEndWith("…");
    expect(cps[0].description.length).toBeWithin(290, 301);
    expect(cps[0].description).toStartWith(cps[0].name.slice(0, -1));
    for (const c of cps) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(["id", "name", "description", "created_at", "type", "session_id", "conversation_id"]));
      expect(c.session_id).toBe(conversation_id);
      expect(new Date(c.created_at).toISOString()).toBe(c.created_at);
    }
  });

  test("manual checkpoints: by conversation_id, by session_id, or the most recently active conversation", async () => {
    up.script({ text: "a1" }, { text: "b1" });
    const a = await chat("conversation A");
    const b = await chat("conversation B");
    const byId = await checkpoint(a.conversation_id, "Before refactoring", "Checkpoint before starting code refactoring");
    expect(byId).toMatchObject({ status: "created", name: "Before refactoring", description: "Checkpoint before starting code refactoring", message_count: 2 });
    expect(typeof byId.checkpoint_id).toBe("string");

    const bySession = await post(app, "/api/v1/checkpoints/create", { name: "by session", session_id: a.conversation_id });
    expect(bySession.body.conversation_id).toBe(a.conversation_id);
    const latest = await post(app, "/api/v1/checkpoints/create", { name: "latest", description: "most recent" });
    expect(latest.body.conversation_id).toBe(b.conversation_id);

    const manual = await get(app, `/api/v1/checkpoints?session_id=${a.conversation_id}&type=manual`);
    expect(manual.body.checkpoints.map((c: any) => c.name)).toEqual(["by session", "Before refactoring"]);
    const one = await get(app, `/api/v1/checkpoints/${byId.checkpoint_id}`);
    expect(one.body).toMatchObject({ id: byId.checkpoint_id, type: "manual", conversation_id: a.conversation_id, message_count: 2 });

    const limited = await get(app, "/api/v1/checkpoints?limit=2");
    expect(limited.body.checkpoints).toHaveLength(2);
    expect(limited.body.checkpoints[0].name).toBe("latest");
    // a limit is a whole number of checkpoints (1.5 once reached SQLite and failed there, as a 500)
    const fractional = await get(app, "/api/v1/checkpoints?limit=1.5");
    expect(fractional.status).toBe(422);
    expect(fractional.body.error.code).toBe("VALIDATION_ERROR");
  });

  test("unknown ids are 404 envelopes; bad input is a validation error", async () => {
    for (const [path, body] of [
      ["/api/v1/checkpoints/create", { conversation_id: "nope" }],
      ["/api/v1/checkpoints/create", { session_id: "nope" }],
      ["/api/v1/checkpoints/nope/rollback", {}],
      ["/api/v1/checkpoints/nope/branch", { name: "x" }],
    ] as const) {
      const res = await post(app, path, body);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
      expect(res.body.detail).toBe(res.body.error.message);
    }
    expect((await get(app, "/api/v1/checkpoints/nope")).status).toBe(404);
    const bad = await get(app, "/api/v1/checkpoints?limit=0");
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("VALIDATION_ERROR");
    const badBody = await post(app, "/api/v1/checkpoints/create", { name: 42 });
    expect(badBody.status).toBe(422);
    const badRollback = await post(app, "/api/v1/checkpoints/x/rollback", { restore_files: "yes" });
    expect(badRollback.status).toBe(422);
  });
});

describe("rollback", () => {
  test("later messages leave the history and are not sent to the model on the next turn", async () => {
    up.script({ text: "Answer one" }, { text: "Answer two" }, { text: "Answer three" });
    const { conversation_id } = await chat("First question");
    const cp = await checkpoint(conversation_id, "after first");
    await chat("Second question", conversation_id);
    const laterManual = await checkpoint(conversation_id, "after second");

    const res = await post(app, `/api/v1/checkpoints/${cp.checkpoint_id}/rollback`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "success", checkpoint_id: cp.checkpoint_id, conversation_id, removed_messages: 2 });
    expect(res.body.message).toBe(`Successfully rolled back to checkpoint ${cp.checkpoint_id}`);
    expect(res.body.restored_files).toBeUndefined();

    const conv = await get(app, `/api/v1/conversations/${conversation_id}`);
    expect(conv.body.messages.map((m: any) => m.content)).toEqual(["First question", "Answer one"]);

    await chat("Third question", conversation_id);
    expect(sentMessages(2)).toEqual([
      ["user", "First question"],
      ["assistant", "Answer one"],
      ["user", "Third question"],
    ]);

    // Nothing is lost: the state before the rollback is kept as an archived copy, with the later checkpoints.
    const archiveId = res.body.archived_conversation_id;
    const archive = await get(app, `/api/v1/conversations/${archiveId}`);
    expect(archive.body.messages.map((m: any) => m.content)).toEqual(["First question", "Answer one", "Second question", "Answer two"]);
    const moved = await get(app, `/api/v1/checkpoints/${laterManual.checkpoint_id}`);
    expect(moved.body.conversation_id).toBe(archiveId);
    const stillHere = await get(app, `/api/v1/checkpoints/${cp.checkpoint_id}`);
    expect(stillHere.body.conversation_id).toBe(conversation_id);
  });

  test("rolling back to a checkpoint in the middle of a tool loop keeps the conversation valid for the model", async () => {
    mkdirSync(join(app.projectRoot, "dist"), { recursive: true });
    up.script({ toolCalls: [{ id: "call_1", name: "execute_command", arguments: { command: "rm -rf dist" } }] }, { text: "Not removed." }, { text: "Fresh answer" });
    const turn = post(app, "/api/v1/chat/message", { text: "Remove dist", conversation_id: "mid-loop" });
    // The model asked for the command and it waits for approval: a checkpoint now has the call without its result.
    const pending = await until(async () => (await get(app, "/api/v1/approvals")).body.pending.find((p: any) => p.conversation_id === "mid-loop"), 5000, "the approval request");
    const afterCall = await checkpoint("mid-loop", "after the call");
    expect(afterCall.message_count).toBe(2);
    expect((await post(app, `/api/v1/approvals/${pending.id}/deny`, {})).status).toBe(200);
    expect((await turn).status).toBe(200);
    const res = await post(app, `/api/v1/checkpoints/${afterCall.checkpoint_id}/rollback`, null);
    expect(res.status).toBe(200);
    expect(res.body.removed_messages).toBe(2);
    await chat("Again", "mid-loop");
    const sent = up.requests.at(-1)!.body.messages.filter((m: any) => m.role !== "system");
    // The dangling call still gets a result, so the upstream accepts the history.
    expect(sent.map((m: any) => m.role)).toEqual(["user", "assistant", "tool", "user"]);
    expect(sent[1].tool_calls[0].id).toBe("call_1");
    expect(sent[2].tool_call_id).toBe("call_1");
  });

  test("a rollback while a turn is running in the conversation is refused (409) until it ends", async () => {
    up.script({ text: "first" }, { hang: true });
    const { conversation_id } = await chat("Before the long turn");
    const cp = await checkpoint(conversation_id, "start");
    const client = new AbortController();
    const pending = app.request("/api/v1/chat/message", { method: "POST", json: { text: "A turn that hangs", conversation_id }, signal: client.signal }).catch(() => undefined);
    await until(() => up.requests.length === 2, 3000, "the hanging upstream call");
    const refused = await post(app, `/api/v1/checkpoints/${cp.checkpoint_id}/rollback`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("CONFLICT");
    client.abort();
    await pending;
    const accepted = await until(async () => {
      const res = await post(app, `/api/v1/checkpoints/${cp.checkpoint_id}/rollback`, {});
      return res.status === 200 ? res : undefined;
    }, 3000, "the rollback to be accepted");
    expect(accepted!.body.removed_messages).toBeGreaterThanOrEqual(1);
  });

  test("rolling back to the current end removes nothing and archives nothing", async () => {
    up.script({ text: "only" });
    const { conversation_id } = await chat("single");
    const cp = await checkpoint(conversation_id, "end");
    const res = await post(app, `/api/v1/checkpoints/${cp.checkpoint_id}/rollback`, undefined);
    expect(res.status).toBe(200);
    expect(res.body.removed_messages).toBe(0);
    expect(res.body.archived_conversation_id).toBeNull();
  });
});

describe("branch", () => {
  test("a branch has the history up to the checkpoint; the branch and the original then evolve independently", async () => {
    up.script({ text: "Base answer" }, { text: "Original continues" }, { text: "Branch answer" }, { text: "Original again" });
    const { conversation_id } = await chat("Base question");
    const cp = await checkpoint(conversation_id, "base");
    await chat("Original follow-up", conversation_id);

    const res = await post(app, `/api/v1/checkpoints/${cp.checkpoint_id}/branch`, { name: "Alternative approach", description: "Exploring different solution path" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source_checkpoint_id: cp.checkpoint_id, status: "created", name: "Alternative approach", description: "Exploring different solution path", message_count: 2 });
    const branchId = res.body.branch_id;
    expect(branchId).not.toBe(conversation_id);

    await chat("Branch question", branchId);
    expect(sentMessages(2)).toEqual([
      ["user", "Base question"],
      ["assistant", "Base answer"],
      ["user", "Branch question"],
    ]);
    await chat("Original question", conversation_id);
    expect(sentMessages(3)).toEqual([
      ["user", "Base question"],
      ["assistant", "Base answer"],
      ["user", "Original follow-up"],
      ["assistant", "Original continues"],
      ["user", "Original question"],
    ]);

    const original = await get(app, `/api/v1/conversations/${conversation_id}`);
    expect(original.body.messages).toHaveLength(6);
    const branch = await get(app, `/api/v1/conversations/${branchId}`);
    expect(branch.body.title).toBe("Alternative approach");
    expect(branch.body.messages.map((m: any) => m.content)).toEqual(["Base question", "Base answer", "Branch question", "Branch answer"]);

    const branchPoints = await get(app, `/api/v1/checkpoints?conversation_id=${branchId}&type=branch`);
    expect(branchPoints.body.checkpoints).toHaveLength(1);
    expect(branchPoints.body.checkpoints[0]).toMatchObject({ type: "branch", source_checkpoint_id: cp.checkpoint_id, name: "Alternative approach" });

    // Deleting the branch takes its checkpoints with it; the source checkpoint stays.
    const deleted = await app.request(`/api/v1/conversations/${branchId}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect((await get(app, `/api/v1/checkpoints/${res.body.branch_checkpoint_id}`)).status).toBe(404);
    expect((await get(app, `/api/v1/checkpoints/${cp.checkpoint_id}`)).status).toBe(200);
  });
});

describe("file restore", () => {
  test("restore_files undoes what the agent's file tools changed after the checkpoint, and says what was restored", async () => {
    const root = app.projectRoot;
    writeFileSync(join(root, "notes.txt"), "version 1\n");
    mkdirSync(join(root, "keep"), { recursive: true });
    writeFileSync(join(root, "keep", "a.txt"), "A\n");
    writeFileSync(join(root, "keep", "b.txt"), "B\n");
    up.script({ text: "Ready." });
    const { conversation_id } = await chat("Prepare");
    const cp = await checkpoint(conversation_id, "before edits");

    up.script(
      {
        toolCalls: [
          { name: "write_file", arguments: { path: "notes.txt", content: "version 2\n" } },
          { name: "create_file", arguments: { path: "src/new.txt", content: "brand new\n" } },
        ],
      },
      { toolCalls: [{ name: "write_file", arguments: { path: "notes.txt", content: "version 3\n" } }] },
      { text: "Edited." },
    );
    const turn = await post(app, "/api/v1/chat/message", { text: "Edit the files", conversation_id });
    expect(turn.body.action_results.map((a: any) => a.status)).toEqual(["completed", "completed", "completed"]);
    expect(readFileSync(join(root, "notes.txt"), "utf8")).toBe("version 3\n");
    expect(existsSync(join(root, "src/new.txt"))).toBe(true);

    const res = await post(app, `/api/v1/checkpoints/${cp.checkpoint_id}/rollback`, { restore_files: true });
    expect(res.status).toBe(200);
    const byPath = Object.fromEntries(res.body.restored_files.map((f: any) => [f.path.slice(root.length + 1), f.action]));
    expect(byPath).toEqual({ "notes.txt": "restored", "src/new.txt": "deleted" });
    expect(res.body.message).toContain("2 file(s) restored");
    expect(readFileSync(join(root, "notes.txt"), "utf8")).toBe("version 1\n");
    expect(existsSync(join(root, "src/new.txt"))).toBe(false);
    // untouched files stay as they are
    expect(readFileSync(join(root, "keep", "a.txt"), "utf8")).toBe("A\n");
  });

  test("without restore_files the workspace is left alone; a later rollback can still restore it", async () => {
    const root = app.projectRoot;
    writeFileSync(join(root, "plain.txt"), "original\n");
    up.script({ text: "ok" });
    const { conversation_id } = await chat("Start");
    const early = await checkpoint(conversation_id, "early");
    up.script({ toolCalls: [{ name: "write_file", arguments: { path: "plain.txt", content: "changed\n" } }] }, { text: "Changed." });
    await chat("Change it", conversation_id);
    const late = await checkpoint(conversation_id, "late");

    const messagesOnly = await post(app, `/api/v1/checkpoints/${late.checkpoint_id}/rollback`, { restore_files: false });
    expect(messagesOnly.body.restored_files).toBeUndefined();
    expect(readFileSync(join(root, "plain.txt"), "utf8")).toBe("changed\n");

    const withFiles = await post(app, `/api/v1/checkpoints/${early.checkpoint_id}/rollback`, { restore_files: true });
    expect(withFiles.body.restored_files.map((f: any) => f.action)).toEqual(["restored"]);
    expect(readFileSync(join(root, "plain.txt"), "utf8")).toBe("original\n");
  });

  test("automatic checkpoints restore files too: rolling back to a turn's checkpoint undoes that turn's edits", async () => {
    const root = app.projectRoot;
    writeFileSync(join(root, "auto.txt"), "before\n");
    up.script({ toolCalls: [{ name: "write_file", arguments: { path: "auto.txt", content: "after\n" } }] }, { text: "Written." });
    const turn = await post(app, "/api/v1/chat/message", { text: "Rewrite auto.txt" });
    expect(readFileSync(join(root, "auto.txt"), "utf8")).toBe("after\n");
    const autos = (await get(app, `/api/v1/checkpoints?conversation_id=${turn.body.conversation_id}&type=auto`)).body.checkpoints;
    expect(autos.map((c: any) => [c.name, c.message_count])).toEqual([["Rewrite auto.txt", 0]]);
    const res = await post(app, `/api/v1/checkpoints/${autos[0].id}/rollback`, { restore_files: true });
    expect(res.body.restored_files).toEqual([{ path: join(root, "auto.txt"), action: "restored" }]);
    expect(readFileSync(join(root, "auto.txt"), "utf8")).toBe("before\n");
    // The whole turn is undone: the conversation is empty again (its state before is kept as an archive).
    expect(res.body.removed_messages).toBe(4);
    expect((await get(app, `/api/v1/conversations/${turn.body.conversation_id}`)).body.messages).toEqual([]);
  });

  test("a folder the agent deletes comes back with its files", async () => {
    const root = app.projectRoot;
    mkdirSync(join(root, "olddir", "sub"), { recursive: true });
    writeFileSync(join(root, "olddir", "x.txt"), "x\n");
    writeFileSync(join(root, "olddir", "sub", "y.txt"), "y\n");
    up.script({ text: "ok" });
    const { conversation_id } = await chat("Look");
    const cp = await checkpoint(conversation_id, "before delete");
    up.script({ toolCalls: [{ name: "delete_file", arguments: { path: "olddir", recursive: true } }] }, { text: "Deleted." });
    const turn = await post(app, "/api/v1/chat/message", { text: "Delete olddir", conversation_id });
    expect(turn.body.action_results[0].status).toBe("completed");
    expect(existsSync(join(root, "olddir"))).toBe(false);
    const res = await post(app, `/api/v1/checkpoints/${cp.checkpoint_id}/rollback`, { restore_files: true });
    expect(res.body.restored_files.map((f: any) => f.action)).toEqual(["restored", "restored"]);
    expect(readFileSync(join(root, "olddir", "sub", "y.txt"), "utf8")).toBe("y\n");
    expect(readFileSync(join(root, "olddir", "x.txt"), "utf8")).toBe("x\n");
  });
});

describe("configuration", () => {
  test("frequency 2 checkpoints every second turn; disabled checkpoints take none and refuse the rest (503)", async () => {
    const every2 = await startChatApp(up, "openai", { toml: "[checkpoints]\nfrequency = 2\n" });
    const off = await startChatApp(up, "openai", { toml: "[checkpoints]\nenabled = false\n" });
    try {
      up.script({ toolCalls: [{ name: "list_files", arguments: {} }] }, { text: "done" }, { text: "second" }, { text: "third" }, { text: "off answer" });
      const a = await post(every2, "/api/v1/chat/message", { text: "turn one" });
      for (const text of ["turn two", "turn three"]) await post(every2, "/api/v1/chat/message", { text, conversation_id: a.body.conversation_id });
      const listed = await get(every2, `/api/v1/checkpoints?conversation_id=${a.body.conversation_id}`);
      expect(listed.body.checkpoints.map((c: any) => [c.name, c.message_count])).toEqual([
        ["turn three", 6],
        ["turn one", 0],
      ]);
      expect((await get(every2, "/api/v1/checkpoints/stats")).body.config.frequency).toBe(2);

      const b = await post(off, "/api/v1/chat/message", { text: "no checkpoints" });
      expect((await get(off, "/api/v1/checkpoints")).body.checkpoints).toEqual([]);
      const stats = await get(off, "/api/v1/checkpoints/stats");
      expect(stats.body).toMatchObject({ enabled: false, total_checkpoints: 0 });
      const create = await post(off, "/api/v1/checkpoints/create", { name: "x", conversation_id: b.body.conversation_id });
      expect(create.status).toBe(503);
      expect(create.body.error.code).toBe("SERVICE_UNAVAILABLE");
      expect(create.body.detail).toContain("checkpoints.enabled");
    } finally {
      await every2.close();
      await off.close();
    }
  });
});

describe("stats and retention", () => {
  test("cleanup removes automatic checkpoints past retention_hours and everything past max_age_days", async () => {
    up.script({ text: "r1" }, { text: "r2" });
    const { conversation_id } = await chat("retention");
    await chat("retention again", conversation_id);
    const manualRecent = await checkpoint(conversation_id, "manual, 2 days old");
    const manualAncient = await checkpoint(conversation_id, "manual, 40 days old");
    const branch = await post(app, `/api/v1/checkpoints/${manualRecent.checkpoint_id}/branch`, { name: "old branch" });
    const autos = (await get(app, `/api/v1/checkpoints?conversation_id=${conversation_id}&type=auto`)).body.checkpoints;
    expect(autos).toHaveLength(2);

    const db = app.core.db;
    const hoursAgo = (h: number) => Date.now() - h * 3_600_000;
    // one auto checkpoint 25 h old (past the 24 h retention), one fresh
    db.update(checkpoints).set({ createdAt: hoursAgo(25) }).where(eq(checkpoints.id, autos[1].id)).run();
    db.update(checkpoints).set({ createdAt: hoursAgo(48) }).where(eq(checkpoints.id, manualRecent.checkpoint_id)).run();
    db.update(checkpoints).set({ createdAt: hoursAgo(40 * 24) }).where(eq(checkpoints.id, manualAncient.checkpoint_id)).run();
    db.update(checkpoints).set({ createdAt: hoursAgo(48) }).where(eq(checkpoints.id, branch.body.branch_checkpoint_id)).run();

    const before = await get(app, "/api/v1/checkpoints/stats");
    expect(before.status).toBe(200);
    expect(before.body.enabled).toBe(true);
    expect(before.body.config).toEqual({ frequency: 1, retention_hours: 24, max_age_days: 30 });
    expect(before.body.total_checkpoints).toBe(before.body.auto_checkpoints + before.body.manual_checkpoints + before.body.branch_checkpoints);

    const res = await post(app, "/api/v1/checkpoints/cleanup", undefined);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "completed", cleaned_count: 2, message: "Cleaned up 2 old checkpoints" });

    const remaining = (await get(app, `/api/v1/checkpoints?conversation_id=${conversation_id}&limit=1000`)).body.checkpoints.map((c: any) => c.id);
    expect(remaining).toContain(autos[0].id);
    expect(remaining).toContain(manualRecent.checkpoint_id);
    expect(remaining).not.toContain(autos[1].id);
    expect(remaining).not.toContain(manualAncient.checkpoint_id);
    expect((await get(app, `/api/v1/checkpoints/${branch.body.branch_checkpoint_id}`)).status).toBe(200);

    const after = await get(app, "/api/v1/checkpoints/stats");
    expect(after.body.total_checkpoints).toBe(before.body.total_checkpoints - 2);
    expect(after.body.auto_checkpoints).toBe(before.body.auto_checkpoints - 1);
    expect(after.body.manual_checkpoints).toBe(before.body.manual_checkpoints - 1);
    expect(after.body.branch_checkpoints).toBe(before.body.branch_checkpoints);

    const again = await post(app, "/api/v1/checkpoints/cleanup", undefined);
    expect(again.body.cleaned_count).toBe(0);
    expect(again.body.message).toBe("Cleaned up 0 old checkpoints");
  });
});
