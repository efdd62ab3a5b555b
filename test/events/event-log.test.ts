// The event log across restarts and over time: ids keep increasing after a restart (a client's `since` from before
// stays meaningful, and no id is given twice) and what happened before the restart replays after it; events older
// than the retention go, the newest always stays.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openaiEnv, post, until } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

let up: Upstream;
const workspace = mkdtempSync(join(tmpdir(), "penguin-eventlog-"));
afterAll(async () => {
  await up?.close();
  rmSync(workspace, { recursive: true, force: true });
});

const start = (env: Record<string, string> = {}) => startTestApp({ env: { ...openaiEnv(up), PENGUIN_WORKSPACE: workspace, ...env } });

/** Frames an events socket receives until `done` says so. */
async function collect(app: TestApp, query: string, done: (frames: any[]) => boolean): Promise<any[]> {
  const frames: any[] = [];
  const ws = new WebSocket(app.wsUrl(`/api/v1/events/ws?${query}`));
  ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
  await until(() => done(frames), 5000, "the frames");
  ws.close();
  return frames;
}

describe("the event log", () => {
  test("ids continue after a restart, and events from before it replay after it", async () => {
    up = await startUpstream({ defaultText: "logged answer" });
    const first = await start();
    await post(first, "/api/v1/chat/message", { text: "before the restart", conversation_id: "log-1" });
    const lastBefore = first.core.bus.lastId;
    expect(lastBefore).toBeGreaterThan(0);
    await first.close();

    const second = await start();
    try {
      // Past the newest kept, with room for ids a crash could have sent live but never written.
      expect(second.core.bus.lastId).toBeGreaterThan(lastBefore);
      await post(second, "/api/v1/chat/message", { text: "after the restart", conversation_id: "log-2" });
      const frames = await collect(second, "since=0&message_type=message", (f) => f.filter((x) => x.event === "message" && x.data.role === "assistant").length >= 2);
      const events = frames.filter((f) => typeof f.id === "number");
      const ids = events.map((f) => f.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      const users = events.filter((f) => f.event === "message" && f.data.role === "user");
      expect(users.map((f) => [f.data.conversation_id, f.data.content])).toEqual([
        ["log-1", "before the restart"],
        ["log-2", "after the restart"],
      ]);
      expect(users[0].id).toBeLessThanOrEqual(lastBefore);
      expect(users[1].id).toBeGreaterThan(lastBefore);
    } finally {
      await second.close();
    }
  });

  test("events older than the retention are pruned on a timer; the newest stays", async () => {
    // A retention of 1.8 s (prunes every second).
    const app = await start({ PENGUIN_EVENTS_RETENTION_HOURS: "0.0005" });
    try {
      await post(app, "/api/v1/chat/message", { text: "soon forgotten", conversation_id: "log-3" });
      const newest = app.core.bus.lastId;
      const oldest = app.core.eventLog.oldestId()!;
      expect(oldest).toBeLessThan(newest);
      await until(() => app.core.eventLog.oldestId() === app.core.eventLog.newestId(), 8000, "old events to be pruned");
      expect(app.core.eventLog.oldestId()).toBeGreaterThanOrEqual(newest);
      const kept = app.core.eventLog.newestId();
      const frames = await collect(app, "since=0", (f) => f.length >= 2);
      expect(frames.filter((f) => typeof f.id === "number").map((f) => f.id)).toEqual([kept]);
      // Ids still continue from the newest.
      await post(app, "/api/v1/chat/message", { text: "remembered", conversation_id: "log-3" });
      expect(app.core.bus.lastId).toBeGreaterThan(kept);
    } finally {
      await app.close();
    }
  }, 15_000);
});
