// The sandbox as a normal user: when the suite runs as root (CI), as-user.ts runs as nobody through setpriv;
// otherwise it runs as the current user. User namespaces replace root's powers, rlimits replace cgroups, and a
// session's namespace is joined through its holder's user namespace.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { scratch } from "./support";

const AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const stage = scratch("as-user");
afterAll(() => stage.remove());

test("as an unprivileged user: sandboxed, same uid inside, shared session network, setsid and fork bomb contained", async () => {
  const asRoot = process.getuid?.() === 0;
  // nobody may not be able to read the checkout (a clone under /root): run a bundle and, if need be, a copy of Bun
  // from a world-readable directory
  chmodSync(stage.dir, 0o755);
  const built = await Bun.build({ entrypoints: [join(import.meta.dir, "as-user.ts")], outdir: stage.dir, target: "bun" });
  expect(built.success).toBe(true);
  const script = built.outputs[0]!.path;
  let bun = process.execPath;
  // Whether nobody can reach Bun's folder (the sandbox mounts it): exec alone may succeed where a lookup in the
  // folder is refused (a checkout under a 0700 directory).
  if (asRoot && Bun.spawnSync([...AS_NOBODY, "ls", dirname(bun)], { stdout: "ignore", stderr: "ignore" }).exitCode !== 0) {
    bun = join(stage.dir, "bun");
    copyFileSync(process.execPath, bun);
    chmodSync(bun, 0o755);
  }
  const argv = asRoot ? [...AS_NOBODY, bun, script] : [bun, script];
  const proc = Bun.spawn(argv, { cwd: stage.dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp", TMPDIR: "/tmp" }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, err: code ? err : "" }).toEqual({ code: 0, err: "" });
  const report = JSON.parse(out.trim().split("\n").at(-1)!);
  expect(report.error).toBeUndefined();
  if (asRoot) expect(report.uid).toBe(65534);
  expect(report.status).toMatchObject({ mode: "bubblewrap", satisfied: true, sharedNetwork: true });

  const uid = String(report.uid);
  const identity: string = report.identity.out;
  expect(identity.split("\n").slice(0, 3)).toEqual([uid, "wrote", "usr-refused"]);
  expect(report.identity.madeOnHost).toBe(true);
  expect(identity).not.toContain("as-user-secret");

  expect(report.network.sameSession).toContain("from-user-sandbox");
  expect(report.network.otherSession).toContain("refused");
  // joining the session's namespace goes through the holder's user namespace, and still shows the user's uid
  expect(report.network.sameSessionIdentity.trim()).toBe(uid);

  expect(report.setsid).toEqual({ seen: 1, alive: 0 });

  const { limit, peak, alive } = report.forkBomb;
  expect(alive).toBe(0);
  expect(peak).toBeGreaterThan(limit / 2);
  if (report.status.limits.processes.startsWith("cgroup")) expect(peak).toBeLessThanOrEqual(limit);
  // an rlimit counts the user's tasks on the whole host: "now + limit" lets slots freed meanwhile be reused
  else expect(peak).toBeLessThanOrEqual(2 * limit);
});
