// Approvals (Penguin API): pending requests raised by `ask` decisions, approve / deny, pre-approval, and the
// approvals remembered per session. Thin translation over core.approvals (src/core/permission/approvals.ts). A `user`
// key sees and decides only the requests its own turns raised, and the grants of its own sessions (others are 404);
// every decision records the caller.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import {
  ApprovalDecision,
  ApprovalRequest,
  ApprovalRequestParams,
  Approved,
  DecidedApprovals,
  DecidedApprovalsQuery,
  Denied,
  GrantsCleared,
  PendingApprovals,
  PendingApprovalsQuery,
  PreApproval,
  PreApproved,
  SessionGrants,
  SessionParams,
  type PendingApproval,
} from "../src/core/permission/schema";
import { requireAdmin } from "../src/core/kernel/viewer";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, withoutNulls } from "../src/http/schemas";

/** The listing shows what a person needs to decide; the request's outcome fields come with GET /approvals/{id}. */
const toPendingApprovalView = (r: PendingApproval): PendingApproval => ({
  id: r.id,
  tool_name: r.tool_name,
  operation: r.operation,
  resource: r.resource,
  reason: r.reason,
  session_id: r.session_id,
  ...(r.conversation_id ? { conversation_id: r.conversation_id } : {}),
  created_at: r.created_at,
  expires_at: r.expires_at,
  ...(r.diff !== undefined ? { diff: r.diff } : {}),
  ...(r.diff_truncated ? { diff_truncated: true } : {}),
  ...(r.new_file !== undefined ? { new_file: r.new_file } : {}),
  ...(r.deletes_entries !== undefined ? { deletes_entries: r.deletes_entries } : {}),
  ...(r.cwd ? { cwd: r.cwd } : {}),
  ...(r.suggested_pattern ? { suggested_pattern: r.suggested_pattern } : {}),
});

export const approvalsPlugin = (core: Core) =>
  new Elysia({ name: "approvals", detail: { tags: ["security"] } })
    .get("/api/v1/approvals", ({ query, request }) => ({ pending: core.approvals.pending(query.session_id, callerOf(request)).map(toPendingApprovalView) }), {
      query: PendingApprovalsQuery,
      response: { 200: PendingApprovals },
      detail: { summary: "List pending approval requests", description: "Oldest first; `session_id` limits the list to one session." },
    })
    .get("/api/v1/approvals/decided", ({ query, request }) => ({ approvals: core.approvals.decided(query.conversation_id, callerOf(request)) }), {
      query: DecidedApprovalsQuery,
      response: { 200: DecidedApprovals },
      detail: {
        summary: "A conversation's decided approval requests",
        description: "Approved, denied, expired and cancelled requests of one conversation, oldest first, so a client can show the decisions in the thread after a reload. A user key sees its own.",
      },
    })
    .post(
      "/api/v1/approvals/pre-approve",
      ({ body, request }) => {
        const viewer = callerOf(request);
        if (!core.conversations.ownsSession(body.session_id, viewer)) requireAdmin(viewer, "Pre-approving for a session that is not yours");
        const grant = core.approvals.preApprove({ operation: body.operation, pattern: body.pattern, sessionId: body.session_id, approvedBy: viewer?.user });
        return { status: "pre-approved" as const, operation: grant.operation, pattern: grant.pattern ?? body.pattern, session_id: grant.session_id, id: grant.id };
      },
      {
        body: PreApproval,
        response: { 200: PreApproved, 403: ErrorEnvelope, 422: ErrorEnvelope },
        detail: {
          summary: "Pre-approve an operation pattern for a session",
          description:
            "Later `ask` decisions for this session whose operation and resource match run without a prompt. Denials by policy stay denials. " +
            "A user key may pre-approve only a session it has already used (403 otherwise); admin keys any session.",
        },
      },
    )
    .get(
      "/api/v1/approvals/session/:session_id",
      ({ params, request }) => {
        core.conversations.requireSession(params.session_id, callerOf(request));
        return { session_id: params.session_id, approvals: core.approvals.sessionGrants(params.session_id) };
      },
      {
        params: SessionParams,
        response: { 200: SessionGrants, 404: ErrorEnvelope },
        detail: { summary: "List a session's remembered approvals", description: "Grants from `session`/`pattern` approvals and pre-approvals, each with who approved it." },
      },
    )
    .delete(
      "/api/v1/approvals/session/:session_id",
      ({ params, request }) => {
        core.conversations.requireSession(params.session_id, callerOf(request));
        return { status: "cleared" as const, session_id: params.session_id, removed: core.approvals.clearSession(params.session_id) };
      },
      {
        params: SessionParams,
        response: { 200: GrantsCleared, 404: ErrorEnvelope },
        detail: { summary: "Forget a session's remembered approvals" },
      },
    )
    .get("/api/v1/approvals/:request_id", ({ params, request }) => core.approvals.get(params.request_id, callerOf(request)), {
      params: ApprovalRequestParams,
      response: { 200: ApprovalRequest, 404: ErrorEnvelope },
      detail: { summary: "One approval request, pending or resolved" },
    })
    .post(
      "/api/v1/approvals/:request_id/approve",
      ({ params, body, request }) => {
        const { scope = "once", pattern } = withoutNulls({ ...body });
        const approved = core.approvals.approve(params.request_id, scope, pattern, callerOf(request));
        return { status: "approved" as const, request_id: approved.id, scope, ...(approved.pattern ? { pattern: approved.pattern } : {}) };
      },
      {
        params: ApprovalRequestParams,
        body: ApprovalDecision,
        response: { 200: Approved, 404: ErrorEnvelope, 409: ErrorEnvelope },
        detail: { summary: "Approve a pending request", description: "Scope defaults to `once`. Unknown id → 404; already resolved or expired → 409." },
      },
    )
    .post(
      "/api/v1/approvals/:request_id/deny",
      ({ params, request }) => {
        const denied = core.approvals.deny(params.request_id, callerOf(request));
        return { status: "denied" as const, request_id: denied.id };
      },
      {
        params: ApprovalRequestParams,
        response: { 200: Denied, 404: ErrorEnvelope, 409: ErrorEnvelope },
        detail: { summary: "Deny a pending request", description: "The tool call is not performed; the model is told so. Unknown id → 404; already resolved → 409." },
      },
    );
