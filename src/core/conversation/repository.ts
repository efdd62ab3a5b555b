// What other domains need from the conversations and messages tables, answered by the conversation domain so that
// nobody else queries those tables: positions in a history, copies and truncation (checkpoints), token sums (usage,
// telemetry), message counts (telemetry, system info). Reached through `conversations.repository`.
import { and, asc, count, desc, eq, gt, gte, inArray, lte, or, sql } from "drizzle-orm";
import type { Bus } from "../kernel/bus";
import { newId } from "../kernel/ids";
import type { Db } from "../store/db";
import { conversations, messages, modelCalls, type ModelCallKind } from "../store/schema";

type ConversationRow = typeof conversations.$inferSelect;

/** Messages per INSERT when a conversation is copied (19 columns each, well under SQLite's variable limit). */
const COPY_BATCH = 500;

/** What token sums are grouped by: the model, the agent, or the kind: a message's type (e.g. "summary" for
 *  summarisation), or what a model call that stored no message was for (MODEL_CALL_KINDS). */
export type TokenGrouping = "model" | "agent" | "kind";

/** Token and cost sums of the model calls, for one group. */
export interface TokenSum {
  key: string;
  prompt: number;
  completion: number;
  cost: number;
  /** Model calls counted. */
  requests: number;
}

export type { ModelCallKind };
/** What a model call that stores no message was for; under the "kind" grouping these are its keys (messages' types
 *  that carry usage are "message" and "summary"). */
export const MODEL_CALL_KINDS: readonly ModelCallKind[] = ["title", "command"];

/** A model call that stored no message: its usage, kept so usage reports count it. */
export interface ModelCall {
  kind: ModelCallKind;
  /** The conversation it was made for (a title), if any; the row goes when the conversation does. */
  conversationId: string | null;
  /** The user it was made for (what a `user` key's daily usage shows); null: admins only. */
  owner: string | null;
  agentId: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
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
    promptsUpTo: db
      .select({ n: count() })
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), eq(messages.role, "user"), lte(messages.seq, sql.placeholder("upTo"))))
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

/** Sums of one group of the model calls in `calls` (a subquery with prompt, completion and cost columns). */
function sumsOf(calls: { prompt: unknown; completion: unknown; cost: unknown }) {
  return {
    prompt: sql<number>`coalesce(sum(${calls.prompt}), 0)`.mapWith(Number),
    completion: sql<number>`coalesce(sum(${calls.completion}), 0)`.mapWith(Number),
    cost: sql<number>`coalesce(sum(${calls.cost}), 0)`.mapWith(Number),
    requests: sql<number>`count(*)`.mapWith(Number),
  };
}

export class ConversationRepository {
  private readonly q: ReturnType<typeof preparedStatements>;

  constructor(
    private readonly db: Db,
    private readonly bus?: Bus,
  ) {
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

  /** How many prompts (user messages) the history up to position `upTo` holds: which turn a prompt starts. */
  promptsUpTo(conversationId: string, upTo: number): number {
    return this.q.promptsUpTo.get({ conversationId, upTo })?.n ?? 0;
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
        .values(rows.slice(i, i + COPY_BATCH).map((m) => ({ ...m, id: newId(), conversationId: id, copied: true })))
        .run();
    }
    return { ...row, copied: rows.length };
  }

  /** Moves the conversation's messages after position `seq`, as they are (ids, positions, usage), to another
   *  conversation: a rollback's archive keeps the originals of what it takes out. */
  moveAfter(conversationId: string, seq: number, to: string): void {
    this.db.update(messages).set({ conversationId: to }).where(and(eq(messages.conversationId, conversationId), gt(messages.seq, seq))).run();
  }

  // ── sums and counts (usage, telemetry, system info) ───────────────────────────────────────────────────────
  // Every model call's usage is stored on the message it produced, except the calls that produce none (a title, a
  // parsed command): those are rows of model_calls. The sums below read both, UNION ALL, so they are summed here only.

