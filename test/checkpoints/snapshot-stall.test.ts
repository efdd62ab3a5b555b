// A git snapshot must not freeze the server: while `git add` hashes a large repository for a pending checkpoint,
// other requests keep being answered and timers keep firing. Real server, scripted upstream, a repository of a few
// thousand untracked files in a temp folder (the first snapshot has to hash all of them).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { post, useChatApp } from "../support/chat";
import { runGit, tempRepo } from "../support/git";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

const FOLDERS = 30;
const FILES_PER_FOLDER = 100;
const FILE_BYTES = 12_000;
/**
 * The longest the event loop may be away (timer gap, /health round trip) while the snapshot runs. Generous on
 * purpose (a free loop shows ~15 ms here, a blocked one the whole snapshot): this tests that the loop stays free,
 * not how fast it is, so a noisy shared machine must not make it fail.
 */
const STALL_BOUND_MS = 200;
/** Below this the snapshot is too quick to tell a blocked loop from a free one: the repository must be larger. */
const MIN_SNAPSHOT_MS = 300;

let up: Upstream;
let app: TestApp;
let repo: string;

const git = (...args: string[]) => runGit(repo, ...args);

beforeAll(() => {
  repo = tempRepo("penguin-git-stall-");
  for (let d = 0; d < FOLDERS; d++) {
    mkdirSync(join(repo, `dir${d}`));
    for (let f = 0; f < FILES_PER_FOLDER; f++) {
      const line = `file ${d}/${f} ${Math.random().toString(36)}\n`;
      writeFileSync(join(repo, `dir${d}`, `file${f}.txt`), line.repeat(Math.ceil(FILE_BYTES / line.length)));
    }
  }
  writeFileSync(join(repo, "readme.txt"), "small\n");
});
useChatApp("openai", (started) => ({ up, app } = started), () => ({ projectRoot: repo }));
afterAll(() => rmSync(repo, { recursive: true, force: true })); // after the app's afterAll: hooks run in order

test("the server keeps answering while a snapshot of a large repository is taken", async () => {
  up.script({ text: "Ready." });
  const first = await post(app, "/api/v1/chat/message", { text: "Prepare" });
  const conversation_id = first.body.conversation_id as string;
  const cp = await post(app, "/api/v1/checkpoints/create", { name: "before reading", conversation_id });
  expect(cp.status).toBe(200);
  expect(git("for-each-ref", "refs/penguin/")).toBe(""); // still pending: no tool has run

  // Measure the event loop from two sides while the turn (and with it the snapshot) runs.
  let running = true;
  let maxTimerGap = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    maxTimerGap = Math.max(maxTimerGap, now - last);
    last = now;
  }, 5);
  // The same process serves /health, so "answered" is measured as the longest time between two answers.
  const answeredAt: number[] = [];
  const poller = (async () => {
    while (running) {
      const res = await app.request("/health", { auth: false });
      if (res.ok) answeredAt.push(performance.now());
      await res.arrayBuffer();
      await Bun.sleep(5);
    }
  })();

  up.script({ toolCalls: [{ name: "read_file", arguments: { path: "readme.txt" } }] }, { text: "Read it." });
  const t0 = performance.now();
  const turn = await post(app, "/api/v1/chat/message", { text: "Read the readme", conversation_id });
  const turnMs = performance.now() - t0;
  running = false;
  clearInterval(ticker);
  await poller;

  expect(turn.status).toBe(200);
  expect(turn.body.action_results.map((a: { status: string }) => a.status)).toEqual(["completed"]);
  // The snapshot was taken during this turn (it is what made the turn slow).
  const refs = git("for-each-ref", "--format=%(refname)", "refs/penguin/").split("\n").filter(Boolean);
  expect(refs).toHaveLength(1);
  expect(git("ls-tree", "-r", "--name-only", refs[0]!).split("\n").filter(Boolean)).toHaveLength(FOLDERS * FILES_PER_FOLDER + 1);
  if (turnMs < MIN_SNAPSHOT_MS) throw new Error(`the snapshot took only ${Math.round(turnMs)} ms: make the test repository larger`);

  const maxHealthGap = Math.max(...answeredAt.slice(1).map((at, i) => at - answeredAt[i]!));
  console.log(
    `turn with snapshot ${Math.round(turnMs)} ms; longest timer gap ${Math.round(maxTimerGap)} ms; ` +
      `/health answered ${answeredAt.length}×, longest gap between answers ${Math.round(maxHealthGap)} ms`,
  );
  expect(maxTimerGap).toBeLessThan(STALL_BOUND_MS);
  expect(answeredAt.length).toBeGreaterThan(turnMs / STALL_BOUND_MS);
  expect(maxHealthGap).toBeLessThan(STALL_BOUND_MS);
}, 60_000); // hashing the repository may take several seconds on a slow machine
