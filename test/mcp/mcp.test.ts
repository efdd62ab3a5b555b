// MCP tool servers end to end, against the real reference server from npm (@modelcontextprotocol/server-everything)
// over stdio (started by Penguin in the sandbox) and over streamable HTTP, plus a small server built on the official
// SDK for what server-everything cannot do on demand (a changing tool list, an exit). The agent (scripted upstream)
// calls the tools through chat; the permission layer, the audit log, GET /api/v1/mcp, stop, reconnect and shutdown
// are watched from outside.
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ChatSocket, get, post, until, useChatApp } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

const NODE_MODULES = realpathSync(resolve(import.meta.dir, "../../node_modules"));
const EVERYTHING = join(NODE_MODULES, "@modelcontextprotocol/server-everything/dist/index.js");
const BUN = process.execPath;
const q = (text: string) => JSON.stringify(text);
// servers start in the background: waiting for them may take longer than bun's 5 s default
setDefaultTimeout(30_000);
const MARKER = `penguin-mcp-test-${process.pid}-${Date.now()}`;

/** The changing server bundled into one file (the SDK inlined), so it runs from a folder of its own in the sandbox. */
const fixtureDir = mkdtempSync(join(tmpdir(), "penguin-mcp-fixture-"));
let CHANGING = "";
async function buildChangingServer(): Promise<void> {
  if (CHANGING) return;
  const built = await Bun.build({ entrypoints: [join(import.meta.dir, "../support/mcp-changing-server.ts")], target: "bun", outdir: fixtureDir });
  if (!built.success) throw new Error(built.logs.join("\n"));
  CHANGING = built.outputs[0]!.path;
}
afterAll(() => rmSync(fixtureDir, { recursive: true, force: true }));

/** Where the servers' code and the runtime live: readable inside the sandbox. */
const readable = () => `read_only_roots = [${q(NODE_MODULES)}, ${q(fixtureDir)}, ${q(dirname(BUN))}]`;

/** Host processes whose command line holds `text`. */
function processesWith(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** server-everything over streamable HTTP on a free port, run by the test as an independent service, behind a
 *  pass-through proxy that notes the Authorization header each request carried. `restart` ends the server (its
 *  sessions with it) and starts a new one behind the same address. */
async function startEverythingHttp(): Promise<{ url: string; authorizations: (string | null)[]; restart(): Promise<void>; stop(): Promise<void> }> {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port;
  await probe.stop(true);
  const target = `http://127.0.0.1:${port}`;
  const spawn = async () => {
    const proc = Bun.spawn([BUN, EVERYTHING, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdout: "ignore", stderr: "ignore" });
    await until(() => fetch(`${target}/mcp`).then(() => true, () => false), 15_000, "server-everything over HTTP");
    return proc;
  };
  let proc = await spawn();
  const authorizations: (string | null)[] = [];
  const proxy = Bun.serve({
    port: 0,
    idleTimeout: 0,
    fetch(request) {
      authorizations.push(request.headers.get("authorization"));
      const url = new URL(request.url);
      // while the server restarts nothing answers: a gateway error, as a real proxy would give
      return fetch(target + url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body, redirect: "manual" }).catch(
        () => new Response("server unavailable", { status: 502 }),
      );
    },
  });
  const end = async () => {
    proc.kill();
    await proc.exited;
  };
  return {
    url: `http://127.0.0.1:${proxy.port}/mcp`,
    authorizations,
    async restart() {
      await end();
      proc = await spawn();
    },
    async stop() {
      await proxy.stop(true);
      await end();
    },
  };
}

const servers = async (app: TestApp) => (await get(app, "/api/v1/mcp")).body.servers as any[];
const server = async (app: TestApp, name: string) => (await servers(app)).find((s) => s.name === name);
const connected = (app: TestApp, name: string) => until(async () => ((await server(app, name))?.status === "connected" ? server(app, name) : undefined), 20_000, `${name} connected`);

