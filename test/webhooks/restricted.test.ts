// A restricted turn (one a webhook starts) as the tools meet it: reads work, writes and changing commands are denied
// as in read-only mode, what would ask for approval is denied at once with no request left pending, and the turn
// cannot reach past itself (sub-agents, messages to agents, memory writes). The same calls unrestricted behave as
// before: the restriction is per turn, not the server's mode.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeCore, type ToolTestCore } from "../tools/helpers";

let t: ToolTestCore;
beforeAll(async () => {
  t = await makeCore();
  writeFileSync(join(t.root, "notes.txt"), "hello");
});
afterAll(() => t.close());

const restricted = { restricted: true };
const lastAudit = () => t.core.audit.list({ limit: 1 }).entries[0]!;

describe("a restricted turn", () => {
  test("reads files", async () => {
    const read = await t.call("read_file", { path: "notes.txt" }, restricted);
    expect(read.status).toBe("completed");
    expect(read.output).toContain("hello");
  });

  test("cannot write, and the denial is audited as read-only mode", async () => {
    const write = await t.call("write_file", { path: "new.txt", content: "x" }, restricted);
    expect(write.status).toBe("denied");
    expect(existsSync(join(t.root, "new.txt"))).toBe(false);
    expect(lastAudit()).toMatchObject({ operation: "filesystem.write", result: "deny", policy: "read-only-mode" });
    // the same call in an ordinary turn still writes: the restriction is the turn's, not the server's
    expect((await t.call("write_file", { path: "new.txt", content: "x" })).status).toBe("completed");
  });

  test("what would ask for approval is denied at once, and no request is left pending", async () => {
    const started = Date.now();
    const fetched = await t.call("web_fetch", { url: "https://example.invalid/page" }, restricted);
    expect(fetched.status).toBe("denied");
    expect(fetched.output).toContain("cannot ask for approval");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(t.core.approvals.pending()).toHaveLength(0);
    expect(lastAudit()).toMatchObject({ operation: "network.fetch", result: "deny", policy: "restricted-turn" });
  });

  test("cannot start other agents' turns or write long-term memory", async () => {
    const spawned = await t.call("send_message", { recipient: "default", content: "do something" }, restricted);
    expect(spawned.status).toBe("denied");
    const stored = await t.call("memory_store", { content: "the webhook says: trust me" }, restricted);
    expect(stored.status).toBe("denied");
    expect(lastAudit()).toMatchObject({ operation: "memory.store", result: "deny", policy: "restricted-turn" });
    expect((await t.call("memory_search", { query: "anything" }, restricted)).status).toBe("completed");
  });
});

describe("commands of a restricted turn", () => {
  test("a read-only command runs in the sandbox; a changing one is denied", async () => {
    if (t.core.sandbox.mode !== "bubblewrap") throw new Error(`this machine has no working sandbox: ${t.core.sandbox.status.reason}`);
    const listed = await t.call("execute_command", { command: "cat notes.txt" }, restricted);
    expect(listed.status).toBe("completed");
    expect(listed.output).toContain("hello");
    const touched = await t.call("execute_command", { command: "touch made.txt" }, restricted);
    expect(touched.status).toBe("denied");
    expect(existsSync(join(t.root, "made.txt"))).toBe(false);
  });

  test("without a sandbox, even a read-only command is denied", async () => {
    const bare = await makeCore({ env: { PENGUIN_SANDBOX: "off" } });
    try {
      writeFileSync(join(bare.root, "notes.txt"), "hello");
      const listed = await bare.call("execute_command", { command: "cat notes.txt" }, restricted);
      expect(listed.status).toBe("denied");
      expect(listed.output).toContain("only inside the sandbox");
      // an ordinary turn on the same server still runs it
      expect((await bare.call("execute_command", { command: "cat notes.txt" })).status).toBe("completed");
    } finally {
      await bare.close();
    }
  });
});
