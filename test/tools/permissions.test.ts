// The permission policy as the tools meet it: root boundaries (.., absolute paths, symlinks, a root changed at run
// time), read-only mode, the write policy, configured rules — every decision audited.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCore, type ToolTestCore } from "./helpers";

const outside = realpathSync(mkdtempSync(join(tmpdir(), "penguin-outside-")));
writeFileSync(join(outside, "secret.txt"), "top secret");
afterAll(() => rmSync(outside, { recursive: true, force: true }));

const lastAudit = (t: ToolTestCore) => t.core.audit.list({ limit: 1 }).entries[0]!;

describe("root boundary", () => {
  let t: ToolTestCore;
  beforeAll(async () => {
    t = await makeCore();
    writeFileSync(join(t.root, "inside.txt"), "fine");
    symlinkSync(outside, join(t.root, "out-link"));
    symlinkSync(join(outside, "not-yet.txt"), join(t.root, "dangling"));
    symlinkSync(join(t.root, "inside.txt"), join(t.root, "in-link"));
  });
  afterAll(() => t.close());

  test("reads and writes inside the root are allowed and audited", async () => {
    expect((await t.call("read_file", { path: "inside.txt" })).status).toBe("completed");
    expect(lastAudit(t)).toMatchObject({ operation: "filesystem.read", category: "filesystem", result: "allow", policy: "workspace-boundary", tool_name: "read_file", agent_id: "default", session_id: "session-1", resource: join(t.root, "inside.txt") });
    expect((await t.call("read_file", { path: "in-link" })).status).toBe("completed");
  });

  const escapes: [string, string, Record<string, unknown>][] = [
    ["..", "read_file", { path: `../${outside.split("/").pop()}/secret.txt` }],
    ["an absolute path", "read_file", { path: join(outside, "secret.txt") }],
    ["a symlink pointing out", "read_file", { path: "out-link/secret.txt" }],
    ["a write through a symlinked folder", "write_file", { path: "out-link/new.txt", content: "x" }],
    ["a write through a dangling symlink", "write_file", { path: "dangling", content: "x" }],
    ["a home-relative path", "read_file", { path: "~/.bashrc" }],
    ["a listing of the parent", "list_files", { path: ".." }],
    ["a search outside", "grep_search", { pattern: "secret", path: outside }],
    ["a patch outside", "patch_file", { path: join(outside, "secret.txt"), edits: [{ search: "top", replace: "no" }] }],
  ];
  for (const [what, tool, args] of escapes) {
    test(`${what} is denied and audited`, async () => {
      const r = await t.call(tool, args);
      expect(r.status).toBe("denied");
      expect(r.output).toStartWith("Permission denied:");
      expect(r.output).toContain("outside the allowed root");
      expect(lastAudit(t)).toMatchObject({ result: "deny", policy: "workspace-boundary", tool_name: tool });
    });
  }

  test("denied writes touch nothing outside", () => {
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
    expect(existsSync(join(outside, "not-yet.txt"))).toBe(false);
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("top secret");
  });

  test("uploads in the workspace are readable from any root", async () => {
    mkdirSync(join(t.workspace, "uploads"), { recursive: true });
    writeFileSync(join(t.workspace, "uploads", "u.txt"), "uploaded");
    const r = await t.call("read_file", { path: join(t.workspace, "uploads", "u.txt") });
    expect(r.output).toBe("1\tuploaded");
    expect(lastAudit(t).policy).toBe("uploads");
    expect((await t.call("write_file", { path: join(t.workspace, "uploads", "u.txt"), content: "x" })).status).toBe("denied");
  });

  test("a root changed at run time applies to the next call at once", async () => {
    const other = realpathSync(mkdtempSync(join(tmpdir(), "penguin-other-root-")));
    writeFileSync(join(other, "there.txt"), "there");
    const oldRoot = t.root;
    try {
      t.core.roots.setProjectRoot(other);
      // a session not bound to a directory uses the active root
      expect((await t.call("read_file", { path: "there.txt" })).output).toBe("1\tthere");
      const old = await t.call("read_file", { path: join(oldRoot, "inside.txt") });
      expect(old.status).toBe("denied");
      t.core.roots.setExecutionMode("workspace");
      expect((await t.call("read_file", { path: join(other, "there.txt") })).status).toBe("denied");
      expect((await t.call("write_file", { path: "ws-note.txt", content: "w" })).status).toBe("completed");
      expect(readFileSync(join(t.workspace, "files", "ws-note.txt"), "utf8")).toBe("w");
    } finally {
      t.core.roots.setExecutionMode("project");
      t.core.roots.setProjectRoot(oldRoot);
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe("read-only mode", () => {
  let t: ToolTestCore;
  beforeAll(async () => {
    t = await makeCore({ configure: (c) => void (c.permissions.mode = "read-only") });
    writeFileSync(join(t.root, "a.txt"), "a");
  });
  afterAll(() => t.close());

  test("denies every write and every command that is not read-only", async () => {
    for (const [tool, args] of [
      ["write_file", { path: "a.txt", content: "changed" }],
      ["create_folder", { path: "d" }],
      ["patch_file", { path: "a.txt", edits: [{ search: "a", replace: "b" }] }],
      ["delete_file", { path: "a.txt" }],
      ["execute_command", { command: "touch b.txt" }],
      ["execute_command", { command: "rm -rf a.txt" }],
    ] as const) {
      const r = await t.call(tool, args);
      expect(r.status).toBe("denied");
      expect(r.output).toContain("Read-only mode");
      expect(lastAudit(t)).toMatchObject({ result: "deny", policy: "read-only-mode" });
    }
    expect(readFileSync(join(t.root, "a.txt"), "utf8")).toBe("a");
    expect(existsSync(join(t.root, "b.txt"))).toBe(false);
  });

  test("reads and read-only commands still run", async () => {
    expect((await t.call("read_file", { path: "a.txt" })).status).toBe("completed");
    const ls = await t.call("execute_command", { command: "ls && cat a.txt" });
    expect(ls.status).toBe("completed");
    expect(ls.output).toContain("a.txt");
  });
});

describe("configured rules and the write policy", () => {
  let t: ToolTestCore;
  beforeAll(async () => {
    t = await makeCore({
      configure: (c) => {
        c.permissions.rules = [
          { action: "deny", operation: "filesystem.*", pattern: "secrets/**", reason: "Secrets stay secret" },
          { action: "allow", operation: "process.execute", pattern: "mytool *" },
          { action: "allow", operation: "filesystem.read", pattern: `${outside}/**` },
          { action: "ask", operation: "filesystem.read", pattern: "secrets/public.txt" },
        ];
        c.permissions.writes = "ask";
        c.permissions.approvalTimeoutSeconds = 1;
      },
    });
    mkdirSync(join(t.root, "secrets"));
    writeFileSync(join(t.root, "secrets", "public.txt"), "p");
  });
  afterAll(() => t.close());

  test("the first matching rule wins, before the defaults", async () => {
    const secret = await t.call("read_file", { path: "secrets/public.txt" });
    expect(secret.status).toBe("denied");
    expect(secret.output).toContain("Secrets stay secret");
    expect(lastAudit(t)).toMatchObject({ result: "deny", policy: "rule:1" });
    // a rule may open a path outside the root
    expect((await t.call("read_file", { path: join(outside, "secret.txt") })).output).toBe("1\ttop secret");
    expect(lastAudit(t).policy).toBe("rule:3");
  });

  test("a command rule allows an otherwise unknown command", async () => {
    const r = await t.call("execute_command", { command: "mytool --version" });
    expect(lastAudit(t)).toMatchObject({ result: "allow", policy: "rule:2" });
    expect(r.output).toContain("exit code 127"); // allowed to run; the program just does not exist
  });

  test("writes = ask turns writes into approval requests", async () => {
    const pending = t.call("write_file", { path: "w.txt", content: "w" });
    const [request] = await waitForPending(t);
    expect(request).toMatchObject({ tool_name: "write_file", operation: "filesystem.write", resource: join(t.root, "w.txt") });
    expect(request!.reason).toContain("permissions.writes = ask");
    t.core.approvals.approve(request!.id);
    expect((await pending).status).toBe("completed");
    expect(readFileSync(join(t.root, "w.txt"), "utf8")).toBe("w");
  });
});

async function waitForPending(t: ToolTestCore) {
  for (let i = 0; i < 200; i++) {
    const pending = t.core.approvals.pending();
    if (pending.length) return pending;
    await Bun.sleep(5);
  }
  throw new Error("no approval request appeared");
}

describe("the asking policy with the sandbox active", () => {
  let s: ToolTestCore;
  beforeAll(async () => {
    s = await makeCore();
  });
  afterAll(() => s.close());
  const verdict = (resource: string, operation = "process.execute") => s.core.permissions.check({ operation, resource, root: s.root });

  test("running code, tests and builds inside the root does not ask", () => {
    expect(s.core.sandbox.status.mode).toBe("bubblewrap"); // CI installs bubblewrap
    for (const command of ["python3 -c 'print(1)'", "npm test", "make", "bun run build", "node script.js", "cargo test", "cat a.txt | sort > b.txt"]) {
      expect({ command, ...verdict(command) }).toMatchObject({ command, result: "allow", policy: "sandbox" });
    }
  });

  test("evident destruction, the network and changes to a repository's history ask, and say why", () => {
    const cases: [string, string, RegExp][] = [
      ["rm -rf ./build", "command-risk", /Destructive command requires approval/],
      ["git reset --hard", "command-risk", /Destructive/],
      ["curl https://example.com", "network", /needs network access: curl/],
      ["npm install left-pad", "network", /downloads packages/],
      ["git push origin main", "network", /git push talks to a remote/],
      ["git commit -m wip", "git-write", /git commit changes the repository/],
      ["sh -c 'git fetch'", "network", /git fetch talks to a remote/],
    ];
    for (const [command, policy, reason] of cases) {
      const v = verdict(command);
      expect({ command, result: v.result, policy: v.policy }).toEqual({ command, result: "ask", policy });
      expect(v.reason).toMatch(reason);
    }
  });

  test("a write under .git/ always asks: repository configuration can name programs git runs", () => {
    const v = verdict(join(s.root, ".git", "config"), "filesystem.write");
    expect(v).toMatchObject({ result: "ask", policy: "git-dir" });
    expect(verdict(join(s.root, "src", "git.ts"), "filesystem.write").result).toBe("allow");
  });

  test("without a sandbox every command that is not provably read-only asks", async () => {
    const bare = await makeCore({ configure: (c) => void (c.sandbox = "off") });
    try {
      expect(bare.core.sandbox.status.mode).toBe("none");
      const check = (resource: string) => bare.core.permissions.check({ operation: "process.execute", resource, root: bare.root });
      expect(check("ls -la").result).toBe("allow");
      for (const command of ["npm test", "python3 -c 'print(1)'", "make"]) expect(check(command)).toMatchObject({ result: "ask", policy: "no-sandbox" });
    } finally {
      await bare.close();
    }
  });
});
