// The security, system-config and upload routes over HTTP, plus audit retention.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCore } from "../../src/core";
import { createLogger } from "../../src/core/kernel/log";
import { sniffContentType } from "../../src/core/uploads/uploads";
import { startTestApp, type TestApp } from "../support/harness";
import { makeCore } from "./helpers";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ configure: (c) => void (c.uploadMaxBytes = 4096) });
});
afterAll(() => app.close());

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });
const call = (name: string, args: unknown, sessionId = "s-routes", agentId = "default") =>
  app.core.tools.execute(
    { id: crypto.randomUUID(), name, arguments: JSON.stringify(args) },
    { root: app.core.roots.activeRoot, sessionId, conversationId: "c", agentId, turnId: "t", signal: new AbortController().signal },
  );

describe("audit routes", () => {
  beforeAll(async () => {
    writeFileSync(join(app.projectRoot, "a.txt"), "a");
    await call("read_file", { path: "a.txt" });
    await call("read_file", { path: "/etc/hostname" });
    await call("execute_command", { command: "ls" }, "s-routes", "coder");
    await call("write_file", { path: "b.txt", content: "b" }, "s-routes", "coder");
  });

  test("lists decisions newest first with the documented fields", async () => {
    const { status, body } = await json(await app.request("/api/v1/security/audit"));
    expect(status).toBe(200);
    expect(body.total).toBe(4);
    expect(body.filters).toEqual({ limit: 100, result: null, category: null, agent_id: null });
    expect(body.entries.map((e: any) => e.tool_name)).toEqual(["write_file", "execute_command", "read_file", "read_file"]);
    expect(body.entries[0]).toEqual({
      id: expect.any(String),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      operation: "filesystem.write",
      category: "filesystem",
      resource: join(app.projectRoot, "b.txt"),
      result: "allow",
      reason: "Within workspace boundary",
      policy: "workspace-boundary",
      agent_id: "coder",
      tool_name: "write_file",
      session_id: "s-routes",
      owner: null,
      decided_by: null,
    });
  });

  test("filters by result, category and agent; limit caps entries but not the total", async () => {
    const denied = (await json(await app.request("/api/v1/security/audit?result=deny"))).body;
    expect(denied.total).toBe(1);
    expect(denied.entries[0]).toMatchObject({ resource: "/etc/hostname", result: "deny" });
    expect(denied.filters).toEqual({ limit: 100, result: "deny", category: null, agent_id: null });
    const process = (await json(await app.request("/api/v1/security/audit?category=process"))).body;
    expect(process.entries.map((e: any) => e.resource)).toEqual(["ls"]);
    const coder = (await json(await app.request("/api/v1/security/audit?agent_id=coder&category=filesystem"))).body;
    expect(coder.total).toBe(1);
    const limited = (await json(await app.request("/api/v1/security/audit?limit=1"))).body;
    expect(limited.entries.length).toBe(1);
    expect(limited.total).toBe(4);
  });

  test("bad filters are validation errors", async () => {
    for (const q of ["limit=0", "limit=1001", "limit=abc", "result=maybe", "category=kitchen"]) {
      const res = await app.request(`/api/v1/security/audit?${q}`);
      expect(res.status).toBe(422);
      expect((await res.json()).error.code).toBe("VALIDATION_ERROR");
    }
  });

  test("stats count by result and by category", async () => {
    const { body } = await json(await app.request("/api/v1/security/audit/stats"));
    expect(body).toEqual({ total: 4, by_result: { allow: 3, ask: 0, deny: 1 }, by_category: { filesystem: 3, process: 1 } });
  });
});

