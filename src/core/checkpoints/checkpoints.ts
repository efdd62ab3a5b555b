// Checkpoints: named points in a conversation's history that can be rolled back to or branched from, plus what lets a
// rollback restore the workspace too. This facade wires the parts and keeps the API the plugin and the core use:
//   capture.ts        automatic, manual and branch checkpoints; file pre-images
//   snapshots.ts      git snapshots for pending checkpoints (git-snapshots.ts runs git); per-conversation file work order
//   rollback.ts       rollback (archive + truncate, optional file restore) and branch
//   statements.ts     the prepared statements of the hot paths
//   schema.ts         the API shapes
// Files reach checkpoints through one door: the tool runtime's before-run hook. Just before a permitted tool call
// runs, the conversation's pending checkpoints get their git snapshot, and the paths the call declares it will change
// (ToolDefinition.changes) get their pre-image.
import { and, count, desc, eq, inArray, notExists, or, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Conversations } from "../conversation/conversations";
import type { Roots } from "../fs/roots";
import type { Bus } from "../kernel/bus";
import type { EventMap } from "../kernel/bus";
import { AppError, notFound } from "../kernel/errors";
import type { Logger } from "../kernel/log";
import { canSee, ownerLimit, type Viewer } from "../kernel/viewer";
import type { Db } from "../store/db";
import { checkpoints, gitSnapshots } from "../store/schema";
import type { ToolRunHooks } from "../tools/types";
import { CheckpointCapture, toCheckpointView, type CheckpointRow } from "./capture";
import { GitSnapshots, realFilePath } from "./git-snapshots";
import type { Sandbox } from "../sandbox";
import { CheckpointRollback, type BranchResult, type RollbackResult } from "./rollback";
import type { CheckpointStats, CheckpointType, CheckpointView } from "./schema";
import { CheckpointSnapshots } from "./snapshots";
import { prepareStatements } from "./statements";

export { MAX_SNAPSHOT_BYTES, toCheckpointView, type CheckpointRow } from "./capture";
export type { BranchResult, RollbackResult } from "./rollback";
export type { CheckpointStats, CheckpointView, RestoredFile } from "./schema";

const CLEANUP_EVERY_MS = 60 * 60 * 1000;

