// Tasks: a named piece of work handed to the agent, run through the engine in the background (or to completion for
// execute-sync), bounded by a time limit, cancellable, with progress persisted after every turn.
//
// One task = one conversation. A plain task is one turn. A continuous task keeps taking turns ("continue") until the
// model calls the task's own `task_completed` tool, the time limit passes, it is cancelled, or it reaches the safety
// bound of `max_turns`. A server restart finds tasks left `running` and marks them `interrupted`.
// A task's live events are published on the bus (`task.event`, shapes in ./schema.ts); streams subscribe there.
// A task belongs to the user who started it (its conversation and approvals too); another `user` key gets 404.
import { Type } from "@sinclair/typebox";
import { and, count, desc, eq, inArray } from "drizzle-orm";
import type { Bus } from "../kernel/bus";
import { followTurn } from "../engine/follow";
import { AppError } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import { canSee, ownerLimit, requireAdmin, requireVisible, type Viewer } from "../kernel/viewer";
import type { Projects } from "./projects";
import type { Db } from "../store/db";
import { tasks } from "../store/schema";
import { iso, isoOrNull } from "../store/values";
import type { ToolDefinition } from "../tools/types";
import type { ActionResult } from "../engine/schema";
import type { Engine } from "../engine/turn";
import type { TaskEvent, TaskMetadata, TaskOutcome, TaskStatus, TaskView } from "./schema";

export type TaskRow = typeof tasks.$inferSelect;

export const DEFAULT_TIME_LIMIT_MIN = 30;
export const DEFAULT_MAX_TURNS = 50;
/** Tasks running at once on this server; more are refused (429) rather than queued without bound. */
export const MAX_RUNNING_TASKS = 32;
/** Kept per task; older action results are dropped from the stored list (the conversation still has them all). */
const MAX_STORED_ACTIONS = 500;
const FINAL: readonly TaskStatus[] = ["completed", "failed", "cancelled", "timeout", "interrupted"];

export interface TaskInput {
  name: string;
  description?: string;
  continuous?: boolean;
  /** Minutes (fractions allowed). */
  time_limit?: number;
  project_id?: string;
  agent_id?: string;
  /** Safety bound on the number of turns of a continuous task. */
  max_turns?: number;
}

type StopReason = "cancelled" | "timeout" | "shutdown";

interface Running {
  controller: AbortController;
  done: Promise<TaskOutcome>;
}

const causes = new WeakMap<TaskOutcome, AppError>();
/** The domain error that made a task fail (no model configured, upstream down, …), when there was one. */
export const failureCause = (outcome: TaskOutcome): AppError | undefined => causes.get(outcome);

const seconds = (ms: number) => Math.round(ms / 10) / 100;

