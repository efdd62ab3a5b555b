// Approvals (Penguin API): pending requests raised by `ask` decisions, approve / deny, pre-approval, and the
// approvals remembered per session. Thin translation over core.approvals (src/core/permission/approvals.ts).
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { ErrorEnvelope, Id } from "../src/http/schemas";

const Scope = t.Union([t.Literal("once"), t.Literal("session"), t.Literal("pattern")], {
  description: "once: this request only; session: this operation for the rest of the session; pattern: resources matching a glob for the session",
});

const PendingRequest = t.Object({
  id: t.String(),
  tool_name: t.String(),
  operation: t.String({ description: "e.g. process.execute, filesystem.write" }),
  resource: t.String({ description: "The path or command line the decision is about" }),
  reason: t.String(),
  session_id: t.String(),
  created_at: t.String({ description: "ISO 8601" }),
  expires_at: t.String({ description: "ISO 8601; unanswered requests are denied then" }),
});

const RequestDetail = t.Composite([
  PendingRequest,
  t.Object({
    status: t.Union([t.Literal("pending"), t.Literal("approved"), t.Literal("denied"), t.Literal("expired"), t.Literal("cancelled")]),
    scope: t.Union([Scope, t.Null()]),
    pattern: t.Union([t.String(), t.Null()]),
    resolved_at: t.Union([t.String(), t.Null()]),
  }),
]);

const Grant = t.Object({
  id: t.String(),
  session_id: t.String(),
  operation: t.String(),
  pattern: t.Union([t.String(), t.Null()], { description: "null: any resource of the operation" }),
  scope: t.Union([t.Literal("session"), t.Literal("pattern"), t.Literal("pre-approved")]),
  request_id: t.Union([t.String(), t.Null()]),
  created_at: t.String(),
});

const pendingView = (r: { id: string; tool_name: string; operation: string; resource: string; reason: string; session_id: string; created_at: string; expires_at: string }) => ({
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
    .get("/api/v1/approvals", ({ query }) => ({ pending: core.approvals.pending(query.session_id).map(pendingView) }), {
      query: t.Object({ session_id: t.Optional(Id) }),
      response: { 200: t.Object({ pending: t.Array(PendingRequest) }) },
      detail: { summary: "List pending approval requests", description: "Oldest first; `session_id` limits the list to one session." },
    })
    .post(
      "/api/v1/approvals/pre-approve",
      ({ body }) => {
        const grant = core.approvals.preApprove({ operation: body.operation, pattern: body.pattern, sessionId: body.session_id });
        return { status: "pre-approved" as const, operation: grant.operation, pattern: grant.pattern ?? body.pattern, session_id: grant.session_id, id: grant.id };
      },
      {
        body: t.Object({
          operation: t.String({ minLength: 1, maxLength: 100, pattern: "^[a-z*]+(\\.[a-z_*-]+)?$", description: "e.g. filesystem.delete, process.execute, process.*" }),
          pattern: t.String({ minLength: 1, maxLength: 1000, description: "Glob on the resource: a path (absolute, or relative to the session's root, e.g. ./build/*) or a command (e.g. 'npm *')" }),
          session_id: Id,
        }),
        response: { 200: t.Object({ status: t.Literal("pre-approved"), operation: t.String(), pattern: t.String(), session_id: t.String(), id: t.String() }), 422: ErrorEnvelope },
        detail: {
          summary: "Pre-approve an operation pattern for a session",
          description: "Later `ask` decisions for this session whose operation and resource match run without a prompt. Denials by policy stay denials.",
        },
      },
    )
    .get("/api/v1/approvals/session/:session_id", ({ params }) => ({ session_id: params.session_id, approvals: core.approvals.sessionGrants(params.session_id) }), {
      params: t.Object({ session_id: Id }),
      response: { 200: t.Object({ session_id: t.String(), approvals: t.Array(Grant) }) },
      detail: { summary: "List a session's remembered approvals", description: "Grants from `session`/`pattern` approvals and pre-approvals." },
    })
    .delete(
      "/api/v1/approvals/session/:session_id",
      ({ params }) => ({ status: "cleared" as const, session_id: params.session_id, removed: core.approvals.clearSession(params.session_id) }),
      {
        params: t.Object({ session_id: Id }),
        response: { 200: t.Object({ status: t.Literal("cleared"), session_id: t.String(), removed: t.Integer() }) },
        detail: { summary: "Forget a session's remembered approvals" },
      },
    )
    .get("/api/v1/approvals/:request_id", ({ params }) => core.approvals.get(params.request_id), {
      params: t.Object({ request_id: Id }),
      response: { 200: RequestDetail, 404: ErrorEnvelope },
      detail: { summary: "One approval request, pending or resolved" },
    })
    .post(
      "/api/v1/approvals/:request_id/approve",
      ({ params, body }) => {
        const scope = body?.scope ?? "once";
        const request = core.approvals.approve(params.request_id, scope, body?.pattern ?? undefined);
        return { status: "approved" as const, request_id: request.id, scope, ...(request.pattern ? { pattern: request.pattern } : {}) };
      },
      {
        params: t.Object({ request_id: Id }),
        body: t.Optional(
          t.Object({
            scope: t.Optional(Scope),
            pattern: t.Optional(t.Union([t.String({ minLength: 1, maxLength: 1000 }), t.Null()], { description: "For scope=pattern: the glob to approve (default: the same folder, or the same program with any arguments)" })),
          }),
        ),
        response: { 200: t.Object({ status: t.Literal("approved"), request_id: t.String(), scope: Scope, pattern: t.Optional(t.String()) }), 404: ErrorEnvelope, 409: ErrorEnvelope },
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
        params: t.Object({ request_id: Id }),
        response: { 200: t.Object({ status: t.Literal("denied"), request_id: t.String() }), 404: ErrorEnvelope, 409: ErrorEnvelope },
        detail: { summary: "Deny a pending request", description: "The tool call is not performed; the model is told so. Unknown id → 404; already resolved → 409." },
      },
    );
