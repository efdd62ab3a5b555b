// Agentic tasks in SQLite: the task row, its sub-tasks (in plan order) and its stream's events (in seq order).
import { and, asc, eq, gt, inArray, max } from "drizzle-orm";
import type { Db } from "../store/db";
import { agenticSubTasks, agenticTaskEvents, agenticTasks } from "../store/schema";
import { iso, isoOrNull } from "../store/values";
import type { AgenticTaskEvent, AgenticTaskView, SubAgentView } from "./schema";

export type AgenticTaskRow = typeof agenticTasks.$inferSelect;
export type SubTaskRow = typeof agenticSubTasks.$inferSelect;

export interface StoredEvent {
  seq: number;
  event: AgenticTaskEvent;
}

export class AgenticRepository {
  constructor(private readonly db: Db) {}

  insertTask(row: AgenticTaskRow): void {
    this.db.insert(agenticTasks).values(row).run();
  }

  findTask(id: string): AgenticTaskRow | undefined {
    return this.db.select().from(agenticTasks).where(eq(agenticTasks.id, id)).get();
  }

  /** Writes a change to the task (and keeps the in-memory copy in step). */
  saveTask(row: AgenticTaskRow, patch: Partial<AgenticTaskRow>): void {
    Object.assign(row, patch, { updatedAt: Date.now() });
    this.db.update(agenticTasks).set({ ...patch, updatedAt: row.updatedAt }).where(eq(agenticTasks.id, row.id)).run();
  }

  insertSubTasks(rows: SubTaskRow[]): void {
    if (rows.length) this.db.insert(agenticSubTasks).values(rows).run();
  }

  saveSubTask(row: SubTaskRow, patch: Partial<SubTaskRow>): void {
    Object.assign(row, patch);
    this.db
      .update(agenticSubTasks)
      .set(patch)
      .where(and(eq(agenticSubTasks.taskId, row.taskId), eq(agenticSubTasks.id, row.id)))
      .run();
  }

  subTasks(taskId: string): SubTaskRow[] {
    return this.db.select().from(agenticSubTasks).where(eq(agenticSubTasks.taskId, taskId)).orderBy(asc(agenticSubTasks.position)).all();
  }

  appendEvent(taskId: string, seq: number, event: AgenticTaskEvent): void {
    this.db.insert(agenticTaskEvents).values({ taskId, seq, event: event.event, data: event.data as Record<string, unknown>, at: Date.now() }).run();
  }

  /** The task's stored events after `since`, in order. */
  events(taskId: string, since = 0): StoredEvent[] {
    return this.db
      .select()
      .from(agenticTaskEvents)
      .where(and(eq(agenticTaskEvents.taskId, taskId), gt(agenticTaskEvents.seq, since)))
      .orderBy(asc(agenticTaskEvents.seq))
      .all()
      .map((r) => ({ seq: r.seq, event: { event: r.event, data: r.data } as AgenticTaskEvent }));
  }

  lastSeq(taskId: string): number {
    return this.db.select({ last: max(agenticTaskEvents.seq) }).from(agenticTaskEvents).where(eq(agenticTaskEvents.taskId, taskId)).get()?.last ?? 0;
  }

  /** Tasks a previous process left unfinished. */
  unfinished(): AgenticTaskRow[] {
    return this.db.select().from(agenticTasks).where(inArray(agenticTasks.status, ["planning", "awaiting_approval", "running"])).all();
  }

  /** Marks the task's sub-tasks that never finished as cancelled. */
  cancelUnfinishedSubTasks(taskId: string, error: string): void {
    this.db
      .update(agenticSubTasks)
      .set({ status: "cancelled", error, finishedAt: Date.now() })
      .where(and(eq(agenticSubTasks.taskId, taskId), inArray(agenticSubTasks.status, ["pending", "running"])))
      .run();
  }
}

export function toSubAgentView(row: SubTaskRow): SubAgentView {
  return {
    id: row.id,
    description: row.description,
    status: row.status,
    agent_id: row.agentId,
    conversation_id: row.conversationId,
    result: row.result,
    error: row.error,
    started_at: isoOrNull(row.startedAt),
    finished_at: isoOrNull(row.finishedAt),
  };
}

export function toAgenticTaskView(row: AgenticTaskRow, subTasks: SubTaskRow[]): AgenticTaskView {
  return {
    task_id: row.id,
    status: row.status,
    description: row.description,
    plan_summary: row.planSummary,
    sub_agents: subTasks.map(toSubAgentView),
    result: row.result,
    error: row.error,
    require_approval: row.requireApproval,
    approval_request_id: row.approvalRequestId,
    conversation_id: row.conversationId,
    session_id: row.sessionId,
    usage: { prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens, total_tokens: row.promptTokens + row.completionTokens },
    created_at: iso(row.createdAt),
    started_at: isoOrNull(row.startedAt),
    finished_at: isoOrNull(row.finishedAt),
    updated_at: iso(row.updatedAt),
  };
}
