// execute_command and the background process tools, with real child processes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCore, type ToolTestCore } from "./helpers";

/** Command lines of live processes that are `marker` itself (not the sandbox or shell wrapped around it). */
function processesWith(marker: string): string[] {
  const out = Bun.spawnSync(["ps", "-eo", "args="]).stdout.toString();
  return out.split("\n").filter((l) => l.trim() === marker);
}

async function until<T>(check: () => T, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v || Date.now() > deadline) return v;
    await Bun.sleep(20);
  }
}

let t: ToolTestCore;
beforeAll(async () => {
  t = await makeCore({
    env: {
      OPENAI_API_KEY: "sk-fake-openai-1234",
      ANTHROPIC_API_KEY: "sk-fake-anthropic",
      GITHUB_TOKEN: "ghp_fake",
      MY_SERVICE_SECRET: "s3cret",
      DB_PASSWORD: "hunter2",
      DATABASE_URL: "postgres://user:pw@db/app",
      ALLOWED_TOKEN: "may-pass",
      PLAIN_SETTING: "visible-value",
    },
    configure: (c) => {
      c.tools.envAllow = ["ALLOWED_TOKEN"];
      c.tools.outputCapBytes = 4096;
      c.tools.maxCommandTimeoutSeconds = 2;
      c.tools.maxProcesses = 2;
    },
  });
});
afterAll(() => t.close());

describe("execute_command", () => {
  test("runs in the root, merges stdout and stderr in order, reports the exit code", async () => {
    const r = await t.call("execute_command", { command: "pwd; echo out; echo err >&2; echo out2" });
    expect(r.status).toBe("completed");
    expect(r.output).toBe(`${t.root}\nout\nerr\nout2\n[exit code 0]`);
    expect(r.data).toMatchObject({ exit_code: 0, timed_out: false });
    const failing = await t.call("execute_command", { command: "echo nope; exit 3" });
    expect(failing.status).toBe("error");
    expect(failing.output).toBe("nope\n[exit code 3]");
    expect(failing.data).toMatchObject({ exit_code: 3 });
  });

  test("the command's environment is an allow-list: no secret and no other server variable, only what config passes", async () => {
    const r = await t.call("execute_command", { command: "env" });
    expect(r.status).toBe("completed");
    for (const secret of ["sk-fake-openai-1234", "sk-fake-anthropic", "ghp_fake", "s3cret", "hunter2", "user:pw", "test-key-0123456789"]) {
      expect(r.output).not.toContain(secret);
    }
    for (const name of ["OPENAI_API_KEY", "PENGUIN_API_KEYS", "GITHUB_TOKEN", "DB_PASSWORD", "DATABASE_URL"]) expect(r.output).not.toContain(`${name}=`);
    expect(r.output).not.toContain("PLAIN_SETTING");
    expect(r.output).toContain("ALLOWED_TOKEN=may-pass");
    expect(r.output).toContain("PATH=");
    const printenv = await t.call("execute_command", { command: "printenv OPENAI_API_KEY || echo absent" });
    expect(printenv.output).toContain("absent");
  });

  test("a timeout kills the whole process tree, background children included", async () => {
    const started = Date.now();
    const r = await t.call("execute_command", { command: "sleep 97.31 & sleep 97.31; echo never", timeout_seconds: 1 });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(r.status).toBe("error");
    expect(r.output).toContain("timed out after 1 s; the process tree was killed");
    expect(r.data).toMatchObject({ timed_out: true, exit_code: null });
    expect(await until(() => processesWith("sleep 97.31").length === 0)).toBe(true);
  });

  test("a timeout above the maximum is capped and says so", async () => {
    const r = await t.call("execute_command", { command: "echo quick", timeout_seconds: 999 });
    expect(r.output).toBe("quick\n[exit code 0; timeout capped at 2 s]");
  });

  test("cancelling the turn kills the process tree", async () => {
    const controller = new AbortController();
    const pending = t.call("execute_command", { command: "sh -c 'sleep 97.32' & sleep 97.32 ; wait" }, { signal: controller.signal });
    expect(await until(() => processesWith("sleep 97.32").length >= 2)).toBe(true);
    const started = Date.now();
    controller.abort();
    const r = await pending;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.status).toBe("error");
    expect(r.output).toContain("cancelled");
    expect(await until(() => processesWith("sleep 97.32").length === 0)).toBe(true);
  });

  test("children left running when the command ends are killed with it", async () => {
    const r = await t.call("execute_command", { command: "(sleep 97.33 &) ; echo started" });
    expect(r.output).toBe("started\n[exit code 0]");
    expect(await until(() => processesWith("sleep 97.33").length === 0)).toBe(true);
  });

  test("long output keeps its beginning and end and says how to read the rest", async () => {
    const r = await t.call("execute_command", { command: "echo FIRST; seq 1 20000; echo LAST" });
    expect(r.status).toBe("completed");
    expect(r.output).toStartWith("FIRST\n1\n2\n");
    expect(r.output).toContain("LAST\n[exit code 0]");
    expect(r.output).toMatch(/\[… \d+ of \d+ bytes of output omitted\. Re-run with the output narrowed/);
    expect(Buffer.byteLength(r.output)).toBeLessThan(4096 + 300);
    expect(r.data).toMatchObject({ truncated: true });
  });
});

