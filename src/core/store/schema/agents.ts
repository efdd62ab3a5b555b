import { integer, sqliteTable, text, type AnySQLiteColumn } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0007_agents.ts.
/** builtin: `default`; config: the config file's [[agents]]; api: POST /api/v1/agents; spawned: by another agent. */
export type AgentSource = "builtin" | "config" | "api" | "spawned";

export const agents = sqliteTable("agents", {
  id: text("id").primaryKey(),
  source: text("source").$type<AgentSource>().notNull(),
  persona: text("persona"),
  systemPrompt: text("system_prompt"),
  modelConfigId: text("model_config_id"),
  /** Empty: every tool. */
  defaultTools: text("default_tools", { mode: "json" }).$type<string[]>().notNull().default([]),
  parent: text("parent").references((): AnySQLiteColumn => agents.id, { onDelete: "cascade" }),
  paused: integer("paused", { mode: "boolean" }).notNull().default(false),
  sessionId: text("session_id"),
  conversationId: text("conversation_id"),
  owner: text("owner"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
