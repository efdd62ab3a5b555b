import { integer, primaryKey, sqliteTable, text, uniqueIndex, index } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0013_webhooks.ts.
export type WebhookDeliveryStatus = "queued" | "running" | "done" | "failed" | "ignored";

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    source: text("source").$type<"github" | "whatsapp">().notNull(),
    deliveryId: text("delivery_id").notNull(),
    event: text("event").notNull(),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<WebhookDeliveryStatus>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    conversationId: text("conversation_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("webhook_deliveries_source_delivery_id_unique").on(t.source, t.deliveryId), index("webhook_deliveries_status").on(t.status, t.createdAt)],
);

export const webhookThreads = sqliteTable(
  "webhook_threads",
  {
    source: text("source").notNull(),
    threadKey: text("thread_key").notNull(),
    conversationId: text("conversation_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.threadKey] })],
);
