// Start-up says which containment is active: `sandbox = "required"` refuses to start without bubblewrap (and says how
// to get it); `auto` without it starts, loudly, with every command that is not provably read-only asking first.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REPO = join(import.meta.dir, "..", "..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The server from source with a PATH where no bwrap can be found. */
async function serveWithoutBwrap(setting: string): Promise<{ code: number | null; output: string }> {
  const workspace = mkdtempSync(join(tmpdir(), "penguin-nobwrap-"));
  const emptyPath = mkdtempSync(join(tmpdir(), "penguin-nopath-"));
  dirs.push(workspace, emptyPath);
  const child = Bun.spawn([process.execPath, join(REPO, "src/index.ts"), "serve"], {
    cwd: REPO,
    env: { PATH: emptyPath, HOME: workspace, PENGUIN_WORKSPACE: workspace, PENGUIN_SANDBOX: setting, PORT: "0", HOST: "127.0.0.1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const decoder = new TextDecoder();
  const read = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  void read(child.stderr);
  const reader = (async () => {
    for await (const chunk of child.stdout) {
      output += decoder.decode(chunk, { stream: true });
      if (/api key/.test(output)) child.kill("SIGTERM");
    }
  })();
  const code = await Promise.race([child.exited, Bun.sleep(20_000).then(() => null)]);
  child.kill("SIGKILL");
  await reader.catch(() => {});
  return { code, output };
}

test('sandbox = "required" without bubblewrap refuses to start and says what to install', async () => {
  const { code, output } = await serveWithoutBwrap("required");
  expect(code).toBe(78);
  expect(output).toContain('sandbox = "required"');
  expect(output).toContain("bubblewrap is not installed");
  expect(output).toMatch(/apt install bubblewrap|dnf install bubblewrap/);
}, 30_000);

test('sandbox = "auto" without bubblewrap starts, and the banner says commands are not contained and will ask', async () => {
  const { output } = await serveWithoutBwrap("auto");
  expect(output).toMatch(/sandbox +NONE: bubblewrap is not installed/);
  expect(output).toContain("every command that is not provably read-only asks first");
}, 30_000);
