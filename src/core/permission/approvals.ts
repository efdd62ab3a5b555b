// Human approval for `ask` decisions. A request is stored in SQLite (so listings and lookups survive), announced
// on the bus (approval.required → the turn's live client), and the tool call waits in memory until someone
// approves or denies it over REST, it expires (config.permissions.approvalTimeoutSeconds), or the turn is
// cancelled. Approving with scope `session` or `pattern` (or pre-approving) records a grant that turns later
// `ask` decisions for the same session into allows. A request belongs to the user whose turn raised it (another
// `user` key gets 404 for it); every decision and grant records who made it.
import { and, asc, eq, ne } from "drizzle-orm";
import { basename, dirname, join } from "node:path";
import type { Bus } from "../kernel/bus";
import type { Config } from "../../config";
import { AppError, conflict } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import { ownerLimit, requireVisible, type Viewer } from "../kernel/viewer";
import { categoryOf, operationMatches, resourceMatches } from "./policy";
import { commandPatternProblem, parseCommandLine, sameCommand } from "../shell";
import type { Db } from "../store/db";
import { approvalGrants, approvalRequests, type ApprovalStatus, type GrantScope } from "../store/schema";
import { iso, isoOrNull } from "../store/values";
import type { ApprovalGrant, ApprovalPreview, ApprovalRequest, ApprovalScope } from "./schema";

/** `decidedBy`: the user who approved or denied (null with authentication off). */
export type ApprovalOutcome =
  | { status: "approved"; scope: ApprovalScope; requestId: string; decidedBy: string | null }
  | { status: "denied"; requestId: string; decidedBy: string | null }
  | { status: "expired" | "cancelled"; requestId: string };

export interface AskInput {
  toolName: string;
  operation: string;
  resource: string;
  reason: string;
  sessionId: string;
  conversationId?: string;
  turnId?: string;
  agentId?: string;
  /** The user whose turn raised it. */
  owner?: string;
  signal?: AbortSignal;
  /** What the decision is about (a proposed diff, a command's folder); kept while the request is pending. */
  preview?: ApprovalPreview;
  /** Called once the request exists (e.g. to audit it) before anyone can answer it. */
  onCreated?: (request: ApprovalRequest) => void;
}

/** Rows touched by a write (bun:sqlite reports it; drizzle's types don't say so). */
const changes = (result: unknown): number => (result as { changes?: number } | undefined)?.changes ?? 0;

interface Waiter {
  settle(outcome: ApprovalOutcome): void;
}

