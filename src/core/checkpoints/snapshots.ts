// When checkpoints get their git snapshot, and the order of file work per conversation.
//
// When the session's root (its bound directory, else the active root) is inside a git work tree, a snapshot also
// covers what shell commands changed. A checkpoint is created "pending"; just before the conversation's next
// permitted tool call runs (the tool runtime's before-run hook, which the call awaits), one snapshot of the root is
// taken for all its pending checkpoints: nothing else can have changed the files on the agent's behalf in between, so
// no message pays for git. Snapshots run git asynchronously (git-snapshots.ts): the server keeps serving while a
// large repository is hashed.
//
// Per conversation, snapshots and a rollback's file restore run one at a time (a KeyedQueue), and a tool call of the
// conversation waits for them, so it never runs while its files are being snapshotted or restored.
import type { Conversations } from "../conversation/conversations";
import type { Roots } from "../fs/roots";
import { newId } from "../kernel/ids";
import { KeyedQueue } from "../kernel/keyed-queue";
import type { Logger } from "../kernel/log";
import type { Db } from "../store/db";
import { gitSnapshots } from "../store/schema";
import type { ToolContext } from "../tools/types";
import type { CheckpointRow } from "./capture";
import type { GitSnapshots } from "./git-snapshots";
import type { RestoredFile } from "./schema";
import type { CheckpointStatements } from "./statements";

export class CheckpointSnapshots {
  /** Per conversation: its snapshots and file restores, in order. */
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly db: Db,
    private readonly q: CheckpointStatements,
    /** undefined without git or without roots to snapshot: files are then restored from pre-images only. */
    private readonly git: GitSnapshots | undefined,
    private readonly conversations: Conversations,
    private readonly roots: Roots | undefined,
    private readonly log?: Logger,
  ) {}

  /** Whether new checkpoints wait for a snapshot. */
  get enabled(): boolean {
    return this.git !== undefined;
  }

  /**
   * Just before a tool call of the conversation runs in `ctx.root`. Free when nothing is pending and nothing is in
   * flight (one indexed lookup); else the call waits for the snapshot, or for a rollback's restore of the files.
   */
  async beforeTool(ctx: ToolContext): Promise<void> {
    const id = ctx.conversationId;
    if (!this.queue.has(id) && !(this.git && this.q.hasPending.get({ conversationId: id }))) return;
    await this.settle(id, () => ctx.root);
  }

  /**
   * Gives the conversation's pending checkpoints a snapshot of its root as it is now, after the conversation's
   * earlier snapshot or restore. Without a repository (or when git fails) they get none. Never rejects.
   */
  settle(conversationId: string, root: () => string): Promise<void> {
    return this.exclusive(conversationId, () => this.settleNow(conversationId, root));
  }

  /** The same, for a caller that already holds the conversation's turn in the queue. */
  async settleNow(conversationId: string, root: () => string): Promise<void> {
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
  exclusive<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    return this.queue.run(conversationId, work);
  }

  /** Resolves once every snapshot and restore started so far has finished. */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  /** The root a session's tools work in: its bound directory, else the active root. */
  rootOf(sessionId: string | undefined): string {
    return (sessionId && this.conversations.boundDirectory(sessionId)) || this.roots!.activeRoot;
  }

  /** Brings the checkpoint's root back to its snapshot; [] when it has none (or git fails: pre-images still apply). */
  async restore(checkpoint: CheckpointRow): Promise<RestoredFile[]> {
    const snapshot = this.git && checkpoint.gitSnapshotId ? this.q.snapshot.get({ id: checkpoint.gitSnapshotId }) : undefined;
    if (!snapshot) return [];
    const restored = await this.git!.restore(snapshot);
    if (!restored) this.log?.warn("could not restore files from the checkpoint's git snapshot; using file pre-images only", { checkpoint_id: checkpoint.id, root: snapshot.root });
    return restored ?? [];
  }

  /** Deletes the refs of snapshots no checkpoint needs any more (their rows are already gone). */
  async drop(orphans: { id: string; toplevel: string }[]): Promise<void> {
    const byRepo = Map.groupBy(orphans, (o) => o.toplevel);
    await Promise.all([...byRepo].map(([toplevel, snapshots]) => this.git?.drop(toplevel, snapshots.map((o) => o.id))));
  }

  /** The id of a snapshot of `root`'s files now (the latest one when nothing changed); null when not in a repository. */
  private async snapshot(root: string): Promise<string | null> {
    const git = this.git!;
    const place = await git.place(root);
    const tree = place && (await git.writeTree(place));
    if (!place || !tree) return null;
    const latest = this.q.latestSnapshot.get({ root });
    if (latest?.tree === tree && latest.toplevel === place.toplevel && latest.prefix === place.prefix) return latest.id;
    const id = newId();
    if (!(await git.keep(place, id, tree))) return null;
    this.db.insert(gitSnapshots).values({ id, root, toplevel: place.toplevel, prefix: place.prefix, tree, createdAt: Date.now() }).run();
    return id;
  }
}
