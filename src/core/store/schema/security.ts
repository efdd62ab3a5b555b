import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors migrations/0003_security.ts and 0006_owners.ts.
export type AuditResult = "allow" | "ask" | "deny";
export type ApprovalStatus = "pending" | "approved" | "denied" | "expired" | "cancelled";
export type GrantScope = "session" | "pattern" | "pre-approved";

export const auditLog = sqliteTable("audit_log", {
  id: text("id").primaryKey(),
  at: integer("at").notNull(),
  operation: text("operation").notNull(),
  category: text("category").notNull(),
  resource: text("resource").notNull(),
  result: text("result").$type<AuditResult>().notNull(),
  reason: text("reason").notNull().default(""),
  policy: text("policy").notNull().default(""),
  agentId: text("agent_id").notNull().default("default"),
  toolName: text("tool_name"),
  sessionId: text("session_id"),
  /** The user whose turn the decision was about. */
  owner: text("owner"),
  /** The user who approved or denied (approval outcomes only). */
  decidedBy: text("decided_by"),
});

export const approvalRequests = sqliteTable("approval_requests", {
  id: text("id").primaryKey(),
  toolName: text("tool_name").notNull(),
  operation: text("operation").notNull(),
  resource: text("resource").notNull(),
  reason: text("reason").notNull().default(""),
  sessionId: text("session_id").notNull(),
  conversationId: text("conversation_id"),
  turnId: text("turn_id"),
  agentId: text("agent_id").notNull().default("default"),
  status: text("status").$type<ApprovalStatus>().notNull().default("pending"),
  scope: text("scope"),
  pattern: text("pattern"),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
  resolvedAt: integer("resolved_at"),
  owner: text("owner"),
  decidedBy: text("decided_by"),
});

export const approvalGrants = sqliteTable("approval_grants", {
  id: text("id").primaryKey(),
  sessionId: text("session_id").notNull(),
  operation: text("operation").notNull(),
  pattern: text("pattern"),
  scope: text("scope").$type<GrantScope>().notNull(),
  requestId: text("request_id"),
  createdAt: integer("created_at").notNull(),
  approvedBy: text("approved_by"),
});
