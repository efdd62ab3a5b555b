// The tool runtime: the registry of tools and the one path every tool call takes —
// parse → validate → resource → permission (allow / ask → approval / deny) → audit → before-run hooks → run (timeout,
// cancel, output cap) → metrics. `execute` never throws: every failure becomes a result the model can read.
import type { Config } from "../../config";
import type { Approvals } from "../permission/approvals";
import type { AuditLog } from "../permission/audit";
import type { Logger } from "../kernel/log";
import type { Metrics } from "../system/metrics";
import type { PermissionPolicy } from "../permission/policy";
import type { CommandRisk } from "../shell";
import { checkArguments } from "./arguments";
import { clipBytes } from "./define";
import { approvalPreview } from "./preview";
import type { BeforeToolRunHook, ToolCallRecord, ToolContext, ToolDefinition, ToolOutput, ToolRunHooks, ToolRuntime } from "./types";

export interface ToolRuntimeDeps {
  config: Config;
  permissions: PermissionPolicy;
  approvals: Approvals;
  audit: AuditLog;
  metrics: Metrics;
  log: Logger;
}

export type ToolResult = ToolCallRecord & { images?: ToolOutput["images"] };

const DEFAULT_TIMEOUT_MS = 120_000;

export interface ParsedArguments {
  /** The arguments as the model sent them, for events and action results: `{_raw}` when not JSON, `{value}` when
   *  not an object. */
  shown: Record<string, unknown>;
  /** The object to validate; absent when the arguments are not one JSON object (`problem` says why, for the model). */
  value?: Record<string, unknown>;
  problem?: string;
}

const parsedCalls = new WeakMap<object, ParsedArguments>();

/**
 * A call's arguments, parsed once per call: the engine reads them for its events and `execute` validates the same
 * parse. Callers must not mutate the result (execute works on a copy).
 */
export function parseToolArguments(call: { arguments: string }): ParsedArguments {
  let parsed = parsedCalls.get(call);
  if (parsed) return parsed;
  const text = call.arguments ?? "";
  try {
    const value: unknown = text.trim() ? JSON.parse(text) : {};
    parsed =
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? { shown: value as Record<string, unknown>, value: value as Record<string, unknown> }
        : { shown: { value }, problem: `expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}.` };
  } catch (error) {
    parsed = { shown: { _raw: text }, problem: `not valid JSON (${(error as Error).message}). Send the arguments as one JSON object.` };
  }
  parsedCalls.set(call, parsed);
  return parsed;
}

export class ToolRegistry implements ToolRuntime, ToolRunHooks {
  private readonly tools = new Map<string, ToolDefinition>();
  private readonly beforeRunHooks: BeforeToolRunHook[] = [];
  private changes = 0;

  constructor(private readonly deps: ToolRuntimeDeps) {}

