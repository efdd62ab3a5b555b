// Structured logs: one JSON object per line; DEBUG adds the debug lines (turn and tool steps, sockets).
import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/core/kernel/log";
import { startTestApp } from "../support/harness";
import { startUpstream } from "../support/upstream";

describe("logging", () => {
  test("levels: debug lines only when DEBUG is on; every line is a JSON object with time, level and msg", () => {
    const quiet: string[] = [];
    const verbose: string[] = [];
    for (const [debug, sink] of [[false, quiet], [true, verbose]] as const) {
      const log = createLogger({ debug, write: (l) => sink.push(l) });
      log.debug("d", { a: 1 });
      log.info("i");
      log.error("e", { why: "x" });
    }
    expect(quiet.map((l) => JSON.parse(l).msg)).toEqual(["i", "e"]);
    expect(verbose.map((l) => JSON.parse(l).msg)).toEqual(["d", "i", "e"]);
    const first = JSON.parse(verbose[0]!);
    expect(first).toMatchObject({ level: "debug", msg: "d", a: 1 });
    expect(Date.parse(first.time)).toBeGreaterThan(0);
  });

  test("with DEBUG, a chat turn logs its steps", async () => {
    const up = await startUpstream();
    const app = await startTestApp({ env: { PENGUIN_MODEL: "openai/test-model", OPENAI_API_KEY: "x", OPENAI_BASE_URL: up.openaiBaseUrl } });
    try {
      up.script({ toolCalls: [{ name: "list_files", arguments: { path: "." } }] }, { text: "done" });
      const res = await app.request("/api/v1/chat/message", { method: "POST", json: { text: "list" } });
      expect(res.status).toBe(200);
      const debug = app.logs.filter((l) => l.level === "debug").map((l) => l.msg);
      expect(debug).toContain("turn started");
      expect(debug).toContain("tool call");
      expect(debug).toContain("turn finished");
      expect(app.logs.find((l) => l.msg === "tool call")).toMatchObject({ tool: "list_files", status: "completed" });
    } finally {
      await app.close();
      await up.close();
    }
  });
});
