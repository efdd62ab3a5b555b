// Checkpoints: named points in a conversation's history that can be rolled back to or branched from, plus what lets a
// rollback restore the workspace too.
//
// A checkpoint is a pointer, not a copy: "every message of conversation C with seq <= message_seq". That keeps an
// automatic checkpoint per message cheap (one indexed INSERT, prepared once). Consequences, by design:
// - rollback truncates C to the checkpoint. Nothing is lost: when there is a tail to drop, the whole conversation
//   is first copied into an archive conversation (same seqs), and the checkpoints that pointed past the new end
//   move there, so they stay valid and can be branched from or rolled back to later.
// - branch copies the history up to the checkpoint into a new conversation; the original is untouched.
// - files, two mechanisms:
//   · pre-images: just before an agent file tool changes a path (bus event `file.changing`), the path's current
//     content is stored once per checkpoint interval. Restoring checkpoint K undoes, for every path the
//     conversation's tools changed after K, that change: the earliest pre-image after K is written back (or the file
//     is deleted when it did not exist).
//   · git snapshots (checkpoints-git.ts), when the session's root (its bound directory, else the active root) is
//     inside a git work tree: they also cover what shell commands changed. A checkpoint is created "pending"; just
//     before the conversation's next permitted tool call runs (the tool runtime's before-run hook, which the call
//     awaits), one snapshot of the root is taken for all its pending checkpoints — nothing else can have changed the
//     files on the agent's behalf in between, so no message pays for git. Snapshots run git asynchronously: the
//     server keeps serving while a large repository is hashed. Restoring K brings the root's non-ignored files back
//     to K's snapshot, whoever changed them; pre-images still cover the rest (ignored files, paths outside the
//     repository).
import { and, asc, count, desc, eq, gt, inArray, lte, notExists, or, sql } from "drizzle-orm";
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, type Dirent } from "node:fs";
import { dirname, join } from "node:path";
import type { Bus } from "../kernel/bus";
import type { EventMap } from "../kernel/events";
import type { Config } from "../../config";
import { GitSnapshots, realFilePath, type RestoredFile } from "./git-snapshots";
import { AppError, badRequest, conflict, notFound } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import type { Roots } from "../fs/roots";
import type { Db } from "../store/db";
import type { ToolContext, ToolRunHooks } from "../tools/types";
import { checkpoints, conversations, fileChanges, gitSnapshots, messages, sessionBindings, type CheckpointType } from "../store/schema";
import { iso, ph } from "../store/values";

export type { RestoredFile } from "./git-snapshots";

export type CheckpointRow = typeof checkpoints.$inferSelect;
type ConversationRow = typeof conversations.$inferSelect;

/** Files larger than this are recorded as changed but their content is not kept (the restore skips them). */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;
const CLEANUP_EVERY_MS = 60 * 60 * 1000;
/** A folder about to be deleted: at most this many of its files are kept. */
const MAX_FILES_PER_FOLDER = 2000;
/** Messages per INSERT when a conversation is copied (19 columns each, well under SQLite's variable limit). */
const COPY_BATCH = 500;

/** Regular files (and symlinks, not followed) under a folder, depth first, at most `limit`. */
function filesUnder(dir: string, limit: number): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= limit) return;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

export interface CheckpointView {
  id: string;
  name: string;
  description: string;
  created_at: string;
  type: CheckpointType;
  session_id: string;
  conversation_id: string;
  /** How many messages the checkpointed history holds. */
  message_count: number;
  source_checkpoint_id: string | null;
}

export interface RollbackResult {
  checkpoint: CheckpointView;
  conversationId: string;
  removedMessages: number;
  /** Where the dropped history (and the checkpoints that pointed into it) now lives; null when nothing was dropped. */
  archivedConversationId: string | null;
  movedCheckpoints: number;
  restoredFiles?: RestoredFile[];
}

export interface BranchResult {
  branchId: string;
  checkpoint: CheckpointView;
  copiedMessages: number;
}

export interface CheckpointStats {
  enabled: boolean;
  total_checkpoints: number;
  auto_checkpoints: number;
  manual_checkpoints: number;
  branch_checkpoints: number;
  config: { frequency: number; retention_hours: number; max_age_days: number };
}

