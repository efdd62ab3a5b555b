// The server as a real process: graceful shutdown, and the compiled single binary from an empty folder.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { buildBinary } from "../../scripts/build";
import { smokeBinary } from "../../scripts/smoke-binary";
import { startServerProcess } from "../support/server-process";

const ROOT = join(import.meta.dir, "../..");

describe("process lifecycle", () => {
  test("SIGTERM stops accepting, closes the database and exits 0", async () => {
    const ws = mkdtempSync(join(tmpdir(), "penguin-life-"));
    const server = await startServerProcess({ HOME: ws, PENGUIN_WORKSPACE: ws, PENGUIN_API_KEYS: "life-key-123456" });
    const { url, process: child } = server;
    expect((await fetch(url + "/health")).status).toBe(200);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    await expect(fetch(url + "/health")).rejects.toThrow();
    // The database was closed cleanly: the WAL was checkpointed and it opens without recovery work.
    const db = new Database(join(ws, "penguin.db"));
    expect(db.query("SELECT count(*) AS n FROM schema_version").get()).toEqual({ n: expect.any(Number) });
    db.close();
    expect(server.stderr()).toContain('"shutting down"');
    rmSync(ws, { recursive: true, force: true });
  });

  test("SIGTERM with a WebSocket client still connected exits after the grace period instead of hanging", async () => {
    const ws = mkdtempSync(join(tmpdir(), "penguin-life-ws-"));
    const { url, process: child } = await startServerProcess({ HOME: ws, PENGUIN_WORKSPACE: ws, PENGUIN_API_KEYS: "life-key-123456" });
    const socket = new WebSocket(url.replace("http", "ws") + "/api/v1/chat/stream?token=life-key-123456");
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const closed = new Promise((resolve) => (socket.onclose = resolve));
    const started = Date.now();
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(12_000);
    await closed;
    rmSync(ws, { recursive: true, force: true });
  }, 25_000);

  test("an occupied port is reported in one line", async () => {
    const holder = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("x") });
    try {
      const r = Bun.spawnSync([process.execPath, "src/index.ts", "--port", String(holder.port)], {
        cwd: ROOT,
        env: { PATH: process.env.PATH!, HOME: mkdtempSync(join(tmpdir(), "penguin-port-")), PENGUIN_API_KEYS: "life-key-123456" },
        stderr: "pipe",
      });
      expect(r.exitCode).toBe(1);
      expect(r.stderr.toString().trim()).toContain(`port ${holder.port} on 127.0.0.1 is already in use`);
    } finally {
      holder.stop(true);
    }
  });
});

describe("single binary", () => {
  test("compiles, then runs alone from an empty folder: workspace, UI, docs, API, clean stop", async () => {
    const out = mkdtempSync(join(tmpdir(), "penguin-build-"));
    const build = buildBinary(join(out, "penguin"));
    expect(build.stderr).not.toContain("error");
    expect(build.ok).toBe(true);
    try {
      const checks = await smokeBinary(join(out, "penguin"));
      expect(checks).toContain("/api/docs → 200");
      expect(checks).toContain("SIGTERM → exit 0");
      expect(checks).toContain("chat turn with grep_search (worker) → completed");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
