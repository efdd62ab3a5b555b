// The host command catalog over HTTP (/v1/commands/catalog*): the 32 seeded commands and their fields, paging,
// search, count, create/read/delete with their 201/204/404/403/422 shapes, and execution: a safe command runs at
// once in the sandbox (in the active root, unable to see the server's workspace); a command that requires approval
// answers 202 with an approval request and runs exactly once when it is approved, never when it is denied.
import { describe, expect, test } from "bun:test";
import { existsSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestApp, type TestApp } from "../support/harness";
import { until } from "../support/chat";
import { afterAll, beforeAll } from "bun:test";

const KEYS = { admin: "adminkey", bob: "userkey1", carol: "userkey2" } as const;
type Who = keyof typeof KEYS;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    env: { PENGUIN_API_KEYS: `${KEYS.admin}:alice:admin,${KEYS.bob}:bob:user,${KEYS.carol}:carol:user` },
    // the policy judges catalog commands like any other command line
    toml: `
[[permissions.rules]]
action = "deny"
operation = "process.execute"
pattern = "hostname"
reason = "No host names here"

[[permissions.rules]]
action = "ask"
operation = "process.execute"
pattern = "id"
`,
  });
});
afterAll(() => app.close());

async function as(who: Who, method: string, path: string, json?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await app.request(path, { method, headers: { "x-api-key": KEYS[who] }, ...(json !== undefined ? { json } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

const finished = (id: string, who: Who = "admin") =>
  until(async () => {
    const r = await as(who, "GET", `/v1/commands/executions/${id}`);
    return ["completed", "failed", "denied", "expired", "cancelled"].includes(r.body.status) ? r.body : undefined;
  }, 10_000, `execution ${id} finished`);

/** The command_execution frames of one execution, replayed from the event log for bob. */
async function executionFrames(id: string, atLeast: number): Promise<any[]> {
  const frames: any[] = [];
  const ws = new WebSocket(app.wsUrl("/api/v1/events/ws?since=0", KEYS.bob));
  ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
  const mine = () => frames.filter((f) => f.event === "command_execution" && f.data.execution_id === id);
  await until(() => mine().length >= atLeast, 5000, "the execution's frames");
  ws.close();
  return mine();
}

describe("the seeded catalog", () => {
  test("32 commands on first start, with the documented fields", async () => {
    expect(await as("bob", "GET", "/v1/commands/catalog/count")).toMatchObject({ status: 200, body: { count: 32 } });
    const list = await as("bob", "GET", "/v1/commands/catalog");
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(32);
    expect(new Set(list.body.map((c: any) => c.id)).size).toBe(32);
    const df = list.body.find((c: any) => c.id === "default-disk-free");
    expect(df).toEqual({
      id: "default-disk-free",
      name: "Disk Free Space",
      description: "Show available disk space on all mounts",
      command: "df -h",
      argv: ["df", "-h"],
      category: "filesystem",
      risk_level: "safe",
      os: "linux",
      requires_approval: false,
      parameters: {},
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updated_at: df.created_at,
    });
    for (const c of list.body) {
      expect(c.risk_level).toBe("safe");
      expect(c.argv.length).toBeGreaterThan(0);
      // network commands see the host's network, so they always ask first
      if (c.category === "network") expect(c.requires_approval).toBe(true);
    }
    expect(new Set(list.body.map((c: any) => c.category))).toEqual(new Set(["system", "memory", "filesystem", "processes", "network", "git"]));
  });

  test("limit and offset page through it", async () => {
    const all = (await as("bob", "GET", "/v1/commands/catalog")).body.map((c: any) => c.id);
    const page = await as("bob", "GET", "/v1/commands/catalog?limit=5&offset=30");
    expect(page.body.map((c: any) => c.id)).toEqual(all.slice(30, 35));
    expect(page.body).toHaveLength(2);
    expect((await as("bob", "GET", "/v1/commands/catalog?limit=3")).body.map((c: any) => c.id)).toEqual(all.slice(0, 3));
    expect((await as("bob", "GET", "/v1/commands/catalog?limit=0")).status).toBe(422);
  });

  test("search matches every word in name, description, category or command", async () => {
    const disk = await as("bob", "GET", "/v1/commands/catalog/search?q=disk");
    expect(disk.status).toBe(200);
    expect(disk.body.map((c: any) => c.id).sort()).toEqual(["default-disk-free", "default-disk-inodes", "default-block-devices"].sort());
    const words = await as("bob", "GET", "/v1/commands/catalog/search?q=MEMORY%20usage");
    expect(words.body.map((c: any) => c.id)).toEqual(["default-memory-usage"]);
    expect((await as("bob", "GET", "/v1/commands/catalog/search?q=free%20-m")).body.map((c: any) => c.id)).toEqual(["default-memory-usage"]);
    expect((await as("bob", "GET", "/v1/commands/catalog/search?q=nothing-like-this")).body).toEqual([]);
    expect((await as("bob", "GET", "/v1/commands/catalog/search?q=100%25")).body).toEqual([]);
    expect((await as("bob", "GET", "/v1/commands/catalog/search")).status).toBe(422);
  });
});

describe("changing the catalog", () => {
  test("POST is 201 with the entry, GET reads it, DELETE is 204 and then 404", async () => {
    const created = await as("admin", "POST", "/v1/commands/catalog", {
      name: "Check Logs",
      description: "Tail the last 100 lines of syslog",
      command: "tail -n 100 '/var/log/sys log'",
      category: "system",
      risk_level: "safe",
      os: "linux",
      requires_approval: false,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Check Logs",
      command: "tail -n 100 '/var/log/sys log'",
      argv: ["tail", "-n", "100", "/var/log/sys log"],
      category: "system",
      risk_level: "safe",
      requires_approval: false,
    });
    const id = created.body.id;
    expect(await as("bob", "GET", `/v1/commands/catalog/${id}`)).toMatchObject({ status: 200, body: created.body });
    expect((await as("bob", "GET", "/v1/commands/catalog/count")).body.count).toBe(33);
    expect((await as("admin", "POST", "/v1/commands/catalog", { name: "check logs", command: "true" })).status).toBe(409);

    const deleted = await as("admin", "DELETE", `/v1/commands/catalog/${id}`);
    expect(deleted).toMatchObject({ status: 204, text: "" });
    const gone = await as("bob", "GET", `/v1/commands/catalog/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: "NOT_FOUND", message: `Catalog command '${id}' not found` });
    expect((await as("admin", "DELETE", `/v1/commands/catalog/${id}`)).status).toBe(404);
    expect((await as("admin", "POST", `/v1/commands/catalog/${id}/execute`, {})).status).toBe(404);
  });

  test("a user key may read and run but not add or delete (403)", async () => {
    const add = await as("bob", "POST", "/v1/commands/catalog", { name: "Mine", command: "true" });
    expect(add.status).toBe(403);
    expect(add.body.error.code).toBe("FORBIDDEN");
    expect((await as("bob", "DELETE", "/v1/commands/catalog/default-uptime")).status).toBe(403);
    expect((await as("bob", "GET", "/v1/commands/catalog/default-uptime")).status).toBe(200);
  });

  test("anything a shell would interpret is refused; placeholders must be declared", async () => {
    for (const command of ["ps aux | head", "ls; rm -rf ~", "echo $HOME", "cat `id`", "ls *.txt", "df > out"]) {
      const r = await as("admin", "POST", "/v1/commands/catalog", { name: `bad ${command}`, command });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe("VALIDATION_ERROR");
      expect(r.body.error.details.fields[0].field).toBe("command");
    }
    const undeclared = await as("admin", "POST", "/v1/commands/catalog", { name: "ping it", argv: ["ping", "{{host}}"] });
    expect(undeclared.status).toBe(422);
    expect(undeclared.body.error.message).toContain("host");
    expect((await as("admin", "POST", "/v1/commands/catalog", { name: "both", command: "true", argv: ["true"] })).status).toBe(422);
  });
});

describe("executing", () => {
  test("a safe command runs at once in the sandbox, in the active root, without seeing the server's workspace", async () => {
    writeFileSync(join(app.projectRoot, "visible.txt"), "hello");
    const listing = await as("bob", "POST", "/v1/commands/catalog/default-root-listing/execute", {});
    expect(listing.status).toBe(200);
    expect(listing.body).toMatchObject({ command_id: "default-root-listing", command: "ls -la", status: "completed", exit_code: 0, network: false, sandbox: "bubblewrap", requested_by: "bob" });
    expect(listing.body.output).toContain("visible.txt");
    expect(realpathSync(listing.body.root)).toBe(realpathSync(app.projectRoot));
    expect(await as("bob", "GET", `/v1/commands/executions/${listing.body.id}`)).toMatchObject({ status: 200, body: listing.body });
    // another user cannot read it
    expect((await as("carol", "GET", `/v1/commands/executions/${listing.body.id}`)).status).toBe(404);
    expect((await as("bob", "GET", "/v1/commands/executions?limit=1")).body.map((e: any) => e.id)).toEqual([listing.body.id]);
    expect((await as("carol", "GET", "/v1/commands/executions")).body).toEqual([]);
    expect((await as("admin", "GET", "/v1/commands/executions")).body.some((e: any) => e.id === listing.body.id)).toBe(true);

    // the server's workspace (database, config) is hidden inside the sandbox, though the host shows it
    expect(existsSync(join(app.workspace, "penguin.db"))).toBe(true);
    const peek = await as("admin", "POST", "/v1/commands/catalog", { name: "Peek", argv: ["ls", "-A", app.workspace] });
    const ran = await as("admin", "POST", `/v1/commands/catalog/${peek.body.id}/execute`);
    expect(ran.status).toBe(200);
    expect(ran.body.output).not.toContain("penguin.db");

    const uptime = await as("bob", "POST", "/v1/commands/catalog/default-uptime/execute");
    expect(uptime.body).toMatchObject({ status: "completed", exit_code: 0 });
    expect(uptime.body.output).toContain("load average");
  });

  test("a failing command is recorded with its exit code; parameters are checked and stay one argument", async () => {
    const failing = await as("admin", "POST", "/v1/commands/catalog", { name: "Missing file", argv: ["cat", "no-such-file"] });
    const r = await as("bob", "POST", `/v1/commands/catalog/${failing.body.id}/execute`);
    expect(r.body).toMatchObject({ status: "failed", exit_code: 1 });
    expect(r.body.output).toContain("no-such-file");

    const echo = await as("admin", "POST", "/v1/commands/catalog", {
      name: "Echo word",
      argv: ["printf", "[%s]", "{{word}}"],
      parameters: { word: { type: "string", maxLength: 40 } },
    });
    expect(echo.status).toBe(201);
    const quoted = await as("bob", "POST", `/v1/commands/catalog/${echo.body.id}/execute`, { args: { word: "a b; rm -rf ~ $(id)" } });
    expect(quoted.body).toMatchObject({ status: "completed", output: "[a b; rm -rf ~ $(id)]", argv: ["printf", "[%s]", "a b; rm -rf ~ $(id)"] });
    const option = await as("bob", "POST", `/v1/commands/catalog/${echo.body.id}/execute`, { args: { word: "--help" } });
    expect(option.status).toBe(422);
    expect(option.body.error.details.fields[0].field).toBe("args.word");
    expect((await as("bob", "POST", `/v1/commands/catalog/${echo.body.id}/execute`, {})).status).toBe(422);
    expect((await as("bob", "POST", `/v1/commands/catalog/${echo.body.id}/execute`, { args: { word: "x".repeat(41) } })).status).toBe(422);
    expect((await as("bob", "POST", `/v1/commands/catalog/${echo.body.id}/execute`, { args: { other: "x" } })).status).toBe(422);
  });

  test("requires_approval: 202 with an approval request; approving runs it exactly once", async () => {
    const make = await as("admin", "POST", "/v1/commands/catalog", { name: "Make marker", argv: ["mkdir", "approved-marker"], requires_approval: true });
    const asked = await as("bob", "POST", `/v1/commands/catalog/${make.body.id}/execute`);
    expect(asked.status).toBe(202);
    expect(typeof asked.body.approval_request_id).toBe("string");
    expect(asked.body).toMatchObject({ status: "awaiting_approval", exit_code: null, output: "" });
    expect(asked.body.reason).toContain("requires approval");
    const approval = await as("bob", "GET", `/api/v1/approvals/${asked.body.approval_request_id}`);
    expect(approval.body).toMatchObject({ status: "pending", operation: "process.execute", resource: "mkdir approved-marker", tool_name: "command_catalog" });
    expect(existsSync(join(app.projectRoot, "approved-marker"))).toBe(false);

    expect((await as("bob", "POST", `/api/v1/approvals/${asked.body.approval_request_id}/approve`, {})).status).toBe(200);
    const done = await finished(asked.body.id, "bob");
    expect(done).toMatchObject({ status: "completed", exit_code: 0, decided_by: "bob", approval_request_id: asked.body.approval_request_id });
    expect(existsSync(join(app.projectRoot, "approved-marker"))).toBe(true);
    // a second approval is refused, and the command did not run again (mkdir of an existing folder would fail)
    expect((await as("bob", "POST", `/api/v1/approvals/${asked.body.approval_request_id}/approve`, {})).status).toBe(409);
    await Bun.sleep(200);
    expect((await as("bob", "GET", `/v1/commands/executions/${asked.body.id}`)).body).toMatchObject({ status: "completed", exit_code: 0 });
    // each step was announced on the event stream (replayed here from the event log), to its owner
    const steps = await executionFrames(asked.body.id, 3);
    expect(steps.map((f: any) => [f.data.status, f.data.exit_code])).toEqual([
      ["awaiting_approval", null],
      ["running", null],
      ["completed", 0],
    ]);
    expect(steps[0].data).toMatchObject({ command: "mkdir approved-marker", owner: "bob", command_id: make.body.id });
    expect(steps[0].data.approval_request_id).toBe(asked.body.approval_request_id);
    // the decisions are in the audit log like a tool call's: asked, then approved by bob
    const audit = (await as("bob", "GET", "/api/v1/security/audit?limit=1000")).body.entries.filter((e: any) => e.resource === "mkdir approved-marker");
    expect(audit.map((e: any) => [e.result, e.tool_name, e.decided_by])).toEqual([
      ["allow", "command_catalog", "bob"],
      ["ask", "command_catalog", null],
    ]);
  });

  test("denying it means it never runs", async () => {
    const make = await as("admin", "POST", "/v1/commands/catalog", { name: "Denied marker", argv: ["mkdir", "denied-marker"], requires_approval: true });
    const asked = await as("bob", "POST", `/v1/commands/catalog/${make.body.id}/execute`);
    expect(asked.status).toBe(202);
    expect((await as("bob", "POST", `/api/v1/approvals/${asked.body.approval_request_id}/deny`, {})).status).toBe(200);
    const done = await finished(asked.body.id, "bob");
    expect(done).toMatchObject({ status: "denied", exit_code: null, started_at: null, decided_by: "bob" });
    expect((await executionFrames(asked.body.id, 2)).map((f: any) => f.data.status)).toEqual(["awaiting_approval", "denied"]);
    await Bun.sleep(200);
    expect(existsSync(join(app.projectRoot, "denied-marker"))).toBe(false);
  });

  test("network commands ask first; a risky entry asks even when it does not require approval", async () => {
    const ip = await as("bob", "POST", "/v1/commands/catalog/default-network-interfaces/execute");
    expect(ip.status).toBe(202);
    expect(ip.body).toMatchObject({ status: "awaiting_approval", network: true });
    expect(ip.body.reason).toContain("host's network");
    await as("bob", "POST", `/api/v1/approvals/${ip.body.approval_request_id}/approve`, {});
    const done = await finished(ip.body.id, "bob");
    expect(done).toMatchObject({ status: "completed", exit_code: 0 });
    // with the host's network it sees the host's interfaces, not only the sandbox's loopback
    const hostInterfaces = new TextDecoder()
      .decode(Bun.spawnSync(["ip", "-o", "link"]).stdout)
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(":")[1]!.trim().split("@")[0]!);
    for (const name of hostInterfaces) expect(done.output).toContain(`: ${name}`);

    const risky = await as("admin", "POST", "/v1/commands/catalog", { name: "Risky date", argv: ["date"], risk_level: "moderate" });
    const asked = await as("bob", "POST", `/v1/commands/catalog/${risky.body.id}/execute`);
    expect(asked.status).toBe(202);
    expect(asked.body.reason).toContain("moderate");
  });

  test("the permission policy decides too: a deny is 403 and nothing runs, an ask is 202", async () => {
    const denied = await as("bob", "POST", "/v1/commands/catalog/default-hostname/execute");
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: "FORBIDDEN", details: { command: "hostname", policy: "rule:1" } });
    expect(denied.body.error.message).toContain("No host names here");
    const asked = await as("bob", "POST", "/v1/commands/catalog/default-current-user/execute");
    expect(asked.status).toBe(202);
    expect(asked.body.reason).toContain("process.execute");
  });
});