  /** Adds a tool; later issues (memory, agents, messages) register theirs the same way. */
  register(tool: ToolDefinition): void {
    if (this.tools.has(tool.name)) throw new Error(`tool ${tool.name} is already registered`);
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) throw new Error(`tool name ${tool.name} is not a valid function name`);
    this.tools.set(tool.name, tool);
    this.changes++;
  }

  /** Removes a tool (an MCP server's, when the server goes or changes its list); false when it was not there. */
  unregister(name: string): boolean {
    if (!this.tools.delete(name)) return false;
    this.changes++;
    return true;
  }

  /** Changes with every register/unregister, so what was built from the tool list (specs per agent) can tell. */
  get revision(): number {
    return this.changes;
  }

  beforeRun(hook: BeforeToolRunHook): () => void {
    this.beforeRunHooks.push(hook);
    return () => {
      const at = this.beforeRunHooks.indexOf(hook);
      if (at >= 0) this.beforeRunHooks.splice(at, 1);
    };
  }

  get(name: string): ToolDefinition | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  /** Specs for the provider: the registered tools (or the named ones), then the turn's own tools, which replace
   *  registered tools of the same name (as `execute` does). */
  specs(names?: string[], extraTools: ToolDefinition[] = []) {
    const own = new Set(extraTools.map((t) => t.name));
    const chosen = [...this.tools.values()].filter((t) => (!names?.length || names.includes(t.name)) && !own.has(t.name));
    return [...chosen, ...extraTools].map((t) => ({
      name: t.name,
      description: t.description,
      // a plain JSON copy: TypeBox's symbol keys don't survive, which is what providers want
      parameters: JSON.parse(JSON.stringify(t.parameters)) as Record<string, unknown>,
    }));
  }

  async execute(call: { id: string; name: string; arguments: string }, ctx: ToolContext, options: { extraTools?: ToolDefinition[] } = {}): Promise<ToolResult> {
    const startedAt = Date.now();
    let args: Record<string, unknown> = {};
    const finish = (status: ToolCallRecord["status"], out: ToolOutput | string): ToolResult => {
      const output = typeof out === "string" ? out : out.output;
      const duration = Date.now() - startedAt;
      this.deps.metrics.recordTool(call.name, status === "completed", duration);
      const result: ToolResult = { id: call.id, name: call.name, arguments: args, status, output, started_at: startedAt, duration_ms: duration };
      if (typeof out !== "string") {
        if (out.data) result.data = out.data;
        if (out.images?.length) result.images = out.images;
      }
      return result;
    };

    const tool = options.extraTools?.find((t) => t.name === call.name) ?? this.tools.get(call.name);
    if (!tool) {
      const available = [...this.names(), ...(options.extraTools ?? []).map((t) => t.name)].join(", ");
      return finish("error", `Unknown tool '${call.name}'. Available tools: ${available}.`);
    }

    // 1. arguments
    const parsed = parseToolArguments(call);
    if (!parsed.value) return finish("error", `Invalid arguments for ${tool.name}: ${parsed.problem}`);
    args = parsed.value;
    // models sometimes send "5" for 5: TypeBox tools get defaults and conversions first; plain JSON Schema (an MCP
    // server's tools) is checked as sent
    const checked = checkArguments(tool.parameters, args);
    if (!checked.ok) return finish("error", `Invalid arguments for ${tool.name}: ${checked.problems.join("; ")}.`);
    const validArgs = checked.value;
    args = validArgs;

    // 2. permission
    const operation = `${tool.category}.${tool.operation}`;
    let resource: string;
    try {
      resource = tool.resource(validArgs, ctx);
    } catch (error) {
      return finish("error", `Invalid arguments for ${tool.name}: ${(error as Error).message}`);
    }
    let risk: CommandRisk | undefined;
    try {
      risk = tool.assess?.(validArgs, ctx);
    } catch (error) {
      return finish("error", `Invalid arguments for ${tool.name}: ${(error as Error).message}`);
    }
    const denied = await this.authorise(tool, operation, resource, ctx, risk, validArgs);
    if (denied) return finish("denied", denied);

    // 3. what must happen just before the tool runs (e.g. a checkpoint's snapshot of the files, and the content of the
    //    files the call declares it will change)
    if (!(await this.runBeforeHooks(tool, ctx, validArgs))) return finish("error", "Cancelled before the tool started.");

    // 4. run, bounded by the tool's timeout and the turn's cancellation
    const timeoutMs = tool.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = new AbortController();
    const onAbort = () => controller.abort(ctx.signal.reason ?? new Error("cancelled"));
    if (ctx.signal.aborted) return finish("error", "Cancelled before the tool started.");
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error("timeout"));
    }, timeoutMs);
    try {
      const stopped = new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true }));
      // a tool that ignores the signal still cannot hold the turn past its timeout
      const out = await Promise.race([tool.run(validArgs, { ...ctx, signal: controller.signal }), stopped]);
      const cap = this.deps.config.tools.outputCapBytes + 4096;
      const clipped = clipBytes(out.output, cap);
      if (clipped.clipped) out.output = clipped.text + "\n[… output truncated at the tool output limit]";
      return finish(out.ok ? "completed" : "error", out);
    } catch (error) {
      if (timedOut) {
        const hint = tool.timeoutHint ? ` ${tool.timeoutHint}` : "";
        return finish("error", `${tool.name} timed out after ${Math.round(timeoutMs / 1000)} s and was stopped.${hint}`);
      }
      if (ctx.signal.aborted) return finish("error", `${tool.name} was cancelled.`);
      this.deps.log.warn("tool failed", { tool: tool.name, error: String(error) });
      return finish("error", `${tool.name} failed: ${(error as Error)?.message ?? String(error)}`);
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Awaits the before-run hooks in order; false when the turn was cancelled first (the call must not run). A
   * cancelled turn stops waiting at once; the hook itself carries on in the background and settles on its own.
   *
   * A hook that fails is logged and the tool runs anyway. The hooks are side work (today: the git snapshot behind a
   * checkpoint's file restore), and failing the call instead would turn a broken or slow repository into an agent
   * that can no longer act at all, for a loss the user can still see (the checkpoint records that it has no
   * snapshot, and the files the call changes still get their pre-images). A hook that must be able to stop a call is a permission
   * rule, not a hook: that decision belongs to the policy, which runs before this and is audited.
   */
  private async runBeforeHooks(tool: ToolDefinition, ctx: ToolContext, args: Record<string, unknown>): Promise<boolean> {
    if (ctx.signal.aborted) return false;
    if (!this.beforeRunHooks.length) return true;
    let changes: string[] = [];
    try {
      changes = tool.changes?.(args, ctx) ?? [];
    } catch (error) {
      this.deps.log.warn("could not tell which files a tool call changes; the before-run hooks see none", { tool: tool.name, error: String(error) });
    }
    let onAbort = () => {};
    const cancelled = new Promise<"cancelled">((resolve) => {
      onAbort = () => resolve("cancelled");
      ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      for (const hook of [...this.beforeRunHooks]) {
        const done = (async () => hook(ctx, tool, { changes }))().then(
          () => "done" as const,
          (error: unknown) => {
            this.deps.log.warn("a before-run hook failed; the tool runs anyway", { tool: tool.name, error: String(error) });
            return "failed" as const;
          },
        );
        if ((await Promise.race([done, cancelled])) === "cancelled") return false;
      }
      return !ctx.signal.aborted;
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Runs the permission layer; returns the message for the model when the call may not run. */
  private async authorise(tool: ToolDefinition, operation: string, resource: string, ctx: ToolContext, risk?: CommandRisk, args: Record<string, unknown> = {}): Promise<string | undefined> {
    const { permissions, approvals, audit } = this.deps;
    const base = { operation, resource, agentId: ctx.agentId, toolName: tool.name, sessionId: ctx.sessionId, owner: ctx.owner };
    const verdict = permissions.check({ operation, resource, root: ctx.root, risk, restricted: ctx.restricted });
    // nobody is there to approve a webhook's turn, and its input is untrusted: what would ask is denied
    if (ctx.restricted && verdict.result === "ask") {
      audit.record({ ...base, result: "deny", reason: `${verdict.reason} (restricted turn: approvals are not asked)`, policy: "restricted-turn" });
      return `Permission denied: ${verdict.reason}. This turn comes from untrusted input and cannot ask for approval; the ${operation} on ${resource} was not performed.`;
    }

    if (verdict.result === "allow") {
      audit.record({ ...base, result: "allow", reason: verdict.reason, policy: verdict.policy });
      return undefined;
    }
    if (verdict.result === "deny") {
      audit.record({ ...base, result: "deny", reason: verdict.reason, policy: verdict.policy });
      return `Permission denied: ${verdict.reason}. The ${operation} on ${resource} was not performed. Do not retry it unchanged; choose another approach or ask the user.`;
    }

    const grant = approvals.grantFor(ctx.sessionId, operation, resource, ctx.root);
    if (grant) {
      const what = grant.pattern ? `${grant.operation} on ${grant.pattern}` : `${grant.operation}`;
      const by = grant.approved_by ? ` by ${grant.approved_by}` : "";
      audit.record({ ...base, result: "allow", reason: `Approved earlier for this session${by} (${what})`, policy: `approval:${grant.scope}`, decidedBy: grant.approved_by });
      return undefined;
    }

    const outcome = await approvals.ask({
      toolName: tool.name,
      operation,
      resource,
      reason: verdict.reason,
      sessionId: ctx.sessionId,
      conversationId: ctx.conversationId,
      turnId: ctx.turnId,
      agentId: ctx.agentId,
      owner: ctx.owner,
      signal: ctx.signal,
      preview: await approvalPreview(tool.name, args, resource, ctx.root),
      onCreated: (request) => audit.record({ ...base, result: "ask", reason: `${verdict.reason} (approval request ${request.id})`, policy: verdict.policy }),
    });
    switch (outcome.status) {
      case "approved":
        audit.record({ ...base, result: "allow", reason: `Approved by ${outcome.decidedBy ?? "the user"} (scope ${outcome.scope}, request ${outcome.requestId})`, policy: "approval", decidedBy: outcome.decidedBy });
        return undefined;
      case "denied":
        audit.record({ ...base, result: "deny", reason: `Denied by ${outcome.decidedBy ?? "the user"} (request ${outcome.requestId})`, policy: "approval", decidedBy: outcome.decidedBy });
        return `Permission denied by the user: ${operation} on ${resource} was not performed. Continue without it, or explain to the user why it is needed.`;
      case "expired":
        audit.record({ ...base, result: "deny", reason: `Approval request ${outcome.requestId} expired unanswered`, policy: "approval" });
        return `Permission denied: nobody approved ${operation} on ${resource} within ${this.deps.config.permissions.approvalTimeoutSeconds} s, so it was not performed.`;
      default:
        audit.record({ ...base, result: "deny", reason: `Turn cancelled while waiting for approval ${outcome.requestId}`, policy: "approval" });
        return `Cancelled while waiting for approval; ${operation} on ${resource} was not performed.`;
    }
  }
}
