// grep_search runs its regex in a worker: a catastrophically backtracking pattern is stopped at the tool's timeout or
// by cancelling the turn, and the server's event loop stays free meanwhile.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ToolContext } from "../../src/core/tools/types";
import { startTestApp, type TestApp } from "../support/harness";

// /(a+)+$/ tries every split of the a's before failing on the "b": ~1 s per line here, doubling with each extra "a"
// (JavaScriptCore gives up on a single match after about a second). Bounded on purpose: run on the main thread (the
// old way) it blocks for seconds and these tests fail rather than hang.
const REDOS = "(a+)+$";
const EVIL_LINES = Array.from({ length: 4 }, () => "a".repeat(26) + "b").join("\n");
const TIMEOUT_MS = 500;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  writeFileSync(join(app.projectRoot, "evil.txt"), EVIL_LINES);
  writeFileSync(join(app.projectRoot, "fine.txt"), "needle\n");
  app.core.tools.get("grep_search")!.timeoutMs = TIMEOUT_MS;
});
afterAll(() => app.close());

const grep = (args: Record<string, unknown>, signal = new AbortController().signal) => {
  const ctx: ToolContext = { root: app.core.roots.activeRoot, sessionId: "s", conversationId: "c", agentId: "default", turnId: "t", signal };
  return app.core.tools.execute({ id: "call-1", name: "grep_search", arguments: JSON.stringify(args) }, ctx);
};

/** How late /health answers when asked at 100, 200 and 300 ms from now: a timer or a request held up by a blocked
 *  event loop shows up as a delay. */
async function healthDelays(): Promise<number[]> {
  const started = performance.now();
  return Promise.all(
    [100, 200, 300].map(async (at) => {
      await Bun.sleep(at);
      expect((await app.request("/health")).status).toBe(200);
      return performance.now() - started - at;
    }),
  );
}

test("a ReDoS pattern times out with a hint while /health keeps answering, and its thread is stopped", async () => {
  const started = performance.now();
  const pending = grep({ pattern: REDOS, path: "evil.txt" });
  // a blocked event loop would hold /health for seconds (about one per evil line); a loaded machine adds tens of ms
  expect(Math.max(...(await healthDelays()))).toBeLessThan(750);
  const r = await pending;
  expect(r.status).toBe("error");
  expect(r.output).toContain("grep_search timed out after");
  expect(r.output).toContain("backtrack catastrophically");
  expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 500);

  // a terminated worker takes a moment to unwind; after that the process is idle again instead of still backtracking
  await Bun.sleep(800);
  const before = process.cpuUsage();
  await Bun.sleep(300);
  expect(process.cpuUsage(before).user / 1000).toBeLessThan(150);
});

test("cancelling the turn ends a running search at once", async () => {
  const controller = new AbortController();
  const started = performance.now();
  const pending = grep({ pattern: REDOS, path: "." }, controller.signal);
  setTimeout(() => controller.abort(), 100);
  const r = await pending;
  expect(r.output).toBe("grep_search was cancelled.");
  expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
});

test("ordinary searches still answer through the worker", async () => {
  const r = await grep({ pattern: "need", path: "." });
  expect(r.output).toBe("fine.txt:1: needle");
  expect(r.data).toMatchObject({ matches: 1, files: 1, truncated: false });
});
