// Conversations, their messages and session directory bindings: the engine's memory of every turn.
// Messages are written while they stream (status `streaming`), so a crash keeps what was already sent; at start-up
// anything left `streaming` is marked `interrupted`. All SQL goes through drizzle here.
import { and, asc, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { realpathSync } from "node:fs";
import type { Bus } from "../kernel/bus";
import { assertDirectory } from "../fs/roots";
import { badRequest, conflict, notFound } from "../kernel/errors";
import { newId } from "../kernel/ids";
import { canSee, ownerLimit, requireVisible, type Viewer } from "../kernel/viewer";
import type { Db } from "../store/db";
import { conversations, messages, sessionBindings, type MessageRole, type MessageStatus, type StoredToolCall } from "../store/schema";
import { iso, ph } from "../store/values";
import type { ConversationSummary, Message } from "./schema";
import { ConversationRepository } from "./repository";

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;

export interface NewMessage {
  role: MessageRole;
  content?: string;
  reasoning?: string | null;
  toolCalls?: StoredToolCall[] | null;
  toolCallId?: string | null;
  name?: string | null;
  status?: MessageStatus;
  agentId?: string;
  channel?: string | null;
  messageType?: string;
  model?: string | null;
  promptTokens?: number;
  completionTokens?: number;
  costUsd?: number;
  metadata?: Record<string, unknown>;
}

export type MessagePatch = Partial<Pick<NewMessage, "content" | "reasoning" | "toolCalls" | "status" | "model" | "promptTokens" | "completionTokens" | "costUsd" | "metadata">>;

export interface HistoryFilter {
  includeSystem?: boolean;
  /** The most recent N messages (still in chronological order). */
  limit?: number;
  agentId?: string;
  channel?: string;
  messageType?: string;
}

const TITLE_LENGTH = 60;

/** The first line-ish of the first user message, trimmed to a readable title. */
export function titleFrom(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (!flat) return "New conversation";
  return flat.length > TITLE_LENGTH ? flat.slice(0, TITLE_LENGTH - 1).trimEnd() + "…" : flat;
}

/** A stored message as the API shows it. */
export function toMessageView(row: MessageRow): Message {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    timestamp: iso(row.createdAt),
    reasoning: row.reasoning ?? null,
    tool_calls: row.toolCalls ?? null,
    tool_call_id: row.toolCallId ?? null,
    name: row.name ?? null,
    status: row.status,
    agent_id: row.agentId,
    channel: row.channel ?? null,
    message_type: row.messageType,
    model: row.model ?? null,
    usage: {
      prompt_tokens: row.promptTokens,
      completion_tokens: row.completionTokens,
      total_tokens: row.promptTokens + row.completionTokens,
      cost_usd: row.costUsd,
    },
    metadata: row.metadata ?? {},
  };
}

