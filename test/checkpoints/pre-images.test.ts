// File pre-images reach checkpoints through one door: the tool runtime's before-run hook, with the paths each file
// tool declares it will change. A real core, tools called the way the engine calls them, restores checked by rolling
// back with restore_files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeCore, type ToolTestCore } from "../tools/helpers";

let t: ToolTestCore;
beforeAll(async () => {
  t = await makeCore({
    configure: (c) => {
      c.permissions.rules = [{ action: "deny", operation: "filesystem.write", pattern: "locked/**" }, ...c.permissions.rules];
    },
  });
});
afterAll(() => t.close());

const at = (rel: string) => join(t.root, rel);
const read = (rel: string) => readFileSync(at(rel), "utf8");

/** A conversation with one message and a checkpoint of it; tool calls below run in it. */
function checkpointedConversation() {
  const conversation = t.core.conversations.create();
  t.core.conversations.append(conversation.id, { role: "user", content: "start" });
  const checkpoint = t.core.checkpoints.create({ conversationId: conversation.id, name: "before" });
  t.core.approvals.preApprove({ operation: "filesystem.delete", pattern: "./folder", sessionId: conversation.sessionId });
  const call = (name: string, args: unknown) => t.call(name, args, { conversationId: conversation.id, sessionId: conversation.sessionId });
  const restore = async () => (await t.core.checkpoints.rollback(checkpoint.id, { restoreFiles: true })).restoredFiles!;
  return { call, restore };
}

describe("pre-images through the before-run hook", () => {
  test("patch_file's edit is undone, like write_file's and create_file's", async () => {
    writeFileSync(at("patched.txt"), "one\ntwo\n");
    const { call, restore } = checkpointedConversation();
    expect((await call("patch_file", { path: "patched.txt", edits: [{ search: "two", replace: "2" }] })).status).toBe("completed");
    expect((await call("patch_file", { path: "patched.txt", edits: [{ search: "one", replace: "1" }] })).status).toBe("completed");
    expect((await call("create_file", { path: "made/new.txt", content: "new\n" })).status).toBe("completed");
    expect(read("patched.txt")).toBe("1\n2\n");

    const restored = await restore();
    expect(Object.fromEntries(restored.map((f) => [f.path, f.action]))).toEqual({ [at("patched.txt")]: "restored", [at("made/new.txt")]: "deleted" });
    expect(read("patched.txt")).toBe("one\ntwo\n");
    expect(existsSync(at("made/new.txt"))).toBe(false);
  });

  test("a call the policy denies, or one bound to fail, keeps no pre-image: the restore leaves those files alone", async () => {
    mkdirSync(at("locked"), { recursive: true });
    writeFileSync(at("locked/secret.txt"), "locked\n");
    mkdirSync(at("folder/inner"), { recursive: true });
    writeFileSync(at("folder/inner/kept.txt"), "kept\n");
    writeFileSync(at("exists.txt"), "exists\n");
    writeFileSync(at("changed.txt"), "before\n");
    const { call, restore } = checkpointedConversation();

    expect((await call("write_file", { path: "locked/secret.txt", content: "x" })).status).toBe("denied");
    expect((await call("write_file", { path: "folder", content: "x" })).status).toBe("error"); // a folder is not written over
    expect((await call("create_file", { path: "exists.txt", content: "x" })).status).toBe("error"); // never replaces
    expect((await call("delete_file", { path: "folder" })).status).toBe("error"); // a folder needs recursive
    expect((await call("patch_file", { path: "missing.txt", edits: [{ search: "a", replace: "b" }] })).status).toBe("error");
    expect((await call("write_file", { path: "changed.txt", content: "after\n" })).status).toBe("completed");

    // Files changed behind the agent's back since: only what the agent's tools changed may come back.
    writeFileSync(at("exists.txt"), "edited by the user\n");
    writeFileSync(at("folder/inner/kept.txt"), "edited by the user\n");
    const restored = await restore();
    expect(restored).toEqual([{ path: at("changed.txt"), action: "restored" }]);
    expect(read("changed.txt")).toBe("before\n");
    expect(read("exists.txt")).toBe("edited by the user\n");
    expect(read("folder/inner/kept.txt")).toBe("edited by the user\n");
    expect(read("locked/secret.txt")).toBe("locked\n");
  });

  test("the declared paths are what the hook sees: one per file call, none for reading", async () => {
    writeFileSync(at("seen.txt"), "seen\n");
    const seen: { tool: string; changes: readonly string[] }[] = [];
    const stop = t.core.tools.beforeRun(async (_ctx, tool, call) => void seen.push({ tool: tool.name, changes: call.changes }));
    try {
      await t.call("read_file", { path: "seen.txt" });
      await t.call("write_file", { path: "seen.txt", content: "again\n" });
      await t.call("create_folder", { path: "a-folder" });
      await t.call("list_files", {});
    } finally {
      stop();
    }
    expect(seen).toEqual([
      { tool: "read_file", changes: [] },
      { tool: "write_file", changes: [at("seen.txt")] },
      { tool: "create_folder", changes: [] },
      { tool: "list_files", changes: [] },
    ]);
  });
});