export class Tasks {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly projects: Projects,
    private readonly engine: () => Engine | undefined,
    private readonly log?: Logger,
    /** The agents registry: a task for an unknown agent is a 404, for a paused one a 409, before anything is stored. */
    private readonly agents?: () => { assertAcceptsWork(agentId: string, viewer?: Viewer): void },
  ) {}

  /** Marks tasks a previous process left pending/running as interrupted; returns how many. Run once at start-up. */
  recoverInterrupted(): number {
    const now = Date.now();
    return this.db
      .update(tasks)
      .set({ status: "interrupted", error: "the server stopped while this task was running", finishedAt: now, updatedAt: now })
      .where(inArray(tasks.status, ["pending", "running"]))
      .returning({ id: tasks.id })
      .all().length;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Whether any running task is continuous. */
  get continuousRunning(): boolean {
    if (this.running.size === 0) return false;
    return this.db.select({ n: count() }).from(tasks).where(and(inArray(tasks.id, [...this.running.keys()]), eq(tasks.continuous, true))).get()!.n > 0;
  }

  // ── starting ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Creates the task and starts it. Returns at once with the stored task and a promise of its outcome (which never
   * rejects: failures end the task as `failed`). Its live events go to the bus as `task.event`; `id` names the task
   * so that a stream can subscribe (`where: { task_id }`) before its `start` event.
   */
  start(input: TaskInput, options: { id?: string; signal?: AbortSignal; viewer?: Viewer } = {}): { task: TaskView; done: Promise<TaskOutcome> } {
    if (this.stopping) throw new AppError("SERVICE_UNAVAILABLE", "the server is shutting down");
    if (this.running.size >= MAX_RUNNING_TASKS) {
      throw new AppError("RATE_LIMITED", `${this.running.size} tasks are already running (the limit is ${MAX_RUNNING_TASKS}); wait for one to finish or cancel one`, { running: this.running.size });
    }
    if (input.project_id) this.projects.require(input.project_id);
    this.agents?.().assertAcceptsWork(input.agent_id ?? "default", options.viewer);
    const engine = this.engine();
    if (!engine) throw new AppError("SERVICE_UNAVAILABLE", "the agent engine is not available on this server");
    const now = Date.now();
    const row: TaskRow = {
      id: options.id ?? newId(),
      projectId: input.project_id ?? null,
      name: input.name.replace(/\s+/g, " ").trim() || "Untitled task",
      description: input.description ?? "",
      status: "pending",
      continuous: input.continuous ?? false,
      timeLimitMin: input.time_limit ?? DEFAULT_TIME_LIMIT_MIN,
      agentId: input.agent_id ?? "default",
      conversationId: null,
      sessionId: null,
      turns: 0,
      iterations: 0,
      response: "",
      actionResults: [],
      error: null,
      promptTokens: 0,
      completionTokens: 0,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
      owner: options.viewer?.user ?? null,
    };
    this.db.insert(tasks).values(row).run();
    if (row.projectId) this.projects.touch(row.projectId);
    this.announce(row);

    const controller = new AbortController();
    const onOuterAbort = () => controller.abort("cancelled" satisfies StopReason);
    if (options.signal?.aborted) onOuterAbort();
    else options.signal?.addEventListener("abort", onOuterAbort, { once: true });
    const done = this.run(row, engine, controller, input.max_turns ?? DEFAULT_MAX_TURNS, options.viewer).finally(() => {
      options.signal?.removeEventListener("abort", onOuterAbort);
      this.running.delete(row.id);
    });
    this.running.set(row.id, { controller, done });
    return { task: toTaskView(row), done };
  }

  /** Whether the task runs in this process now (its events are still to come on the bus). */
  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Cancels a running task; a finished one is returned unchanged. */
  async cancel(id: string, viewer?: Viewer): Promise<TaskView> {
    this.require(id, viewer);
    const running = this.running.get(id);
    if (running) {
      running.controller.abort("cancelled" satisfies StopReason);
      await running.done;
    }
    return this.get(id);
  }

  /** Cancels every running task (marked interrupted) and waits for them, bounded. Run at shutdown. */
  async shutdown(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort("shutdown" satisfies StopReason);
    await Promise.race([Promise.all(all.map((r) => r.done)), Bun.sleep(graceMs)]);
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────────────────

  find(id: string): TaskRow | undefined {
    return this.db.select().from(tasks).where(eq(tasks.id, id)).get();
  }

  /** The task; missing, or another user's (for a `user` viewer), is a 404. */
  require(id: string, viewer?: Viewer): TaskRow {
    return requireVisible(this.find(id), viewer, "task", id);
  }

  get(id: string, viewer?: Viewer): TaskView {
    return toTaskView(this.require(id, viewer));
  }

  /** Newest first; a `user` viewer sees only its own. */
  list(options: { projectId?: string; status?: TaskStatus; limit?: number; offset?: number; viewer?: Viewer } = {}): { tasks: TaskView[]; total: number } {
    const owner = ownerLimit(options.viewer);
    const where = and(
      options.projectId ? eq(tasks.projectId, options.projectId) : undefined,
      options.status ? eq(tasks.status, options.status) : undefined,
      owner !== undefined ? eq(tasks.owner, owner) : undefined,
    );
    const rows = this.db
      .select()
      .from(tasks)
      .where(where)
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(options.limit ?? 50)
      .offset(options.offset ?? 0)
      .all();
    const total = this.db.select({ n: count() }).from(tasks).where(where).get()?.n ?? 0;
    return { tasks: rows.map(toTaskView), total };
  }

  /** Cancels the project's running tasks, then deletes the project (its tasks go with it). Projects are shared: a
   *  `user` viewer may delete one only while every task in it is its own. */
  async deleteProject(projectId: string, viewer?: Viewer): Promise<number> {
    this.projects.require(projectId);
    const rows = this.db.select({ id: tasks.id, owner: tasks.owner }).from(tasks).where(eq(tasks.projectId, projectId)).all();
    if (rows.some((r) => !canSee(viewer, r.owner))) requireAdmin(viewer, "Deleting a project that holds other users' tasks");
    const ids = rows.map((r) => r.id);
    for (const id of ids) if (this.running.has(id)) await this.cancel(id);
    this.projects.delete(projectId);
    return ids.length;
  }

  /** Tasks completed per agent (telemetry). */
  completedByAgent(): Record<string, number> {
    const rows = this.db.select({ agent: tasks.agentId, n: count() }).from(tasks).where(eq(tasks.status, "completed")).groupBy(tasks.agentId).all();
    return Object.fromEntries(rows.map((r) => [r.agent, r.n]));
  }

  // ── running ───────────────────────────────────────────────────────────────────────────────────────────────

  private async run(row: TaskRow, engine: Engine, controller: AbortController, maxTurns: number, viewer?: Viewer): Promise<TaskOutcome> {
    const signal = controller.signal;
    const emit = (event: TaskEvent) => this.publish(row, event);
    const started = Date.now();
    const limitMs = row.timeLimitMin * 60_000;
    const timer = setTimeout(() => controller.abort("timeout" satisfies StopReason), limitMs);
    this.save(row, { status: "running", startedAt: started });
    emit({ event: "start", data: { ...toTaskMetadataView(row), status: "running", started_at: iso(started) } });

    let completion: { summary: string } | undefined;
    const taskCompleted: ToolDefinition = {
      name: "task_completed",
      description:
        "Call this exactly once when the task you were given is completely finished (or cannot be finished), with a short summary of what was done. " +
        "Do not call it before the work is done.",
      parameters: Type.Object({ summary: Type.String({ description: "What was done, and anything left open" }) }),
      category: "memory",
      operation: "write",
      resource: () => `task:${row.id}`,
      async run(args) {
        const summary = String((args as { summary?: unknown })?.summary ?? "").trim();
        completion = { summary };
        return { ok: true, output: "The task is marked as completed." };
      },
    };

    const actions = [] as ActionResult[];
    let status: TaskStatus = "running";
    let error: string | null = null;
    let lastError: AppError | undefined;
    try {
      while (true) {
        if (signal.aborted) break;
        const turnNumber = row.turns + 1;
        const text = turnNumber === 1 ? this.firstPrompt(row) : this.continuePrompt(row, started, limitMs);
        // The turn's own events become the task's progress and actions.
        const turnId = newId();
        const unfollow = followTurn(
          this.bus,
          turnId,
          (event) => {
            if (event.event === "start" && !row.conversationId) {
              this.save(row, { conversationId: event.data.conversation_id, sessionId: event.data.session_id });
            } else if (event.event === "progress") {
              emit({
                event: "progress",
                data: {
                  task_id: row.id,
                  turn: turnNumber,
                  iteration: event.data.iteration,
                  max_iterations: event.data.max_iterations,
                  elapsed_seconds: seconds(Date.now() - started),
                  conversation_id: row.conversationId,
                },
              });
            } else if (event.event === "tool_result") {
              emit({
                event: "action",
                data: { task_id: row.id, id: event.data.id, action: event.data.name, result: event.data.result, status: event.data.status, duration_ms: event.data.duration_ms },
              });
            }
          },
          { approvals: false },
        );
        const result = await engine
          .runTurn({ text, conversationId: row.conversationId ?? undefined, agentId: row.agentId, signal, turnId, extraTools: [taskCompleted], viewer })
          .finally(unfollow);
        actions.push(...result.actionResults);
        const response = result.response.trim() ? result.response : (completion?.summary ?? row.response);
        this.save(row, {
          conversationId: result.conversationId,
          sessionId: result.sessionId,
          turns: turnNumber,
          iterations: row.iterations + result.iterations,
          response,
          actionResults: actions.slice(-MAX_STORED_ACTIONS),
          promptTokens: row.promptTokens + result.usage.prompt_tokens,
          completionTokens: row.completionTokens + result.usage.completion_tokens,
        });
        this.announce(row);
        if (result.interrupted) break;
        if (!row.continuous || completion) {
          status = "completed";
          break;
        }
        if (turnNumber >= maxTurns) {
          status = "failed";
          error = `stopped after ${maxTurns} turns without the model calling task_completed`;
          break;
        }
      }
    } catch (e) {
      status = "failed";
      error = e instanceof AppError ? e.message : `the task failed: ${(e as Error)?.message ?? String(e)}`;
      if (e instanceof AppError) lastError = e;
      else this.log?.error("task failed", { task_id: row.id, error: String(e), stack: (e as Error)?.stack });
    } finally {
      clearTimeout(timer);
    }
    if (status === "running") {
      // Stopped by its signal (before or during a turn).
      // A turn interrupted without our signal was stopped by the engine itself (server shutting down).
      const reason = signal.aborted ? (signal.reason as StopReason) : "shutdown";
      status = reason === "timeout" ? "timeout" : reason === "shutdown" ? "interrupted" : "cancelled";
      error =
        status === "timeout"
          ? `time limit of ${row.timeLimitMin} minute(s) reached`
          : status === "interrupted"
            ? "the server stopped while this task was running"
            : "cancelled";
    }
    const finished = Date.now();
    this.save(row, { status, error, finishedAt: finished });
    this.announce(row);
    const outcome: TaskOutcome = {
      task_id: row.id,
      status,
      response: row.response,
      iterations: row.iterations,
      execution_time: seconds(finished - started),
      action_results: actions,
      task_metadata: toTaskMetadataView(row),
      ...(error ? { error } : {}),
    };
    if (status === "failed") emit({ event: "error", data: { task_id: row.id, message: error ?? "the task failed", status, ...(lastError ? { code: lastError.errorCode } : {}) } });
    else emit({ event: "complete", data: outcome });
    if (lastError) causes.set(outcome, lastError);
    return outcome;
  }

  private firstPrompt(row: TaskRow): string {
    const lines = [`Task: ${row.name}`];
    if (row.description.trim()) lines.push("", row.description.trim());
    lines.push(
      "",
      row.continuous
        ? "Work on this task step by step using your tools. You will be asked to continue until you call the task_completed tool, so call it (with a summary) only once everything is done."
        : "Complete this task using your tools as needed, then reply with a summary of what you did. Call the task_completed tool when you are done.",
    );
    return lines.join("\n");
  }

  private continuePrompt(row: TaskRow, started: number, limitMs: number): string {
    const leftMin = Math.max(0, (started + limitMs - Date.now()) / 60_000);
    return `Continue working on the task "${row.name}". About ${leftMin < 1 ? "less than a minute" : `${Math.floor(leftMin)} minute(s)`} remain. When everything is done, call task_completed with a summary.`;
  }

  /** Writes a change to the row (and keeps the in-memory copy in step). */
  private save(row: TaskRow, patch: Partial<TaskRow>): void {
    Object.assign(row, patch, { updatedAt: Date.now() });
    this.db.update(tasks).set({ ...patch, updatedAt: row.updatedAt }).where(eq(tasks.id, row.id)).run();
  }

  private publish(row: TaskRow, event: TaskEvent): void {
    this.bus.publish("task.event", { task_id: row.id, agent_id: row.agentId, ...(row.conversationId ? { conversation_id: row.conversationId } : {}), event });
  }

  private announce(row: TaskRow): void {
    this.bus.publish("task.updated", {
      task_id: row.id,
      status: row.status,
      project_id: row.projectId ?? null,
      agent_id: row.agentId,
      ...(row.conversationId ? { conversation_id: row.conversationId } : {}),
      ...(row.sessionId ? { session_id: row.sessionId } : {}),
    });
  }

  static isFinal(status: TaskStatus): boolean {
    return FINAL.includes(status);
  }
}

