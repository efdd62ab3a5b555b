import { blob, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0004_checkpoints_projects_tasks.ts and 0005_checkpoint_git_snapshots.ts.
export type CheckpointType = "auto" | "manual" | "branch";

export const checkpoints = sqliteTable("checkpoints", {
  id: text("id").primaryKey(),
  conversationId: text("conversation_id").notNull(),
  sessionId: text("session_id").notNull(),
  type: text("type").$type<CheckpointType>().notNull(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  messageSeq: integer("message_seq").notNull(),
  messageCount: integer("message_count").notNull(),
  fileSeq: integer("file_seq").notNull().default(0),
  sourceCheckpointId: text("source_checkpoint_id"),
  metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  createdAt: integer("created_at").notNull(),
  gitSnapshotId: text("git_snapshot_id"),
  gitPending: integer("git_pending", { mode: "boolean" }).notNull().default(false),
});

export const gitSnapshots = sqliteTable("git_snapshots", {
  id: text("id").primaryKey(),
  root: text("root").notNull(),
  toplevel: text("toplevel").notNull(),
  prefix: text("prefix").notNull(),
  tree: text("tree").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const fileChanges = sqliteTable("file_changes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  conversationId: text("conversation_id").notNull(),
  path: text("path").notNull(),
  existed: integer("existed", { mode: "boolean" }).notNull(),
  content: blob("content", { mode: "buffer" }),
  size: integer("size").notNull().default(0),
  tooLarge: integer("too_large", { mode: "boolean" }).notNull().default(false),
  tool: text("tool"),
  createdAt: integer("created_at").notNull(),
});
