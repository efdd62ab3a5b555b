import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0009_agentic_tasks.ts.
export type AgenticTaskStatus = "planning" | "awaiting_approval" | "running" | "completed" | "failed" | "cancelled" | "interrupted";
export type SubAgentStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

export const agenticTasks = sqliteTable("agentic_tasks", {
  id: text("id").primaryKey(),
  description: text("description").notNull(),
  status: text("status").$type<AgenticTaskStatus>().notNull(),
  requireApproval: integer("require_approval", { mode: "boolean" }).notNull().default(false),
  planSummary: text("plan_summary"),
  result: text("result"),
  error: text("error"),
  conversationId: text("conversation_id").notNull(),
  sessionId: text("session_id").notNull(),
  approvalRequestId: text("approval_request_id"),
  promptTokens: integer("prompt_tokens").notNull().default(0),
  completionTokens: integer("completion_tokens").notNull().default(0),
  owner: text("owner"),
  createdAt: integer("created_at").notNull(),
  startedAt: integer("started_at"),
  finishedAt: integer("finished_at"),
  updatedAt: integer("updated_at").notNull(),
});

export const agenticSubTasks = sqliteTable(
  "agentic_sub_tasks",
  {
    taskId: text("task_id").notNull(),
    id: text("id").notNull(),
    position: integer("position").notNull(),
    description: text("description").notNull(),
    agentId: text("agent_id").notNull().default("default"),
    status: text("status").$type<SubAgentStatus>().notNull(),
    conversationId: text("conversation_id"),
    turnId: text("turn_id"),
    result: text("result"),
    error: text("error"),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.id] })],
);

export const agenticTaskEvents = sqliteTable(
  "agentic_task_events",
  {
    taskId: text("task_id").notNull(),
    seq: integer("seq").notNull(),
    event: text("event").notNull(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.seq] })],
);