/** A stored task as the API shows it. */
export function toTaskView(row: TaskRow): TaskView {
  const end = row.finishedAt ?? (row.startedAt ? Date.now() : null);
  return {
    id: row.id,
    task_id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    continuous: row.continuous,
    time_limit: row.timeLimitMin,
    project_id: row.projectId ?? null,
    agent_id: row.agentId,
    conversation_id: row.conversationId ?? null,
    session_id: row.sessionId ?? null,
    turns: row.turns,
    iterations: row.iterations,
    response: row.response,
    action_results: row.actionResults as ActionResult[],
    error: row.error ?? null,
    usage: { prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens, total_tokens: row.promptTokens + row.completionTokens },
    created_at: iso(row.createdAt),
    started_at: isoOrNull(row.startedAt),
    finished_at: isoOrNull(row.finishedAt),
    execution_time: row.startedAt && end ? seconds(end - row.startedAt) : null,
  };
}

export function toTaskMetadataView(row: TaskRow): TaskMetadata {
  return {
    task_id: row.id,
    name: row.name,
    description: row.description,
    continuous: row.continuous,
    time_limit: row.timeLimitMin,
    project_id: row.projectId ?? null,
    agent_id: row.agentId,
    conversation_id: row.conversationId ?? null,
    turns: row.turns,
  };
}
