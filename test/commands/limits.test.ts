// The catalog across restarts and under its limits: the defaults are seeded once (a deleted default stays deleted,
// added commands stay), an execution left waiting for approval by a stopped server is cancelled and never runs, a command
// that outlives [catalog] timeout_seconds is killed, and output beyond max_output_kb is cut and marked truncated.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestApp, type TestApp } from "../support/harness";

const workspace = mkdtempSync(join(tmpdir(), "penguin-catalog-restart-"));
const projectRoot = mkdtempSync(join(tmpdir(), "penguin-catalog-root-"));
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(projectRoot, { recursive: true, force: true });
});

// the workspace is our own (it outlives one server), so its config file is written here
writeFileSync(join(workspace, "penguin.toml"), "[catalog]\ntimeout_seconds = 0.5\nmax_output_kb = 1\n");
const start = () => startTestApp({ projectRoot, env: { PENGUIN_WORKSPACE: workspace } });

async function call(app: TestApp, method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.request(path, { method, ...(json !== undefined ? { json } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe("across a restart", () => {
  test("seeded once; an execution waiting for approval when the server stops is cancelled and never runs", async () => {
    const first = await start();
    let waiting: any;
    let added: any;
    try {
      expect((await call(first, "DELETE", "/v1/commands/catalog/default-uptime")).status).toBe(204);
      added = (await call(first, "POST", "/v1/commands/catalog", { name: "Make restart marker", argv: ["mkdir", "restart-marker"], requires_approval: true })).body;
      waiting = await call(first, "POST", `/v1/commands/catalog/${added.id}/execute`);
      expect(waiting.status).toBe(202);
    } finally {
      await first.close();
    }

    const second = await start();
    try {
      expect((await call(second, "GET", "/v1/commands/catalog/count")).body.count).toBe(32);
      expect((await call(second, "GET", "/v1/commands/catalog/default-uptime")).status).toBe(404);
      expect((await call(second, "GET", `/v1/commands/catalog/${added.id}`)).status).toBe(200);
      const execution = await call(second, "GET", `/v1/commands/executions/${waiting.body.id}`);
      expect(execution.body).toMatchObject({ status: "cancelled", reason: "Not run: the approval request was cancelled", started_at: null, exit_code: null });
      expect((await call(second, "GET", `/api/v1/approvals/${waiting.body.approval_request_id}`)).body.status).toBe("cancelled");
      expect((await call(second, "POST", `/api/v1/approvals/${waiting.body.approval_request_id}/approve`, {})).status).toBe(409);
      await Bun.sleep(200);
      expect(existsSync(join(projectRoot, "restart-marker"))).toBe(false);
    } finally {
      await second.close();
    }
  });
});

describe("limits", () => {
  test("a command running past timeout_seconds is killed; output past max_output_kb is cut", async () => {
    const app = await start();
    try {
      const sleeper = (await call(app, "POST", "/v1/commands/catalog", { name: "Sleep", argv: ["sleep", "30"] })).body;
      const began = Date.now();
      const slept = await call(app, "POST", `/v1/commands/catalog/${sleeper.id}/execute`);
      expect(Date.now() - began).toBeLessThan(5000);
      expect(slept.body).toMatchObject({ status: "failed", reason: "Timed out after 0.5 s and was killed" });
      expect(slept.body.exit_code).not.toBe(0);

      const counter = (await call(app, "POST", "/v1/commands/catalog", { name: "Count", argv: ["seq", "1", "5000"] })).body;
      const counted = await call(app, "POST", `/v1/commands/catalog/${counter.id}/execute`);
      expect(counted.body).toMatchObject({ status: "completed", exit_code: 0, truncated: true });
      expect(counted.body.output).toHaveLength(1024);
      expect(counted.body.output.startsWith("1\n2\n3\n")).toBe(true);
    } finally {
      await app.close();
    }
  });
});