/** The statements of a chat turn's hot path, prepared once (drizzle otherwise re-prepares SQL on every call). */
function preparedStatements(db: Db) {
  const id = ph<string>("id");
  return {
    findConversation: db.select().from(conversations).where(eq(conversations.id, sql.placeholder("id"))).prepare(),
    latestOfSession: db
      .select()
      .from(conversations)
      // A sub-agent's conversation shares its parent's session but is never the one a session's next message continues.
      .where(and(eq(conversations.sessionId, sql.placeholder("sessionId")), sql`json_extract(${conversations.metadata}, '$.sub_agent_of') IS NULL`))
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(1)
      .prepare(),
    insertConversation: db
      .insert(conversations)
      .values({
        id,
        sessionId: ph("sessionId"),
        title: ph("title"),
        agentId: ph("agentId"),
        parentId: null,
        metadata: ph("metadata"),
        createdAt: ph("now"),
        updatedAt: ph("now"),
        owner: ph("owner"),
      })
      .prepare(),
    /** Bumps activity (and names an untitled conversation); returns what a new message inherits. */
    bumpConversation: db
      .update(conversations)
      .set({ updatedAt: ph("now"), title: sql`coalesce(${conversations.title}, ${sql.placeholder("title")})` })
      .where(eq(conversations.id, sql.placeholder("id")))
      .returning({ sessionId: conversations.sessionId, agentId: conversations.agentId })
      .prepare(),
    touch: db.update(conversations).set({ updatedAt: ph("now") }).where(eq(conversations.id, sql.placeholder("id"))).prepare(),
    /** The next sequence number is taken inside the INSERT itself, so appends never race. */
    insertMessage: db
      .insert(messages)
      .values({
        id,
        conversationId: ph("conversationId"),
        seq: sql`(SELECT coalesce(max(m.seq), 0) + 1 FROM "messages" AS m WHERE m."conversation_id" = ${sql.placeholder("conversationId")})`,
        role: ph("role"),
        content: ph("content"),
        reasoning: ph("reasoning"),
        toolCalls: ph("toolCalls"),
        toolCallId: ph("toolCallId"),
        name: ph("name"),
        status: ph("status"),
        agentId: ph("agentId"),
        channel: ph("channel"),
        messageType: ph("messageType"),
        model: ph("model"),
        promptTokens: ph("promptTokens"),
        completionTokens: ph("completionTokens"),
        costUsd: ph("costUsd"),
        metadata: ph("metadata"),
        createdAt: ph("createdAt"),
      })
      .returning({ seq: messages.seq })
      .prepare(),
    /** One per flushed chunk while streaming. */
    writeStreamed: db
      .update(messages)
      .set({ content: ph("content"), reasoning: ph("reasoning") })
      .where(eq(messages.id, sql.placeholder("id")))
      .prepare(),
    /** The end of a streamed message: final text, calls, status and usage in one write. */
    finishMessage: db
      .update(messages)
      .set({
        content: ph("content"),
        reasoning: ph("reasoning"),
        toolCalls: ph("toolCalls"),
        status: ph("status"),
        promptTokens: ph("promptTokens"),
        completionTokens: ph("completionTokens"),
        costUsd: ph("costUsd"),
        metadata: ph("metadata"),
      })
      .where(eq(messages.id, sql.placeholder("id")))
      .prepare(),
    messagesOf: db.select().from(messages).where(eq(messages.conversationId, sql.placeholder("conversationId"))).orderBy(asc(messages.seq)).prepare(),
    binding: db.select().from(sessionBindings).where(eq(sessionBindings.sessionId, sql.placeholder("sessionId"))).prepare(),
  };
}

export interface FinishedMessage {
  content: string;
  reasoning: string | null;
  toolCalls: StoredToolCall[] | null;
  status: MessageStatus;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  metadata: Record<string, unknown>;
}

export class Conversations {
  private readonly q;
  // Drizzle renders columns unqualified in a single-table select, so this correlated subquery names them itself.
  private readonly messageCount = sql<number>`(SELECT count(*) FROM "messages" AS m WHERE m."conversation_id" = "conversations"."id")`.mapWith(Number);

  constructor(
    private readonly db: Db,
    private readonly bus?: Bus,
  ) {
    this.q = preparedStatements(db);
  }

  /** Marks messages a crash left half-written; returns how many. Run once at start-up. */
  recoverInterrupted(): number {
    const rows = this.db.update(messages).set({ status: "interrupted" }).where(eq(messages.status, "streaming")).returning({ id: messages.id }).all();
    return rows.length;
  }

  /** `owner`: the user creating it. With a `viewer`, a session that belongs to another user is a 404. */
  create(
    options: { id?: string; sessionId?: string; agentId?: string; title?: string; metadata?: Record<string, unknown>; owner?: string | null; viewer?: Viewer } = {},
  ): ConversationRow {
    const id = options.id ?? newId();
    const taken = this.find(id);
    // Another user's id is reported as missing, not as taken: ids do not leak.
    if (taken) throw canSee(options.viewer, taken.owner) ? conflict(`conversation '${id}' already exists`, { conversation_id: id }) : notFound("conversation", id);
    if (options.sessionId) this.requireSessionFree(options.sessionId, options.viewer);
    const now = Date.now();
    const row: ConversationRow = {
      id,
      sessionId: options.sessionId ?? id,
      title: options.title?.trim() || null,
      agentId: options.agentId ?? "default",
      parentId: null,
      metadata: options.metadata ?? {},
      createdAt: now,
      updatedAt: now,
      owner: options.owner ?? options.viewer?.user ?? null,
    };
    this.q.insertConversation.run({ id, sessionId: row.sessionId, title: row.title, agentId: row.agentId, metadata: row.metadata, now, owner: row.owner });
    this.bus?.publish("conversation.created", { conversation_id: id, session_id: row.sessionId, agent_id: row.agentId });
    return row;
  }