export function checkpointView(row: CheckpointRow): CheckpointView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    created_at: iso(row.createdAt),
    type: row.type,
    session_id: row.sessionId,
    conversation_id: row.conversationId,
    message_count: row.messageCount,
    source_checkpoint_id: row.sourceCheckpointId ?? null,
  };
}

/** The statements that run per message, per tool call or per file change, prepared once. */
function preparedStatements(db: Db) {
  const conversationId = sql.placeholder("conversationId");
  const seq = sql.placeholder("seq");
  const pending = sql`${checkpoints.gitPending} = 1`; // a literal, so the partial index applies
  /**
   * message_count is the previous checkpoint's count plus the messages since it (a short range scan), so the cost
   * does not grow with the conversation; only a conversation's first checkpoint counts from the start.
   */
  const insertCheckpoint = () =>
    db.insert(checkpoints).values({
      id: ph("id"),
      conversationId: ph("conversationId"),
      sessionId: ph("sessionId"),
      type: ph("type"),
      name: ph("name"),
      description: ph("description"),
      messageSeq: ph("seq"),
      messageCount: sql`coalesce(
        (SELECT c.message_count + (SELECT count(*) FROM messages m WHERE m.conversation_id = c.conversation_id AND m.seq > c.message_seq AND m.seq <= ${seq})
           FROM checkpoints c WHERE c.conversation_id = ${conversationId} AND c.message_seq <= ${seq} ORDER BY c.message_seq DESC LIMIT 1),
        (SELECT count(*) FROM messages m WHERE m.conversation_id = ${conversationId} AND m.seq <= ${seq}))`,
      fileSeq: sql`(SELECT coalesce(max(id), 0) FROM file_changes)`,
      sourceCheckpointId: ph("sourceCheckpointId"),
      metadata: sql`'{}'`,
      createdAt: ph("createdAt"),
      gitSnapshotId: ph("gitSnapshotId"),
      gitPending: ph("gitPending"),
    });
  return {
    messageSeq: db.select({ seq: messages.seq }).from(messages).where(eq(messages.id, sql.placeholder("id"))).prepare(),
    headSeq: db
      .select({ seq: sql<number>`coalesce(max(${messages.seq}), 0)`.mapWith(Number) })
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .prepare(),
    insert: insertCheckpoint().returning().prepare(),
    /** The same without reading the row back, for automatic checkpoints. */
    insertQuietly: insertCheckpoint().prepare(),
    latestFileSeq: db
      .select({ fileSeq: sql<number | null>`max(${checkpoints.fileSeq})` })
      .from(checkpoints)
      .where(eq(checkpoints.conversationId, conversationId))
      .prepare(),
    seenSince: db
      .select({ id: fileChanges.id })
      .from(fileChanges)
      .where(and(eq(fileChanges.conversationId, conversationId), eq(fileChanges.path, sql.placeholder("path")), gt(fileChanges.id, sql.placeholder("fileSeq"))))
      .limit(1)
      .prepare(),
    // Selecting a constant keeps this covered by the partial index (so it never walks the conversation's checkpoints).
    hasPending: db.select({ one: sql`1` }).from(checkpoints).where(and(eq(checkpoints.conversationId, conversationId), pending)).limit(1).prepare(),
    settlePending: db
      .update(checkpoints)
      .set({ gitPending: false, gitSnapshotId: ph("snapshotId") })
      .where(and(eq(checkpoints.conversationId, conversationId), pending))
      .prepare(),
    boundDirectory: db.select({ directory: sessionBindings.directory }).from(sessionBindings).where(eq(sessionBindings.sessionId, sql.placeholder("sessionId"))).prepare(),
    latestSnapshot: db
      .select()
      .from(gitSnapshots)
      .where(eq(gitSnapshots.root, sql.placeholder("root")))
      .orderBy(desc(gitSnapshots.createdAt), desc(sql`rowid`))
      .limit(1)
      .prepare(),
    snapshot: db.select().from(gitSnapshots).where(eq(gitSnapshots.id, sql.placeholder("id"))).prepare(),
  };
}

