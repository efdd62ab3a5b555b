import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0008_event_log.ts.
export const eventLog = sqliteTable("event_log", {
  id: integer("id").primaryKey(),
  type: text("type").notNull(),
  at: integer("at").notNull(),
  owner: text("owner"),
  conversationId: text("conversation_id"),
  turnId: text("turn_id"),
  taskId: text("task_id"),
  data: text("data").notNull(),
});
