import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0010_messages.ts.
export type BusMessageStatus = "sent" | "delivered" | "answered" | "failed" | "interrupted" | "awaiting_reply" | "replied";

export const busMessages = sqliteTable("bus_messages", {
  id: text("id").primaryKey(),
  sender: text("sender").notNull(),
  recipient: text("recipient").notNull(),
  content: text("content").notNull(),
  messageType: text("message_type").notNull(),
  channel: text("channel"),
  metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  status: text("status").$type<BusMessageStatus>().notNull(),
  conversationId: text("conversation_id"),
  turnId: text("turn_id"),
  owner: text("owner"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const agentRoles = sqliteTable(
  "agent_roles",
  {
    role: text("role").notNull(),
    agentId: text("agent_id").notNull(),
    registeredAt: integer("registered_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.role, t.agentId] })],
);
