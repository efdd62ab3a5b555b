// Crash consistency: the real server as a child process (`bun src/index.ts serve`), killed with SIGKILL in the middle
// of a streamed answer, then restarted on the same workspace. History is intact, the half-written answer is kept
// (everything the client saw is on disk) and marked interrupted, and the conversation carries on.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_KEY } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";
import { until } from "../support/chat";
import { startServerProcess, type ServerProcess } from "../support/server-process";


type Child = ServerProcess;

const startChild = (workspace: string, up: Upstream): Promise<Child> =>
  startServerProcess({
    PENGUIN_WORKSPACE: workspace,
    PENGUIN_PROJECT_ROOT: workspace,
    PENGUIN_API_KEYS: TEST_KEY,
    PENGUIN_RATE_LIMIT_RPM: "0",
    PENGUIN_MODEL: "openai/gpt-4o",
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: up.openaiBaseUrl,
  });

const api = (child: Child, path: string, init: RequestInit & { json?: unknown } = {}) =>
  fetch(child.url + path, {
    ...init,
    headers: { "x-api-key": TEST_KEY, "content-type": "application/json" },
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });

describe("kill -9 mid-stream, restart", () => {
  let up: Upstream;
  let workspace: string;
  const children: Child[] = [];
  beforeAll(async () => {
    up = await startUpstream();
    workspace = mkdtempSync(join(tmpdir(), "penguin-crash-"));
  });
  afterAll(async () => {
    for (const c of children) c.process.kill("SIGKILL");
    await up.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  test("history intact, the partial answer kept and marked interrupted, the conversation goes on", async () => {
    const first = await startChild(workspace, up);
    children.push(first);
    up.script({ key: "[one]", text: "First answer, complete." });
    const done = await (await api(first, "/api/v1/chat/message", { method: "POST", json: { text: "[one] hello", conversation_id: "crashy" } })).json();
    expect(done.response).toBe("First answer, complete.");

    // A slow answer streamed over the WebSocket; the server dies while it streams.
    const long = "This answer streams slowly and the server will be killed before it is finished. ".repeat(3);
    up.script({ key: "[two]", text: long, chunkDelayMs: 25 });
    const ws = new WebSocket(`${first.url.replace(/^http/, "ws")}/api/v1/chat/stream?token=${TEST_KEY}`);
    let received = "";
    ws.onmessage = (m) => {
      const e = JSON.parse(String(m.data));
      if (e.event === "token") received += e.data.token;
    };
    await new Promise((resolve) => (ws.onopen = resolve));
    ws.send(JSON.stringify({ text: "[two] tell me more", conversation_id: "crashy" }));
    await until(() => received.length >= 30, 10_000, "part of the answer");
    first.process.kill("SIGKILL");
    await first.process.exited;
    const seen = received;
    expect(seen.length).toBeLessThan(long.length);

    const second = await startChild(workspace, up);
    children.push(second);
    const conv = await (await api(second, "/api/v1/conversations/crashy")).json();
    const shape = conv.messages.map((m: any) => [m.role, m.status]);
    expect(shape).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
      ["user", "complete"],
      ["assistant", "interrupted"],
    ]);
    expect(conv.messages[1].content).toBe("First answer, complete.");
    expect(conv.messages[2].content).toBe("[two] tell me more");
    const partial = conv.messages[3].content as string;
    // Everything the client saw was on disk before it was sent.
    expect(partial.startsWith(seen)).toBe(true);
    expect(long.startsWith(partial)).toBe(true);

    up.script({ key: "[three]", text: "Picking up where we left off." });
    const next = await (await api(second, "/api/v1/chat/message", { method: "POST", json: { text: "[three] go on", conversation_id: "crashy" } })).json();
    expect(next.response).toBe("Picking up where we left off.");
    const sent = up.requests.at(-1)!.body.messages.filter((m: any) => m.role !== "system").map((m: any) => m.content);
    expect(sent).toEqual(["[one] hello", "First answer, complete.", "[two] tell me more", partial, "[three] go on"]);
    ws.close();
  }, 30_000);
});