describe("audit retention", () => {
  test("entries older than the retention period are pruned, also when the server starts", async () => {
    const t = await makeCore({ configure: (c) => void (c.permissions.auditRetentionDays = 2) });
    const config = t.core.config;
    try {
      for (let i = 0; i < 3; i++) t.core.audit.record({ operation: "filesystem.read", resource: `/x${i}`, result: "allow", reason: "r", policy: "p" });
      const old = Date.now() - 3 * 86_400_000;
      t.core.db.$client.query("UPDATE audit_log SET at = ? WHERE resource IN ('/x0', '/x1')").run(old);
      expect(t.core.audit.prune()).toBe(2);
      expect(t.core.audit.list().entries.map((e) => e.resource)).toEqual(["/x2"]);
      t.core.db.$client.query("UPDATE audit_log SET at = ?").run(old);
      await t.core.shutdown();
      const again = await createCore(config, { log: createLogger({ silent: true }) });
      expect(again.audit.list().total).toBe(0);
      await again.shutdown();
    } finally {
      await t.close();
    }
  });
});

describe("system config", () => {
  test("reports the roots and switches them at run time; tools follow at once", async () => {
    const before = (await json(await app.request("/api/v1/system/config"))).body;
    expect(before).toEqual({
      status: "success",
      config: { project_root: app.projectRoot, workspace_root: join(app.workspace, "files"), execution_mode: "project", active_root: app.projectRoot },
    });
    const other = realpathSync(mkdtempSync(join(tmpdir(), "penguin-route-root-")));
    writeFileSync(join(other, "other.txt"), "from the other root");
    try {
      const set = await json(await app.request("/api/v1/system/config/project-root", { method: "POST", json: { path: other } }));
      expect(set).toEqual({ status: 200, body: { status: "success", message: `Project root set to ${other}`, path: other, active_root: other } });
      expect((await call("read_file", { path: "other.txt" })).output).toBe("1\tfrom the other root");
      expect((await call("read_file", { path: join(app.projectRoot, "a.txt") })).status).toBe("denied");

      const mode = await json(await app.request("/api/v1/system/config/execution-mode", { method: "POST", json: { path: "workspace" } }));
      // the agent's workspace root is a folder of its own, never the one holding the database and config
      const files = join(app.workspace, "files");
      expect(mode.body).toEqual({ status: "success", message: `Execution mode set to workspace: ${files}`, execution_mode: "workspace", active_root: files });
      expect((await call("write_file", { path: "in-workspace.txt", content: "w" })).status).toBe("completed");
      expect(readFileSync(join(files, "in-workspace.txt"), "utf8")).toBe("w");
      expect((await call("read_file", { path: join(app.workspace, "penguin.db") })).status).toBe("denied");
      for (const route of ["workspace-root", "project-root"]) {
        const refused = await json(await app.request(`/api/v1/system/config/${route}`, { method: "POST", json: { path: app.workspace } }));
        expect(refused.status).toBe(400);
        expect(refused.body.error.message).toContain("holds the server's own database");
      }

      const ws = realpathSync(mkdtempSync(join(tmpdir(), "penguin-route-ws-")));
      const wsSet = await json(await app.request("/api/v1/system/config/workspace-root", { method: "POST", json: { path: ws } }));
      expect(wsSet.body).toEqual({ status: "success", message: `Workspace root set to ${ws}`, path: ws, active_root: ws });
      await app.request("/api/v1/system/config/workspace-root", { method: "POST", json: { path: files } });
      rmSync(ws, { recursive: true, force: true });
    } finally {
      await app.request("/api/v1/system/config/execution-mode", { method: "POST", json: { path: "project" } });
      await app.request("/api/v1/system/config/project-root", { method: "POST", json: { path: app.projectRoot } });
      rmSync(other, { recursive: true, force: true });
    }
    expect((await json(await app.request("/api/v1/system/config"))).body).toEqual(before);
  });

  test("400 for a missing path, a path that does not exist or is not a directory, or a bad mode", async () => {
    const cases: [string, unknown, RegExp][] = [
      ["project-root", {}, /Missing path/],
      ["project-root", undefined, /Missing path/],
      ["project-root", { path: "" }, /Missing path/],
      ["project-root", { path: 42 }, /Missing path/],
      ["project-root", { path: "/definitely/not/here" }, /does not exist/],
      ["project-root", { path: join(app.projectRoot, "a.txt") }, /is not a directory/],
      ["workspace-root", { path: "/definitely/not/here" }, /does not exist/],
      ["execution-mode", { path: "sideways" }, /must be 'project' or 'workspace'/],
      ["execution-mode", {}, /Missing mode/],
    ];
    for (const [route, body, message] of cases) {
      const res = await app.request(`/api/v1/system/config/${route}`, { method: "POST", ...(body !== undefined ? { json: body } : {}) });
      expect(res.status).toBe(400);
      const env = await res.json();
      expect(env.error.code).toBe("BAD_REQUEST");
      expect(env.detail).toMatch(message);
    }
    expect((await json(await app.request("/api/v1/system/config"))).body.config.project_root).toBe(app.projectRoot);
  });
});

