import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0014_model_calls.ts.
/** What a model call that stores no message was for. */
export type ModelCallKind = "title" | "command";

export const modelCalls = sqliteTable(
  "model_calls",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id"),
    owner: text("owner"),
    agentId: text("agent_id").notNull().default("default"),
    model: text("model").notNull(),
    kind: text("kind").$type<ModelCallKind>().notNull(),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    costUsd: real("cost_usd").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("model_calls_conversation").on(t.conversationId), index("model_calls_created").on(t.createdAt)],
);
