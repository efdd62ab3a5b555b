import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0001_conversations.ts and 0006_owners.ts (the SQL is the source of truth for the database; this gives typed queries).
export const conversations = sqliteTable("conversations", {
  id: text("id").primaryKey(),
  sessionId: text("session_id").notNull(),
  title: text("title"),
  agentId: text("agent_id").notNull().default("default"),
  parentId: text("parent_id"),
  metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  /** The user who created it; null: admins only. */
  owner: text("owner"),
});

export type MessageRole = "system" | "user" | "assistant" | "tool";
export type MessageStatus = "complete" | "streaming" | "interrupted" | "error";
export interface StoredToolCall {
  id: string;
  name: string;
  arguments: string;
}

export const messages = sqliteTable("messages", {
  id: text("id").primaryKey(),
  conversationId: text("conversation_id").notNull(),
  seq: integer("seq").notNull(),
  role: text("role").$type<MessageRole>().notNull(),
  content: text("content").notNull().default(""),
  reasoning: text("reasoning"),
  toolCalls: text("tool_calls", { mode: "json" }).$type<StoredToolCall[]>(),
  toolCallId: text("tool_call_id"),
  name: text("name"),
  status: text("status").$type<MessageStatus>().notNull().default("complete"),
  agentId: text("agent_id").notNull().default("default"),
  channel: text("channel"),
  messageType: text("message_type").notNull().default("message"),
  model: text("model"),
  promptTokens: integer("prompt_tokens").notNull().default(0),
  completionTokens: integer("completion_tokens").notNull().default(0),
  costUsd: real("cost_usd").notNull().default(0),
  metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  createdAt: integer("created_at").notNull(),
  /** A copy of a message stored elsewhere (a branch, a rollback's archive): usage counts only the original. */
  copied: integer("copied", { mode: "boolean" }).notNull().default(false),
});

export const sessionBindings = sqliteTable("session_bindings", {
  sessionId: text("session_id").primaryKey(),
  directory: text("directory").notNull(),
  createdAt: integer("created_at").notNull(),
  owner: text("owner"),
});
