// Run by as-user.test.ts as an unprivileged user (setpriv to nobody when the suite runs as root): the sandbox as a
// normal user gets, with user namespaces instead of root's powers and rlimits instead of cgroups. Prints one JSON
// report on stdout; the test judges it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createSandbox } from "../../src/core/sandbox";
import { alive, bash, bunRoots, commandLine, descendants, httpServer, readUntil, run, scratch } from "./support";

const tree = scratch("sbuser");
const root = join(tree.dir, "root");
await Bun.$`mkdir -p ${root}`.quiet();
process.env.PENGUIN_AS_USER_SECRET = "as-user-secret";
const sandbox = await createSandbox("required", { networkIdleMs: 60_000 });
const report: Record<string, unknown> = { uid: process.getuid?.(), status: sandbox.status };

try {
  const ids = await run(sandbox, "id -u; echo inside > made.txt && echo wrote; (echo x > /usr/x) 2>/dev/null || echo usr-refused; env; cat /proc/1/environ", { root });
  report.identity = { out: ids.out, madeOnHost: existsSync(join(root, "made.txt")) };

  const server = await sandbox.spawn(bash(httpServer("from-user-sandbox")), { root, session: "u1", readOnlyRoots: bunRoots });
  const { text, reader } = await readUntil(server.stdout, /port (\d+)/);
  const port = Number(text.match(/port (\d+)/)![1]);
  const connect = `exec 3<>/dev/tcp/127.0.0.1/${port} 2>/dev/null && { printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3 | tail -1; } || echo refused`;
  report.network = {
    sameSession: (await run(sandbox, connect, { root, session: "u1" })).out,
    otherSession: (await run(sandbox, connect, { root, session: "u2" })).out,
    sameSessionIdentity: (await run(sandbox, "id -u", { root, session: "u1" })).out,
  };
  server.kill();
  await server.exited;
  reader.releaseLock();

  const setsid = await sandbox.spawn(bash("setsid sleep 999 & echo started; sleep 0.3"), { root });
  await readUntil(setsid.stdout, /started/);
  let sleepers: number[] = [];
  for (let i = 0; i < 100 && !sleepers.length; i++, await Bun.sleep(20)) sleepers = descendants(setsid.pid).filter((p) => commandLine(p) === "sleep 999");
  await setsid.exited;
  report.setsid = { seen: sleepers.length, alive: alive(sleepers).length };

  const limit = 48;
  const bomb = await sandbox.spawn(bash(":(){ :|:& };:; sleep 30"), { root, limits: { processes: limit } }, { signal: AbortSignal.timeout(2500) });
  let peak = 0;
  const seen = new Set<number>();
  while (bomb.exitCode === null) {
    const now = descendants(bomb.pid);
    for (const pid of now) seen.add(pid);
    peak = Math.max(peak, now.length + 1);
    await Bun.sleep(100);
  }
  await bomb.exited;
  report.forkBomb = { limit, peak, alive: alive([...seen]).length };
} catch (error) {
  report.error = String((error as Error).stack ?? error);
} finally {
  await sandbox.shutdown();
  tree.remove();
}
console.log(JSON.stringify(report));