export class Checkpoints {
  private stopFns: (() => void)[] = [];
  private readonly capture: CheckpointCapture;
  private readonly snapshots: CheckpointSnapshots;
  private readonly rollbacks: CheckpointRollback;

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly conversations: Conversations,
    private readonly settings: Config["checkpoints"],
    private readonly log?: Logger,
    roots?: Roots,
    sandbox?: Sandbox,
  ) {
    const q = prepareStatements(db);
    const dbFile = db.$client.filename;
    // Penguin's own database files are never part of a snapshot, nor restored.
    const own = dbFile && dbFile !== ":memory:" ? ["", "-wal", "-shm", "-journal"].map((suffix) => realFilePath(dbFile) + suffix) : [];
    const git = roots && sandbox && settings.enabled ? GitSnapshots.create(own, sandbox) : undefined;
    this.snapshots = new CheckpointSnapshots(db, q, git, conversations, roots, log);
    this.capture = new CheckpointCapture(db, q, conversations, settings, this.snapshots.enabled, log);
    this.rollbacks = new CheckpointRollback(db, bus, conversations, this.capture, this.snapshots, (id) => this.get(id));
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /**
   * Subscribes to the bus (automatic checkpoints, running turns) and to the tool runtime (git snapshots and file
   * pre-images just before a tool runs), and schedules the retention cleanup.
   */
  start(tools?: ToolRunHooks): void {
    if (!this.settings.enabled) return;
    if (tools) {
      this.stopFns.push(
        tools.beforeRun(async (ctx, tool, call) => {
          await this.snapshots.beforeTool(ctx);
          // A turn cancelled while it waited never runs the call: its files keep no pre-image.
          if (ctx.signal.aborted) return;
          for (const path of call.changes) this.capture.preImage(ctx.conversationId, path, tool.name);
        }),
      );
    }
    this.stopFns.push(
      this.bus.subscribe(
        (event) => {
          const data = event.data as EventMap["message.appended"];
          if (data.conversation_id) this.capture.atPrompt(data.conversation_id, data.session_id, data.message_id, data.role);
        },
        ["message.appended"],
      ),
      this.bus.subscribe((event) => this.rollbacks.onTurnEvent(event.data as EventMap["turn.event"]), ["turn.event"]),
    );
    const runCleanup = async () => {
      try {
        const n = await this.cleanup();
        if (n > 0) this.log?.info("checkpoint cleanup", { cleaned: n });
      } catch (error) {
        this.log?.error("checkpoint cleanup failed", { error: String(error) });
      }
    };
    void runCleanup();
    const timer = setInterval(runCleanup, CLEANUP_EVERY_MS);
    timer.unref?.();
    this.stopFns.push(() => clearInterval(timer));
  }

  /** Unsubscribes, and waits for snapshots and restores still running (they write to the database when done). */
  async stop(): Promise<void> {
    for (const fn of this.stopFns.splice(0)) fn();
    await this.snapshots.drain();
  }

  // ── creating ──────────────────────────────────────────────────────────────────────────────────────────────

  /** A manual checkpoint of the conversation's current end (the given one, else the session's latest, else the latest). */
  create(options: { conversationId?: string; sessionId?: string; name?: string; description?: string; viewer?: Viewer }): CheckpointView {
    this.requireEnabled();
    return toCheckpointView(this.capture.manual(options));
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────────────────

  find(id: string): CheckpointRow | undefined {
    return this.db.select().from(checkpoints).where(eq(checkpoints.id, id)).get();
  }

  /** A checkpoint lives in a conversation: another user's (for a `user` viewer) is a 404 like a missing one. */
  get(id: string, viewer?: Viewer): CheckpointRow {
    const row = this.find(id);
    if (!row || (ownerLimit(viewer) && !canSee(viewer, this.conversations.find(row.conversationId)?.owner))) throw notFound("checkpoint", id);
    return row;
  }

  /** Newest first; a `user` viewer sees those of its own conversations. */
  list(options: { sessionId?: string; conversationId?: string; type?: CheckpointType; limit?: number; viewer?: Viewer } = {}): CheckpointView[] {
    const owner = ownerLimit(options.viewer);
    const rows = this.db
      .select()
      .from(checkpoints)
      .where(
        and(
          options.sessionId ? eq(checkpoints.sessionId, options.sessionId) : undefined,
          options.conversationId ? eq(checkpoints.conversationId, options.conversationId) : undefined,
          options.type ? eq(checkpoints.type, options.type) : undefined,
          owner !== undefined ? inArray(checkpoints.conversationId, this.conversations.repository.idsOwnedBy(owner)) : undefined,
        ),
      )
      .orderBy(desc(checkpoints.createdAt), desc(sql`rowid`))
      .limit(options.limit ?? 50)
      .all();
    return rows.map(toCheckpointView);
  }

  stats(): CheckpointStats {
    const rows = this.db.select({ type: checkpoints.type, n: count() }).from(checkpoints).groupBy(checkpoints.type).all();
    const by = (t: CheckpointType) => rows.find((r) => r.type === t)?.n ?? 0;
    return {
      enabled: this.settings.enabled,
      total_checkpoints: rows.reduce((n, r) => n + r.n, 0),
      auto_checkpoints: by("auto"),
      manual_checkpoints: by("manual"),
      branch_checkpoints: by("branch"),
      config: { frequency: this.settings.frequency, retention_hours: this.settings.retentionHours, max_age_days: this.settings.maxAgeDays },
    };
  }

  // ── rollback and branch ───────────────────────────────────────────────────────────────────────────────────

  /** Truncates the conversation to the checkpoint (archiving the tail); 409 while a turn runs in it. */
  rollback(id: string, options: { restoreFiles?: boolean } = {}, viewer?: Viewer): Promise<RollbackResult> {
    this.requireEnabled();
    this.get(id, viewer);
    return this.rollbacks.rollback(id, options);
  }

  /** A new conversation whose history is the source conversation up to the checkpoint. */
  branch(id: string, options: { name?: string; description?: string } = {}, viewer?: Viewer): Promise<BranchResult> {
    this.requireEnabled();
    this.get(id, viewer);
    return this.rollbacks.branch(id, options);
  }

  // ── retention ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Removes automatic checkpoints older than retention_hours and every checkpoint older than max_age_days
   * (manual and branch checkpoints are kept until then), then the file pre-images and git snapshots (with their
   * refs) no remaining checkpoint needs.
   */
  async cleanup(now = Date.now()): Promise<number> {
    const autoCutoff = now - this.settings.retentionHours * 3_600_000;
    const ageCutoff = now - this.settings.maxAgeDays * 86_400_000;
    const { removed, orphans } = this.db.transaction((tx) => {
      const removed = tx
        .delete(checkpoints)
        .where(or(and(eq(checkpoints.type, "auto"), sql`${checkpoints.createdAt} < ${autoCutoff}`), sql`${checkpoints.createdAt} < ${ageCutoff}`))
        .returning({ id: checkpoints.id })
        .all().length;
      tx.run(sql`DELETE FROM file_changes WHERE id <= coalesce(
        (SELECT min(c.file_seq) FROM checkpoints c WHERE c.conversation_id = file_changes.conversation_id), 9223372036854775807)`);
      // Also catches snapshots left by deleted conversations (their checkpoints went with them).
      const orphans = tx
        .delete(gitSnapshots)
        .where(notExists(tx.select({ one: sql`1` }).from(checkpoints).where(eq(checkpoints.gitSnapshotId, gitSnapshots.id))))
        .returning({ id: gitSnapshots.id, toplevel: gitSnapshots.toplevel })
        .all();
      return { removed, orphans };
    });
    await this.snapshots.drop(orphans);
    return removed;
  }

  private requireEnabled(): void {
    if (!this.settings.enabled) throw new AppError("SERVICE_UNAVAILABLE", "checkpoints are disabled on this server (config checkpoints.enabled = false)");
  }
}
