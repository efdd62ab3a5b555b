// Sub-agents at work: an agent spawns sub-agents (in its own session: same root, sandbox and approvals; at most its
// tools), hands them tasks and waits for or later collects their answers, and stops them. Each delegation is a turn of
// the sub-agent through Agents.runTurn (so the max_concurrent_agents limit holds); while a parent waits, it lends its
// slot to the work it waits for. A sub-agent's approval prompts also appear on the stream of the parent's turn, so
// the human watching that turn answers them.
import type { Bus } from "../kernel/bus";
import { AppError } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import { toApprovalFrameView } from "../engine/follow";
import type { ToolContext } from "../tools/types";
import type { Agents } from "./agents";
import { MAX_AGENT_DEPTH, type AgentRow } from "./registry";
import type { DelegationStatus } from "./schema";

export interface Delegation {
  id: string;
  parentId: string;
  childId: string;
  content: string;
  status: DelegationStatus;
  response?: string;
  error?: string;
  /** Settles (never rejects) when the sub-agent's turn ended. */
  done: Promise<void>;
  controller: AbortController;
  /** Handed to the parent by delegate (wait) or wait_for_agents: forgotten then. */
  collected: boolean;
  finishedAt?: number;
}

/** What the model reads about a delegation. */
export interface DelegationReport {
  delegation_id: string;
  agent_id: string;
  status: DelegationStatus;
  response?: string;
  error?: string;
}

/** Finished, uncollected delegations kept for wait_for_agents (oldest forgotten first). */
const MAX_KEPT = 500;
const CLIP = 2000;

export class Delegations {
  private readonly all = new Map<string, Delegation>();