interface NewCheckpoint {
  conversationId: string;
  sessionId: string;
  type: CheckpointType;
  name: string;
  description: string;
  /** The checkpointed history: the conversation's messages with seq <= this. */
  seq: number;
  sourceCheckpointId?: string | null;
  /** For a branch: the source checkpoint's git state (the files are the same). */
  git?: { snapshotId: string | null; pending: boolean };
}

export class Checkpoints {
  private stopFns: (() => void)[] = [];
  /** Turns started and not yet ended, per conversation (from the bus), so a rollback never races a running turn. */
  private readonly activeTurns = new Map<string, number>();
  /**
   * Per conversation: the end of the queue of work that settles its pending checkpoints or restores its files. A tool
   * call of the conversation waits for it, so it never runs while its files are being snapshotted or restored.
   */
  private readonly busy = new Map<string, Promise<unknown>>();
  private readonly q: ReturnType<typeof preparedStatements>;
  /** undefined without git or without roots to snapshot: files are then restored from pre-images only. */
  private readonly git: GitSnapshots | undefined;

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly settings: Config["checkpoints"],
    private readonly log?: Logger,
    private readonly roots?: Roots,
  ) {
    this.q = preparedStatements(db);
    const dbFile = db.$client.filename;
    const own = dbFile && dbFile !== ":memory:" ? ["", "-wal", "-shm", "-journal"].map((suffix) => realFilePath(dbFile) + suffix) : [];
    this.git = roots && settings.enabled ? GitSnapshots.create(own) : undefined;
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /**
   * Subscribes to the bus (automatic checkpoints, file pre-images, running turns) and to the tool runtime (git
   * snapshots just before a tool runs), and schedules the retention cleanup.
   */
  start(tools?: ToolRunHooks): void {
    if (!this.settings.enabled) return;
    if (tools) this.stopFns.push(tools.beforeRun((ctx) => this.beforeTool(ctx)));
    this.stopFns.push(
      this.bus.subscribe(
        (event) => {
          if (event.type === "message.appended") {
            const data = event.data as EventMap["message.appended"];
            if (data.conversation_id) this.onMessageAppended(data.conversation_id, data.session_id, data.message_id, data.role);
          } else if (event.type === "file.changing") {
            const data = event.data as EventMap["file.changing"];
            if (data.conversation_id) this.capture(data.conversation_id, data.path, data.tool);
          }
        },
        ["message.appended", "file.changing"],
      ),
      this.bus.subscribe(
        (event) => {
          const data = event.data as EventMap["turn.event"];
          const id = data.conversation_id;
          if (!id) return;
          const kind = data.event.event;
          if (kind === "start") this.activeTurns.set(id, (this.activeTurns.get(id) ?? 0) + 1);
          else if (kind === "complete" || kind === "error") {
            const n = (this.activeTurns.get(id) ?? 1) - 1;
            if (n > 0) this.activeTurns.set(id, n);
            else this.activeTurns.delete(id);
          }
        },
        ["turn.event"],
      ),
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
    await Promise.allSettled([...this.busy.values()]);
  }

  // ── creating ──────────────────────────────────────────────────────────────────────────────────────────────

  /** The conversation a request means: the given id, else the session's latest, else the latest overall. */
  resolveConversation(options: { conversationId?: string; sessionId?: string }): ConversationRow {
    if (options.conversationId) {
      const row = this.db.select().from(conversations).where(eq(conversations.id, options.conversationId)).get();
      if (!row) throw notFound("conversation", options.conversationId);
      return row;
    }
    if (options.sessionId) {
      const row = this.db
        .select()
        .from(conversations)
        .where(or(eq(conversations.sessionId, options.sessionId), eq(conversations.id, options.sessionId)))
        .orderBy(desc(conversations.updatedAt), desc(conversations.id))
        .limit(1)
        .get();
      if (!row) throw notFound("session", options.sessionId);
      return row;
    }
    const row = this.db.select().from(conversations).orderBy(desc(conversations.updatedAt), desc(conversations.id)).limit(1).get();
    if (!row) throw badRequest("there is no conversation to checkpoint yet: send a message first or pass conversation_id");
    return row;
  }

  /** A manual checkpoint of the conversation's current end. */
  create(options: { conversationId?: string; sessionId?: string; name?: string; description?: string }): CheckpointView {
    this.requireEnabled();
    const conversation = this.resolveConversation(options);
    const row = this.insert({
      conversationId: conversation.id,
      sessionId: conversation.sessionId,
      type: "manual",
      name: options.name?.trim() || `Checkpoint ${iso(Date.now())}`,
      description: options.description ?? "",
      seq: this.q.headSeq.get({ conversationId: conversation.id })?.seq ?? 0,
    });
    return checkpointView(row);
  }

  /** The hot path (every message of every turn): a primary-key lookup, and one INSERT at a checkpoint boundary. */
  private onMessageAppended(conversationId: string, sessionId: string | undefined, messageId: string, role: string): void {
    const seq = this.q.messageSeq.get({ id: messageId })?.seq;
    if (seq === undefined || seq % this.settings.frequency !== 0) return;
    this.q.insertQuietly.run(
      this.params({
        conversationId,
        sessionId: sessionId ?? this.resolveConversation({ conversationId }).sessionId,
        type: "auto",
        name: `Auto: after message ${seq}`,
        description: `Automatic checkpoint after the ${role} message ${seq}`,
        seq,
      }),
    );
  }

  private insert(values: NewCheckpoint): CheckpointRow {
    return this.q.insert.get(this.params(values))!;
  }

  private params(values: NewCheckpoint) {
    return {
      ...values,
      id: newId(),
      sourceCheckpointId: values.sourceCheckpointId ?? null,
      createdAt: Date.now(),
      gitSnapshotId: values.git?.snapshotId ?? null,
      gitPending: values.git?.pending ?? this.git !== undefined,
    };
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────────────────

  find(id: string): CheckpointRow | undefined {
    return this.db.select().from(checkpoints).where(eq(checkpoints.id, id)).get();
  }

  get(id: string): CheckpointRow {
    const row = this.find(id);
    if (!row) throw notFound("checkpoint", id);
    return row;
  }

  /** Newest first. */
  list(options: { sessionId?: string; conversationId?: string; type?: CheckpointType; limit?: number } = {}): CheckpointView[] {
    const rows = this.db
      .select()
      .from(checkpoints)
      .where(
        and(
          options.sessionId ? eq(checkpoints.sessionId, options.sessionId) : undefined,
          options.conversationId ? eq(checkpoints.conversationId, options.conversationId) : undefined,
          options.type ? eq(checkpoints.type, options.type) : undefined,
        ),
      )
      .orderBy(desc(checkpoints.createdAt), desc(sql`rowid`))
      .limit(options.limit ?? 50)
      .all();
    return rows.map(checkpointView);
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

  async rollback(id: string, options: { restoreFiles?: boolean } = {}): Promise<RollbackResult> {
    this.requireEnabled();
    const first = this.get(id);
    this.requireIdle(first.conversationId);
    // Holding the conversation's queue: a tool call of a turn started meanwhile waits until the files are restored.
    return this.exclusive(first.conversationId, async () => {
      // Checkpoints still waiting for a snapshot (no tool ran since) describe the files as they are now: record that
      // before they move to the archive or the files change.
      await this.settleNow(first.conversationId, () => this.rootOf(first.sessionId));
      // The snapshot took time: a turn may have started, or another rollback moved this checkpoint, meanwhile.
      const checkpoint = this.get(id);
      this.requireIdle(checkpoint.conversationId);
      return this.rollbackNow(checkpoint, options);
    });
  }

  private async rollbackNow(checkpoint: CheckpointRow, options: { restoreFiles?: boolean }): Promise<RollbackResult> {
    const id = checkpoint.id;
    const outcome = this.db.transaction((tx) => {
      const conversation = tx.select().from(conversations).where(eq(conversations.id, checkpoint.conversationId)).get();
      if (!conversation) throw notFound("conversation", checkpoint.conversationId);
      const tail = tx
        .select({ n: count() })
        .from(messages)
        .where(and(eq(messages.conversationId, conversation.id), gt(messages.seq, checkpoint.messageSeq)))
        .get()!.n;
      let archivedConversationId: string | null = null;
      let movedCheckpoints = 0;
      if (tail > 0) {
        const archive = this.copyConversation(tx, conversation, Number.MAX_SAFE_INTEGER, {
          title: `${conversation.title ?? "Conversation"} (before rollback to ${checkpoint.name})`,
          metadata: { archived_from: conversation.id, rollback_checkpoint_id: checkpoint.id },
        });
        archivedConversationId = archive.id;
        movedCheckpoints = tx
          .update(checkpoints)
          .set({ conversationId: archive.id, sessionId: archive.sessionId })
          .where(and(eq(checkpoints.conversationId, conversation.id), gt(checkpoints.messageSeq, checkpoint.messageSeq)))
          .returning({ id: checkpoints.id })
          .all().length;
        tx.delete(messages).where(and(eq(messages.conversationId, conversation.id), gt(messages.seq, checkpoint.messageSeq))).run();
      }
      tx.update(conversations).set({ updatedAt: Date.now() }).where(eq(conversations.id, conversation.id)).run();
      return { conversation, removedMessages: tail, archivedConversationId, movedCheckpoints };
    });

    if (outcome.archivedConversationId) {
      this.bus.publish("conversation.created", {
        conversation_id: outcome.archivedConversationId,
        session_id: outcome.archivedConversationId,
        agent_id: outcome.conversation.agentId,
      });
    }
    const result: RollbackResult = {
      checkpoint: checkpointView(checkpoint),
      conversationId: checkpoint.conversationId,
      removedMessages: outcome.removedMessages,
      archivedConversationId: outcome.archivedConversationId,
      movedCheckpoints: outcome.movedCheckpoints,
    };
    if (options.restoreFiles) result.restoredFiles = await this.restoreFiles(this.get(id));
    return result;
  }

  /** Refuses (409) while a turn is running in the conversation: its history and files are still changing. */
  private requireIdle(conversationId: string): void {
    const streaming = this.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), eq(messages.status, "streaming")))
      .limit(1)
      .get();
    if (streaming || this.activeTurns.has(conversationId)) {
      throw conflict("a turn is still running in this conversation; stop it before rolling back", { conversation_id: conversationId });
    }
  }

  /** A new conversation whose history is the source conversation up to the checkpoint. */
  async branch(id: string, options: { name?: string; description?: string } = {}): Promise<BranchResult> {
    this.requireEnabled();
    const before = this.get(id);
    await this.settlePending(before.conversationId, () => this.rootOf(before.sessionId));
    const source = this.get(id); // with its snapshot, if that was still pending
    const result = this.db.transaction((tx) => {
      const conversation = tx.select().from(conversations).where(eq(conversations.id, source.conversationId)).get();
      if (!conversation) throw notFound("conversation", source.conversationId);
      const name = options.name?.trim() || `${conversation.title ?? "Conversation"} (branch)`;
      const branch = this.copyConversation(tx, conversation, source.messageSeq, {
        title: name,
        metadata: { branched_from: conversation.id, source_checkpoint_id: source.id },
      });
      const row = this.insert({
        conversationId: branch.id,
        sessionId: branch.sessionId,
        type: "branch",
        name,
        description: options.description ?? "",
        seq: source.messageSeq,
        sourceCheckpointId: source.id,
        git: { snapshotId: source.gitSnapshotId, pending: source.gitPending },
      });
      return { branch, row };
    });
    this.bus.publish("conversation.created", { conversation_id: result.branch.id, session_id: result.branch.sessionId, agent_id: result.branch.agentId });
    return { branchId: result.branch.id, checkpoint: checkpointView(result.row), copiedMessages: result.branch.copied };
  }

  /** Copies the messages with seq <= upTo into a new conversation (new ids, same seqs) inside `tx`. */
  private copyConversation(
    tx: Parameters<Parameters<Db["transaction"]>[0]>[0],
    source: ConversationRow,
    upTo: number,
    options: { title: string; metadata: Record<string, unknown> },
  ): ConversationRow & { copied: number } {
    const id = newId();
    const now = Date.now();
    const row: ConversationRow = {
      id,
      // A new session: the copy must never be mistaken for the source session's latest conversation.
      sessionId: id,
      title: options.title,
      agentId: source.agentId,
      parentId: source.id,
      metadata: { ...(source.metadata ?? {}), ...options.metadata },
      createdAt: now,
      updatedAt: now,
    };
    tx.insert(conversations).values(row).run();
    const rows = tx
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, source.id), lte(messages.seq, upTo)))
      .orderBy(asc(messages.seq))
      .all();
    for (let i = 0; i < rows.length; i += COPY_BATCH) {
      tx.insert(messages)
        .values(rows.slice(i, i + COPY_BATCH).map((m) => ({ ...m, id: newId(), conversationId: id })))
        .run();
    }
    return { ...row, copied: rows.length };
  }

  // ── files ─────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Records `path`'s current content before a tool of the conversation changes it. Only the first change after the
   * conversation's latest checkpoint matters (later ones are recoverable from it), so the rest are skipped.
   */
  capture(conversationId: string, path: string, tool?: string): void {
    // A folder (deleted recursively): keep each file in it, within bounds.
    let isDir = false;
    try {
      isDir = lstatSync(path).isDirectory();
    } catch {
      /* does not exist (yet) */
    }
    if (isDir) {
      for (const file of filesUnder(path, MAX_FILES_PER_FOLDER)) this.capture(conversationId, file, tool);
      return;
    }
    try {
      const fileSeq = this.q.latestFileSeq.get({ conversationId })?.fileSeq;
      if (fileSeq == null) return; // nothing to roll back to yet
      if (this.q.seenSince.get({ conversationId, path, fileSeq })) return;
      let existed = false;
      let content: Buffer | null = null;
      let size = 0;
      let tooLarge = false;
      try {
        const stat = lstatSync(path);
        existed = true;
        size = stat.size;
        if (stat.size > MAX_SNAPSHOT_BYTES) tooLarge = true;
        else content = readFileSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      this.db.insert(fileChanges).values({ conversationId, path, existed, content, size, tooLarge, tool: tool ?? null, createdAt: Date.now() }).run();
    } catch (error) {
      this.log?.warn("could not snapshot a file before it changed", { path, error: String(error) });
    }
  }

  /**
   * Brings the files back to the checkpoint: from its git snapshot where there is one, then, for every other path the
   * conversation's tools changed after it, from the earliest pre-image after it.
   */
  private async restoreFiles(checkpoint: CheckpointRow): Promise<RestoredFile[]> {
    const restored = await this.restoreFromGit(checkpoint);
    const byGit = new Set(restored.map((f) => f.path));
    const entries = this.db
      .select()
      .from(fileChanges)
      .where(and(eq(fileChanges.conversationId, checkpoint.conversationId), gt(fileChanges.id, checkpoint.fileSeq)))
      .orderBy(asc(fileChanges.id))
      .all();
    const firstByPath = new Map<string, (typeof entries)[number]>();
    for (const e of entries) if (!firstByPath.has(e.path) && !byGit.has(e.path)) firstByPath.set(e.path, e);
    for (const [path, e] of firstByPath) {
      try {
        if (e.tooLarge) {
          restored.push({ path, action: "skipped", reason: `larger than ${MAX_SNAPSHOT_BYTES} bytes when it changed; its content was not kept` });
          continue;
        }
        if (e.existed) {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, e.content ?? Buffer.alloc(0));
          restored.push({ path, action: "restored" });
        } else {
          let isFile = false;
          try {
            isFile = !lstatSync(path).isDirectory();
          } catch {
            /* already gone */
          }
          if (isFile) rmSync(path, { force: true });
          restored.push({ path, action: "deleted" });
        }
      } catch (error) {
        restored.push({ path, action: "skipped", reason: String((error as Error).message ?? error) });
      }
    }
    // The changes after the checkpoint are undone: their pre-images describe nothing on disk any more.
    const undonePaths = restored.filter((r) => r.action !== "skipped").map((r) => r.path);
    if (undonePaths.length) {
      this.db
        .delete(fileChanges)
        .where(and(eq(fileChanges.conversationId, checkpoint.conversationId), gt(fileChanges.id, checkpoint.fileSeq), inArray(fileChanges.path, undonePaths)))
        .run();
    }
    return restored;
  }

  private async restoreFromGit(checkpoint: CheckpointRow): Promise<RestoredFile[]> {
    const snapshot = this.git && checkpoint.gitSnapshotId ? this.q.snapshot.get({ id: checkpoint.gitSnapshotId }) : undefined;
    if (!snapshot) return [];
    const restored = await this.git!.restore(snapshot);
    if (!restored) this.log?.warn("could not restore files from the checkpoint's git snapshot; using file pre-images only", { checkpoint_id: checkpoint.id, root: snapshot.root });
    return restored ?? [];
  }

  /**
   * The tool runtime's before-run hook: a tool call of the conversation is about to run in `ctx.root`. Free when
   * nothing is pending and nothing is in flight (one indexed lookup); else the call waits for the snapshot (or for a
   * rollback's restore of the files).
   */
  private async beforeTool(ctx: ToolContext): Promise<void> {
    if (!this.git || (!this.busy.has(ctx.conversationId) && !this.q.hasPending.get({ conversationId: ctx.conversationId }))) return;
    await this.settlePending(ctx.conversationId, () => ctx.root);
  }

  /** The root a session's tools work in: its bound directory, else the active root. */
  private rootOf(sessionId: string | undefined): string {
    return (sessionId && this.q.boundDirectory.get({ sessionId })?.directory) || this.roots!.activeRoot;
  }

  /**
   * Gives the conversation's pending checkpoints a snapshot of its root as it is now (called just before one of
   * its tools runs, and before a rollback or branch), after the conversation's earlier snapshot or restore. Without
   * a repository (or when git fails) they get none. Never rejects.
   */
  private settlePending(conversationId: string, root: () => string): Promise<void> {
    return this.exclusive(conversationId, () => this.settleNow(conversationId, root));
  }

  private async settleNow(conversationId: string, root: () => string): Promise<void> {
    if (!this.git || !this.q.hasPending.get({ conversationId })) return;
    try {
      const snapshotId = await this.snapshot(root());
      // Checkpoints created while git ran get this snapshot too: their conversation's tools were waiting for it,
      // so its files are still what the snapshot recorded.
      this.q.settlePending.run({ conversationId, snapshotId });
    } catch (error) {
      this.log?.warn("could not take a git snapshot for a checkpoint", { conversation_id: conversationId, error: String(error) });
      try {
        this.q.settlePending.run({ conversationId, snapshotId: null });
      } catch {
        /* the database is closing */
      }
    }
  }

  /** Runs `work` after the conversation's earlier snapshot and restore work has finished (whatever its outcome). */
  private exclusive<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const run = (this.busy.get(conversationId) ?? Promise.resolve()).then(work);
    const tail = run.then(
      () => {},
      () => {},
    );
    this.busy.set(conversationId, tail);
    void tail.then(() => {
      if (this.busy.get(conversationId) === tail) this.busy.delete(conversationId);
    });
    return run;
  }

  /** The id of a snapshot of `root`'s files now (the latest one when nothing changed); null when not in a repository. */
  private async snapshot(root: string): Promise<string | null> {
    const place = await this.git!.place(root);
    const tree = place && (await this.git!.writeTree(place));
    if (!place || !tree) return null;
    const latest = this.q.latestSnapshot.get({ root });
    if (latest?.tree === tree && latest.toplevel === place.toplevel && latest.prefix === place.prefix) return latest.id;
    const id = newId();
    if (!(await this.git!.keep(place, id, tree))) return null;
    this.db.insert(gitSnapshots).values({ id, root, toplevel: place.toplevel, prefix: place.prefix, tree, createdAt: Date.now() }).run();
    return id;
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
    const byRepo = Map.groupBy(orphans, (o) => o.toplevel);
    await Promise.all([...byRepo].map(([toplevel, snapshots]) => this.git?.drop(toplevel, snapshots.map((o) => o.id))));
    return removed;
  }

  // ── helpers ───────────────────────────────────────────────────────────────────────────────────────────────

  private requireEnabled(): void {
    if (!this.settings.enabled) throw new AppError("SERVICE_UNAVAILABLE", "checkpoints are disabled on this server (config checkpoints.enabled = false)");
  }
}