describe("uploads", () => {
  const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const upload = (blob: Blob, name: string) => {
    const form = new FormData();
    form.append("file", blob, name);
    return app.request("/api/v1/upload", { method: "POST", body: form });
  };

  test("stores the file under <workspace>/uploads with a generated name and the sniffed type", async () => {
    const { status, body } = await json(await upload(new Blob([PNG], { type: "image/png" }), "../../etc/photo.png"));
    expect(status).toBe(200);
    expect(body).toEqual({ path: expect.stringMatching(new RegExp(`^${join(app.workspace, "uploads")}/[0-9a-f-]{36}\\.png$`)), filename: "photo.png", content_type: "image/png", size: PNG.length });
    expect(new Uint8Array(readFileSync(body.path))).toEqual(PNG);
    // an uploaded image is readable by the tools from any root (and so usable as image_path)
    const read = await call("read_file", { path: body.path });
    expect(read.images?.[0]?.mediaType).toBe("image/png");
  });

  test("the claimed type does not count: a text file named .png is text; unknown bytes are octet-stream", async () => {
    const fake = (await json(await upload(new Blob(["just text"], { type: "image/png" }), "fake.png"))).body;
    expect(fake.content_type).toBe("text/plain");
    expect(fake.path).toEndWith(".txt");
    const md = (await json(await upload(new Blob(["# Title"]), "notes.md"))).body;
    expect(md.content_type).toBe("text/markdown");
    const bin = (await json(await upload(new Blob([new Uint8Array([0, 1, 2, 3, 0xff, 0xfe, 0])]), "run.exe"))).body;
    expect(bin.content_type).toBe("application/octet-stream");
    expect(bin.path).toEndWith(".bin");
  });

  test("sniffing recognises the common formats", () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(sniffContentType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])).type).toBe("image/jpeg");
    expect(sniffContentType(bytes("GIF89a....")).type).toBe("image/gif");
    expect(sniffContentType(bytes("RIFF\0\0\0\0WEBPVP8 ")).type).toBe("image/webp");
    expect(sniffContentType(bytes("%PDF-1.7\n")).type).toBe("application/pdf");
    expect(sniffContentType(bytes('{"a":1}'), "data.json").type).toBe("application/json");
  });

  test("empty, missing or oversized files are rejected with the envelope", async () => {
    const empty = await json(await upload(new Blob([]), "empty.txt"));
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("BAD_REQUEST");
    const missing = await app.request("/api/v1/upload", { method: "POST", body: new FormData() });
    expect(missing.status).toBe(422);
    const big = await json(await upload(new Blob([new Uint8Array(5000).fill(65)]), "big.txt"));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  test("a streamed (chunked) upload over the limit is a 413 too", async () => {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(6000).fill(66)]), "streamed.txt");
    const encoded = new Response(form);
    const type = encoded.headers.get("content-type")!;
    const bytes = new Uint8Array(await encoded.arrayBuffer());
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.subarray(i, i + 1000));
        controller.close();
      },
    });
    const res = await app.request("/api/v1/upload", { method: "POST", body: stream, headers: { "content-type": type } });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});
