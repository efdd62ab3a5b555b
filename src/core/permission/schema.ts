// Permission shapes declared once (TypeBox): what the bus carries (the approval events and the prompt/resolution
// shapes the chat stream forwards to a turn's client), and the policy, approvals and audit log as the API shows them.
import { Type, type Static } from "@sinclair/typebox";
import { defineEvent, ScopeFields, type EventMapOf } from "../kernel/event-registry";
import { Id, Nullable, Timestamp } from "../kernel/shapes";

/** What the decision is about, shown before deciding: a file tool's proposed change or a command's working folder. */
export const ApprovalPreview = Type.Object({
  diff: Type.Optional(Type.String({ description: "Unified diff of the proposed change against the file as it is now (a new file as added lines, a deletion as removed lines)" })),
  diff_truncated: Type.Optional(Type.Boolean({ description: "true when the diff was cut (a very large change)" })),
  new_file: Type.Optional(Type.Boolean({ description: "true when write_file/create_file would create the file" })),
  deletes_entries: Type.Optional(Type.Integer({ description: "delete_file of a folder: how many files and folders inside it would go" })),
  cwd: Type.Optional(Type.String({ description: "For commands: the working directory they run in" })),
  suggested_pattern: Type.Optional(Type.String({ description: "What scope=pattern grants when no pattern is given (same folder and below, or the same program with any arguments)" })),
});
export type ApprovalPreview = Static<typeof ApprovalPreview>;

export const ApprovalPrompt = Type.Object({
  ...ApprovalPreview.properties,
  request_id: Type.String(),
  tool_name: Type.String(),
  operation: Type.String({ description: "e.g. process.execute, filesystem.write" }),
  resource: Type.String({ description: "what the call touches: an absolute path, a command line, …" }),
  reason: Type.String(),
  expires_at: Type.String({ description: "ISO 8601; unanswered requests are denied then" }),
});
export type ApprovalPrompt = Static<typeof ApprovalPrompt>;

export const ApprovalResolution = Type.Object({
  request_id: Type.String(),
  status: Type.Union([Type.Literal("approved"), Type.Literal("denied"), Type.Literal("expired")]),
  scope: Type.Optional(Type.Union([Type.Literal("once"), Type.Literal("session"), Type.Literal("pattern")])),
  decided_by: Type.Optional(Type.String({ description: "The user who approved or denied" })),
});
export type ApprovalResolution = Static<typeof ApprovalResolution>;

export const ApprovalRequired = defineEvent(
  "approval.required",
  Type.Object(
    { ...ScopeFields, ...ApprovalPrompt.properties, session_id: Type.String() },
    { description: "A tool call waits for a human decision (POST /api/v1/approvals/{id}/approve or /deny)." },
  ),
);

export const ApprovalResolved = defineEvent(
  "approval.resolved",
  Type.Object({ ...ScopeFields, ...ApprovalResolution.properties }, { description: "An approval request was approved, denied or expired." }),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof ApprovalRequired, typeof ApprovalResolved]> {}
}

// ── the policy, approvals and the audit log as the API shows them ─────────────────────────────────────────────

export const CATEGORIES = ["filesystem", "process", "network", "git", "memory", "agents", "mcp", "client"] as const;
/** The first part of an operation ("filesystem" of "filesystem.write"); a tool declares the one it belongs to. */
export const PermissionCategory = Type.Union(CATEGORIES.map((c) => Type.Literal(c)));
export type PermissionCategory = Static<typeof PermissionCategory>;

export const PermissionResult = Type.Union([Type.Literal("allow"), Type.Literal("ask"), Type.Literal("deny")]);
export type PermissionResult = Static<typeof PermissionResult>;

export const ApprovalScope = Type.Union([Type.Literal("once"), Type.Literal("session"), Type.Literal("pattern")], {
  description: "once: this request only; session: this exact command or path for the rest of the session; pattern: an explicit glob (a program name first for commands; paths inside the root) for the session",
});
export type ApprovalScope = Static<typeof ApprovalScope>;

export const PendingApproval = Type.Object({
  id: Type.String(),
  tool_name: Type.String(),
  operation: Type.String({ description: "e.g. process.execute, filesystem.write" }),
  resource: Type.String({ description: "The path or command line the decision is about" }),
  reason: Type.String(),
  session_id: Type.String(),
  conversation_id: Type.Optional(Type.String({ description: "The conversation whose turn asks" })),
  created_at: Timestamp(),
  expires_at: Timestamp("ISO 8601; unanswered requests are denied then"),
  ...ApprovalPreview.properties,
});
export type PendingApproval = Static<typeof PendingApproval>;