export class Approvals {
  private readonly waiters = new Map<string, Waiter>();
  /** Previews of pending requests: in memory only, since a pending request does not outlive its run. */
  private readonly previews = new Map<string, ApprovalPreview>();

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly settings: Config["permissions"],
    private readonly log: Logger,
  ) {
    // Requests left pending by a previous run have no waiting turn any more.
    const orphaned = changes(
      this.db.update(approvalRequests).set({ status: "expired", resolvedAt: Date.now() }).where(eq(approvalRequests.status, "pending")).run(),
    );
    if (orphaned) log.info("approval requests from a previous run marked expired", { count: orphaned });
  }

  /** Creates a request, announces it, and waits for its outcome. Never throws. */
  ask(input: AskInput): Promise<ApprovalOutcome> {
    const now = Date.now();
    const row = {
      id: newId(),
      toolName: input.toolName,
      operation: input.operation,
      resource: input.resource,
      reason: input.reason,
      sessionId: input.sessionId,
      conversationId: input.conversationId ?? null,
      turnId: input.turnId ?? null,
      agentId: input.agentId ?? "default",
      status: "pending" as const,
      scope: null,
      pattern: null,
      createdAt: now,
      expiresAt: now + this.settings.approvalTimeoutSeconds * 1000,
      resolvedAt: null,
      owner: input.owner ?? null,
      decidedBy: null,
    };
    this.db.insert(approvalRequests).values(row).run();
    const preview: ApprovalPreview = { ...input.preview, ...suggestedPattern(row.operation, row.resource) };
    if (Object.keys(preview).length) this.previews.set(row.id, preview);
    const request = this.view(row);
    input.onCreated?.(request);
    if (input.signal?.aborted) {
      this.finish(row.id, "cancelled");
      return Promise.resolve({ status: "cancelled", requestId: row.id });
    }

    return new Promise<ApprovalOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (this.finish(row.id, "expired")) this.publishResolved(row, "expired");
      }, row.expiresAt - now);
      const onAbort = () => {
        if (this.finish(row.id, "cancelled")) this.publishResolved(row, "denied");
      };
      input.signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.set(row.id, {
        settle: (outcome) => {
          clearTimeout(timer);
          input.signal?.removeEventListener("abort", onAbort);
          this.waiters.delete(row.id);
          resolve(outcome);
        },
      });
      this.bus.publish("approval.required", {
        ...preview,
        request_id: row.id,
        tool_name: row.toolName,
        operation: row.operation,
        resource: row.resource,
        reason: row.reason,
        expires_at: request.expires_at,
        session_id: row.sessionId,
        conversation_id: input.conversationId,
        turn_id: input.turnId,
        agent_id: row.agentId,
      });
    });
  }

  /** `viewer`: who decides; a `user` may decide only its own requests (another's is a 404). */
  approve(id: string, scope: ApprovalScope = "once", pattern?: string, viewer?: Viewer): ApprovalRequest {
    const row = this.pendingRow(id, viewer);
    const decidedBy = viewer?.user ?? null;
    // "session" grants exactly this resource; "pattern" an explicit pattern that is checked like a pre-approval
    let grantPattern: string | null = null;
    if (scope === "session") grantPattern = row.resource;
    if (scope === "pattern") grantPattern = grantablePattern(row.operation, pattern?.trim() || defaultPattern(row.operation, row.resource));
    if (scope !== "once") {
      this.addGrant({ sessionId: row.sessionId, operation: row.operation, pattern: grantPattern, scope, requestId: row.id, approvedBy: decidedBy });
    }
    this.db.update(approvalRequests).set({ scope, pattern: grantPattern, decidedBy }).where(eq(approvalRequests.id, id)).run();
    this.finish(id, "approved", scope, decidedBy);
    this.publishResolved(row, "approved", scope, decidedBy);
    return this.get(id);
  }

  deny(id: string, viewer?: Viewer): ApprovalRequest {
    const row = this.pendingRow(id, viewer);
    const decidedBy = viewer?.user ?? null;
    this.db.update(approvalRequests).set({ decidedBy }).where(eq(approvalRequests.id, id)).run();
    this.finish(id, "denied", "once", decidedBy);
    this.publishResolved(row, "denied", undefined, decidedBy);
    return this.get(id);
  }

  /** `approvedBy`: the user who pre-approved. */
  preApprove(input: { operation: string; pattern: string; sessionId: string; approvedBy?: string | null }): ApprovalGrant {
    if (/[*?]/.test(input.operation)) {
      throw new AppError("VALIDATION_ERROR", `pre-approve one operation (e.g. process.execute or filesystem.write), not "${input.operation}"`, {
        fields: [{ field: "operation", message: "must name one operation, without wildcards" }],
      });
    }
    const pattern = grantablePattern(input.operation, input.pattern);
    return this.addGrant({ sessionId: input.sessionId, operation: input.operation, pattern, scope: "pre-approved", requestId: null, approvedBy: input.approvedBy ?? null });
  }

  /** The grant that covers this call, if any. A command pattern covers a line only when every simple command in it
   *  matches (and it has no substitution and no redirection outside the root): `git *` does not cover
   *  `git status; rm -rf ~`. */
  grantFor(sessionId: string, operation: string, resource: string, root: string): ApprovalGrant | undefined {
    const grants = this.db.select().from(approvalGrants).where(eq(approvalGrants.sessionId, sessionId)).orderBy(asc(approvalGrants.createdAt)).all();
    const hit = grants.find((g) => operationMatches(g.operation, operation) && grantCovers(g, operation, resource, root));
    return hit ? toGrantView(hit) : undefined;
  }

  sessionGrants(sessionId: string): ApprovalGrant[] {
    return this.db.select().from(approvalGrants).where(eq(approvalGrants.sessionId, sessionId)).orderBy(asc(approvalGrants.createdAt)).all().map(toGrantView);
  }

  clearSession(sessionId: string): number {
    return changes(this.db.delete(approvalGrants).where(eq(approvalGrants.sessionId, sessionId)).run());
  }

  /** Oldest first; a `user` viewer sees only the requests its own turns raised. */
  pending(sessionId?: string, viewer?: Viewer): ApprovalRequest[] {
    const owner = ownerLimit(viewer);
    const where = and(
      eq(approvalRequests.status, "pending"),
      sessionId ? eq(approvalRequests.sessionId, sessionId) : undefined,
      owner !== undefined ? eq(approvalRequests.owner, owner) : undefined,
    );
    return this.db.select().from(approvalRequests).where(where).orderBy(asc(approvalRequests.createdAt)).all().map((r) => this.view(r));
  }

  /** A conversation's decided requests, oldest first (what its thread shows after a reload); a `user` sees its own. */
  decided(conversationId: string, viewer?: Viewer): ApprovalRequest[] {
    const owner = ownerLimit(viewer);
    const where = and(
      eq(approvalRequests.conversationId, conversationId),
      ne(approvalRequests.status, "pending"),
      owner !== undefined ? eq(approvalRequests.owner, owner) : undefined,
    );
    return this.db.select().from(approvalRequests).where(where).orderBy(asc(approvalRequests.createdAt)).limit(1000).all().map((r) => this.view(r));
  }

  get(id: string, viewer?: Viewer): ApprovalRequest {
    const row = this.db.select().from(approvalRequests).where(eq(approvalRequests.id, id)).get();
    return this.view(requireVisible(row, viewer, "Approval request", id));
  }

  private view(row: typeof approvalRequests.$inferSelect): ApprovalRequest {
    return { ...toApprovalRequestView(row), ...(row.status === "pending" ? this.previews.get(row.id) : undefined) };
  }

  /** Shutdown: every waiting call ends as cancelled. */
  close(): void {
    for (const id of [...this.waiters.keys()]) this.finish(id, "cancelled");
  }

  private pendingRow(id: string, viewer?: Viewer) {
    const row = requireVisible(this.db.select().from(approvalRequests).where(eq(approvalRequests.id, id)).get(), viewer, "Approval request", id);
    if (row.status !== "pending") throw conflict(`Approval request '${id}' is already ${row.status}`, { id, status: row.status });
    return row;
  }

  /** Records the outcome and wakes the waiting call; false when it was already settled. */
  private finish(id: string, status: Exclude<ApprovalStatus, "pending">, scope: ApprovalScope = "once", decidedBy: string | null = null): boolean {
    const changed = changes(
      this.db
        .update(approvalRequests)
        .set({ status, resolvedAt: Date.now() })
        .where(and(eq(approvalRequests.id, id), eq(approvalRequests.status, "pending")))
        .run(),
    );
    this.previews.delete(id);
    const outcome: ApprovalOutcome =
      status === "approved" ? { status, scope, requestId: id, decidedBy } : status === "denied" ? { status, requestId: id, decidedBy } : { status, requestId: id };
    this.waiters.get(id)?.settle(outcome);
    return changed > 0;
  }

  private publishResolved(row: typeof approvalRequests.$inferSelect, status: "approved" | "denied" | "expired", scope?: ApprovalScope, decidedBy?: string | null) {
    this.bus.publish("approval.resolved", {
      request_id: row.id,
      status,
      ...(scope ? { scope } : {}),
      ...(decidedBy ? { decided_by: decidedBy } : {}),
      session_id: row.sessionId,
      conversation_id: row.conversationId ?? undefined,
      turn_id: row.turnId ?? undefined,
      agent_id: row.agentId,
    });
    this.log.info("approval resolved", { request_id: row.id, status, scope, operation: row.operation, decided_by: decidedBy ?? undefined });
  }

  private addGrant(input: { sessionId: string; operation: string; pattern: string | null; scope: GrantScope; requestId: string | null; approvedBy: string | null }): ApprovalGrant {
    const row = { id: newId(), ...input, createdAt: Date.now() };
    this.db.insert(approvalGrants).values(row).run();
    return toGrantView(row);
  }
}

