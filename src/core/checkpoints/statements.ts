// The checkpoint statements that run per turn, per tool call or per file change, prepared once (drizzle otherwise
// prepares the SQL again on every call). They touch only the checkpoint domain's own tables; what they need from a
// conversation's history comes from the conversation domain (ConversationRepository).
import { and, desc, eq, gt, lte, sql } from "drizzle-orm";
import type { Db } from "../store/db";
import { checkpoints, fileChanges, gitSnapshots } from "../store/schema";
import { ph } from "../store/values";

export type CheckpointStatements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Db) {
  const conversationId = sql.placeholder("conversationId");
  const pending = sql`${checkpoints.gitPending} = 1`; // a literal, so the partial index applies
  const insertCheckpoint = () =>
    db.insert(checkpoints).values({
      id: ph("id"),
      conversationId: ph("conversationId"),
      sessionId: ph("sessionId"),
      type: ph("type"),
      name: ph("name"),
      description: ph("description"),
      messageSeq: ph("seq"),
      messageCount: ph("messageCount"),
      // Every pre-image recorded from now on is newer than the checkpoint.
      fileSeq: sql`(SELECT coalesce(max(id), 0) FROM file_changes)`,
      sourceCheckpointId: ph("sourceCheckpointId"),
      metadata: sql`'{}'`,
      createdAt: ph("createdAt"),
      gitSnapshotId: ph("gitSnapshotId"),
      gitPending: ph("gitPending"),
    });
  return {
    insert: insertCheckpoint().returning().prepare(),
    /** The same without reading the row back, for automatic checkpoints. */
    insertQuietly: insertCheckpoint().prepare(),
    /** The conversation's checkpoint nearest at or before a position: a new checkpoint's message count starts from its. */
    previous: db
      .select({ messageSeq: checkpoints.messageSeq, messageCount: checkpoints.messageCount })
      .from(checkpoints)
      .where(and(eq(checkpoints.conversationId, conversationId), lte(checkpoints.messageSeq, sql.placeholder("seq"))))
      .orderBy(desc(checkpoints.messageSeq))
      .limit(1)
      .prepare(),
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