export const ApprovalRequest = Type.Composite([
  PendingApproval,
  Type.Object({
    status: Type.Union([Type.Literal("pending"), Type.Literal("approved"), Type.Literal("denied"), Type.Literal("expired"), Type.Literal("cancelled")]),
    scope: Nullable(ApprovalScope),
    pattern: Nullable(Type.String()),
    resolved_at: Nullable(Type.String()),
    owner: Nullable(Type.String(), { description: "The user whose turn raised the request (null: from before users existed)" }),
    decided_by: Nullable(Type.String(), { description: "The user who approved or denied it; null while pending, expired or cancelled" }),
  }),
]);
export type ApprovalRequest = Static<typeof ApprovalRequest>;

export const ApprovalGrant = Type.Object({
  id: Type.String(),
  session_id: Type.String(),
  operation: Type.String(),
  pattern: Nullable(Type.String(), { description: "null: any resource of the operation" }),
  scope: Type.Union([Type.Literal("session"), Type.Literal("pattern"), Type.Literal("pre-approved")]),
  request_id: Nullable(Type.String()),
  created_at: Type.String(),
  approved_by: Nullable(Type.String(), { description: "The user who approved (or pre-approved) it" }),
});
export type ApprovalGrant = Static<typeof ApprovalGrant>;

export const PendingApprovalsQuery = Type.Object({ session_id: Type.Optional(Id) });
export const DecidedApprovalsQuery = Type.Object({ conversation_id: Id });
export const DecidedApprovals = Type.Object({
  approvals: Type.Array(ApprovalRequest, { description: "Oldest first: every request of the conversation that is no longer pending (approved, denied, expired, cancelled)" }),
});
export const PendingApprovals = Type.Object({ pending: Type.Array(PendingApproval) });
export const ApprovalRequestParams = Type.Object({ request_id: Id });
export const SessionParams = Type.Object({ session_id: Id });

export const PreApproval = Type.Object({
  operation: Type.String({ minLength: 1, maxLength: 100, pattern: "^[a-z*]+(\\.[a-z_*-]+)?$", description: "e.g. filesystem.delete, process.execute, process.*" }),
  pattern: Type.String({
    minLength: 1,
    maxLength: 1000,
    description: "Glob on the resource: a path (absolute, or relative to the session's root, e.g. ./build/*) or a command (e.g. 'npm *')",
  }),
  session_id: Id,
});
export const PreApproved = Type.Object({ status: Type.Literal("pre-approved"), operation: Type.String(), pattern: Type.String(), session_id: Type.String(), id: Type.String() });

export const SessionGrants = Type.Object({ session_id: Type.String(), approvals: Type.Array(ApprovalGrant) });
export const GrantsCleared = Type.Object({ status: Type.Literal("cleared"), session_id: Type.String(), removed: Type.Integer() });

export const ApprovalDecision = Type.Optional(
  Type.Object({
    scope: Type.Optional(ApprovalScope),
    pattern: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 1000 }), {
        description: "For scope=pattern: the glob to approve (default: the same folder, or the same program with any arguments)",
      }),
    ),
  }),
);
export const Approved = Type.Object({ status: Type.Literal("approved"), request_id: Type.String(), scope: ApprovalScope, pattern: Type.Optional(Type.String()) });
export const Denied = Type.Object({ status: Type.Literal("denied"), request_id: Type.String() });

export const AuditEntry = Type.Object({
  id: Type.String(),
  timestamp: Timestamp(),
  operation: Type.String(),
  category: Type.String(),
  resource: Type.String(),
  result: PermissionResult,
  reason: Type.String(),
  policy: Type.String({ description: "The part of the policy that decided: rule:<n>, workspace-boundary, command-risk, approval, …" }),
  agent_id: Type.String(),
  tool_name: Nullable(Type.String()),
  session_id: Nullable(Type.String()),
  owner: Nullable(Type.String(), { description: "The user whose turn the decision was about" }),
  decided_by: Nullable(Type.String(), { description: "For approval outcomes: the user who approved or denied" }),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "1-1000, default 100" })),
  result: Type.Optional(PermissionResult),
  category: Type.Optional(PermissionCategory),
  agent_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Entries of this user's turns (admin keys; a user key sees only its own)" })),
});
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditList = Type.Object({
  entries: Type.Array(AuditEntry),
  total: Type.Integer({ description: "Entries matching the filters (before the limit)" }),
  filters: Type.Object({
    limit: Type.Integer(),
    result: Nullable(Type.String()),
    category: Nullable(Type.String()),
    agent_id: Nullable(Type.String()),
  }),
});

export const AuditStats = Type.Object({
  total: Type.Integer(),
  by_result: Type.Record(Type.String(), Type.Integer()),
  by_category: Type.Record(Type.String(), Type.Integer()),
});
export type AuditStats = Static<typeof AuditStats>;