/** Whether a grant covers a call. "session": that exact resource (a command with the same program, options and
 *  arguments); "pattern"/"pre-approved": its pattern, with a command's paths inside the root. A grant without a
 *  pattern (made before grants meant what they say) covers nothing. */
function grantCovers(grant: { scope: string; pattern: string | null }, operation: string, resource: string, root: string): boolean {
  if (grant.pattern === null) return false;
  if (grant.scope === "session") return operation === "process.execute" ? sameCommand(grant.pattern, resource) : grant.pattern === resource;
  return resourceMatches(grant.pattern, operation, resource, root, "grant");
}

/** The pattern, when it can be granted; else a VALIDATION_ERROR saying why (a grant never means "anything"). */
function grantablePattern(operation: string, pattern: string): string {
  const problem =
    operation === "process.execute"
      ? commandPatternProblem(pattern)
      : categoryOf(operation) === "filesystem" && pattern.split("/").includes("..")
        ? `a file pattern must stay inside the root (no ".." segments): "${pattern}"`
        : /^[*?\s]*$/.test(pattern)
          ? `a pattern must name something, not only wildcards: "${pattern}"`
          : undefined;
  if (problem) throw new AppError("VALIDATION_ERROR", problem, { fields: [{ field: "pattern", message: problem }] });
  return pattern;
}

