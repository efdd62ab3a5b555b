// First run from the command line: the generated key is kept in the workspace (mode 0600) and survives a restart,
// `penguin token --rotate` replaces it, and started from Penguin's own checkout without a root the agent works in
// the workspace's files/ (the banner says so and how to choose a project).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts the CLI, waits for its banner, returns it and stops the server. It runs from the checkout (the web UI is
 *  built from there when running from source); `project` is passed as the root unless null. */
async function startOnce(workspace: string, project: string | null, extraEnv: Record<string, string> = {}): Promise<{ banner: string; key: string; url: string; rootOk?: number }> {
  const proc = Bun.spawn([process.execPath, join(ROOT, "src/index.ts"), "--port", "0", "--workspace", workspace], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: tempDir("penguin-home-"), PENGUIN_SANDBOX: "off", ...(project ? { PENGUIN_PROJECT_ROOT: project } : {}), ...extraEnv },
    stdout: "pipe",
    stderr: "pipe",
  });
  let banner = "";
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  const deadline = Date.now() + 20_000;
  while (!/open\s+\S+/.test(banner) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    banner += decoder.decode(value);
  }
  const key = /api key\s+(\S+)/.exec(banner)?.[1] ?? "";
  const url = /listening on (\S+)/.exec(banner)?.[1] ?? "";
  // the key opens the API
  const status = url ? (await fetch(`${url}/api/v1/conversations`, { headers: { authorization: `Bearer ${key}` } })).status : 0;
  proc.kill("SIGTERM");
  await proc.exited;
  return { banner, key, url, rootOk: status };
}

describe("the generated key", () => {
  test("is kept (mode 0600) and the same after a restart; `penguin token --rotate` replaces it", async () => {
    const workspace = tempDir("penguin-ws-");
    const project = tempDir("penguin-project-");
    const first = await startOnce(workspace, project);
    expect(first.key.length).toBeGreaterThanOrEqual(16);
    expect(first.rootOk).toBe(200);
    const file = join(workspace, "api-token");
    expect(readFileSync(file, "utf8").trim()).toBe(first.key);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await startOnce(workspace, project);
    expect(second.key).toBe(first.key);
    expect(second.rootOk).toBe(200);

    const printed = Bun.spawnSync([process.execPath, join(ROOT, "src/index.ts"), "token", "--workspace", workspace], { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: workspace } });
    expect(printed.stdout.toString().trim()).toBe(first.key);
    const rotated = Bun.spawnSync([process.execPath, join(ROOT, "src/index.ts"), "token", "--rotate", "--workspace", workspace], { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: workspace } });
    expect(rotated.exitCode).toBe(0);
    const fresh = rotated.stdout.toString().trim();
    expect(fresh).not.toBe(first.key);
    expect(rotated.stderr.toString()).toContain("restart the server");
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const third = await startOnce(workspace, project);
    expect(third.key).toBe(fresh);
  }, 60_000);
});

describe("the project root", () => {
  test("started in Penguin's own checkout without a root: the workspace's files/, and the banner says how to choose", async () => {
    const workspace = tempDir("penguin-ws-");
    const { banner } = await startOnce(workspace, null);
    expect(banner).toContain(`root       ${join(workspace, "files")}`);
    expect(banner).toContain("--project-root");
  }, 30_000);

  test("an explicit root is kept, even in the checkout", async () => {
    const workspace = tempDir("penguin-ws-");
    const project = tempDir("penguin-project-");
    const { banner } = await startOnce(workspace, project);
    expect(banner).toContain(`root       ${project}`);
  }, 30_000);
});
