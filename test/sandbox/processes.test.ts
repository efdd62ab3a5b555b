// Every process of a sandboxed command ends with it (setsid or not), on exit, kill or abort; a fork bomb stays
// inside its process limit while the server keeps running and starting other commands.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createSandbox, type Sandbox } from "../../src/core/sandbox";
import { alive, bash, bunBinary, bunRoots, commandLine, descendants, readUntil, run, scratch } from "./support";

let sandbox: Sandbox;
const tree = scratch("sbproc");

beforeAll(async () => {
  sandbox = await createSandbox("required");
});
afterAll(async () => {
  await sandbox.shutdown();
  tree.remove();
});

const sleepers = (pid: number) => descendants(pid).filter((p) => commandLine(p) === "sleep 999");

test("a `setsid sleep 999 &` left behind dies when the command ends", async () => {
  const proc = await sandbox.spawn(bash("setsid sleep 999 & sleep 999 & echo started; read line; echo bye"), { root: tree.dir }, { stdin: "pipe" });
  const { reader } = await readUntil(proc.stdout, /started/);
  let left: number[] = [];
  for (let i = 0; i < 100 && left.length < 2; i++, await Bun.sleep(20)) left = sleepers(proc.pid);
  expect(left.length).toBe(2);
  proc.stdin!.write("go\n");
  await proc.stdin!.end();
  expect(await proc.exited).toBe(0);
  reader.releaseLock();
  expect(alive(left)).toEqual([]);
});

test("kill() ends the whole sandbox; so does an abort", async () => {
  for (const how of ["kill", "abort"] as const) {
    const abort = new AbortController();
    const proc = await sandbox.spawn(bash("setsid sleep 999 & sleep 999 & echo started; wait"), { root: tree.dir }, { signal: abort.signal });
    const { reader } = await readUntil(proc.stdout, /started/);
    let left: number[] = [];
    for (let i = 0; i < 100 && left.length < 2; i++, await Bun.sleep(20)) left = sleepers(proc.pid);
    expect(left.length).toBe(2);
    if (how === "kill") proc.kill();
    else abort.abort();
    expect(await proc.exited).toBe(137);
    reader.releaseLock();
    expect(alive([proc.pid, ...left])).toEqual([]);
  }
});

test("kill('SIGTERM') reaches the command, which can stop gracefully", async () => {
  const proc = await sandbox.spawn(bash("trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done"), { root: tree.dir });
  const { reader, text } = await readUntil(proc.stdout, /ready/);
  proc.kill("SIGTERM");
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
  expect(text + rest).toContain("got-term");
  expect(await proc.exited).toBe(3);
});

test("a fork bomb stays within the process limit; the server stays responsive and can start other commands", async () => {
  // the leader sleeps, so the bomb's orphans keep multiplying until the abort (without it the PID namespace would
  // end them as soon as the leader returned)
  const limit = 64;
  const proc = await sandbox.spawn(bash(":(){ :|:& };:; sleep 30"), { root: tree.dir, limits: { processes: limit } }, { signal: AbortSignal.timeout(3000) });
  let peak = 0;
  let seen = new Set<number>();
  let worstLag = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    worstLag = Math.max(worstLag, now - last - 20);
    last = now;
  }, 20);
  const sampling = (async () => {
    while (proc.exitCode === null) {
      const now = descendants(proc.pid);
      peak = Math.max(peak, now.length + 1);
      seen = new Set([...seen, ...now]);
      await Bun.sleep(100);
    }
  })();
  await Bun.sleep(1500);
  // meanwhile another command starts and finishes normally
  const other = await run(sandbox, "echo still-serving", { root: tree.dir });
  expect(other.out).toBe("still-serving\n");
  await proc.exited;
  clearInterval(ticker);
  await sampling;
  expect(peak).toBeGreaterThan(limit / 2);
  // an rlimit counts the user's tasks host-wide ("now + limit"), so slots freed meanwhile are reused: looser
  expect(peak).toBeLessThanOrEqual(sandbox.status.limits.processes === "rlimit" ? 2 * limit : limit);
  expect(worstLag).toBeLessThan(1500);
  expect(alive([...seen])).toEqual([]);
});

test("memory is limited: a command that fills more than its limit fails, a small one runs", async () => {
  // Buffer.alloc(n, 1) writes every page, so the memory is really used
  const fill = (mib: number) => `${bunBinary} -e 'const b = Buffer.alloc(${mib} * 1024 * 1024, 1); console.log("filled", b.length)'`;
  // an rlimit caps address space, not memory: Bun reserves a few hundred MiB before it allocates anything
  const limits = { memoryBytes: (sandbox.status.limits.memory === "rlimit" ? 768 : 256) * 1024 * 1024 };
  const small = await run(sandbox, fill(16), { root: tree.dir, limits, readOnlyRoots: bunRoots });
  expect(small.out).toMatch(/^filled \d+$/m);
  const big = await run(sandbox, fill(1024), { root: tree.dir, limits, readOnlyRoots: bunRoots });
  // (cgroup: the OOM killer ends it; rlimit: the allocation fails, and Bun aborts)
  expect(big.out).not.toMatch(/^filled \d+$/m);
  expect(big.code).not.toBe(0);
});

/** This process's penguin-<pid> cgroup directories (none when limits are not cgroups). */
function cgroupParents(): string[] {
  const found: string[] = [];
  for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
    const [, controllers, path] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
    if (path === undefined) continue;
    const dirs = controllers ? controllers.split(",").map((c) => `/sys/fs/cgroup/${c}${path}`) : [`/sys/fs/cgroup${path}`, `/sys/fs/cgroup/unified${path}`];
    for (const dir of dirs) if (existsSync(join(dir, `penguin-${process.pid}`))) found.push(join(dir, `penguin-${process.pid}`));
  }
  return found;
}

test("each command's cgroups are removed when it ends, the server's parent at shutdown", async () => {
  const own = await createSandbox("required");
  const kinds = [own.status.limits.processes, own.status.limits.memory];
  const parents = cgroupParents();
  expect(parents.length).toBe(kinds.filter((k) => k.startsWith("cgroup")).length);
  const proc = await own.spawn(bash("echo started; sleep 30"), { root: tree.dir });
  await readUntil(proc.stdout, /started/);
  for (const parent of parents) expect(readdirSync(parent).filter((n) => n.startsWith("sb-")).length).toBeGreaterThan(0);
  proc.kill();
  await proc.exited;
  await run(own, "true", { root: tree.dir });
  // other suites' sandboxes may share the parent; this file's have all ended
  for (const parent of parents) expect(readdirSync(parent).filter((n) => n.startsWith("sb-"))).toEqual([]);
  await own.shutdown();
  await sandbox.shutdown();
  expect(cgroupParents()).toEqual([]);
});
