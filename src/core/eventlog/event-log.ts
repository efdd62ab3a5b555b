// The event log: the bus's journal. Every event is recorded here before any subscriber sees it and handed to the live
// followers (./feed.ts) at once; rows are written in batches (one transaction per FLUSH_MS, or sooner past
// MAX_PENDING rows), because a commit per event costs a WAL page and its share of checkpoints on every streamed
// batch. Every read writes what is pending first, so a stream that reads the log after a client's `since` and then
// follows, in the same tick, misses nothing and repeats nothing. Events are kept for `retention_hours` (pruned on a
// timer; the newest is always kept). After a restart ids continue past the newest kept, with room for the few a
// crash may have sent live but never written, so an id a client has seen is never given to another event.
// Each event is stamped with its owner (the user whose turn, task or conversation it belongs to), so a `user` key
// replays and follows only its own.
import type { Statement } from "bun:sqlite";
import type { BusEvent, EventType } from "../kernel/bus";
import type { Logger } from "../kernel/log";
import type { Db } from "../store/db";

/** A bus event as the log keeps it: with the user it belongs to (null: the server's own, visible to admins). */
export type LoggedEvent = BusEvent & { owner: string | null };

/** Which events a reader or follower wants; every field narrows. */
export interface EventScope {
  turnId?: string;
  taskId?: string;
  conversationId?: string;
  /** Only events owned by this user (a `user` viewer); undefined: everyone's. */
  owner?: string;
  types?: readonly EventType[];
}

/** Where an owner is looked up when the event does not carry one (`owner` in its payload). */
export interface OwnerLookups {
  conversation(id: string): string | null | undefined;
  task(id: string): string | null | undefined;
  session(id: string): string | null | undefined;
}

export interface EventLogOptions {
  log: Logger;
  /** Hours events are kept (config [events] retention_hours); read at every prune. */
  retentionHours: () => number;
}

type Row = { id: number; type: string; at: number; owner: string | null; data: string };

const PRUNE_BATCH = 5_000;
/** Rows wait at most this long, and at most this many, before they are written. */
const FLUSH_MS = 50;
const MAX_PENDING = 500;
/** Ids skipped at start: more than MAX_PENDING, the most a crash can have sent without writing. */
const ID_HEADROOM = 1_000;
const MAX_CACHED_OWNERS = 10_000;

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

export class EventLog {
  private readonly insert: Statement;
  private readonly reads = new Map<string, Statement<Row>>();
  private readonly followers = { turn: new Map<string, Set<Follower>>(), task: new Map<string, Set<Follower>>(), conversation: new Map<string, Set<Follower>>(), all: new Set<Follower>() };
  private lookups?: OwnerLookups;
  private readonly owners = new Map<string, string | null>();
  private timer?: ReturnType<typeof setTimeout>;
  private readonly pending: (string | number | null)[][] = [];
  private flushTimer?: ReturnType<typeof setTimeout>;
  private readonly writeAll: (rows: (string | number | null)[][]) => void;
  private writeFailures = 0;
  /** The newest id kept when the log was opened: the bus continues after it. */
  readonly newestAtOpen: number;
  private newest: number;

