// What other domains need from the conversations and messages tables, answered by the conversation domain so that
// nobody else queries those tables: positions in a history, copies and truncation (checkpoints), token sums (usage,
// telemetry), message counts (telemetry, system info). Reached through `conversations.repository`.
import { and, asc, count, desc, eq, gt, gte, lte, or, sql } from "drizzle-orm";
import { newId } from "../kernel/ids";
import type { Db } from "../store/db";
import { conversations, messages } from "../store/schema";

type ConversationRow = typeof conversations.$inferSelect;

/** Messages per INSERT when a conversation is copied (19 columns each, well under SQLite's variable limit). */
const COPY_BATCH = 500;

/** What token sums are grouped by: the model, the agent, or the message type (e.g. "summary" for summarisation). */
export type TokenGrouping = "model" | "agent" | "kind";

/** Token and cost sums of the messages that carry usage, for one group. */
export interface TokenSum {
  key: string;
  prompt: number;
  completion: number;
  cost: number;
  /** Messages counted (one per model call). */
  requests: number;
}

function preparedStatements(db: Db) {
  const conversationId = sql.placeholder("conversationId");
  return {
    seqOf: db.select({ seq: messages.seq }).from(messages).where(eq(messages.id, sql.placeholder("id"))).prepare(),
    headSeq: db
      .select({ seq: sql<number>`coalesce(max(${messages.seq}), 0)`.mapWith(Number) })
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .prepare(),
    countBetween: db
      .select({ n: count() })
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), gt(messages.seq, sql.placeholder("after")), lte(messages.seq, sql.placeholder("upTo"))))
      .prepare(),
    promptAt: db
      .select({ content: messages.content })
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), eq(messages.role, "user"), lte(messages.seq, sql.placeholder("upTo"))))
      .orderBy(desc(messages.seq))
      .limit(1)
      .prepare(),
  };
}

export class ConversationRepository {
  private readonly q: ReturnType<typeof preparedStatements>;

  constructor(private readonly db: Db) {
    this.q = preparedStatements(db);
  }

  // ── positions in a history (checkpoints) ──────────────────────────────────────────────────────────────────

  /** A message's position in its conversation (a primary-key lookup). */
  seqOf(messageId: string): number | undefined {
    return this.q.seqOf.get({ id: messageId })?.seq;
  }

  /** The position of the conversation's last message; 0 when it has none. */
  headSeq(conversationId: string): number {
    return this.q.headSeq.get({ conversationId })?.seq ?? 0;
  }

  /** How many of the conversation's messages lie after position `after` and at or before `upTo`. */
  countBetween(conversationId: string, after: number, upTo: number = Number.MAX_SAFE_INTEGER): number {
    return this.q.countBetween.get({ conversationId, after, upTo })?.n ?? 0;
  }

  /** The text of the user's prompt that led up to position `upTo` (the turn a checkpoint there belongs to). */
  promptAt(conversationId: string, upTo: number): string | undefined {
    return this.q.promptAt.get({ conversationId, upTo })?.content;
  }

