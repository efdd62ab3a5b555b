// The environment of a sandboxed command is an allow-list, and nothing of the server's environment can be read
// through /proc: the server's pid does not exist inside, and the sandbox's pid 1 (bwrap) got the clean one too.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createSandbox, SANDBOX_HOME, type Sandbox } from "../../src/core/sandbox";
import { run, scratch } from "./support";

const SECRET = `penguin-test-secret-${crypto.randomUUID()}`;
let sandbox: Sandbox;
const tree = scratch("sbenv");

const savedKey = process.env.OPENAI_API_KEY;

beforeAll(async () => {
  process.env.PENGUIN_SANDBOX_TEST_SECRET = SECRET;
  process.env.OPENAI_API_KEY = SECRET;
  sandbox = await createSandbox("required");
});
afterAll(async () => {
  delete process.env.PENGUIN_SANDBOX_TEST_SECRET;
  if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = savedKey;
  await sandbox.shutdown();
  tree.remove();
});

test("the environment is the allow-list plus what the policy adds", async () => {
  const proc = await sandbox.spawn(["env", "-0"], { root: tree.dir, env: { GIT_TERMINAL_PROMPT: "0" } });
  const text = await new Response(proc.stdout).text();
  const env = Object.fromEntries(text.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  const allowed = new Set(["PATH", "HOME", "TMPDIR", "USER", "LOGNAME", "PWD", "LANG", "LANGUAGE", "TERM", "TZ", "COLORTERM", "GIT_TERMINAL_PROMPT"]);
  expect(Object.keys(env).filter((name) => !allowed.has(name) && !name.startsWith("LC_"))).toEqual([]);
  expect(env).toMatchObject({ HOME: SANDBOX_HOME, TMPDIR: "/tmp", PWD: tree.dir, GIT_TERMINAL_PROMPT: "0" });
  expect(text).not.toContain(SECRET);
});

test("the server's environment cannot be read through /proc: not its own, not pid 1's, not any", async () => {
  const { out } = await run(
    sandbox,
    `cat /proc/${process.pid}/environ 2>&1; echo; cat /proc/1/environ | tr '\\0' '\\n'; echo; cat /proc/1/cmdline | tr '\\0' ' '; echo; ` +
      `grep -a -l -r -e "${SECRET.slice(0, 30)}" /proc/[0-9]*/environ 2>/dev/null; ls /proc | grep -E '^[0-9]+$' | wc -l`,
    { root: tree.dir },
  );
  expect(out).not.toContain(SECRET);
  expect(out).toMatch(/No such file or directory/);
  expect(out).toContain("HOME=/tmp/home");
  // only the sandbox's own few processes are there: bwrap's init, bash, and the pipeline
  const count = Number(out.trim().split("\n").at(-1));
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThan(10);
});

test("the server's pid does not exist inside (its own PID namespace)", async () => {
  const { out } = await run(sandbox, `echo $$; kill -0 ${process.pid} 2>/dev/null && echo VISIBLE; echo done`, { root: tree.dir });
  const [pid] = out.split("\n");
  expect(Number(pid)).toBeLessThan(10);
  expect(out).not.toContain("VISIBLE");
});