describe("MCP tool servers", () => {
  let up: Upstream;
  let app: TestApp;
  let http: Awaited<ReturnType<typeof startEverythingHttp>>;
  let startAt = 0;
  let startedInMs = 0;
  beforeAll(async () => {
    http = await startEverythingHttp();
    await buildChangingServer();
    startAt = performance.now();
  }, 30_000);
  useChatApp(
    "openai",
    (started) => {
      ({ up, app } = started);
      startedInMs = performance.now() - startAt;
    },
    () => ({
      env: { WEB_TOKEN: "token-from-the-environment" },
      toml: `
[mcp.everything]
command = [${q(BUN)}, ${q(EVERYTHING)}, "stdio"]
environment = { LOG_LEVEL = "warn" }
network = false
${readable()}

[mcp.web]
url = ${q(http.url)}
headers = { Authorization = "Bearer {env:WEB_TOKEN}" }

[mcp.changing]
command = [${q(BUN)}, ${q(CHANGING)}, ${q(MARKER)}]
network = false
${readable()}

[mcp.broken]
command = ["/nonexistent/penguin-mcp-server"]

[mcp.slow]
command = ["sleep", "600"]
timeout_ms = 600000

[mcp.nokey]
url = "http://127.0.0.1:9/mcp"
headers = { Authorization = "Bearer {env:PENGUIN_TEST_UNSET_TOKEN}" }

[mcp.off]
command = ["/bin/false"]
enabled = false

[permissions]
rules = [
  { action = "allow", operation = "mcp.everything.*" },
  { action = "allow", operation = "mcp.changing.*" },
]
`,
    }),
  );
  beforeAll(() => connected(app, "everything"), 30_000);
  beforeEach(() => up.reset());
  afterAll(() => http?.stop());

  test("GET /api/v1/mcp: status, tools and last error of every server; no secrets", async () => {
    const list = await servers(app);
    expect(list.map((s) => s.name)).toEqual(["everything", "web", "changing", "broken", "slow", "nokey", "off"]);
    const everything = list[0];
    expect(everything).toMatchObject({ transport: "stdio", enabled: true, status: "connected", last_error: null, attempts: 0, server_info: { name: "mcp-servers/everything" } });
    expect(everything.sandboxed).toBe(app.core.sandbox.mode === "bubblewrap");
    const echo = everything.tools.find((t: any) => t.name === "everything_echo");
    expect(echo).toMatchObject({ mcp_name: "echo", operation: "mcp.everything.echo" });
    expect(everything.tools.map((t: any) => t.name)).toContain("everything_trigger-long-running-operation");
    // the registry has them, with the server's JSON schema
    const spec = app.core.tools.specs().find((s) => s.name === "everything_echo")!;
    expect(spec.parameters).toMatchObject({ type: "object", properties: { message: { type: "string" } }, required: ["message"] });

    expect(await server(app, "off")).toMatchObject({ enabled: false, status: "disabled", tools: [], attempts: 0 });
    // a missing {env:NAME} is a configuration problem: failed, not retried
    expect(await server(app, "nokey")).toMatchObject({ status: "failed", tools: [], last_error: expect.stringContaining("PENGUIN_TEST_UNSET_TOKEN") });
    const text = JSON.stringify(list);
    expect(text).not.toContain("token-from-the-environment");
    expect(text).not.toContain(EVERYTHING);
  });

  test("a broken server (bad command) is reported and retried; a slow one did not hold up start-up; chat still works", async () => {
    const broken = await until(async () => {
      const s = await server(app, "broken");
      return s?.last_error ? s : undefined;
    }, 10_000, "broken server's error");
    expect(["retrying", "connecting"]).toContain(broken.status);
    expect(broken.last_error).toContain("/nonexistent/penguin-mcp-server");
    expect(broken.tools).toEqual([]);
    expect(await server(app, "slow")).toMatchObject({ status: "connecting", tools: [] });
    expect(startedInMs).toBeLessThan(1000);

    up.script({ text: "Still here." });
    const { status, body } = await post(app, "/api/v1/chat/message", { text: "hello" });
    expect(status).toBe(200);
    expect(body.response).toBe("Still here.");
    const offered = up.requests[0]!.body.tools.map((t: any) => t.function.name);
    expect(offered).toContain("everything_echo");
    expect(offered.some((n: string) => n.startsWith("broken_") || n.startsWith("slow_"))).toBe(false);
  });

  test("stdio: the agent calls everything_echo; the result reaches the model and the answer; audited", async () => {
    up.script({ toolCalls: [{ name: "everything_echo", arguments: { message: "hello from penguin" } }] }, { text: "The server said: Echo: hello from penguin" });
    const { status, body } = await post(app, "/api/v1/chat/message", { text: "echo something" });
    expect(status).toBe(200);
    expect(body.action_results[0]).toMatchObject({ action: "everything_echo", status: "completed", result: "Echo: hello from penguin" });
    const toolMessages = up.requests[1]!.body.messages.filter((m: any) => m.role === "tool");
    expect(JSON.stringify(toolMessages)).toContain("Echo: hello from penguin");
    expect(body.response).toContain("Echo: hello from penguin");

    const audit = (await get(app, "/api/v1/security/audit?category=mcp")).body.entries;
    expect(audit[0]).toMatchObject({ operation: "mcp.everything.echo", result: "allow", tool_name: "everything_echo", resource: 'echo {"message":"hello from penguin"}' });
  });

  test("a stdio server gets its `environment` and the sandbox's basics, none of Penguin's own variables", async () => {
    up.script({ toolCalls: [{ name: "everything_get-env", arguments: {} }] }, { text: "ok" });
    const { body } = await post(app, "/api/v1/chat/message", { text: "show the environment" });
    expect(body.action_results[0].status).toBe("completed");
    const env = JSON.parse(body.action_results[0].result);
    expect(env.LOG_LEVEL).toBe("warn");
    // Penguin's environment holds these (the provider key, the API keys, the workspace): none reaches the server
    for (const name of ["OPENAI_API_KEY", "PENGUIN_API_KEYS", "PENGUIN_WORKSPACE", "WEB_TOKEN"]) expect(env[name]).toBeUndefined();
    expect(Object.keys(env).sort()).toEqual(expect.arrayContaining(["HOME", "PATH"]));
  });

  test("arguments are checked against the server's JSON schema before the call", async () => {
    up.script({ toolCalls: [{ name: "everything_echo", arguments: { message: 5 } }] }, { text: "ok" });
    const { body } = await post(app, "/api/v1/chat/message", { text: "bad echo" });
    expect(body.action_results[0].status).toBe("error");
    expect(body.action_results[0].result).toBe("Invalid arguments for everything_echo: message: must be string.");
  });

  test("stop cancels a slow MCP call; the server stays usable", async () => {
    up.script({ toolCalls: [{ name: "everything_trigger-long-running-operation", arguments: { duration: 30, steps: 30 } }] }, { text: "never reached" });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "run the long operation" });
    await ws.next("tool_start");
    await Bun.sleep(300);
    const stoppedAt = Date.now();
    ws.send({ type: "stop" });
    const complete = await ws.next("complete", 1, 10_000);
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(complete.data.interrupted).toBe(true);
    const result = ws.events.find((e) => e.event === "tool_result")!;
    expect(result.data).toMatchObject({ name: "everything_trigger-long-running-operation", status: "error" });
    expect(result.data.result).toContain("cancelled");
    expect(up.requests).toHaveLength(1);
    ws.close();

    up.reset();
    up.script({ toolCalls: [{ name: "everything_echo", arguments: { message: "after the stop" } }] }, { text: "done" });
    const next = await post(app, "/api/v1/chat/message", { text: "echo again" });
    expect(next.status).toBe(200);
    expect(next.body.action_results[0]).toMatchObject({ status: "completed", result: "Echo: after the stop" });
    expect((await server(app, "everything")).status).toBe("connected");
  });

  test("streamable HTTP: web_echo asks first (MCP tools ask by default); approved, its result reaches the answer", async () => {
    await connected(app, "web");
    up.script({ toolCalls: [{ name: "web_echo", arguments: { message: "over http" } }] }, { text: "Echo: over http, it said." });
    const ws = await ChatSocket.open(app);
    ws.send({ text: "echo over http", conversation_id: "mcp-over-http" });
    const required = await ws.next("approval_required", 1, 10_000);
    expect(required.data).toMatchObject({ tool_name: "web_echo", operation: "mcp.web.echo", resource: 'echo {"message":"over http"}', reason: expect.stringContaining("MCP") });
    // approved for the session as "this tool with any arguments"
    await post(app, `/api/v1/approvals/${required.data.request_id}/approve`, { scope: "pattern", pattern: "echo *" });
    const complete = await ws.next("complete", 1, 10_000);
    expect(complete.data.action_results[0]).toMatchObject({ action: "web_echo", status: "completed", result: "Echo: over http" });
    expect(JSON.stringify(up.requests[1]!.body.messages)).toContain("Echo: over http");
    expect(complete.data.response).toContain("Echo: over http");

    up.script({ toolCalls: [{ name: "web_echo", arguments: { message: "again, unasked" } }] }, { text: "done" });
    ws.send({ text: "echo once more", conversation_id: "mcp-over-http" });
    const second = await ws.next("complete", 2, 10_000);
    expect(second.data.action_results[0]).toMatchObject({ action: "web_echo", status: "completed", result: "Echo: again, unasked" });
    expect(ws.events.filter((e) => e.event === "approval_required")).toHaveLength(1);
    ws.close();
    // the header was filled in from Penguin's environment ({env:WEB_TOKEN}) and sent with every request
    expect(http.authorizations.length).toBeGreaterThan(2);
    expect(new Set(http.authorizations)).toEqual(new Set(["Bearer token-from-the-environment"]));
  });

  test("streamable HTTP: a server that goes away is noticed, its tools leave, and the new one is connected", async () => {
    const before = await connected(app, "web");
    await http.restart();
    // the old session is gone with the old process: the broken event stream, or at the latest the next call, shows it
    up.script({ toolCalls: [{ name: "web_echo", arguments: { message: "anyone there?" } }] }, { text: "ok" });
    await post(app, "/api/v1/chat/message", { text: "echo after the restart", conversation_id: "mcp-over-http" });
    const again = await connected(app, "web");
    expect(Date.parse(again.connected_at)).toBeGreaterThan(Date.parse(before.connected_at));
    expect(again.tools.map((t: any) => t.name)).toContain("web_echo");
    up.reset();
    up.script({ toolCalls: [{ name: "web_echo", arguments: { message: "back again" } }] }, { text: "ok" });
    const { body } = await post(app, "/api/v1/chat/message", { text: "echo on the new server", conversation_id: "mcp-over-http" });
    expect(body.action_results[0]).toMatchObject({ status: "completed", result: "Echo: back again" });
  });

  test("notifications/tools/list_changed: a tool the server adds joins the registry and is offered next turn", async () => {
    const before = await connected(app, "changing");
    expect(before.tools.map((t: any) => t.name)).toEqual(["changing_add_tool", "changing_exit"]);
    up.script({ toolCalls: [{ name: "changing_add_tool", arguments: {} }] }, { text: "added" });
    await post(app, "/api/v1/chat/message", { text: "add a tool" });
    await until(async () => (await server(app, "changing")).tools.some((t: any) => t.name === "changing_extra"), 5000, "changing_extra listed");

    up.reset();
    up.script({ toolCalls: [{ name: "changing_extra", arguments: {} }] }, { text: "used it" });
    const { body } = await post(app, "/api/v1/chat/message", { text: "use the new tool" });
    expect(up.requests[0]!.body.tools.map((t: any) => t.function.name)).toContain("changing_extra");
    expect(body.action_results[0]).toMatchObject({ action: "changing_extra", status: "completed", result: "extra here" });
  });

  test("a server that exits is reported, its tools leave, and it is reconnected with backoff", async () => {
    const before = await connected(app, "changing");
    up.script({ toolCalls: [{ name: "changing_exit", arguments: {} }] }, { text: "it exited" });
    await post(app, "/api/v1/chat/message", { text: "make it exit" });
    const down = await until(async () => {
      const s = await server(app, "changing");
      return s.status === "retrying" ? s : undefined;
    }, 5000, "changing retrying");
    expect(down.tools).toEqual([]);
    expect(down.last_error).toContain("exited with code 3");
    expect(Date.parse(down.retry_at)).toBeGreaterThan(Date.now() - 1000);
    expect(app.core.tools.get("changing_exit")).toBeUndefined();

    const again = await connected(app, "changing");
    expect(Date.parse(again.connected_at)).toBeGreaterThan(Date.parse(before.connected_at));
    expect(again.tools.map((t: any) => t.name)).toContain("changing_exit");
    expect(app.core.tools.get("changing_exit")).toBeDefined();
  });
});

