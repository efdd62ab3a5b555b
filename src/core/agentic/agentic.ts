// Agentic tasks (PiSovereign /v1/agentic/tasks): one request, planned, split and run by several agents at once.
//
//   planning ──planner turn (JSON plan, validated; one retry)──▶ [awaiting_approval ──human──▶] running
//   running: sub-agents in parallel (at most [agentic] max_parallel at once), each an engine turn in its own
//            conversation, all in the task's session ──▶ a final turn in the planner's conversation combines them
//   ──▶ completed | failed | cancelled (| interrupted when the server stopped)
//
// With require_approval the plan waits for an approval request (core.approvals: the same list, cards and routes as a
// tool call's, so whoever watches approvals sees it; deny, expiry or cancel ends the task as cancelled) before any
// sub-agent starts. Every turn goes through the engine, so tools, sandbox, permissions and approvals apply unchanged.
// Every stream event is stored before it is published (`agentic.event`), so a late subscriber replays the stream.
// Cancelling aborts the task's signal, which every planner, sub-agent and combination turn runs under.
// A task belongs to the user who created it: another `user` key gets 404.
import type { Config } from "../../config";
import type { Bus } from "../kernel/bus";
import { AppError, providerMissing } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import { requireVisible, type Viewer } from "../kernel/viewer";
import type { Approvals } from "../permission/approvals";
import type { Db } from "../store/db";
import { iso } from "../store/values";
import { combinePrompt, parsePlan, planPrompt, planRetryPrompt, subAgentPrompt, type AgentChoice, type Plan, type PlanningContext } from "./planner";
import { AgenticRepository, toAgenticTaskView, type AgenticTaskRow, type StoredEvent, type SubTaskRow } from "./repository";
import type { AgentTurnResult, AgentTurnRunner } from "./runner";
import type { AgenticTaskCancelled, AgenticTaskCreated, AgenticTaskEvent, AgenticTaskStatus, AgenticTaskView, CreateAgenticTask } from "./schema";

/** Agentic tasks running at once on this server; more are refused (429) rather than queued without bound. */
export const MAX_RUNNING_AGENTIC_TASKS = 16;
const FINAL: readonly AgenticTaskStatus[] = ["completed", "failed", "cancelled", "interrupted"];
const STOPPED_BY_SERVER = "the server stopped while this task was running";

type StopReason = "cancelled" | "shutdown";

export interface AgenticDeps {
  db: Db;
  bus: Bus;
  log: Logger;
  approvals: Approvals;
  runner: AgentTurnRunner;
  settings: () => Config["agentic"];
  /** The agents a plan may name for this viewer (those it may see and that take work; "default" is added). */
  agents: (viewer?: Viewer) => AgentChoice[];
  /** Why inference cannot run now (no model or key configured), else undefined. */
  inferenceProblem: () => string | undefined;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/** Raised inside a run when the task cannot go on; its message is the task's error. */
class TaskFailure extends Error {}
/** Raised inside a run when the task's signal stopped it. */
class TaskStopped extends Error {}

export class AgenticTasks {
  private readonly repo: AgenticRepository;
  private readonly running = new Map<string, Running>();
  private readonly seqs = new Map<string, number>();
  private stopping = false;

  constructor(private readonly deps: AgenticDeps) {
    this.repo = new AgenticRepository(deps.db);
  }

  static isFinal(status: AgenticTaskStatus): boolean {
    return FINAL.includes(status);
  }

  /** Tasks a previous process left unfinished end as interrupted, with a final event so their streams end too. */
  recoverInterrupted(): number {
    const rows = this.repo.unfinished();
    for (const row of rows) {
      this.repo.cancelUnfinishedSubTasks(row.id, STOPPED_BY_SERVER);
      this.repo.saveTask(row, { status: "interrupted", error: STOPPED_BY_SERVER, finishedAt: Date.now() });
      this.emit(row, { event: "task_failed", data: { task_id: row.id, error: STOPPED_BY_SERVER, status: "interrupted" } });
      this.seqs.delete(row.id);
    }
    return rows.length;
  }

  get runningCount(): number {
    return this.running.size;
  }