  find(id: string): ConversationRow | undefined {
    return this.q.findConversation.get({ id });
  }

  /** The conversation; missing, or another user's (for a `user` viewer), is a 404. */
  get(id: string, viewer?: Viewer): ConversationRow {
    return requireVisible(this.find(id), viewer, "conversation", id);
  }

  /** The most recently active conversation of a session, if any. */
  latestOfSession(sessionId: string): ConversationRow | undefined {
    return this.q.latestOfSession.get({ sessionId });
  }

  /** The most recently active conversation overall (of those the viewer may see), if any. */
  latest(viewer?: Viewer): ConversationRow | undefined {
    const owner = ownerLimit(viewer);
    return this.db
      .select()
      .from(conversations)
      .where(owner !== undefined ? eq(conversations.owner, owner) : undefined)
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(1)
      .get();
  }

  summary(id: string, viewer?: Viewer): ConversationSummary {
    const row = this.db.select({ c: conversations, count: this.messageCount }).from(conversations).where(eq(conversations.id, id)).get();
    if (!row || !canSee(viewer, row.c.owner)) throw notFound("conversation", id);
    return this.toSummaryView(row.c, row.count);
  }

  /** Newest activity first; a `user` viewer sees only its own. */
  list(options: { limit?: number; offset?: number; agentId?: string; sessionId?: string; viewer?: Viewer } = {}): { conversations: ConversationSummary[]; total: number } {
    const owner = ownerLimit(options.viewer);
    const where = and(
      options.agentId ? eq(conversations.agentId, options.agentId) : undefined,
      options.sessionId ? eq(conversations.sessionId, options.sessionId) : undefined,
      owner !== undefined ? eq(conversations.owner, owner) : undefined,
    );
    const rows = this.db
      .select({ c: conversations, count: this.messageCount })
      .from(conversations)
      .where(where)
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(options.limit ?? 50)
      .offset(options.offset ?? 0)
      .all();
    const total = this.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(conversations).where(where).get()?.n ?? 0;
    return { conversations: rows.map((r) => this.toSummaryView(r.c, r.count)), total };
  }

  rename(id: string, title: string, viewer?: Viewer): ConversationSummary {
    this.get(id, viewer);
    const clean = title.replace(/\s+/g, " ").trim();
    if (!clean) throw badRequest("title must not be empty");
    const changed = this.db.update(conversations).set({ title: clean, updatedAt: Date.now() }).where(eq(conversations.id, id)).returning({ id: conversations.id }).all();
    if (changed.length === 0) throw notFound("conversation", id);
    return this.summary(id);
  }

  /** Deletes the conversation and (by cascade) its messages. */
  delete(id: string, viewer?: Viewer): void {
    const row = this.get(id, viewer);
    this.db.transaction((tx) => {
      tx.delete(messages).where(eq(messages.conversationId, id)).run();
      tx.delete(conversations).where(eq(conversations.id, id)).run();
    });
    this.bus?.publish("conversation.deleted", { conversation_id: id, session_id: row.sessionId, agent_id: row.agentId });
  }

  /** Replaces the title only while it is still `from` (a rename in between wins); true when it changed. */
  retitle(id: string, from: string, to: string): boolean {
    return this.db.update(conversations).set({ title: to }).where(and(eq(conversations.id, id), eq(conversations.title, from))).returning({ id: conversations.id }).all().length > 0;
  }

  setMetadata(id: string, metadata: Record<string, unknown>): void {
    this.db.update(conversations).set({ metadata }).where(eq(conversations.id, id)).run();
  }

