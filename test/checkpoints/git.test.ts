// Git snapshots: when the session's root is inside a git work tree, a rollback with restore_files also undoes what
// shell commands changed (modified, created and deleted files), leaves ignored files alone, and never touches the
// user's HEAD, index or stash. Real server, scripted upstream, a real repository in a temp folder.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { post, useChatApp } from "../support/chat";
import { runGit, tempRepo } from "../support/git";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { eq } from "drizzle-orm";
import { checkpoints, gitSnapshots } from "../../src/core/store/schema";

// Shell commands that delete files wait for approval by default; this suite lets the agent run them.
const ALLOW_COMMANDS = '[[permissions.rules]]\naction = "allow"\noperation = "process.execute"\n';

let up: Upstream;
let app: TestApp;
let repo: string;

const git = (...args: string[]) => runGit(repo, ...args);

/** Everything of the user's git state a snapshot must not change. */
const userState = () => ({
  head: git("rev-parse", "HEAD"),
  branch: git("symbolic-ref", "HEAD"),
  staged: git("diff", "--cached"),
  stash: git("stash", "list"),
  status: git("status", "--porcelain", "--untracked-files=all"),
});
const penguinRefs = () => git("for-each-ref", "--format=%(refname)", "refs/penguin/").split("\n").filter(Boolean);
const read = (path: string) => readFileSync(join(repo, path), "utf8");

beforeAll(() => {
  repo = tempRepo("penguin-git-root-");
  git("config", "user.email", "user@example.com");
  git("config", "user.name", "User");
  writeFileSync(join(repo, ".gitignore"), "ignored/\n");
  writeFileSync(join(repo, "tracked.txt"), "v1\n");
  writeFileSync(join(repo, "doomed.txt"), "keep me\n");
  writeFileSync(join(repo, "staged.txt"), "committed\n");
  mkdirSync(join(repo, "sub"));
  writeFileSync(join(repo, "sub", "inner.txt"), "inner v1\n");
  writeFileSync(join(repo, "outside.txt"), "outside v1\n");
  git("add", "-A");
  git("commit", "-q", "-m", "initial");
  // The user's own work in progress: a staged change, a stash and an ignored file.
  writeFileSync(join(repo, "staged.txt"), "staged by the user\n");
  git("add", "staged.txt");
  writeFileSync(join(repo, "tracked.txt"), "stashed edit\n");
  git("stash", "push", "-q", "--keep-index", "-m", "user stash");
  mkdirSync(join(repo, "ignored"));
  writeFileSync(join(repo, "ignored", "cache.txt"), "cache v1\n");
});
useChatApp("openai", (started) => ({ up, app } = started), () => ({ projectRoot: repo, toml: ALLOW_COMMANDS }));
afterAll(() => rmSync(repo, { recursive: true, force: true })); // after the app's afterAll: hooks run in order
beforeEach(() => up.reset());

async function chat(text: string, extra: Record<string, unknown> = {}) {
  const res = await post(app, "/api/v1/chat/message", { text, ...extra });
  expect(res.status).toBe(200);
  return res.body as { conversation_id: string; action_results: { status: string; result: string }[] };
}

async function checkpoint(conversationId: string, name: string): Promise<string> {
  const res = await post(app, "/api/v1/checkpoints/create", { name, conversation_id: conversationId });
  expect(res.status).toBe(200);
  return res.body.checkpoint_id;
}

