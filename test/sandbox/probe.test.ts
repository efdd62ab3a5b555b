// The start-up probe, and mode "none": the same API without bubblewrap, a clean environment and a process group
// that is killed as a whole.
import { afterAll, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { createSandbox, probeSandbox, SandboxStatusSchema, SandboxUnavailableError } from "../../src/core/sandbox";
import { alive, bash, commandLine, descendants, readUntil, run, scratch } from "./support";

const tree = scratch("sbprobe");
afterAll(() => tree.remove());

test("auto on this machine: bubblewrap, with its version, limits and a status that matches the schema", async () => {
  const status = await probeSandbox("auto");
  expect(Value.Check(SandboxStatusSchema, status)).toBe(true);
  expect(status).toMatchObject({ mode: "bubblewrap", satisfied: true, installHint: null, sharedNetwork: true });
  expect(status.bwrap.version).toMatch(/^\d+\.\d+/);
  expect(status.limits.processes).not.toBe("none");
  expect(status.limits.memory).not.toBe("none");
  // cheap enough to run at every start-up (generous: the machine is shared)
  expect(status.probeMs).toBeLessThan(500);
});

test('"off" gives mode none with the reason', async () => {
  const status = await probeSandbox("off");
  expect(status).toMatchObject({ mode: "none", satisfied: true, setting: "off" });
  expect(status.reason).toMatch(/turned off/);
});

test("a missing bwrap gives mode none, the reason and an install hint; required is then unsatisfied", async () => {
  const auto = await probeSandbox("auto", { bwrapPath: "/nonexistent/bwrap" });
  expect(auto).toMatchObject({ mode: "none", satisfied: true, bwrap: { path: null, version: null } });
  expect(auto.reason).toMatch(/not installed.*\/nonexistent\/bwrap/);
  expect(auto.installHint).toMatch(/(apt|dnf|pacman|apk|zypper).*bubblewrap/);

  const required = await createSandbox("required", { bwrapPath: "/nonexistent/bwrap" });
  expect(required.status.satisfied).toBe(false);
  await expect(required.spawn(["true"], { root: tree.dir })).rejects.toBeInstanceOf(SandboxUnavailableError);
  await required.shutdown();
});

test("a bwrap that cannot start a sandbox is reported, not trusted", async () => {
  const fake = `${tree.dir}/bwrap`;
  await Bun.write(fake, "#!/bin/sh\n[ \"$1\" = --version ] && echo 'bubblewrap 9.9' && exit 0\necho 'bwrap: No permissions to create new namespace' >&2; exit 1\n");
  Bun.spawnSync(["chmod", "+x", fake]);
  const status = await probeSandbox("auto", { bwrapPath: fake });
  expect(status).toMatchObject({ mode: "none", bwrap: { version: "9.9" } });
  expect(status.reason).toContain("No permissions to create new namespace");
  expect(status.installHint).toMatch(/user namespaces/);
});

test("mode none runs the same argv with the clean environment, in the root, with merged output", async () => {
  process.env.PENGUIN_SANDBOX_NONE_SECRET = "none-secret";
  const sandbox = await createSandbox("off");
  try {
    expect(sandbox.mode).toBe("none");
    const { out, code } = await run(sandbox, "pwd; env; echo to-stderr >&2; exit 4", { root: tree.dir, env: { EXTRA: "1" } });
    expect(code).toBe(4);
    const lines = out.split("\n");
    expect(lines[0]).toBe(tree.dir);
    expect(out).toContain("EXTRA=1");
    expect(out).toContain("to-stderr");
    expect(out).not.toContain("none-secret");
    expect(out).toMatch(/HOME=\/.*penguin-home-/);
  } finally {
    delete process.env.PENGUIN_SANDBOX_NONE_SECRET;
    await sandbox.shutdown();
  }
});

test("mode none: the command has its own process group; kill() takes its children along", async () => {
  const sandbox = await createSandbox("off");
  try {
    const proc = await sandbox.spawn(bash("sleep 999 & sleep 999 & echo started; wait"), { root: tree.dir });
    const { reader } = await readUntil(proc.stdout, /started/);
    const pgid = (pid: number) => {
      const stat = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string;
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    };
    expect(pgid(proc.pid)).toBe(proc.pid);
    expect(pgid(proc.pid)).not.toBe(pgid(process.pid));
    let sleepers: number[] = [];
    for (let i = 0; i < 100 && sleepers.length < 2; i++, await Bun.sleep(20)) sleepers = descendants(proc.pid).filter((p) => commandLine(p) === "sleep 999");
    expect(sleepers.length).toBe(2);
    proc.kill();
    expect(await proc.exited).toBe(137);
    reader.releaseLock();
    expect(alive(sleepers)).toEqual([]);
  } finally {
    await sandbox.shutdown();
  }
});