  /** Appends a message at the end of the conversation; the first user message names an untitled conversation. */
  append(conversationId: string, message: NewMessage): MessageRow {
    const now = Date.now();
    const isTitle = message.role === "user" && (message.messageType ?? "message") === "message";
    const values: MessageRow = {
      id: newId(),
      conversationId,
      seq: 0,
      role: message.role,
      content: message.content ?? "",
      reasoning: message.reasoning ?? null,
      toolCalls: message.toolCalls ?? null,
      toolCallId: message.toolCallId ?? null,
      name: message.name ?? null,
      status: message.status ?? "complete",
      agentId: message.agentId ?? "default",
      channel: message.channel ?? null,
      messageType: message.messageType ?? "message",
      model: message.model ?? null,
      promptTokens: message.promptTokens ?? 0,
      completionTokens: message.completionTokens ?? 0,
      costUsd: message.costUsd ?? 0,
      metadata: message.metadata ?? {},
      createdAt: now,
      copied: false,
    };
    // bun:sqlite's own transaction wrapper: drizzle's would re-prepare BEGIN/COMMIT on every append.
    const conversation = this.atomically(() => {
      const owner = this.q.bumpConversation.get({ id: conversationId, now, title: isTitle ? titleFrom(values.content) : null });
      if (!owner) throw notFound("conversation", conversationId);
      if (message.agentId === undefined) values.agentId = owner.agentId;
      values.seq = this.q.insertMessage.get({ ...values, createdAt: now })!.seq;
      return owner;
    });
    this.bus?.publish("message.appended", {
      conversation_id: conversationId,
      session_id: conversation.sessionId,
      agent_id: values.agentId,
      message_id: values.id,
      role: values.role,
    });
    return values;
  }

  /** The streaming hot path: replaces the text (and reasoning) of a message being written. */
  writeStreamed(messageId: string, content: string, reasoning: string | null): void {
    this.q.writeStreamed.run({ id: messageId, content, reasoning });
  }

  /** The final state of a streamed message, and the conversation's last activity, in one commit. */
  finish(messageId: string, conversationId: string, final: FinishedMessage): void {
    this.atomically(() => {
      this.q.finishMessage.run({ id: messageId, ...final });
      this.q.touch.run({ id: conversationId, now: Date.now() });
    });
  }

  /** Runs `work` as one transaction (one commit); nested calls become savepoints. */
  atomically<T>(work: () => T): T {
    return this.db.$client.transaction(work)();
  }