describe("git snapshots", () => {
  test("rollback with restore_files undoes a shell command's changes; the user's HEAD, index and stash stay untouched", async () => {
    const before = userState();
    expect(before.staged).toContain("staged by the user");
    expect(before.stash).toContain("user stash");

    up.script({ text: "Ready." });
    const { conversation_id } = await chat("Prepare");
    const cp = await checkpoint(conversation_id, "before the command");
    // A turn without tools takes no snapshot: the checkpoints wait for the next tool.
    expect(penguinRefs()).toEqual([]);

    const command =
      "printf 'v2\\n' > tracked.txt && printf 'brand new\\n' > created.txt && mkdir -p newdir/deeper && printf x > newdir/deeper/file.txt " +
      "&& rm doomed.txt && printf 'cache v2\\n' > ignored/cache.txt";
    up.script({ toolCalls: [{ name: "execute_command", arguments: { command } }] }, { text: "Done." });
    const turn = await chat("Change things with the shell", { conversation_id });
    expect(turn.action_results.map((a) => a.status)).toEqual(["completed"]);
    expect(read("tracked.txt")).toBe("v2\n");
    expect(existsSync(join(repo, "doomed.txt"))).toBe(false);

    // The snapshot was taken before the command ran, and is kept alive by a ref of its own.
    const refs = penguinRefs();
    expect(refs).toHaveLength(1);
    expect(refs[0]).toStartWith("refs/penguin/checkpoints/");
    expect(git("ls-tree", "-r", "--name-only", refs[0]!).split("\n")).toEqual(expect.arrayContaining(["tracked.txt", "doomed.txt", "staged.txt"]));
    const during = userState();
    expect({ head: during.head, branch: during.branch, staged: during.staged, stash: during.stash }).toEqual({
      head: before.head,
      branch: before.branch,
      staged: before.staged,
      stash: before.stash,
    });

    const res = await post(app, `/api/v1/checkpoints/${cp}/rollback`, { restore_files: true });
    expect(res.status).toBe(200);
    const byPath = Object.fromEntries(res.body.restored_files.map((f: any) => [f.path.slice(repo.length + 1), f.action]));
    expect(byPath).toEqual({
      "tracked.txt": "restored",
      "doomed.txt": "restored",
      "created.txt": "deleted",
      "newdir/deeper/file.txt": "deleted",
    });
    expect(res.body.message).toContain("4 file(s) restored");
    expect(read("tracked.txt")).toBe("v1\n");
    expect(read("doomed.txt")).toBe("keep me\n");
    expect(existsSync(join(repo, "created.txt"))).toBe(false);
    expect(existsSync(join(repo, "newdir"))).toBe(false); // folders left empty go too
    expect(read("ignored/cache.txt")).toBe("cache v2\n"); // ignored files are left alone
    expect(read("staged.txt")).toBe("staged by the user\n");

    // Work tree, index, HEAD and stash are exactly as the user left them.
    expect(userState()).toEqual(before);
  });

  test("a session bound to a subfolder: only that folder is snapshotted and restored", async () => {
    writeFileSync(join(repo, "outside.txt"), "outside v1\n");
    up.script({ text: "In sub." });
    const { conversation_id } = await chat("Work in sub", { directory: join(repo, "sub"), session_id: "git-sub-session" });
    const cp = await checkpoint(conversation_id, "sub start");
    const command = "printf 'inner v2\\n' > inner.txt && printf n > added.txt; printf 'outside v2\\n' > ../outside.txt";
    up.script({ toolCalls: [{ name: "execute_command", arguments: { command } }] }, { text: "Changed." });
    await chat("Change inner and outside", { conversation_id });
    expect(read("sub/inner.txt")).toBe("inner v2\n");
    expect(read("outside.txt")).toBe("outside v1\n"); // the sandbox holds the session to its folder
    writeFileSync(join(repo, "outside.txt"), "outside v2\n"); // the user's own change

    const res = await post(app, `/api/v1/checkpoints/${cp}/rollback`, { restore_files: true });
    const byPath = Object.fromEntries(res.body.restored_files.map((f: any) => [f.path, f.action]));
    expect(byPath).toEqual({ [join(repo, "sub", "inner.txt")]: "restored", [join(repo, "sub", "added.txt")]: "deleted" });
    expect(read("sub/inner.txt")).toBe("inner v1\n");
    expect(read("outside.txt")).toBe("outside v2\n"); // outside the session's root: not ours to restore
  });

  test("file tools and shell commands in one turn: each path is reported once", async () => {
    up.script({ text: "ok" });
    const { conversation_id } = await chat("Mixed");
    const cp = await checkpoint(conversation_id, "mixed start");
    up.script(
      {
        toolCalls: [
          { name: "write_file", arguments: { path: "tracked.txt", content: "by write_file\n" } },
          { name: "execute_command", arguments: { command: "printf 'by shell\\n' > tracked.txt && printf i > ignored/by-tool.txt" } },
        ],
      },
      { toolCalls: [{ name: "write_file", arguments: { path: "ignored/notes.txt", content: "ignored, written by a file tool\n" } }] },
      { text: "Mixed done." },
    );
    const turn = await chat("Write and run", { conversation_id });
    expect(turn.action_results.map((a) => a.status)).toEqual(["completed", "completed", "completed"]);

    const res = await post(app, `/api/v1/checkpoints/${cp}/rollback`, { restore_files: true });
    const actions = res.body.restored_files.map((f: any) => [f.path.slice(repo.length + 1), f.action]);
    // tracked.txt comes from the snapshot; the ignored file written by a file tool from its pre-image (it did not
    // exist); the ignored file the shell wrote is nobody's to undo.
    expect(actions).toEqual([
      ["tracked.txt", "restored"],
      ["ignored/notes.txt", "deleted"],
    ]);
    expect(read("tracked.txt")).toBe("v1\n");
    expect(existsSync(join(repo, "ignored", "notes.txt"))).toBe(false);
    expect(existsSync(join(repo, "ignored", "by-tool.txt"))).toBe(true);
  });

  test("rollback and branch first give pending checkpoints their snapshot (files as they are now)", async () => {
    up.script({ text: "Nothing to run." });
    const { conversation_id } = await chat("No tools here");
    const pendingCp = await checkpoint(conversation_id, "pending until rollback");
    const row = () => app.core.db.select().from(checkpoints).where(eq(checkpoints.id, pendingCp)).get()!;
    expect(row()).toMatchObject({ gitPending: true, gitSnapshotId: null });

    const branched = await post(app, `/api/v1/checkpoints/${pendingCp}/branch`, { name: "side" });
    expect(branched.status).toBe(200);
    // Settled before the branch copied it: the branch point shares the snapshot.
    const snapshotId = row().gitSnapshotId;
    expect(row().gitPending).toBe(false);
    expect(snapshotId).toEqual(expect.any(String));
    const branchPoint = app.core.db.select().from(checkpoints).where(eq(checkpoints.id, branched.body.branch_checkpoint_id)).get()!;
    expect(branchPoint).toMatchObject({ gitPending: false, gitSnapshotId: snapshotId });

    const later = await checkpoint(conversation_id, "pending until rollback too");
    writeFileSync(join(repo, "tracked.txt"), "changed by the user\n");
    const res = await post(app, `/api/v1/checkpoints/${later}/rollback`, { restore_files: true });
    expect(res.status).toBe(200);
    const settled = app.core.db.select().from(checkpoints).where(eq(checkpoints.id, later)).get()!;
    expect(settled.gitPending).toBe(false);
    expect(penguinRefs()).toContain(`refs/penguin/checkpoints/${settled.gitSnapshotId}`);
    // The snapshot was taken at the rollback, so there is nothing to undo.
    expect(res.body.restored_files).toEqual([]);
    expect(read("tracked.txt")).toBe("changed by the user\n");
    writeFileSync(join(repo, "tracked.txt"), "v1\n");
  });

  test("cleanup deletes the refs of snapshots no checkpoint needs any more", async () => {
    expect(penguinRefs().length).toBeGreaterThan(0);
    const db = app.core.db;
    db.update(checkpoints).set({ createdAt: Date.now() - 400 * 86_400_000 }).run();
    const res = await post(app, "/api/v1/checkpoints/cleanup", undefined);
    expect(res.body.cleaned_count).toBeGreaterThan(0);
    expect(db.select().from(gitSnapshots).all()).toEqual([]);
    expect(penguinRefs()).toEqual([]);
  });
});