  /** Keeps the usage of a model call that stored no message (nothing when it reported none) and announces it. */
  recordModelCall(call: ModelCall): void {
    if (call.promptTokens <= 0 && call.completionTokens <= 0) return;
    this.db
      .insert(modelCalls)
      .values({ id: newId(), ...call, createdAt: Date.now() })
      .run();
    this.bus?.publish("usage.recorded", {
      ...(call.conversationId ? { conversation_id: call.conversationId } : {}),
      ...(call.owner !== null ? { owner: call.owner } : {}),
      agent_id: call.agentId,
      kind: call.kind,
      model: call.model,
      prompt_tokens: call.promptTokens,
      completion_tokens: call.completionTokens,
      cost_usd: call.costUsd,
    });
  }

  /**
   * Token and cost sums per UTC day, model and agent, of the model calls since `since` (ms), optionally only in the
   * conversations `owner` owns (what a `user` key may see).
   */
  dailyTokenSums(options: { since: number; owner?: string }): (TokenSum & { day: string; model: string; agent: string })[] {
    const calls = this.modelCalls(options);
    return this.db
      .select({ day: calls.day, model: calls.model, agent: calls.agent, key: sql<string>`''`, ...sumsOf(calls) })
      .from(calls)
      .groupBy(sql`${calls.day}`, sql`${calls.model}`, sql`${calls.agent}`)
      .orderBy(sql`${calls.day}`)
      .all();
  }

  /** Token and cost sums of every model call, grouped, optionally for one conversation. */
  tokenSums(by: TokenGrouping, conversationId?: string): TokenSum[] {
    const calls = this.modelCalls({ conversationId });
    const key = by === "model" ? calls.model : by === "agent" ? calls.agent : calls.kind;
    return this.db
      .select({ key, ...sumsOf(calls) })
      .from(calls)
      .groupBy(sql`${key}`)
      .all();
  }

  /**
   * Every model call, one row each, as a subquery: the messages that carry usage (never their copies in a branch or
   * a rollback's archive) and the calls that stored no message. The one place usage is read from.
   */
  private modelCalls(filter: { conversationId?: string; since?: number; owner?: string }) {
    const fromMessages = this.db
      .select({
        day: sql<string>`date(${messages.createdAt} / 1000, 'unixepoch')`.as("day"),
        model: sql<string>`coalesce(${messages.model}, 'unknown')`.as("model"),
        agent: sql<string>`${messages.agentId}`.as("agent"),
        kind: sql<string>`${messages.messageType}`.as("kind"),
        prompt: sql<number>`${messages.promptTokens}`.as("prompt"),
        completion: sql<number>`${messages.completionTokens}`.as("completion"),
        cost: sql<number>`${messages.costUsd}`.as("cost"),
      })
      .from(messages)
      .where(
        and(
          eq(messages.copied, false),
          or(gt(messages.promptTokens, 0), gt(messages.completionTokens, 0)),
          filter.conversationId !== undefined ? eq(messages.conversationId, filter.conversationId) : undefined,
          filter.since !== undefined ? gte(messages.createdAt, filter.since) : undefined,
          filter.owner !== undefined ? inArray(messages.conversationId, this.idsOwnedBy(filter.owner)) : undefined,
        ),
      );
    const fromCalls = this.db
      .select({
        day: sql<string>`date(${modelCalls.createdAt} / 1000, 'unixepoch')`.as("day"),
        model: sql<string>`${modelCalls.model}`.as("model"),
        agent: sql<string>`${modelCalls.agentId}`.as("agent"),
        kind: sql<string>`${modelCalls.kind}`.as("kind"),
        prompt: sql<number>`${modelCalls.promptTokens}`.as("prompt"),
        completion: sql<number>`${modelCalls.completionTokens}`.as("completion"),
        cost: sql<number>`${modelCalls.costUsd}`.as("cost"),
      })
      .from(modelCalls)
      .where(
        and(
          filter.conversationId !== undefined ? eq(modelCalls.conversationId, filter.conversationId) : undefined,
          filter.since !== undefined ? gte(modelCalls.createdAt, filter.since) : undefined,
          filter.owner !== undefined ? eq(modelCalls.owner, filter.owner) : undefined,
        ),
      );
    return fromMessages.unionAll(fromCalls).as("calls");
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
