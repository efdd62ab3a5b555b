// The tool runtime's before-run hooks: awaited after the permission decision (approval included) and right before the
// tool runs; skipped for a denied call; a cancelled turn stops waiting for them; a failing hook is logged and the tool
// runs anyway. A real registry over a real core's permission policy, approvals and audit log, with a probe tool.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { createLogger } from "../../src/core/kernel/log";
import { defineTool } from "../../src/core/tools/define";
import { ToolRegistry } from "../../src/core/tools/runtime";
import type { ToolContext } from "../../src/core/tools/types";
import { makeCore, type ToolTestCore } from "./helpers";

let t: ToolTestCore;
let tools: ToolRegistry;
const logs: Record<string, unknown>[] = [];
/** What happened, in order: "audit:<result>" (read by the hook and the tool), "hook", "run", "approve". */
let steps: string[] = [];
const removers: (() => void)[] = [];
let n = 0;

const lastAudit = () => t.core.audit.list({ limit: 1 }).entries[0]?.result ?? "none";

beforeAll(async () => {
  t = await makeCore({
    configure: (c) => {
      c.permissions.rules = [
        { action: "deny", operation: "memory.probe", pattern: "deny*" },
        { action: "ask", operation: "memory.probe", pattern: "ask*" },
        { action: "allow", operation: "memory.probe", pattern: "*" },
      ];
      c.permissions.approvalTimeoutSeconds = 30;
    },
  });
  const { config, permissions, approvals, audit, metrics } = t.core;
  const log = createLogger({ debug: true, write: (line) => void logs.push(JSON.parse(line)) });
  tools = new ToolRegistry({ config, permissions, approvals, audit, metrics, log });
  tools.register(
    defineTool({
      name: "probe",
      description: "Records that it ran.",
      parameters: Type.Object({ what: Type.String() }),
      category: "memory",
      operation: "probe",
      resource: (args) => args.what,
      run: async (args) => {
        steps.push("run");
        return { ok: true, output: `ran ${args.what}` };
      },
    }),
  );
});
afterAll(() => t.close());
afterEach(() => {
  for (const remove of removers.splice(0)) remove();
  steps = [];
  logs.length = 0;
});

const call = (what: string, ctx: Partial<ToolContext> = {}) =>
  tools.execute({ id: `probe-${++n}`, name: "probe", arguments: JSON.stringify({ what }) }, t.ctx({ sessionId: "hook-session", ...ctx }));
const hook = (fn: Parameters<ToolRegistry["beforeRun"]>[0]) => removers.push(tools.beforeRun(fn));

async function nextPendingApproval() {
  for (let i = 0; i < 400; i++) {
    const [pending] = t.core.approvals.pending("hook-session");
    if (pending) return pending;
    await Bun.sleep(5);
  }
  throw new Error("no pending approval");
}

describe("before-run hooks", () => {
  test("run after the permission decision and before the tool, in registration order, with the call's context and tool", async () => {
    const seen: { tool: string; conversation: string }[] = [];
    hook(async (ctx, tool) => {
      await Bun.sleep(20); // the tool really waits for the hook
      steps.push(`audit:${lastAudit()}`, "hook 1");
      seen.push({ tool: tool.name, conversation: ctx.conversationId });
    });
    hook(async () => void steps.push("hook 2"));
    const result = await call("fine", { conversationId: "conv-order" });
    expect(result.status).toBe("completed");
    expect(steps).toEqual(["audit:allow", "hook 1", "hook 2", "run"]);
    expect(seen).toEqual([{ tool: "probe", conversation: "conv-order" }]);
  });

  test("wait for an approval: the hook runs only once the user has approved", async () => {
    hook(async () => void steps.push("hook"));
    const pending = call("ask-me");
    const request = await nextPendingApproval();
    await Bun.sleep(20);
    expect(steps).toEqual([]); // waiting for the user: neither the hook nor the tool
    steps.push("approve");
    t.core.approvals.approve(request.id, "once");
    expect((await pending).status).toBe("completed");
    expect(steps).toEqual(["approve", "hook", "run"]);
  });

  test("a call the policy denies costs no hook; nor does one the user denies", async () => {
    hook(async () => void steps.push("hook"));
    const denied = await call("deny-me");
    expect(denied.status).toBe("denied");
    const pending = call("ask-and-refuse");
    t.core.approvals.deny((await nextPendingApproval()).id);
    expect((await pending).status).toBe("denied");
    expect(steps).toEqual([]);
  });

  test("a cancelled turn stops waiting for a hook and the tool does not run", async () => {
    let finishHook = () => {};
    const hookDone = new Promise<void>((resolve) => (finishHook = resolve));
    hook(async () => {
      steps.push("hook");
      await hookDone; // e.g. a snapshot of a huge repository
    });
    const controller = new AbortController();
    const started = performance.now();
    const pending = call("slow", { signal: controller.signal });
    await Bun.sleep(30);
    controller.abort(new Error("stop"));
    const result = await pending;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.status).toBe("error");
    expect(result.output).toBe("Cancelled before the tool started.");
    finishHook();
    await Bun.sleep(10);
    expect(steps).toEqual(["hook"]); // the hook finished on its own; the tool never ran

    // already cancelled: no hook at all
    const aborted = AbortSignal.abort(new Error("gone"));
    expect((await call("late", { signal: aborted })).output).toBe("Cancelled before the tool started.");
    expect(steps).toEqual(["hook"]);
  });

  test("a hook that throws or rejects is logged and the tool still runs (later hooks too)", async () => {
    hook(() => {
      throw new Error("thrown synchronously");
    });
    hook(async () => {
      await Bun.sleep(1);
      throw new Error("rejected later");
    });
    hook(async () => void steps.push("hook 3"));
    const result = await call("anyway");
    expect(result.status).toBe("completed");
    expect(result.output).toBe("ran anyway");
    expect(steps).toEqual(["hook 3", "run"]);
    const warnings = logs.filter((l) => l.level === "warn");
    expect(warnings).toEqual([
      expect.objectContaining({ msg: "a before-run hook failed; the tool runs anyway", tool: "probe", error: "Error: thrown synchronously" }),
      expect.objectContaining({ msg: "a before-run hook failed; the tool runs anyway", tool: "probe", error: "Error: rejected later" }),
    ]);
  });

  test("a removed hook no longer runs", async () => {
    const remove = tools.beforeRun(async () => void steps.push("hook"));
    remove();
    expect((await call("plain")).status).toBe("completed");
    expect(steps).toEqual(["run"]);
  });
});