  constructor(
    private readonly db: Db,
    private readonly options: EventLogOptions,
  ) {
    const client = db.$client;
    this.insert = client.prepare("INSERT INTO event_log (id, type, at, owner, conversation_id, turn_id, task_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    this.writeAll = client.transaction((rows: (string | number | null)[][]) => {
      for (const row of rows) this.insert.run(...row);
    });
    const kept = client.query<{ id: number | null }, []>("SELECT max(id) AS id FROM event_log").get()?.id;
    this.newestAtOpen = this.newest = kept ? kept + ID_HEADROOM : 0;
  }

  /** The id of the newest event recorded. */
  newestId(): number {
    return this.newest;
  }

  /** How owners are found for events that do not name one; set once the domains that know them exist. */
  resolveOwnersWith(lookups: OwnerLookups): void {
    this.lookups = lookups;
  }

  /** The bus's journal: keeps the event, then hands it to the followers whose scope it is in. */
  record(event: BusEvent): void {
    const data = event.data as Record<string, unknown>;
    const logged: LoggedEvent = { ...event, owner: this.ownerOf(data) };
    this.newest = event.id;
    this.pending.push([event.id, event.type, event.at, logged.owner, text(data.conversation_id), text(data.turn_id), text(data.task_id), JSON.stringify(data)]);
    if (this.pending.length >= MAX_PENDING) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
    this.fanOut(logged);
  }

  /** Writes the pending rows (in one transaction). Reads call it first, so they always see every recorded event. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const rows = this.pending.splice(0);
    try {
      this.writeAll(rows);
      if (this.writeFailures) {
        this.options.log.warn("the event log keeps events again", { missed: this.writeFailures });
        this.writeFailures = 0;
      }
    } catch (error) {
      // Live streams go on; only a replay could miss these events. Said once per run of failures, not per batch.
      if (this.writeFailures === 0) this.options.log.error("the event log could not keep events", { from: rows[0]![0], count: rows.length, error: String(error) });
      this.writeFailures += rows.length;
    }
  }

  /** Events after `since` in scope, oldest first, at most `limit`. */
  read(since: number, scope: EventScope = {}, limit = 500): LoggedEvent[] {
    this.flush();
    const where = ["id > ?"];
    const params: (string | number)[] = [since];
    const add = (clause: string, value: string | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    add("turn_id = ?", scope.turnId);
    add("task_id = ?", scope.taskId);
    add("conversation_id = ?", scope.conversationId);
    add("owner = ?", scope.owner);
    if (scope.types?.length) {
      where.push(`type IN (${scope.types.map(() => "?").join(", ")})`);
      params.push(...scope.types);
    }
    const sql = `SELECT id, type, at, owner, data FROM event_log WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`;
    let statement = this.reads.get(sql);
    if (!statement) this.reads.set(sql, (statement = this.db.$client.prepare<Row, (string | number)[]>(sql)));
    return statement.all(...params, limit).map((r) => ({ id: r.id, type: r.type as EventType, at: r.at, owner: r.owner, data: JSON.parse(r.data) }));
  }

  /** One kept event (undefined once pruned or never kept). */
  event(id: number): LoggedEvent | undefined {
    this.flush();
    const r = this.db.$client.query<Row, [number]>("SELECT id, type, at, owner, data FROM event_log WHERE id = ?").get(id);
    return r ? { id: r.id, type: r.type as EventType, at: r.at, owner: r.owner, data: JSON.parse(r.data) } : undefined;
  }

  /** The oldest id still kept (undefined: the log is empty). */
  oldestId(): number | undefined {
    this.flush();
    return this.db.$client.query<{ id: number | null }, []>("SELECT min(id) AS id FROM event_log").get()?.id ?? undefined;
  }

  /**
   * Calls `listener` with every event recorded from now on whose turn, task or conversation is the scope's (the
   * follower checks the rest of its scope). Followers are indexed by their narrowest scope, so an event reaches only
   * the followers that may want it.
   */
  follow(scope: EventScope, listener: Follower): () => void {
    const [index, key] = scope.turnId ? [this.followers.turn, scope.turnId] : scope.taskId ? [this.followers.task, scope.taskId] : scope.conversationId ? [this.followers.conversation, scope.conversationId] : [undefined, ""];
    if (!index) {
      this.followers.all.add(listener);
      return () => void this.followers.all.delete(listener);
    }
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && index.get(key) === set) index.delete(key);
    };
  }

  /** Followers attached now (a test and leak check). */
  get followerCount(): number {
    let n = this.followers.all.size;
    for (const index of [this.followers.turn, this.followers.task, this.followers.conversation]) for (const set of index.values()) n += set.size;
    return n;
  }

  /** Deletes events older than the retention, in batches, always keeping the newest; returns how many went. */
  async prune(now = Date.now()): Promise<number> {
    this.flush();
    const cutoff = now - this.options.retentionHours() * 3_600_000;
    const client = this.db.$client;
    // Ids grow with time: the first event young enough bounds everything older (the newest stays regardless).
    const bound =
      client.query<{ id: number | null }, [number]>("SELECT id FROM event_log WHERE at >= ? ORDER BY id LIMIT 1").get(cutoff)?.id ??
      client.query<{ id: number | null }, []>("SELECT max(id) AS id FROM event_log").get()?.id;
    if (!bound) return 0;
    const batch = client.prepare<unknown, [number, number]>("DELETE FROM event_log WHERE id IN (SELECT id FROM event_log WHERE id < ? ORDER BY id LIMIT ?)");
    let deleted = 0;
    for (;;) {
      const changes = batch.run(bound, PRUNE_BATCH).changes;
      deleted += changes;
      if (changes < PRUNE_BATCH) return deleted;
      await new Promise((resolve) => setImmediate(resolve)); // let streams breathe between batches
    }
  }

  /** Prunes now and then at a quarter of the retention (at most hourly). */
  start(): void {
    const tick = () => {
      this.prune().then(
        (n) => n && this.options.log.debug("pruned the event log", { deleted: n }),
        (error) => this.options.log.error("pruning the event log failed", { error: String(error) }),
      );
      this.timer = setTimeout(tick, Math.min(3_600_000, Math.max(1000, (this.options.retentionHours() * 3_600_000) / 4)));
      this.timer.unref?.();
    };
    tick();
  }

  /** Stops pruning and writes what is pending (at shutdown, before the database closes). */
  stop(): void {
    clearTimeout(this.timer);
    this.flush();
  }

  private fanOut(event: LoggedEvent): void {
    const data = event.data as Record<string, unknown>;
    const { turn, task, conversation, all } = this.followers;
    const turnId = text(data.turn_id);
    const taskId = text(data.task_id);
    const conversationId = text(data.conversation_id);
    if (turnId) this.deliver(turn.get(turnId), event);
    if (taskId) this.deliver(task.get(taskId), event);
    if (conversationId) this.deliver(conversation.get(conversationId), event);
    this.deliver(all, event);
  }

  private deliver(followers: Set<Follower> | undefined, event: LoggedEvent): void {
    if (!followers) return;
    for (const follower of followers) {
      // A failing stream must not keep the event from the others (or from the producer's own subscribers).
      try {
        follower(event);
      } catch (error) {
        this.options.log.error("an event stream failed on an event", { id: event.id, type: event.type, error: String(error) });
      }
    }
  }

  /** The payload's own owner, else its conversation's, task's or session's (cached: owners never change). */
  private ownerOf(data: Record<string, unknown>): string | null {
    // A payload that names its owner (even null: the server's own) is taken at its word.
    if (data.owner !== undefined) return typeof data.owner === "string" ? data.owner : null;
    const lookups = this.lookups;
    if (!lookups) return null;
    const cached = (kind: "conversation" | "task" | "session", id: unknown): string | null | undefined => {
      if (typeof id !== "string") return undefined;
      const key = `${kind}:${id}`;
      if (this.owners.has(key)) return this.owners.get(key);
      const owner = lookups[kind](id);
      if (owner === undefined) return undefined; // not there (yet): ask again next time
      if (this.owners.size >= MAX_CACHED_OWNERS) this.owners.clear();
      this.owners.set(key, owner);
      return owner;
    };
    return cached("conversation", data.conversation_id) ?? cached("task", data.task_id) ?? cached("session", data.session_id) ?? null;
  }
}

export type Follower = (event: LoggedEvent) => void;