describe("background processes", () => {
  test("start, poll new output, write to stdin, see it exit", async () => {
    const start = await t.call("process_start", { command: "echo ready; read line; echo got:$line; sleep 0.1; echo bye", name: "echoer", wait_ms: 2000 });
    expect(start.status).toBe("completed");
    const id = start.data!.process_id as string;
    expect(start.output).toContain(`${id} (echoer): running`);
    expect(start.output).toContain("ready");
    const quiet = await t.call("process_poll", { process_id: id });
    expect(quiet.output).toContain("(no new output)");
    expect((await t.call("process_write_stdin", { process_id: id, input: "hello\n" })).status).toBe("completed");
    let seen = "";
    for (let i = 0; i < 20 && !seen.includes("exited"); i++) seen += (await t.call("process_poll", { process_id: id, wait_ms: 500 })).output;
    expect(seen).toContain("got:hello");
    expect(seen).toContain("bye");
    expect(seen).toContain("exited with code 0");
    expect(seen.match(/ready/g) ?? []).toHaveLength(0); // each poll only returns what is new
  });

  test("process_stop kills the tree; other sessions cannot see the process", async () => {
    const start = await t.call("process_start", { command: "sleep 97.34 & sleep 97.34; wait", wait_ms: 0 });
    const id = start.data!.process_id as string;
    expect(await until(() => processesWith("sleep 97.34").length >= 2)).toBe(true);
    const foreign = await t.call("process_poll", { process_id: id }, { sessionId: "someone-else" });
    expect(foreign.status).toBe("error");
    expect(foreign.output).toContain(`no process ${id} in this session`);
    const stopped = await t.call("process_stop", { process_id: id });
    expect(stopped.status).toBe("completed");
    expect(stopped.output).toContain("exited with code");
    expect(await until(() => processesWith("sleep 97.34").length === 0)).toBe(true);
  });

  test("the number of live processes is capped; shutdown kills the rest", async () => {
    const a = await t.call("process_start", { command: "sleep 97.35", wait_ms: 0 });
    const b = await t.call("process_start", { command: "sleep 97.35", wait_ms: 0 });
    expect(a.status).toBe("completed");
    expect(b.status).toBe("completed");
    const c = await t.call("process_start", { command: "sleep 97.35", wait_ms: 0 });
    expect(c.status).toBe("error");
    expect(c.output).toContain("2 background processes are already running");
    expect(await until(() => processesWith("sleep 97.35").length === 2)).toBe(true);
    await t.core.shutdown();
    expect(await until(() => processesWith("sleep 97.35").length === 0)).toBe(true);
  });
});

describe("shell start-up", () => {
  test("the user's home and ~/.bashrc stay out: commands get a private home, no rc file is sourced", async () => {
    const home = mkdtempSync(join(tmpdir(), "penguin-home-"));
    writeFileSync(join(home, ".bashrc"), "echo RC-SOURCED\n");
    writeFileSync(join(home, ".bash_profile"), "echo PROFILE-SOURCED\n");
    const h = await makeCore({ env: { HOME: home } });
    try {
      const fg = await h.call("execute_command", { command: `echo $HOME; cat ${home}/.bashrc 2>/dev/null || echo unseen` });
      expect(fg.output).not.toContain(home);
      expect(fg.output).toContain("unseen");
      const bg = await h.call("process_start", { command: "echo hello; exit 0", wait_ms: 2000 });
      expect(bg.output).toContain("hello");
      expect(bg.output).not.toContain("SOURCED");
      expect(bg.output).toContain("exited with code 0");
    } finally {
      await h.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
