// Going back to a checkpoint, or forking from one.
// - rollback truncates the conversation to the checkpoint. Nothing is lost: when there is a tail to drop, an archive
//   conversation keeps the whole history (same seqs: copies of what stays, the dropped messages themselves, so each
//   model call's usage is still counted once), and the checkpoints that pointed past the new end move there, so they
//   stay valid and can be branched from or rolled back to later. With restore_files the files come back too: the
//   root's non-ignored files from the checkpoint's git snapshot (whoever changed them), then, for every other path the
//   conversation's tools changed after the checkpoint, the earliest pre-image after it (or the file is deleted when it
//   did not exist).
// - branch copies the history up to the checkpoint into a new conversation; the original is untouched.
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import { lstatSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Conversations } from "../conversation/conversations";
import type { Bus } from "../kernel/bus";
import type { EventMap } from "../kernel/bus";
import { conflict, notFound } from "../kernel/errors";
import type { Db } from "../store/db";
import { checkpoints, fileChanges } from "../store/schema";
import { MAX_SNAPSHOT_BYTES, toCheckpointView, type CheckpointCapture, type CheckpointRow } from "./capture";
import type { CheckpointView, RestoredFile } from "./schema";
import type { CheckpointSnapshots } from "./snapshots";

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

export class CheckpointRollback {
  /** Turns started and not yet ended, per conversation (from the bus), so a rollback never races a running turn. */
  private readonly activeTurns = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly conversations: Conversations,
    private readonly capture: CheckpointCapture,
    private readonly snapshots: CheckpointSnapshots,
    /** A checkpoint by id, or NOT_FOUND. */
    private readonly checkpoint: (id: string) => CheckpointRow,
  ) {}

  /** Follows the turns of every conversation (a turn.event bus event). */
  onTurnEvent(data: EventMap["turn.event"]): void {
    const id = data.conversation_id;
    if (!id) return;
    const kind = data.event.event;
    if (kind === "start") this.activeTurns.set(id, (this.activeTurns.get(id) ?? 0) + 1);
    else if (kind === "complete" || kind === "error") {
      const n = (this.activeTurns.get(id) ?? 1) - 1;
      if (n > 0) this.activeTurns.set(id, n);
      else this.activeTurns.delete(id);
    }
  }

  async rollback(id: string, options: { restoreFiles?: boolean } = {}): Promise<RollbackResult> {
    const first = this.checkpoint(id);
    this.requireIdle(first.conversationId);
    // Holding the conversation's queue: a tool call of a turn started meanwhile waits until the files are restored.
    return this.snapshots.exclusive(first.conversationId, async () => {
      // Checkpoints still waiting for a snapshot (no tool ran since) describe the files as they are now: record that
      // before they move to the archive or the files change.
      await this.snapshots.settleNow(first.conversationId, () => this.snapshots.rootOf(first.sessionId));
      // The snapshot took time: a turn may have started, or another rollback moved this checkpoint, meanwhile.
      const checkpoint = this.checkpoint(id);
      this.requireIdle(checkpoint.conversationId);
      return this.rollbackNow(checkpoint, options);
    });
  }

  private async rollbackNow(checkpoint: CheckpointRow, options: { restoreFiles?: boolean }): Promise<RollbackResult> {
    const history = this.conversations.repository;
    const outcome = this.conversations.atomically(() => {
      const conversation = this.conversations.find(checkpoint.conversationId);
      if (!conversation) throw notFound("conversation", checkpoint.conversationId);
      const tail = history.countBetween(conversation.id, checkpoint.messageSeq);
      let archivedConversationId: string | null = null;
      let movedCheckpoints = 0;
      if (tail > 0) {
        // The archive is the conversation as it was: copies of what stays, and the originals of what goes.
        const archive = history.copy(conversation, checkpoint.messageSeq, {
          // The same title (no suffix that piles up over rollbacks): `archived` sets it apart in lists.
          title: conversation.title ?? "Conversation",
          metadata: { archived: true, archived_from: conversation.id, rollback_checkpoint_id: checkpoint.id, rollback_checkpoint_name: checkpoint.name },
        });
        archivedConversationId = archive.id;
        movedCheckpoints = this.db
          .update(checkpoints)
          .set({ conversationId: archive.id, sessionId: archive.sessionId })
          .where(and(eq(checkpoints.conversationId, conversation.id), gt(checkpoints.messageSeq, checkpoint.messageSeq)))
          .returning({ id: checkpoints.id })
          .all().length;
        history.moveAfter(conversation.id, checkpoint.messageSeq, archive.id);
      }
      this.conversations.touch(conversation.id);
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
      checkpoint: toCheckpointView(checkpoint),
      conversationId: checkpoint.conversationId,
      removedMessages: outcome.removedMessages,
      archivedConversationId: outcome.archivedConversationId,
      movedCheckpoints: outcome.movedCheckpoints,
    };
    if (options.restoreFiles) result.restoredFiles = await this.restoreFiles(this.checkpoint(checkpoint.id));
    return result;
  }

  /** Refuses (409) while a turn is running in the conversation: its history and files are still changing. */
  private requireIdle(conversationId: string): void {
    if (this.activeTurns.has(conversationId) || this.conversations.repository.isStreaming(conversationId)) {
      throw conflict("a turn is still running in this conversation; stop it before rolling back", { conversation_id: conversationId });
    }
  }

  /** A new conversation whose history is the source conversation up to the checkpoint. */
  async branch(id: string, options: { name?: string; description?: string } = {}): Promise<BranchResult> {
    const before = this.checkpoint(id);
    await this.snapshots.settle(before.conversationId, () => this.snapshots.rootOf(before.sessionId));
    const source = this.checkpoint(id); // with its snapshot, if that was still pending
    const result = this.conversations.atomically(() => {
      const conversation = this.conversations.find(source.conversationId);
      if (!conversation) throw notFound("conversation", source.conversationId);
      const name = options.name?.trim() || `${conversation.title ?? "Conversation"} (branch)`;
      const branch = this.conversations.repository.copy(conversation, source.messageSeq, {
        title: name,
        // A branch of an archive is live again.
        metadata: { archived: false, branched_from: conversation.id, source_checkpoint_id: source.id },
      });
      const row = this.capture.insert({
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
    return { branchId: result.branch.id, checkpoint: toCheckpointView(result.row), copiedMessages: result.branch.copied };
  }

  /**
   * Brings the files back to the checkpoint: from its git snapshot where there is one, then, for every other path the
   * conversation's tools changed after it, from the earliest pre-image after it.
   */
  private async restoreFiles(checkpoint: CheckpointRow): Promise<RestoredFile[]> {
    const restored = await this.snapshots.restore(checkpoint);
    const byGit = new Set(restored.map((f) => f.path));
    const entries = this.db
      .select()
      .from(fileChanges)
      .where(and(eq(fileChanges.conversationId, checkpoint.conversationId), gt(fileChanges.id, checkpoint.fileSeq)))
      .orderBy(asc(fileChanges.id))
      .all();
    const firstByPath = new Map<string, (typeof entries)[number]>();
    for (const e of entries) if (!firstByPath.has(e.path) && !byGit.has(e.path)) firstByPath.set(e.path, e);
    for (const [path, e] of firstByPath) restored.push(writeBack(path, e));
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
}

/** Puts a pre-image back: the content the file had, or no file when it did not exist. */
function writeBack(path: string, preImage: typeof fileChanges.$inferSelect): RestoredFile {
  try {
    if (preImage.tooLarge) return { path, action: "skipped", reason: `larger than ${MAX_SNAPSHOT_BYTES} bytes when it changed; its content was not kept` };
    if (preImage.existed) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, preImage.content ?? Buffer.alloc(0));
      return { path, action: "restored" };
    }
    let isFile = false;
    try {
      isFile = !lstatSync(path).isDirectory();
    } catch {
      /* already gone */
    }
    if (isFile) rmSync(path, { force: true });
    return { path, action: "deleted" };
  } catch (error) {
    return { path, action: "skipped", reason: String((error as Error).message ?? error) };
  }
}
