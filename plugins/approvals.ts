// Approvals (Penguin API): pending requests raised by `ask` decisions, approve / deny, pre-approval, and the
// approvals remembered per session. Thin translation over core.approvals (src/core/permission/approvals.ts).
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import {
  ApprovalDecision,
  ApprovalRequest,
  ApprovalRequestParams,
  Approved,
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
import { ErrorEnvelope, withoutNulls } from "../src/http/schemas";

/** The listing shows what a person needs to decide; the request's outcome fields come with GET /approvals/{id}. */
const toPendingApprovalView = (r: PendingApproval): PendingApproval => ({
  id: r.id,
  tool_name: r.tool_name,
  operation: r.operation,
  resource: r.resource,
  reason: r.reason,
  session_id: r.session_id,
  created_at: r.created_at,
  expires_at: r.expires_at,
});

export const approvalsPlugin = (core: Core) =>
  new Elysia({ name: "approvals", detail: { tags: ["security"] } })
    .get("/api/v1/approvals", ({ query }) => ({ pending: core.approvals.pending(query.session_id).map(toPendingApprovalView) }), {
      query: PendingApprovalsQuery,
      response: { 200: PendingApprovals },
      detail: { summary: "List pending approval requests", description: "Oldest first; `session_id` limits the list to one session." },
    })
    .post(
      "/api/v1/approvals/pre-approve",
      ({ body }) => {
        const grant = core.approvals.preApprove({ operation: body.operation, pattern: body.pattern, sessionId: body.session_id });
        return { status: "pre-approved" as const, operation: grant.operation, pattern: grant.pattern ?? body.pattern, session_id: grant.session_id, id: grant.id };
      },
      {
        body: PreApproval,
        response: { 200: PreApproved, 422: ErrorEnvelope },
        detail: {
          summary: "Pre-approve an operation pattern for a session",
          description: "Later `ask` decisions for this session whose operation and resource match run without a prompt. Denials by policy stay denials.",
        },
      },
    )
    .get("/api/v1/approvals/session/:session_id", ({ params }) => ({ session_id: params.session_id, approvals: core.approvals.sessionGrants(params.session_id) }), {
      params: SessionParams,
      response: { 200: SessionGrants },
      detail: { summary: "List a session's remembered approvals", description: "Grants from `session`/`pattern` approvals and pre-approvals." },
    })
    .delete(
      "/api/v1/approvals/session/:session_id",
      ({ params }) => ({ status: "cleared" as const, session_id: params.session_id, removed: core.approvals.clearSession(params.session_id) }),
      {
        params: SessionParams,
        response: { 200: GrantsCleared },
        detail: { summary: "Forget a session's remembered approvals" },
      },
    )
    .get("/api/v1/approvals/:request_id", ({ params }) => core.approvals.get(params.request_id), {
      params: ApprovalRequestParams,
      response: { 200: ApprovalRequest, 404: ErrorEnvelope },
      detail: { summary: "One approval request, pending or resolved" },
    })
    .post(
      "/api/v1/approvals/:request_id/approve",
      ({ params, body }) => {
        const { scope = "once", pattern } = withoutNulls({ ...body });
        const request = core.approvals.approve(params.request_id, scope, pattern);
        return { status: "approved" as const, request_id: request.id, scope, ...(request.pattern ? { pattern: request.pattern } : {}) };
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
      ({ params }) => {
        const request = core.approvals.deny(params.request_id);
        return { status: "denied" as const, request_id: request.id };
      },
      {
        params: ApprovalRequestParams,
        response: { 200: Denied, 404: ErrorEnvelope, 409: ErrorEnvelope },
        detail: { summary: "Deny a pending request", description: "The tool call is not performed; the model is told so. Unknown id → 404; already resolved → 409." },
      },
    );
