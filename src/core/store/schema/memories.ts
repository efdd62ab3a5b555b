import { blob, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0011_memories.ts (the FTS5 index memories_fts and its triggers have no drizzle builder; only the
// memory repository queries it, with raw SQL).
export type MemoryTypeValue = "fact" | "preference" | "tool_result" | "correction" | "context";

export const memories = sqliteTable("memories", {
  seq: integer("seq").primaryKey(),
  id: text("id").notNull().unique(),
  content: text("content").notNull(),
  summary: text("summary").notNull(),
  memoryType: text("memory_type").$type<MemoryTypeValue>().notNull().default("context"),
  importance: real("importance").notNull().default(0.5),
  accessCount: integer("access_count").notNull().default(0),
  tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default([]),
  fingerprint: text("fingerprint").notNull(),
  owner: text("owner"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  lastAccessedAt: integer("last_accessed_at"),
  decayedAt: integer("decayed_at"),
});

export const memoryVectors = sqliteTable("memory_vectors", {
  memorySeq: integer("memory_seq").primaryKey(),
  model: text("model").notNull(),
  dimensions: integer("dimensions").notNull(),
  vector: blob("vector", { mode: "buffer" }).notNull(),
  signature: blob("signature", { mode: "buffer" }).notNull(),
  createdAt: integer("created_at").notNull(),
});

export const memoryDecayRuns = sqliteTable("memory_decay_runs", {
  id: integer("id").primaryKey(),
  ranAt: integer("ran_at").notNull(),
  decayed: integer("decayed").notNull(),
  deleted: integer("deleted").notNull(),
});
