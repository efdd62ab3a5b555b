// The permission audit log: every decision (allow / ask / deny) and every approval outcome, in SQLite.
// Old entries are pruned by age (config.permissions.auditRetentionDays) at start and then hourly; the prune
// is one indexed DELETE, so it stays cheap however large the table grows. An entry belongs to the user whose turn it
// was about; a `user` viewer sees only its own.
import { and, count, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import { newId } from "../kernel/ids";
import { ownerLimit, requireAdmin, type Viewer } from "../kernel/viewer";
import type { Db } from "../store/db";
import { auditLog, type AuditResult } from "../store/schema";
import { categoryOf } from "./policy";
import { iso } from "../store/values";
import type { AuditEntry, AuditQuery, AuditStats } from "./schema";

export interface AuditRecord {
  operation: string;
  resource: string;
  result: AuditResult;
  reason: string;
  policy: string;
  agentId?: string;
  toolName?: string;
  sessionId?: string;
  /** The user whose turn it is. */
  owner?: string;
  /** The user who approved or denied (approval outcomes). */
  decidedBy?: string | null;
}

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export class AuditLog {
  private timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly db: Db,
    private readonly retentionDays: () => number,
  ) {}

  record(entry: AuditRecord): AuditEntry {
    const row = {
      id: newId(),
      at: Date.now(),
      operation: entry.operation,
      category: categoryOf(entry.operation),
      // a command line can be long; the log keeps enough to recognise it
      resource: entry.resource.length > 4000 ? entry.resource.slice(0, 4000) + "…" : entry.resource,
      result: entry.result,
      reason: entry.reason,
      policy: entry.policy,
      agentId: entry.agentId ?? "default",
      toolName: entry.toolName ?? null,
      sessionId: entry.sessionId ?? null,
      owner: entry.owner ?? null,
      decidedBy: entry.decidedBy ?? null,
    };
    this.db.insert(auditLog).values(row).run();
    return toAuditEntryView(row);
  }

  /** Newest first. A `user` viewer sees its own entries only, and may not ask for another user's (403). */
  list(filters: AuditQuery = {}, viewer?: Viewer): { entries: AuditEntry[]; total: number } {
    const where = this.where(filters, viewer);
    const rows = this.db
      .select()
      .from(auditLog)
      .where(where)
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(filters.limit ?? 100)
      .all();
    const total = this.db.select({ n: count() }).from(auditLog).where(where).get()?.n ?? 0;
    return { entries: rows.map(toAuditEntryView), total };
  }

  /** Counts over the entries the viewer may see. */
  stats(viewer?: Viewer): AuditStats {
    const where = this.where({}, viewer);
    const byResult = this.db.select({ key: auditLog.result, n: count() }).from(auditLog).where(where).groupBy(auditLog.result).all();
    const byCategory = this.db.select({ key: auditLog.category, n: count() }).from(auditLog).where(where).groupBy(auditLog.category).all();
    const by_result: Record<string, number> = { allow: 0, ask: 0, deny: 0 };
    for (const r of byResult) by_result[r.key] = r.n;
    const by_category: Record<string, number> = {};
    for (const r of byCategory) by_category[r.key] = r.n;
    return { total: byResult.reduce((sum, r) => sum + r.n, 0), by_result, by_category };
  }

  /** Deletes entries older than the retention period; returns how many went. */
  prune(now = Date.now()): number {
    const cutoff = now - this.retentionDays() * DAY_MS;
    const result = this.db.delete(auditLog).where(lt(auditLog.at, cutoff)).run() as unknown as { changes?: number } | undefined;
    return result?.changes ?? 0;
  }

  /** Prunes now and then hourly until stop(). */
  start(): void {
    this.prune();
    this.timer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private where(filters: AuditQuery, viewer?: Viewer): SQL | undefined {
    const conditions: SQL[] = [];
    const limit = ownerLimit(viewer);
    if (filters.user !== undefined && filters.user !== limit) requireAdmin(viewer, "Reading another user's audit entries");
    const owner = limit ?? filters.user;
    if (owner !== undefined) conditions.push(eq(auditLog.owner, owner));
    if (filters.result) conditions.push(eq(auditLog.result, filters.result));
    if (filters.category) conditions.push(eq(auditLog.category, filters.category));
    if (filters.agent_id) conditions.push(eq(auditLog.agentId, filters.agent_id));
    return conditions.length ? and(...conditions) : sql`1 = 1`;
  }
}

function toAuditEntryView(row: typeof auditLog.$inferSelect): AuditEntry {
  return {
    id: row.id,
    timestamp: iso(row.at),
    operation: row.operation,
    category: row.category,
    resource: row.resource,
    result: row.result,
    reason: row.reason,
    policy: row.policy,
    agent_id: row.agentId,
    tool_name: row.toolName,
    session_id: row.sessionId,
    owner: row.owner,
    decided_by: row.decidedBy,
  };
}