describe("MCP tools under read-only mode and a short timeout", () => {
  let up: Upstream;
  let app: TestApp;
  beforeAll(buildChangingServer);
  useChatApp(
    "openai",
    (started) => ({ up, app } = started),
    () => ({
      toml: `
[mcp.everything]
command = [${q(BUN)}, ${q(EVERYTHING)}, "stdio"]
network = false
timeout_ms = 1000
${readable()}

[mcp.changing]
command = [${q(BUN)}, ${q(CHANGING)}, ${q(MARKER)}]
network = false
${readable()}

[permissions]
mode = "read-only"
rules = [{ action = "allow", operation = "mcp.*" }]
`,
    }),
  );
  beforeAll(async () => {
    await connected(app, "everything");
    await connected(app, "changing");
  });
  beforeEach(() => up.reset());

  test("read-only mode runs the tools the server annotates readOnlyHint, and denies the others", async () => {
    up.script(
      { toolCalls: [{ name: "everything_echo", arguments: { message: "reading is fine" } }, { name: "changing_add_tool", arguments: {} }] },
      { text: "ok" },
    );
    const { body } = await post(app, "/api/v1/chat/message", { text: "try both" });
    const [echo, add] = body.action_results;
    expect(echo).toMatchObject({ action: "everything_echo", status: "completed", result: "Echo: reading is fine" });
    expect(add).toMatchObject({ action: "changing_add_tool", status: "denied" });
    expect(add.result).toContain("Read-only mode");
    expect((await server(app, "changing")).tools.map((t: any) => t.name)).not.toContain("changing_extra");
  });

  test("a call past timeout_ms ends with a timeout the model can read", async () => {
    up.script({ toolCalls: [{ name: "everything_trigger-long-running-operation", arguments: { duration: 5, steps: 5 } }] }, { text: "ok" });
    const started = Date.now();
    const { body } = await post(app, "/api/v1/chat/message", { text: "slow" });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(body.action_results[0].status).toBe("error");
    expect(body.action_results[0].result).toBe(
      'everything_trigger-long-running-operation failed: the MCP server "everything" did not answer within 1000 ms (its timeout_ms); the call was cancelled',
    );
  });
});

test("shutting the server down ends its MCP servers' processes", async () => {
  await buildChangingServer();
  const marker = `${MARKER}-shutdown`;
  const app = await startTestApp({
    toml: `[mcp.changing]\ncommand = [${q(BUN)}, ${q(CHANGING)}, ${q(marker)}]\nnetwork = false\n${readable()}\n`,
  });
  try {
    await connected(app, "changing");
    expect(processesWith(marker).length).toBeGreaterThan(0);
  } finally {
    await app.close();
  }
  expect(processesWith(marker)).toEqual([]);
}, 30_000);
