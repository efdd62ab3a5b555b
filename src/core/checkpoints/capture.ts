// Taking checkpoints: an automatic one as each turn starts (named by its prompt), manual ones on request, branch ones
// for a new branch; and the file pre-images that let a rollback undo what the agent's file tools changed after a
// checkpoint.
//
// A checkpoint is a pointer, not a copy: "every message of conversation C with seq <= message_seq". That keeps an
// automatic checkpoint cheap: a primary-key lookup, one short range count and one INSERT, all prepared once.
import { lstatSync, readdirSync, readFileSync, type Dirent } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../config";
import type { ConversationRow, Conversations } from "../conversation/conversations";
import { badRequest, notFound } from "../kernel/errors";
import { newId } from "../kernel/ids";
import { canSee, type Viewer } from "../kernel/viewer";
import type { Logger } from "../kernel/log";
import type { Db } from "../store/db";
import { checkpoints, fileChanges } from "../store/schema";
import { iso } from "../store/values";
import type { CheckpointType, CheckpointView } from "./schema";
import type { CheckpointStatements } from "./statements";

export type CheckpointRow = typeof checkpoints.$inferSelect;

export function toCheckpointView(row: CheckpointRow): CheckpointView {
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

/** Files larger than this are recorded as changed but their content is not kept (the restore skips them). */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;
/** A folder about to be deleted: at most this many of its files are kept. */
const MAX_FILES_PER_FOLDER = 2000;

export interface NewCheckpoint {
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

export class CheckpointCapture {
  constructor(
    private readonly db: Db,
    private readonly q: CheckpointStatements,
    private readonly conversations: Conversations,
    private readonly settings: Config["checkpoints"],
    /** Whether new checkpoints wait for a git snapshot (taken just before the conversation's next tool runs). */
    private readonly snapshotsPending: boolean,
    private readonly log?: Logger,
  ) {}

  /** The conversation a request means: the given id, else the session's latest, else the latest overall (of those the
   *  viewer may see: another user's is a 404). */
  resolveConversation(options: { conversationId?: string; sessionId?: string; viewer?: Viewer }): ConversationRow {
    if (options.conversationId) return this.conversations.get(options.conversationId, options.viewer);
    if (options.sessionId) {
      const row = this.conversations.repository.latestOfSessionOrId(options.sessionId);
      if (!row || !canSee(options.viewer, row.owner)) throw notFound("session", options.sessionId);
      return row;
    }
    const row = this.conversations.latest(options.viewer);
    if (!row) throw badRequest("there is no conversation to checkpoint yet: send a message first or pass conversation_id");
    return row;
  }

  /** A manual checkpoint of the conversation's current end. */
  manual(options: { conversationId?: string; sessionId?: string; name?: string; description?: string; viewer?: Viewer }): CheckpointRow {
    const conversation = this.resolveConversation(options);
    return this.insert({
      conversationId: conversation.id,
      sessionId: conversation.sessionId,
      type: "manual",
      name: options.name?.trim() || `Checkpoint ${iso(Date.now())}`,
      description: options.description ?? "",
      seq: this.conversations.repository.headSeq(conversation.id),
    });
  }

  /**
   * One automatic checkpoint per turn (every `frequency`-th turn), taken as the turn's prompt is stored and pointing
   * just before it: rolling back to it undoes the turn (its messages, and with restore_files its file changes), and
   * editing or regenerating a prompt branches from it. Named by the prompt, so people find "before I asked X".
   * Called for every stored message: anything but a prompt returns at once.
   */
  atPrompt(conversationId: string, sessionId: string | undefined, messageId: string, role: string): void {
    if (role !== "user") return;
    const history = this.conversations.repository;
    const seq = history.seqOf(messageId);
    if (seq === undefined) return;
    if (this.settings.frequency > 1 && (history.promptsUpTo(conversationId, seq) - 1) % this.settings.frequency !== 0) return;
    const prompt = history.promptAt(conversationId, seq);
    this.q.insertQuietly.run(
      this.params({
        conversationId,
        sessionId: sessionId ?? this.resolveConversation({ conversationId }).sessionId,
        type: "auto",
        name: promptName(prompt, 80) ?? "Automatic checkpoint",
        // The prompt at more length: what a list shows under the name.
        description: promptName(prompt, 300) ?? "",
        seq: seq - 1,
      }),
    );
  }

  insert(values: NewCheckpoint): CheckpointRow {
    return this.q.insert.get(this.params(values))!;
  }

  private params(values: NewCheckpoint) {
    return {
      ...values,
      id: newId(),
      messageCount: this.messageCount(values.conversationId, values.seq),
      sourceCheckpointId: values.sourceCheckpointId ?? null,
      createdAt: Date.now(),
      gitSnapshotId: values.git?.snapshotId ?? null,
      gitPending: values.git?.pending ?? this.snapshotsPending,
    };
  }

  /**
   * How many messages the history up to `seq` holds: the previous checkpoint's count plus the messages since it (a
   * short range count), so the cost does not grow with the conversation; only a first checkpoint counts from the start.
   */
  private messageCount(conversationId: string, seq: number): number {
    const previous = this.q.previous.get({ conversationId, seq });
    const history = this.conversations.repository;
    return previous ? previous.messageCount + history.countBetween(conversationId, previous.messageSeq, seq) : history.countBetween(conversationId, 0, seq);
  }

  /**
   * Records `path`'s current content before a tool of the conversation changes it. Only the first change after the
   * conversation's latest checkpoint matters (later ones are recoverable from it), so the rest are skipped.
   */
  preImage(conversationId: string, path: string, tool?: string): void {
    // A folder (deleted recursively): keep each file in it, within bounds.
    let isDir = false;
    try {
      isDir = lstatSync(path).isDirectory();
    } catch {
      /* does not exist (yet) */
    }
    if (isDir) {
      for (const file of filesUnder(path, MAX_FILES_PER_FOLDER)) this.preImage(conversationId, file, tool);
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
}

/** A prompt on one line, at most `max` characters: an automatic checkpoint's name and description. */
function promptName(prompt: string | undefined, max: number): string | undefined {
  const text = prompt?.replace(/\s+/g, " ").trim();
  if (!text) return undefined;
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

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
