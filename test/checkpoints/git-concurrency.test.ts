// Snapshots of one repository requested at the same time (several conversations' tools, a rollback) run one after the
// other: they all write through the same private index, and git refuses a second writer (index.lock) — without the
// per-git-dir queue all but one would fail and their checkpoints would get no snapshot.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSandbox } from "../../src/core/sandbox";
import { GitSnapshots } from "../../src/core/checkpoints/git-snapshots";
import { runGit, tempRepo } from "../support/git";

let repo: string;

const git = (...args: string[]) => runGit(repo, ...args);

beforeAll(() => {
  repo = tempRepo("penguin-git-concurrent-");
  // Untracked and never snapshotted: the first `git add` has to hash everything, so it holds the index lock a while.
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(repo, `dir${d}`));
    for (let f = 0; f < 150; f++) writeFileSync(join(repo, `dir${d}`, `f${f}.txt`), `${d}/${f} `.repeat(800));
  }
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

test("concurrent snapshots of one repository (whole tree and a subfolder) all succeed, one at a time", async () => {
  const sandbox = await createSandbox("auto");
  const snapshots = GitSnapshots.create([], sandbox)!;
  expect(snapshots).toBeDefined();
  const [whole, sub] = await Promise.all([snapshots.place(repo), snapshots.place(join(repo, "dir3"))]);
  expect(whole!.gitDir).toBe(sub!.gitDir);

  const trees = await Promise.all([snapshots.writeTree(whole!), snapshots.writeTree(sub!), snapshots.writeTree(whole!), snapshots.writeTree(whole!)]);
  expect(trees.every((tree) => typeof tree === "string" && /^[0-9a-f]{40}$/.test(tree))).toBe(true);
  // Nothing changed in between: every snapshot recorded the same, complete tree.
  expect(new Set(trees).size).toBe(1);
  expect(git("ls-tree", "-r", "--name-only", trees[0]!).split("\n").filter(Boolean)).toHaveLength(1500);
  // The user's index was never touched (there is none: nothing was ever staged).
  expect(git("status", "--porcelain").split("\n").filter(Boolean).length).toBe(10);
});
