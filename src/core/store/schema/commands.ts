import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0012_command_catalog.ts.
export type RiskLevelValue = "safe" | "moderate" | "dangerous";
export type ExecutionStatusValue = "awaiting_approval" | "running" | "completed" | "failed" | "denied" | "expired" | "cancelled";

/** A declared {{placeholder}} of a catalog command: what values it accepts (checked before anything runs). */
export interface CommandParameterValue {
  type: "string" | "integer";
  description?: string;
  pattern?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  default?: string | number;
}

export const commandCatalog = sqliteTable("command_catalog", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  argv: text("argv", { mode: "json" }).$type<string[]>().notNull(),
  category: text("category").notNull().default("system"),
  riskLevel: text("risk_level").$type<RiskLevelValue>().notNull().default("safe"),
  os: text("os").notNull().default("linux"),
  requiresApproval: integer("requires_approval", { mode: "boolean" }).notNull().default(false),
  parameters: text("parameters", { mode: "json" }).$type<Record<string, CommandParameterValue>>().notNull().default({}),
  builtin: integer("builtin", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const commandCatalogSeeds = sqliteTable("command_catalog_seeds", {
  version: integer("version").primaryKey(),
  seededAt: integer("seeded_at").notNull(),
});

export const commandExecutions = sqliteTable("command_executions", {
  id: text("id").primaryKey(),
  commandId: text("command_id").notNull(),
  commandName: text("command_name").notNull(),
  argv: text("argv", { mode: "json" }).$type<string[]>().notNull(),
  status: text("status").$type<ExecutionStatusValue>().notNull(),
  reason: text("reason").notNull().default(""),
  approvalRequestId: text("approval_request_id"),
  network: integer("network", { mode: "boolean" }).notNull().default(false),
  sandboxMode: text("sandbox_mode").notNull(),
  root: text("root").notNull(),
  exitCode: integer("exit_code"),
  output: text("output").notNull().default(""),
  truncated: integer("truncated", { mode: "boolean" }).notNull().default(false),
  owner: text("owner"),
  decidedBy: text("decided_by"),
  createdAt: integer("created_at").notNull(),
  startedAt: integer("started_at"),
  finishedAt: integer("finished_at"),
});
