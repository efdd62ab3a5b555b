// Network: none by default (not even the host's loopback), the host's with network on, and one loopback per session
// shared by its commands: a server a session started is reachable from its next command, not from another session
// nor from the host.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createSandbox, type Sandbox } from "../../src/core/sandbox";
import { bash, bunRoots, commandLine, descendants, httpServer, readUntil, run, scratch } from "./support";

let sandbox: Sandbox;
const tree = scratch("sbnet");
let listener: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  sandbox = await createSandbox("required", { networkIdleMs: 60_000 });
  expect(sandbox.status.sharedNetwork).toBe(true);
  listener = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("host-listener") });
});
afterAll(async () => {
  listener.stop(true);
  await sandbox.shutdown();
  tree.remove();
});

// bash's /dev/tcp: no dependency on curl inside
const connect = (port: number) =>
  `if exec 3<>/dev/tcp/127.0.0.1/${port}; then printf 'GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n' >&3; cat <&3 | tail -1; echo; echo connected; else echo refused; fi 2>/dev/null`;

test("no network by default: the host's 127.0.0.1 listener is unreachable", async () => {
  const { out } = await run(sandbox, connect(listener.port!), { root: tree.dir });
  expect(out).toContain("refused");
  expect(out).not.toContain("host-listener");
});

test("with network on, the host's loopback is reachable", async () => {
  const { out } = await run(sandbox, connect(listener.port!), { root: tree.dir, network: true });
  expect(out).toContain("host-listener");
  expect(out).toContain("connected");
});

test("a session's commands share one loopback; another session's and the host's do not see it", async () => {
  const server = await sandbox.spawn(bash(httpServer("served-from-sandbox")), { root: tree.dir, session: "s1", readOnlyRoots: bunRoots });
  const { text, reader } = await readUntil(server.stdout, /port (\d+)/);
  const port = Number(text.match(/port (\d+)/)![1]);

  const same = await run(sandbox, connect(port), { root: tree.dir, session: "s1" });
  expect(same.out).toContain("served-from-sandbox");

  const otherSession = await run(sandbox, connect(port), { root: tree.dir, session: "s2" });
  expect(otherSession.out).toContain("refused");
  const noSession = await run(sandbox, connect(port), { root: tree.dir });
  expect(noSession.out).toContain("refused");
  const fromHost = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text()).catch(() => "refused");
  expect(fromHost).not.toContain("served-from-sandbox");

  // released, the session gets a new namespace: the server (still running in the old one) is out of reach
  await sandbox.releaseSession("s1");
  const after = await run(sandbox, connect(port), { root: tree.dir, session: "s1" });
  expect(after.out).toContain("refused");
  server.kill();
  await server.exited;
  reader.releaseLock();
});

const holders = () => descendants(process.pid).filter((pid) => commandLine(pid) === "sleep infinity");

test("a session's namespace holder goes after its last command and the idle time, and at shutdown", async () => {
  const quick = await createSandbox("required", { networkIdleMs: 200 });
  const before = holders().length;
  const { out } = await run(quick, "echo hi", { root: tree.dir, session: "idle" });
  expect(out).toBe("hi\n");
  expect(holders().length).toBe(before + 1);
  await Bun.sleep(600);
  expect(holders().length).toBe(before);

  const server = await quick.spawn(bash("echo up; sleep 30"), { root: tree.dir, session: "busy" });
  await readUntil(server.stdout, /up/);
  await Bun.sleep(400);
  // still in use: kept past the idle time
  expect(holders().length).toBe(before + 1);
  await quick.shutdown();
  expect(await server.exited).toBe(137);
  expect(holders().length).toBe(before);
});