  constructor(
    private readonly agents: Agents,
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  // ── spawning ────────────────────────────────────────────────────────────────────────────────────────────────

  /** A new sub-agent of the calling agent, in the caller's session; it is paused never, idle until given work. */
  spawn(ctx: ToolContext, input: { id?: string; persona?: string; system_prompt?: string; model_config_id?: string; default_tools?: string[] }): AgentRow {
    const parent = this.agents.requireRow(ctx.agentId, ctx.viewer);
    if (this.agents.depthOf(parent.id) + 1 > MAX_AGENT_DEPTH) throw new AppError("BAD_REQUEST", `sub-agents may not nest more than ${MAX_AGENT_DEPTH} levels deep`);
    const id = input.id?.trim() || this.freeIdFor(parent.id);
    this.agents.create(
      { id, persona: input.persona, system_prompt: input.system_prompt, model_config_id: input.model_config_id, default_tools: input.default_tools, parent: parent.id },
      ctx.viewer,
      { source: "spawned", sessionId: ctx.sessionId, fromConversation: ctx.conversationId },
    );
    return this.agents.requireRow(id, ctx.viewer);
  }

  // ── delegating ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Hands `content` to one of the caller's sub-agents; returns at once (its `done` settles with the answer). */
  start(ctx: ToolContext, childId: string, content: string): Delegation {
    let child = this.ownChild(ctx, childId);
    if (child.paused) throw new AppError("CONFLICT", `sub-agent '${childId}' is paused and takes no new work`, { agent_id: childId });
    if (child.sessionId && child.sessionId !== ctx.sessionId) {
      throw new AppError("CONFLICT", `sub-agent '${childId}' works in another session ('${child.sessionId}'); spawn a new one here`, { agent_id: childId });
    }
    // A sub-agent created without a session (over the API) joins the session of the first work its parent hands it.
    if (!child.sessionId) {
      this.agents.registry.setSession(childId, ctx.sessionId);
      child = this.agents.requireRow(childId, ctx.viewer);
    }
    const controller = new AbortController();
    const turnId = newId();
    const delegation: Delegation = { id: newId(), parentId: ctx.agentId, childId, content, status: "queued", done: Promise.resolve(), controller, collected: false };
    this.all.set(delegation.id, delegation);
    this.prune();
    const scope = { session_id: ctx.sessionId, delegation_id: delegation.id, agent_id: ctx.agentId, child_id: childId };
    this.bus.publish("agent.delegation", { ...scope, status: "started", content: clip(content), ...(child.conversationId ? { conversation_id: child.conversationId } : {}) });

    // The sub-agent's approval prompts reach the human on the parent's turn stream too.
    const offApprovals = this.bus.subscribe(
      (event) => this.bus.publish("turn.event", { turn_id: ctx.turnId, conversation_id: ctx.conversationId, session_id: ctx.sessionId, agent_id: ctx.agentId, event: toApprovalFrameView(event) }),
      { types: ["approval.required", "approval.resolved"], where: { turn_id: turnId } },
    );
    const offStarted = this.bus.subscribe(
      () => {
        if (delegation.status === "queued") delegation.status = "running";
      },
      { types: ["turn.event"], where: { turn_id: turnId } },
    );
    delegation.done = this.agents
      .runTurn(childId, { text: content, viewer: ctx.viewer, signal: controller.signal, turnId, context: { delegated_by: ctx.agentId } })
      .then(
        (result) => {
          delegation.status = result.interrupted ? "cancelled" : "completed";
          delegation.response = result.response;
          if (result.interrupted) delegation.error = "stopped before it finished";
          this.bus.publish("agent.delegation", { ...scope, status: result.interrupted ? "cancelled" : "completed", content: clip(result.response), conversation_id: result.conversationId });
        },
        (error: unknown) => {
          delegation.status = controller.signal.aborted ? "cancelled" : "failed";
          delegation.error = error instanceof AppError ? error.message : "the sub-agent's turn failed";
          if (!(error instanceof AppError)) this.log.warn("delegation failed", { delegation_id: delegation.id, agent_id: childId, error: String(error) });
          this.bus.publish("agent.delegation", { ...scope, status: delegation.status === "cancelled" ? "cancelled" : "failed", content: clip(delegation.error) });
        },
      )
      .finally(() => {
        delegation.finishedAt = Date.now();
        offApprovals();
        offStarted();
      });
    return delegation;
  }

  /**
   * Hands `content` to a sub-agent and waits for its answer; the caller's capacity slot is lent meanwhile. Cancelling
   * the caller (its turn stopped, or this tool call timing out) cancels the sub-agent's turn.
   */
  async delegateAndWait(ctx: ToolContext, childId: string, content: string): Promise<DelegationReport> {
    const delegation = this.start(ctx, childId, content);
    const cancel = () => delegation.controller.abort(ctx.signal.reason ?? new Error("cancelled"));
    ctx.signal.addEventListener("abort", cancel, { once: true });
    try {
      await this.agents.capacity.lend(ctx.turnId, () => delegation.done, ctx.signal);
    } finally {
      ctx.signal.removeEventListener("abort", cancel);
    }
    return this.collect(delegation);
  }

  /**
   * Waits until the chosen delegations of the caller (default: all it has not collected) have finished, or the
   * timeout passes; reports each (finished ones are collected, unfinished ones say so).
   */
  async waitFor(ctx: ToolContext, options: { delegationIds?: string[]; agentIds?: string[]; timeoutMs: number }): Promise<DelegationReport[]> {
    const mine = [...this.all.values()].filter((d) => d.parentId === ctx.agentId && !d.collected);
    let chosen = mine;
    if (options.delegationIds?.length) {
      const unknown = options.delegationIds.filter((id) => !mine.some((d) => d.id === id));
      if (unknown.length) throw new AppError("NOT_FOUND", `no uncollected delegation of yours with id ${unknown.join(", ")}`);
      chosen = mine.filter((d) => options.delegationIds!.includes(d.id));
    } else if (options.agentIds?.length) {
      chosen = mine.filter((d) => options.agentIds!.includes(d.childId));
    }
    if (!chosen.length) return [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs)));
    const stopped = new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
    try {
      await this.agents.capacity.lend(ctx.turnId, () => Promise.race([Promise.all(chosen.map((d) => d.done)), timeout, stopped]), ctx.signal);
    } finally {
      clearTimeout(timer);
    }
    return chosen.map((d) => (d.finishedAt ? this.collect(d) : report(d)));
  }

  // ── stopping ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Cancels the running and waiting delegations to these agents; returns how many. */
  cancel(agentIds: readonly string[]): number {
    let n = 0;
    for (const d of this.all.values()) {
      if (!d.finishedAt && agentIds.includes(d.childId)) {
        d.controller.abort(new Error("stopped"));
        n++;
      }
    }
    return n;
  }

  /** Stops a sub-agent of the caller (and its own sub-agents): their work is cancelled; `remove` deletes them too. */
  async stop(ctx: ToolContext, childId: string, remove: boolean): Promise<{ cancelled: number; removed: string[] }> {
    const child = this.ownChild(ctx, childId);
    const ids = [child.id, ...this.agents.registry.descendantsOf(child.id).map((r) => r.id)];
    const cancelled = this.cancel(ids);
    let removed: string[] = [];
    if (remove) removed = this.agents.delete(child.id, { viewer: ctx.viewer, preserveConversation: true }).deleted;
    // Let the cancelled turns settle, so the caller's next step sees them ended.
    await Promise.race([Promise.all([...this.all.values()].filter((d) => ids.includes(d.childId)).map((d) => d.done)), Bun.sleep(5000)]);
    return { cancelled, removed };
  }

  /** Cancels everything (shutdown). */
  shutdown(): void {
    for (const d of this.all.values()) if (!d.finishedAt) d.controller.abort(new Error("server shutting down"));
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────────────────────

  private ownChild(ctx: ToolContext, childId: string): AgentRow {
    const child = this.agents.registry.find(childId);
    if (!child || child.parent !== ctx.agentId) {
      const mine = this.agents.registry.childrenOf(ctx.agentId).map((c) => c.id);
      throw new AppError("NOT_FOUND", `'${childId}' is not one of your sub-agents${mine.length ? ` (yours: ${mine.join(", ")})` : "; spawn one with spawn_sub_agent"}`, { agent_id: childId });
    }
    return this.agents.requireRow(childId, ctx.viewer);
  }

  private freeIdFor(parentId: string): string {
    const base = `${parentId.slice(0, 40)}-sub`;
    for (let n = 1; ; n++) if (!this.agents.registry.find(`${base}-${n}`)) return `${base}-${n}`;
  }

  private collect(d: Delegation): DelegationReport {
    d.collected = true;
    this.all.delete(d.id);
    return report(d);
  }

  private prune(): void {
    if (this.all.size <= MAX_KEPT) return;
    const finished = [...this.all.values()].filter((d) => d.finishedAt).sort((a, b) => a.finishedAt! - b.finishedAt!);
    for (const d of finished.slice(0, this.all.size - MAX_KEPT)) this.all.delete(d.id);
  }
}

function report(d: Delegation): DelegationReport {
  return {
    delegation_id: d.id,
    agent_id: d.childId,
    status: d.status,
    ...(d.response !== undefined ? { response: d.response } : {}),
    ...(d.error !== undefined ? { error: d.error } : {}),
  };
}

const clip = (text: string) => (text.length > CLIP ? text.slice(0, CLIP - 1) + "…" : text);
