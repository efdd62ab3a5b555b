import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0004_checkpoints_projects_tasks.ts and 0006_owners.ts.
export type ProjectStatus = "active" | "archived" | "completed";

export const projects = sqliteTable("projects", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  status: text("status").$type<ProjectStatus>().notNull().default("active"),
  metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export type TaskStatus = "pending" | "running" | "completed" | "failed" | "cancelled" | "timeout" | "interrupted";

export const tasks = sqliteTable("tasks", {
  id: text("id").primaryKey(),
  projectId: text("project_id"),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  status: text("status").$type<TaskStatus>().notNull(),
  continuous: integer("continuous", { mode: "boolean" }).notNull().default(false),
  timeLimitMin: real("time_limit_min").notNull(),
  agentId: text("agent_id").notNull().default("default"),
  conversationId: text("conversation_id"),
  sessionId: text("session_id"),
  turns: integer("turns").notNull().default(0),
  iterations: integer("iterations").notNull().default(0),
  response: text("response").notNull().default(""),
  actionResults: text("action_results", { mode: "json" }).$type<unknown[]>().notNull().default([]),
  error: text("error"),
  promptTokens: integer("prompt_tokens").notNull().default(0),
  completionTokens: integer("completion_tokens").notNull().default(0),
  createdAt: integer("created_at").notNull(),
  startedAt: integer("started_at"),
  finishedAt: integer("finished_at"),
  updatedAt: integer("updated_at").notNull(),
  owner: text("owner"),
});