  update(messageId: string, patch: MessagePatch): void {
    const set: Partial<MessageRow> = {};
    if (patch.content !== undefined) set.content = patch.content;
    if (patch.reasoning !== undefined) set.reasoning = patch.reasoning;
    if (patch.toolCalls !== undefined) set.toolCalls = patch.toolCalls;
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.model !== undefined) set.model = patch.model;
    if (patch.promptTokens !== undefined) set.promptTokens = patch.promptTokens;
    if (patch.completionTokens !== undefined) set.completionTokens = patch.completionTokens;
    if (patch.costUsd !== undefined) set.costUsd = patch.costUsd;
    if (patch.metadata !== undefined) set.metadata = patch.metadata;
    if (Object.keys(set).length === 0) return;
    this.db.update(messages).set(set).where(eq(messages.id, messageId)).run();
  }

  /** Bumps last activity (a turn finished). */
  touch(conversationId: string): void {
    this.q.touch.run({ id: conversationId, now: Date.now() });
  }

  /** Every message in order (what the engine rebuilds the model's context from). */
  messages(conversationId: string): MessageRow[] {
    return this.q.messagesOf.all({ conversationId });
  }

  message(messageId: string): MessageRow | undefined {
    return this.db.select().from(messages).where(eq(messages.id, messageId)).get();
  }

  history(conversationId: string, filter: HistoryFilter = {}, viewer?: Viewer): MessageRow[] {
    this.get(conversationId, viewer);
    const where = and(
      eq(messages.conversationId, conversationId),
      filter.includeSystem === false ? ne(messages.role, "system") : undefined,
      filter.agentId ? eq(messages.agentId, filter.agentId) : undefined,
      filter.channel ? eq(messages.channel, filter.channel) : undefined,
      filter.messageType ? eq(messages.messageType, filter.messageType) : undefined,
    );
    if (filter.limit === undefined) return this.db.select().from(messages).where(where).orderBy(asc(messages.seq)).all();
    return this.db.select().from(messages).where(where).orderBy(desc(messages.seq)).limit(filter.limit).all().reverse();
  }

  /** Marks a set of messages (a turn cut short) with a final status. */
  markStatus(messageIds: string[], status: MessageStatus): void {
    if (messageIds.length === 0) return;
    this.db.update(messages).set({ status }).where(and(inArray(messages.id, messageIds), eq(messages.status, "streaming"))).run();
  }

  // ── session directory bindings ────────────────────────────────────────────────────────────────────────────

  /** The directory a session is bound to, if any. */
  boundDirectory(sessionId: string): string | undefined {
    return this.q.binding.get({ sessionId })?.directory;
  }

  /**
   * Binds a session to a directory on first use. The same directory again is fine; another one is a CONFLICT;
   * a path that does not exist or is not a directory is a BAD_REQUEST.
   */
  bindSession(sessionId: string, directory: string, owner: string | null = null): string {
    const dir = realpathSync(assertDirectory(directory, "directory"));
    this.db.insert(sessionBindings).values({ sessionId, directory: dir, createdAt: Date.now(), owner }).onConflictDoNothing().run();
    const bound = this.boundDirectory(sessionId)!;
    if (bound !== dir) {
      throw conflict(`session '${sessionId}' is already bound to ${bound}; start a new session to work in ${dir}`, { session_id: sessionId, directory: bound, requested: dir });
    }
    return dir;
  }

  // ── session owners ────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Who a session belongs to: the user who bound it to a directory, else the owner of its first conversation.
   * `claimed` is false for a session nobody has used yet.
   */
  sessionOwner(sessionId: string): { claimed: boolean; owner: string | null } {
    const binding = this.q.binding.get({ sessionId });
    if (binding) return { claimed: true, owner: binding.owner };
    const first = this.db
      .select({ owner: conversations.owner })
      .from(conversations)
      .where(eq(conversations.sessionId, sessionId))
      .orderBy(asc(conversations.createdAt), asc(conversations.id))
      .limit(1)
      .get();
    return first ? { claimed: true, owner: first.owner } : { claimed: false, owner: null };
  }

  /** A session the viewer may look at: its own (a `user` viewer gets 404 for another's, or for one nobody used). */
  requireSession(sessionId: string, viewer?: Viewer): void {
    if (!ownerLimit(viewer)) return;
    const { claimed, owner } = this.sessionOwner(sessionId);
    if (!claimed || !canSee(viewer, owner)) throw notFound("session", sessionId);
  }

  /** A session the viewer may work in: unused, or its own. Another user's is a 404. */
  requireSessionFree(sessionId: string, viewer?: Viewer): void {
    if (!ownerLimit(viewer)) return;
    const { claimed, owner } = this.sessionOwner(sessionId);
    if (claimed && !canSee(viewer, owner)) throw notFound("session", sessionId);
  }

  /** Whether the session is the viewer's own (claimed, and owned by it; admins own every claimed session). */
  ownsSession(sessionId: string, viewer?: Viewer): boolean {
    const { claimed, owner } = this.sessionOwner(sessionId);
    return claimed && canSee(viewer, owner);
  }

  // ── for other domains ─────────────────────────────────────────────────────────────────────────────────────

  private shared?: ConversationRepository;

  /** What checkpoints, usage, telemetry and system info read or change here (they never query these tables). */
  get repository(): ConversationRepository {
    return (this.shared ??= new ConversationRepository(this.db, this.bus));
  }

  private toSummaryView(c: ConversationRow, count: number): ConversationSummary {
    return {
      id: c.id,
      conversation_id: c.id,
      session_id: c.sessionId,
      title: c.title ?? "New conversation",
      agent_id: c.agentId,
      message_count: count,
      created_at: iso(c.createdAt),
      last_active: iso(c.updatedAt),
      ...(c.metadata?.archived === true ? { archived: true } : {}),
    };
  }
}