/** The pattern a "pattern" approval would grant, when it is grantable and says more than the exact resource. */
function suggestedPattern(operation: string, resource: string): { suggested_pattern?: string } {
  try {
    const pattern = grantablePattern(operation, defaultPattern(operation, resource));
    return pattern !== resource ? { suggested_pattern: pattern } : {};
  } catch {
    return {};
  }
}

/** What "approve this pattern" means when no pattern is given: files in the same directory (and below), or the
 *  same program with any arguments. */
export function defaultPattern(operation: string, resource: string): string {
  if (categoryOf(operation) === "filesystem") return join(dirname(resource), "**");
  if (operation === "process.execute") {
    try {
      const first = parseCommandLine(resource)[0]?.words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text));
      if (first && !first.dynamic) return `${basename(first.text)} *`;
    } catch {
      // an unparsable command is approved exactly
    }
  }
  return resource;
}

function toApprovalRequestView(row: typeof approvalRequests.$inferSelect): ApprovalRequest {
  return {
    id: row.id,
    tool_name: row.toolName,
    operation: row.operation,
    resource: row.resource,
    reason: row.reason,
    session_id: row.sessionId,
    ...(row.conversationId ? { conversation_id: row.conversationId } : {}),
    created_at: iso(row.createdAt),
    expires_at: iso(row.expiresAt),
    status: row.status,
    scope: (row.scope as ApprovalScope | null) ?? null,
    pattern: row.pattern,
    resolved_at: isoOrNull(row.resolvedAt),
    owner: row.owner,
    decided_by: row.decidedBy,
  };
}

function toGrantView(row: typeof approvalGrants.$inferSelect): ApprovalGrant {
  return {
    id: row.id,
    session_id: row.sessionId,
    operation: row.operation,
    pattern: row.pattern,
    scope: row.scope,
    request_id: row.requestId,
    created_at: iso(row.createdAt),
    approved_by: row.approvedBy,
  };
}