  /** Whether a message of the conversation is still being streamed (a turn is writing it). */
  isStreaming(conversationId: string): boolean {
    const row = this.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), eq(messages.status, "streaming")))
      .limit(1)
      .get();
    return row !== undefined;
  }

  /** The most recently active conversation of a session, or the conversation with that id. */
  latestOfSessionOrId(sessionId: string): ConversationRow | undefined {
    return this.db
      .select()
      .from(conversations)
      .where(or(eq(conversations.sessionId, sessionId), eq(conversations.id, sessionId)))
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(1)
      .get();
  }

  /** The ids of one user's conversations, as a subquery (`inArray(table.conversationId, …)`): lists of things that
   *  live in conversations (checkpoints) show a `user` key only its own. */
  idsOwnedBy(owner: string) {
    return this.db.select({ id: conversations.id }).from(conversations).where(eq(conversations.owner, owner));
  }

  // ── copies and truncation (checkpoints: branch and rollback) ──────────────────────────────────────────────

  /**
   * Copies the messages with seq <= upTo into a new conversation (new ids, same seqs) in its own new session, so the
   * copy is never mistaken for the source session's latest conversation. Call it inside `conversations.atomically`
   * to commit it together with other changes; the caller announces the new conversation once committed.
   */
  copy(source: ConversationRow, upTo: number, options: { title: string; metadata: Record<string, unknown> }): ConversationRow & { copied: number } {
    const id = newId();
    const now = Date.now();
    const row: ConversationRow = {
      id,
      sessionId: id,
      title: options.title,
      agentId: source.agentId,
      parentId: source.id,
      metadata: { ...(source.metadata ?? {}), ...options.metadata },
      createdAt: now,
      updatedAt: now,
      // A branch or an archived copy belongs to whoever owns the source.
      owner: source.owner,
    };
    this.db.insert(conversations).values(row).run();
    const rows = this.db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, source.id), lte(messages.seq, upTo)))
      .orderBy(asc(messages.seq))
      .all();
    for (let i = 0; i < rows.length; i += COPY_BATCH) {
      this.db
        .insert(messages)
        .values(rows.slice(i, i + COPY_BATCH).map((m) => ({ ...m, id: newId(), conversationId: id })))
        .run();
    }
    return { ...row, copied: rows.length };
  }

  /** Deletes the conversation's messages after position `seq`. */
  truncateAfter(conversationId: string, seq: number): void {
    this.db.delete(messages).where(and(eq(messages.conversationId, conversationId), gt(messages.seq, seq))).run();
  }

  // ── sums and counts (usage, telemetry, system info) ───────────────────────────────────────────────────────

  /**
   * Token and cost sums per UTC day, model and agent, of the model calls since `since` (ms), optionally only in the
   * conversations `owner` owns (what a `user` key may see).
   */
  dailyTokenSums(options: { since: number; owner?: string }): (TokenSum & { day: string; model: string; agent: string })[] {
    const day = sql<string>`date(${messages.createdAt} / 1000, 'unixepoch')`;
    const model = sql<string>`coalesce(${messages.model}, 'unknown')`;
    return this.db
      .select({
        day,
        model,
        agent: messages.agentId,
        key: sql<string>`''`,
        prompt: sql<number>`coalesce(sum(${messages.promptTokens}), 0)`.mapWith(Number),
        completion: sql<number>`coalesce(sum(${messages.completionTokens}), 0)`.mapWith(Number),
        cost: sql<number>`coalesce(sum(${messages.costUsd}), 0)`.mapWith(Number),
        requests: sql<number>`count(*)`.mapWith(Number),
      })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(
        and(
          gte(messages.createdAt, options.since),
          // A branch or a rollback's archive copies earlier messages (older than the copy itself): count them once.
          gte(messages.createdAt, conversations.createdAt),
          options.owner !== undefined ? eq(conversations.owner, options.owner) : undefined,
          or(gt(messages.promptTokens, 0), gt(messages.completionTokens, 0)),
        ),
      )
      .groupBy(day, model, messages.agentId)
      .orderBy(day)
      .all();
  }

  /**
   * Token and cost sums of the messages that carry usage (every model call stores its usage on the message it
   * produced), grouped, optionally for one conversation. The one place tokens are summed.
   */
  tokenSums(by: TokenGrouping, conversationId?: string): TokenSum[] {
    const key =
      by === "model" ? sql<string>`coalesce(${messages.model}, 'unknown')` : by === "agent" ? sql<string>`${messages.agentId}` : sql<string>`${messages.messageType}`;
    return this.db
      .select({
        key,
        prompt: sql<number>`coalesce(sum(${messages.promptTokens}), 0)`.mapWith(Number),
        completion: sql<number>`coalesce(sum(${messages.completionTokens}), 0)`.mapWith(Number),
        cost: sql<number>`coalesce(sum(${messages.costUsd}), 0)`.mapWith(Number),
        requests: sql<number>`count(*)`.mapWith(Number),
      })
      .from(messages)
      .where(
        and(
          conversationId ? eq(messages.conversationId, conversationId) : undefined,
          or(gt(messages.promptTokens, 0), gt(messages.completionTokens, 0)),
        ),
      )
      .groupBy(key)
      .all();
  }

  /** Assistant messages per agent (what each agent has said). */
  assistantMessagesByAgent(): Record<string, number> {
    const rows = this.db.select({ agent: messages.agentId, n: count() }).from(messages).where(eq(messages.role, "assistant")).groupBy(messages.agentId).all();
    return Object.fromEntries(rows.map((r) => [r.agent, r.n]));
  }

  /** Every stored message, all conversations. */
  messageTotal(): number {
    return this.db.select({ n: count() }).from(messages).get()?.n ?? 0;
  }
}
