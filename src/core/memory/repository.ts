// Every query on the memory tables. CRUD goes through drizzle; the FTS5 index (which drizzle cannot express) and the
// bulk reads of the vector search use the SQLite client directly, here and nowhere else.
import { and, count, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../store/db";
import { memories, memoryDecayRuns, memoryVectors, type MemoryTypeValue } from "../store/schema";

export type MemoryRow = typeof memories.$inferSelect;
export type NewMemoryRow = typeof memories.$inferInsert;

/** Whose memories a query covers: one owner (null: those stored with auth off), or everyone's (undefined). */
export type OwnerScope = string | null | undefined;

const ownerIs = (owner: OwnerScope): SQL | undefined => (owner === undefined ? undefined : sql`${memories.owner} IS ${owner}`);

/** BM25 weights of the indexed columns: content, summary, tags (the summary mostly repeats the content). */
const BM25 = "bm25(memories_fts, 1.0, 0.5, 0.5)";

export interface TextMatch {
  seq: number;
  /** −bm25: positive, more is better */
  bm25: number;
}

export interface DecayRow {
  seq: number;
  id: string;
  owner: string | null;
  importance: number;
  accessCount: number;
  updatedAt: number;
  lastAccessedAt: number | null;
  decayedAt: number | null;
}

export class MemoryRepository {
  constructor(private readonly db: Db) {}

  private get client() {
    return this.db.$client;
  }

  /** Whether any memory is stored at all: every turn asks first, so a server without memories pays no search. */
  any(): boolean {
    return this.client.query("SELECT 1 FROM memories LIMIT 1").get() !== null;
  }

  insert(row: Omit<NewMemoryRow, "seq">): MemoryRow {
    return this.db.insert(memories).values(row).returning().get();
  }

  /** Many rows in one transaction (imports, benchmarks); the FTS triggers index each. */
  insertMany(rows: Omit<NewMemoryRow, "seq">[]): void {
    const statement = this.client.query(
      `INSERT INTO memories (id, content, summary, memory_type, importance, access_count, tags, fingerprint, owner, created_at, updated_at)
       VALUES ($id, $content, $summary, $type, $importance, 0, $tags, $fingerprint, $owner, $at, $at)`,
    );
    this.client.transaction(() => {
      for (const r of rows) {
        statement.run({
          id: r.id,
          content: r.content,
          summary: r.summary,
          type: r.memoryType ?? "context",
          importance: r.importance ?? 0.5,
          tags: JSON.stringify(r.tags ?? []),
          fingerprint: r.fingerprint,
          owner: r.owner ?? null,
          at: r.createdAt,
        });
      }
    })();
  }

  get(id: string): MemoryRow | undefined {
    return this.db.select().from(memories).where(eq(memories.id, id)).get();
  }

  bySeqs(seqs: number[]): MemoryRow[] {
    if (seqs.length === 0) return [];
    return this.db.select().from(memories).where(inArray(memories.seq, seqs)).all();
  }

  update(seq: number, change: Partial<Omit<MemoryRow, "seq" | "id">>): MemoryRow {
    return this.db.update(memories).set(change).where(eq(memories.seq, seq)).returning().get()!;
  }

  delete(seq: number): void {
    this.db.delete(memories).where(eq(memories.seq, seq)).run();
  }

  /** The owner's memory with exactly this fingerprint (the same text up to case, punctuation and spacing). */
  byFingerprint(fingerprint: string, owner: string | null): MemoryRow | undefined {
    return this.db
      .select()
      .from(memories)
      .where(and(eq(memories.fingerprint, fingerprint), sql`${memories.owner} IS ${owner}`))
      .limit(1)
      .get();
  }

  list(options: { owner: OwnerScope; type?: MemoryTypeValue; limit: number; offset: number }): MemoryRow[] {
    return this.db
      .select()
      .from(memories)
      .where(and(ownerIs(options.owner), options.type ? eq(memories.memoryType, options.type) : undefined))
      .orderBy(desc(memories.updatedAt), desc(memories.seq))
      .limit(options.limit)
      .offset(options.offset)
      .all();
  }

  /** The best BM25 matches of an FTS5 query (built by ftsQueryOf), best first. */
  textSearch(query: string, options: { owner: OwnerScope; type?: MemoryTypeValue; limit: number }): TextMatch[] {
    return this.client
      .query<TextMatch, Record<string, string | number | null>>(
        `SELECT memories_fts.rowid AS seq, -${BM25} AS bm25
         FROM memories_fts JOIN memories ON memories.seq = memories_fts.rowid
         WHERE memories_fts MATCH $query
           AND ($anyOwner OR memories.owner IS $owner)
           AND ($type IS NULL OR memories.memory_type = $type)
         ORDER BY ${BM25} LIMIT $limit`,
      )
      .all({ query, anyOwner: options.owner === undefined ? 1 : 0, owner: options.owner ?? null, type: options.type ?? null, limit: options.limit });
  }

  /** Recalled by a search or a turn: counted, and its recency renewed. */
  recordAccess(seqs: number[], at: number): void {
    if (seqs.length === 0) return;
    this.db
      .update(memories)
      .set({ accessCount: sql`${memories.accessCount} + 1`, lastAccessedAt: at })
      .where(inArray(memories.seq, seqs))
      .run();
  }

  countsByType(owner: OwnerScope): { type: MemoryTypeValue; count: number }[] {
    return this.db.select({ type: memories.memoryType, count: count() }).from(memories).where(ownerIs(owner)).groupBy(memories.memoryType).all();
  }

  // ── vectors ───────────────────────────────────────────────────────────────────────────────────────────────

  saveVector(seq: number, model: string, vector: Buffer, dimensions: number, signature: Buffer, at: number): void {
    this.db
      .insert(memoryVectors)
      .values({ memorySeq: seq, model, dimensions, vector, signature, createdAt: at })
      .onConflictDoUpdate({ target: memoryVectors.memorySeq, set: { model, dimensions, vector, signature, createdAt: at } })
      .run();
  }

  deleteVector(seq: number): void {
    this.db.delete(memoryVectors).where(eq(memoryVectors.memorySeq, seq)).run();
  }

  /** The exact vectors of these memories, when made by this model with this dimension. */
  vectorsOf(seqs: number[], model: string, dimensions: number): Map<number, Uint8Array> {
    const rows = this.client
      .query<{ seq: number; vector: Uint8Array }, Record<string, string | number>>(
        `SELECT memory_seq AS seq, vector FROM memory_vectors
         WHERE memory_seq IN (SELECT value FROM json_each($seqs)) AND model = $model AND dimensions = $dimensions`,
      )
      .all({ seqs: JSON.stringify(seqs), model, dimensions });
    return new Map(rows.map((r) => [r.seq, r.vector]));
  }

  /** Every signature of this model and dimension, with the memory's owner (loading the in-memory index). */
  signatures(model: string, dimensions: number): { seq: number; owner: string | null; signature: Uint8Array }[] {
    return this.client
      .query<{ seq: number; owner: string | null; signature: Uint8Array }, Record<string, string | number>>(
        `SELECT v.memory_seq AS seq, m.owner AS owner, v.signature AS signature
         FROM memory_vectors v JOIN memories m ON m.seq = v.memory_seq
         WHERE v.model = $model AND v.dimensions = $dimensions`,
      )
      .all({ model, dimensions });
  }

  /** The dimension most of this model's vectors have (what the index starts with before the model has answered). */
  usualDimensions(model: string): number | undefined {
    return this.db
      .select({ dimensions: memoryVectors.dimensions })
      .from(memoryVectors)
      .where(eq(memoryVectors.model, model))
      .groupBy(memoryVectors.dimensions)
      .orderBy(desc(count()))
      .limit(1)
      .get()?.dimensions;
  }

  /**
   * Memories after `afterSeq` without a vector of this model (and dimension, once known): new, failed, or made by
   * another model. The cursor keeps a pass over the table linear.
   */
  unembedded(model: string, dimensions: number | undefined, afterSeq: number, limit: number): { seq: number; content: string; owner: string | null }[] {
    return this.client
      .query<{ seq: number; content: string; owner: string | null }, Record<string, string | number>>(
        `SELECT m.seq AS seq, m.content AS content, m.owner AS owner FROM memories m
         WHERE m.seq > $after
           AND NOT EXISTS (SELECT 1 FROM memory_vectors v WHERE v.memory_seq = m.seq AND v.model = $model AND ($dimensions = 0 OR v.dimensions = $dimensions))
         ORDER BY m.seq LIMIT $limit`,
      )
      .all({ model, dimensions: dimensions ?? 0, after: afterSeq, limit });
  }

  /** Runs `work` in one transaction (a batch of vector writes commits once). */
  atomically<T>(work: () => T): T {
    return this.client.transaction(work)();
  }

  /**
   * How many memories contain the word, counted up to `cap` (+1 means "more"): cheap even for words in every memory,
   * since only the word's own index entries are read, never the rows.
   */
  textFrequency(word: string, cap: number): number {
    return (
      this.client
        .query<{ n: number }, Record<string, string | number>>(`SELECT count(*) AS n FROM (SELECT rowid FROM memories_fts WHERE memories_fts MATCH $word LIMIT $cap)`)
        .get({ word: `"${word}"`, cap: cap + 1 })?.n ?? 0
    );
  }

  countEmbedded(model: string, dimensions: number, owner: OwnerScope): number {
    return (
      this.client
        .query<{ n: number }, Record<string, string | number | null>>(
          `SELECT count(*) AS n FROM memory_vectors v JOIN memories m ON m.seq = v.memory_seq
           WHERE v.model = $model AND v.dimensions = $dimensions AND ($anyOwner OR m.owner IS $owner)`,
        )
        .get({ model, dimensions, anyOwner: owner === undefined ? 1 : 0, owner: owner ?? null })?.n ?? 0
    );
  }

  // ── decay ─────────────────────────────────────────────────────────────────────────────────────────────────

  decayRows(): DecayRow[] {
    return this.db
      .select({
        seq: memories.seq,
        id: memories.id,
        owner: memories.owner,
        importance: memories.importance,
        accessCount: memories.accessCount,
        updatedAt: memories.updatedAt,
        lastAccessedAt: memories.lastAccessedAt,
        decayedAt: memories.decayedAt,
      })
      .from(memories)
      .all();
  }

  /** One decay run: lowered importances, deletions and the run's record, in one transaction. */
  applyDecay(lowered: { seq: number; importance: number }[], deleted: number[], at: number): void {
    const lower = this.client.query("UPDATE memories SET importance = $importance, decayed_at = $at WHERE seq = $seq");
    const remove = this.client.query("DELETE FROM memories WHERE seq = $seq");
    this.client.transaction(() => {
      for (const l of lowered) lower.run({ seq: l.seq, importance: l.importance, at });
      for (const seq of deleted) remove.run({ seq });
      this.db.insert(memoryDecayRuns).values({ ranAt: at, decayed: lowered.length, deleted: deleted.length }).run();
    })();
  }

  lastDecayAt(): number | undefined {
    return this.db.select({ at: memoryDecayRuns.ranAt }).from(memoryDecayRuns).orderBy(desc(memoryDecayRuns.ranAt)).limit(1).get()?.at;
  }
}