  // ── starting ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Stores the task and starts planning it in the background; answers at once. */
  create(input: CreateAgenticTask, viewer?: Viewer): AgenticTaskCreated {
    if (this.stopping) throw new AppError("SERVICE_UNAVAILABLE", "the server is shutting down");
    if (!this.deps.settings().enabled) {
      throw new AppError("SERVICE_UNAVAILABLE", "agentic tasks are turned off on this server ([agentic] enabled = false in penguin.toml)", {}, { recoverable: false, suggestedAction: "contact_administrator" });
    }
    // Refused up front rather than accepted and failed a moment later.
    const problem = this.deps.inferenceProblem();
    if (problem) throw providerMissing(problem);
    if (this.running.size >= MAX_RUNNING_AGENTIC_TASKS) {
      throw new AppError("RATE_LIMITED", `${this.running.size} agentic tasks are already running (the limit is ${MAX_RUNNING_AGENTIC_TASKS}); wait for one to finish or cancel one`, {
        running: this.running.size,
      });
    }
    const now = Date.now();
    const conversationId = newId();
    const row: AgenticTaskRow = {
      id: newId(),
      description: input.description.trim(),
      status: "planning",
      requireApproval: input.require_approval ?? false,
      planSummary: null,
      result: null,
      error: null,
      conversationId,
      // The planner's conversation opens the session; every sub-agent joins it.
      sessionId: conversationId,
      approvalRequestId: null,
      promptTokens: 0,
      completionTokens: 0,
      owner: viewer?.user ?? null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
    };
    if (!row.description) throw new AppError("VALIDATION_ERROR", "description cannot be empty", { fields: [{ field: "description", error: "cannot be empty" }] });
    this.repo.insertTask(row);
    this.seqs.set(row.id, 0);
    const controller = new AbortController();
    const done = this.run(row, controller.signal, viewer).finally(() => {
      this.running.delete(row.id);
      this.seqs.delete(row.id);
    });
    this.running.set(row.id, { controller, done });
    return { task_id: row.id, status: "planning", created_at: iso(row.createdAt) };
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────────────────

  /** The task; missing, or another user's (for a `user` viewer), is a 404. */
  require(id: string, viewer?: Viewer): AgenticTaskRow {
    return requireVisible(this.repo.findTask(id), viewer, "agentic task", id);
  }

  get(id: string, viewer?: Viewer): AgenticTaskView {
    const row = this.require(id, viewer);
    return toAgenticTaskView(row, this.repo.subTasks(id));
  }

  /**
   * The task's stream after `since`: the stored events first, then live ones as they happen, each once and in order.
   * Returns the unsubscribe function. The caller checks visibility first (require) and ends the stream on a final
   * event (isFinalEvent), or at once after the replay when the task had already ended.
   */
  follow(id: string, since: number, listener: (event: StoredEvent) => void): () => void {
    let last = since;
    const deliver = (stored: StoredEvent) => {
      if (stored.seq <= last) return;
      last = stored.seq;
      listener(stored);
    };
    // Subscribed before reading what is stored: an event published in between is delivered once either way.
    const off = this.deps.bus.subscribe((e) => deliver({ seq: e.data.seq, event: e.data.event }), { types: ["agentic.event"], where: { task_id: id } });
    for (const stored of this.repo.events(id, since)) deliver(stored);
    return off;
  }

  // ── stopping ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Cancels a task and every sub-agent turn it runs, and waits until they have stopped; an ended task is unchanged. */
  async cancel(id: string, viewer?: Viewer): Promise<AgenticTaskCancelled> {
    this.require(id, viewer);
    const running = this.running.get(id);
    if (running) {
      running.controller.abort("cancelled" satisfies StopReason);
      await running.done;
    }
    const row = this.require(id, viewer);
    return { task_id: id, status: row.status, cancelled: running !== undefined && row.status === "cancelled" };
  }

  /** Stops every running task (they end as interrupted) and waits for them, bounded. Run at shutdown. */
  async shutdown(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort("shutdown" satisfies StopReason);
    await Promise.race([Promise.all(all.map((r) => r.done)), Bun.sleep(graceMs)]);
  }

  // ── running ───────────────────────────────────────────────────────────────────────────────────────────────

  private async run(row: AgenticTaskRow, signal: AbortSignal, viewer?: Viewer): Promise<void> {
    this.repo.saveTask(row, { startedAt: Date.now() });
    this.emit(row, { event: "task_started", data: { task_id: row.id, description: row.description } });
    try {
      const plan = await this.plan(row, signal, viewer);
      const subTasks: SubTaskRow[] = plan.subTasks.map((s, i) => ({
        taskId: row.id,
        id: `sa-${i + 1}`,
        position: i,
        description: s.description,
        agentId: s.agentId,
        status: "pending",
        conversationId: null,
        turnId: null,
        result: null,
        error: null,
        startedAt: null,
        finishedAt: null,
      }));
      this.repo.insertSubTasks(subTasks);
      this.repo.saveTask(row, { planSummary: plan.summary });
      this.emit(row, {
        event: "plan_created",
        data: { task_id: row.id, plan_summary: plan.summary, sub_tasks: subTasks.map((s) => ({ id: s.id, description: s.description, agent_id: s.agentId })), require_approval: row.requireApproval },
      });
      if (row.requireApproval) await this.awaitApproval(row, subTasks, signal);

      this.repo.saveTask(row, { status: "running" });
      await this.runSubAgents(row, plan, subTasks, signal, viewer);
      if (signal.aborted) throw new TaskStopped();
      const failed = subTasks.filter((s) => s.status === "failed");
      if (failed.length === subTasks.length) throw new TaskFailure(`every sub-agent failed (${failed[0]!.id}: ${failed[0]!.error})`);

      const combined = await this.turn(row, signal, viewer, { text: combinePrompt(row.description, subTasks.map((s) => ({ ...s, result: s.result ?? "" }))), agentId: "default", conversationId: row.conversationId });
      if (combined.interrupted) throw new TaskStopped();
      this.finish(row, "completed", { result: combined.response });
      this.emit(row, { event: "task_completed", data: { task_id: row.id, result: combined.response } });
    } catch (error) {
      this.end(row, error, signal);
    }
  }

  /** The planner turn, and one retry when its answer is not a valid plan. */
  private async plan(row: AgenticTaskRow, signal: AbortSignal, viewer?: Viewer): Promise<Plan> {
    const settings = this.deps.settings();
    const agents = this.deps.agents(viewer);
    const ctx: PlanningContext = {
      description: row.description,
      maxSubTasks: settings.maxSubTasks,
      agents: agents.some((a) => a.id === "default") ? agents : [{ id: "default" }, ...agents],
    };
    let text = planPrompt(ctx);
    for (let attempt = 1; ; attempt++) {
      const answer = await this.turn(row, signal, viewer, { text, agentId: "default", conversationId: row.conversationId });
      if (answer.interrupted) throw new TaskStopped();
      const parsed = parsePlan(answer.response, ctx);
      if (parsed.ok) return parsed.plan;
      this.deps.log.warn("agentic planner answer rejected", { task_id: row.id, attempt, problem: parsed.problem });
      if (attempt >= 2) throw new TaskFailure(`the planner did not answer with a valid JSON plan, twice (the second time: ${parsed.problem})`);
      text = planRetryPrompt(parsed.problem, ctx);
    }
  }

  /** require_approval: an approval request for the plan; anything but approval stops the task. */
  private async awaitApproval(row: AgenticTaskRow, subTasks: SubTaskRow[], signal: AbortSignal): Promise<void> {
    this.repo.saveTask(row, { status: "awaiting_approval" });
    const steps = subTasks.map((s) => `${s.id}${s.agentId !== "default" ? ` (${s.agentId})` : ""}: ${s.description}`).join("\n");
    const outcome = await this.deps.approvals.ask({
      toolName: "agentic_task",
      operation: "agentic.execute",
      resource: `agentic task ${row.id}: ${subTasks.length} sub-agent${subTasks.length === 1 ? "" : "s"}`,
      reason: `Run this plan for "${row.description.slice(0, 200)}"? ${row.planSummary}\n${steps}`,
      sessionId: row.sessionId,
      conversationId: row.conversationId,
      owner: row.owner ?? undefined,
      signal,
      onCreated: (request) => {
        this.repo.saveTask(row, { approvalRequestId: request.id });
        this.emit(row, { event: "approval_required", data: { task_id: row.id, request_id: request.id, expires_at: request.expires_at } });
      },
    });
    if (outcome.status === "approved") return;
    if (outcome.status === "cancelled") throw new TaskStopped();
    const reason = outcome.status === "denied" ? `the plan was denied${outcome.decidedBy ? ` by ${outcome.decidedBy}` : ""}` : "nobody approved the plan in time";
    this.repo.cancelUnfinishedSubTasks(row.id, reason);
    this.finish(row, "cancelled", { error: reason });
    this.emit(row, { event: "task_cancelled", data: { task_id: row.id, reason } });
    throw new TaskStopped();
  }

  /** Every sub-task, at most max_parallel at once, in plan order; a cancelled task starts no more. */
  private async runSubAgents(row: AgenticTaskRow, plan: Plan, subTasks: SubTaskRow[], signal: AbortSignal, viewer?: Viewer): Promise<void> {
    const waiting = [...subTasks];
    const worker = async () => {
      for (let next = waiting.shift(); next && !signal.aborted; next = waiting.shift()) await this.runSubAgent(row, plan, next, subTasks.length, signal, viewer);
    };
    const parallel = Math.max(1, Math.min(this.deps.settings().maxParallel, subTasks.length));
    await Promise.all(Array.from({ length: parallel }, worker));
  }

  private async runSubAgent(row: AgenticTaskRow, plan: Plan, sub: SubTaskRow, total: number, signal: AbortSignal, viewer?: Viewer): Promise<void> {
    const conversationId = newId();
    const turnId = newId();
    this.repo.saveSubTask(sub, { status: "running", conversationId, turnId, startedAt: Date.now() });
    this.emit(row, { event: "sub_agent_started", data: { task_id: row.id, sub_agent_id: sub.id, description: sub.description, agent_id: sub.agentId, conversation_id: conversationId } });
    const text = subAgentPrompt({ description: row.description, summary: plan.summary, subTask: sub.description, id: sub.id, total });
    try {
      const answer = await this.turn(row, signal, viewer, { text, agentId: sub.agentId, conversationId, turnId });
      this.repo.saveSubTask(sub, { status: answer.interrupted ? "cancelled" : "completed", result: answer.response, finishedAt: Date.now() });
    } catch (error) {
      // One sub-agent failing (upstream down, refused) does not stop the others; the combination is told.
      const message = error instanceof AppError ? error.message : `the sub-agent failed: ${(error as Error)?.message ?? String(error)}`;
      if (!(error instanceof AppError)) this.deps.log.error("agentic sub-agent failed", { task_id: row.id, sub_agent_id: sub.id, error: String(error), stack: (error as Error)?.stack });
      this.repo.saveSubTask(sub, { status: "failed", error: message, result: "", finishedAt: Date.now() });
    }
    this.emit(row, {
      event: "sub_agent_completed",
      data: { task_id: row.id, sub_agent_id: sub.id, status: sub.status, result: sub.result ?? "", ...(sub.error ? { error: sub.error } : {}) },
    });
  }

  /** One turn of the task (planner, sub-agent or combination) in the task's session; its usage counts for the task. */
  private async turn(row: AgenticTaskRow, signal: AbortSignal, viewer: Viewer | undefined, turn: { text: string; agentId: string; conversationId: string; turnId?: string }): Promise<AgentTurnResult> {
    const result = await this.deps.runner.run({ ...turn, turnId: turn.turnId ?? newId(), sessionId: row.sessionId, signal, viewer });
    this.repo.saveTask(row, { promptTokens: row.promptTokens + result.usage.prompt_tokens, completionTokens: row.completionTokens + result.usage.completion_tokens });
    return result;
  }

  /** How a run that threw ends: stopped (cancelled / interrupted) or failed. */
  private end(row: AgenticTaskRow, error: unknown, signal: AbortSignal): void {
    if (AgenticTasks.isFinal(row.status)) return; // already ended (a denied plan)
    if (error instanceof TaskStopped || signal.aborted) {
      // A turn interrupted without our signal was stopped by the engine itself (server shutting down).
      const reason: StopReason = signal.aborted ? (signal.reason as StopReason) : "shutdown";
      this.repo.cancelUnfinishedSubTasks(row.id, reason === "cancelled" ? "cancelled" : STOPPED_BY_SERVER);
      if (reason === "cancelled") {
        this.finish(row, "cancelled", { error: "cancelled" });
        this.emit(row, { event: "task_cancelled", data: { task_id: row.id, reason: "cancelled by request" } });
      } else {
        this.finish(row, "interrupted", { error: STOPPED_BY_SERVER });
        this.emit(row, { event: "task_failed", data: { task_id: row.id, error: STOPPED_BY_SERVER, status: "interrupted" } });
      }
      return;
    }
    const message =
      error instanceof TaskFailure || error instanceof AppError ? error.message : `the task failed: ${(error as Error)?.message ?? String(error)}`;
    if (!(error instanceof TaskFailure) && !(error instanceof AppError)) this.deps.log.error("agentic task failed", { task_id: row.id, error: String(error), stack: (error as Error)?.stack });
    this.repo.cancelUnfinishedSubTasks(row.id, "the task failed");
    this.finish(row, "failed", { error: message });
    this.emit(row, { event: "task_failed", data: { task_id: row.id, error: message, status: "failed" } });
  }

  private finish(row: AgenticTaskRow, status: AgenticTaskStatus, patch: Partial<AgenticTaskRow>): void {
    this.repo.saveTask(row, { ...patch, status, finishedAt: Date.now() });
  }

  /** Stores the event, then publishes it: whatever a subscriber saw can be replayed. */
  private emit(row: AgenticTaskRow, event: AgenticTaskEvent): void {
    const seq = (this.seqs.get(row.id) ?? this.repo.lastSeq(row.id)) + 1;
    this.seqs.set(row.id, seq);
    this.repo.appendEvent(row.id, seq, event);
    this.deps.bus.publish("agentic.event", { task_id: row.id, seq, conversation_id: row.conversationId, session_id: row.sessionId, event });
  }
}

/** The events after which a task's stream has nothing more to say. */
export const isFinalEvent = (event: AgenticTaskEvent): boolean => event.event === "task_completed" || event.event === "task_failed" || event.event === "task_cancelled";
