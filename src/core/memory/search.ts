// Hybrid search over memories: FTS5/BM25 always; vector similarity too when an embedding model is configured. Both
// candidate lists are merged and ranked by ./ranking.ts. This class also owns the vectors: embedding new text,
// the in-memory signature index (./vectors.ts), and the background job that embeds what has no current vector.
//
// Vectors are stored with the model name and dimension that made them. Searches use only vectors of the configured
// model and of the dimension it answers with now; others (an earlier model, or a model that changed its size) are
// ignored at once, and re-embedded in the background (backfill), which then replaces them.
import type { Logger } from "../kernel/log";
import { EMBED_BATCH, type Embedder } from "./embeddings";
import { rank, type Ranked } from "./ranking";
import type { MemoryRepository, MemoryRow, OwnerScope } from "./repository";
import type { MemoryType } from "./schema";
import type { MemorySettings } from "../../config/memory";
import { coverageOf, ftsQueryOf, queryWordsOf } from "./text";
import { dot, SignatureIndex, signatureBytes, signatureFrom, signatureOf, vectorBytes, vectorFrom } from "./vectors";

export interface Candidate {
  row: MemoryRow;
  ranked: Ranked;
}

/** Candidates each search reads before ranking: the best text matches, and the closest signatures (compared exactly). */
const TEXT_CANDIDATES = 50;
/** Rows the text search scores at most, about (see textQuery). */
const TEXT_ROW_BUDGET = 5000;
const VECTOR_CANDIDATES = 256;
/** Query embeddings kept, so a repeated query (a retried turn, the same search) does not call the endpoint again. */
const QUERY_CACHE = 256;

export class MemorySearch {
  private index: SignatureIndex | undefined;
  private readonly queryVectors = new Map<string, Float32Array>();
  private backfilling: Promise<number> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly repository: MemoryRepository,
    private readonly embedder: Embedder | undefined,
    private readonly settings: MemorySettings,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {}

  get embeddingModel(): string | undefined {
    return this.embedder?.model;
  }

  /**
   * The FTS5 query for these words: the rarest first, as many as keep the rows to score within TEXT_ROW_BUDGET (at
   * least one). Words found in a large part of the memories would make FTS5 score most of the table for little: their
   * BM25 weight (IDF) is small, and coverage still counts them when the results are ranked.
   */
  private textQuery(words: string[]): string | undefined {
    const counted = words.map((word) => ({ word, rows: this.repository.textFrequency(word, TEXT_ROW_BUDGET) })).filter((c) => c.rows > 0);
    counted.sort((a, b) => a.rows - b.rows);
    const chosen: string[] = [];
    let rows = 0;
    for (const c of counted) {
      if (chosen.length && rows + c.rows > TEXT_ROW_BUDGET) break;
      chosen.push(c.word);
      rows += c.rows;
    }
    return ftsQueryOf(chosen.join(" "));
  }

  /** The ranked memories for a text, best first, at most `limit`. */
  async run(text: string, options: { scope: OwnerScope; limit: number; type?: MemoryType; signal?: AbortSignal; embedTimeoutMs?: number }): Promise<Candidate[]> {
    const { scope, type, limit } = options;
    const found = new Map<number, { bm25?: number; coverage?: number; cosine?: number }>();
    // The query's embedding is on its way while the text search runs.
    const embedding = this.queryVector(text, options.signal, options.embedTimeoutMs);
    const words = queryWordsOf(text);
    const query = this.textQuery(words);
    let best = 0;
    if (query) {
      for (const match of this.repository.textSearch(query, { owner: scope, type, limit: Math.max(TEXT_CANDIDATES, limit * 5) })) {
        found.set(match.seq, { bm25: match.bm25 });
        best = Math.max(best, match.bm25);
      }
    }
    // Whether the vector signal applies to this search at all (a model, and it answered).
    let index: SignatureIndex | undefined;
    const vector = await embedding;
    if (vector) {
      index = this.indexFor(vector.length);
      const close = index.nearest(signatureOf(vector), Math.max(VECTOR_CANDIDATES, limit * 20), scope);
      for (const [seq, bytes] of this.repository.vectorsOf(close, index.model, index.dimensions)) {
        const cosine = dot(vector, vectorFrom(bytes));
        if (cosine < this.settings.minSimilarity) continue;
        const entry = found.get(seq);
        if (entry) entry.cosine = cosine;
        else found.set(seq, { cosine });
      }
    }
    const now = this.clock();
    const ranked: Candidate[] = [];
    for (const row of this.repository.bySeqs([...found.keys()])) {
      if (type && row.memoryType !== type) continue;
      const signals = found.get(row.seq)!;
      if (signals.bm25 !== undefined) signals.coverage = coverageOf(words, `${row.content} ${row.summary} ${row.tags.join(" ")}`);
      const lastUsedAt = Math.max(row.updatedAt, row.lastAccessedAt ?? 0);
      ranked.push({ row, ranked: rank({ ...signals, embedded: index?.has(row.seq) ?? false, importance: row.importance, lastUsedAt }, best, now, this.settings.decayHalfLifeDays) });
    }
    ranked.sort((a, b) => b.ranked.score - a.ranked.score || b.row.updatedAt - a.row.updatedAt);
    return ranked.slice(0, limit);
  }

  /** The owner's memories sharing the most (and rarest) words with this text, best first (near-duplicate detection). */
  similarText(text: string, owner: string | null, limit: number): number[] {
    const query = this.textQuery(queryWordsOf(text));
    return query ? this.repository.textSearch(query, { owner, limit }).map((m) => m.seq) : [];
  }

  /** The owner's memory closest to this vector when at least `threshold` similar (near-duplicate detection). */
  mostSimilar(vector: Float32Array, owner: string | null, threshold: number): number | undefined {
    const index = this.indexFor(vector.length);
    const close = index.nearest(signatureOf(vector), 32, owner);
    let best: { seq: number; cosine: number } | undefined;
    for (const [seq, bytes] of this.repository.vectorsOf(close, index.model, index.dimensions)) {
      const cosine = dot(vector, vectorFrom(bytes));
      if (cosine >= threshold && (!best || cosine > best.cosine)) best = { seq, cosine };
    }
    return best?.seq;
  }

  /** One text's vector; undefined without a model or when the endpoint fails (logged; backfill retries later). */
  async embedOne(text: string): Promise<Float32Array | undefined> {
    if (!this.embedder) return undefined;
    try {
      return (await this.embedder.embed([text], this.stopping.signal))[0];
    } catch (error) {
      this.log.warn("embedding failed; the memory is stored without a vector and embedded later", { model: this.embedder.model, error: String(error) });
      return undefined;
    }
  }

  /** Stores a memory's new vector (or, without one, drops its old one, which no longer matches the text). */
  replaceVector(row: MemoryRow, vector: Float32Array | undefined): void {
    if (!this.embedder) return;
    if (!vector) {
      this.repository.deleteVector(row.seq);
      this.index?.remove(row.seq);
      return;
    }
    const signature = signatureOf(vector);
    this.repository.saveVector(row.seq, this.embedder.model, vectorBytes(vector), vector.length, signatureBytes(signature), this.clock());
    this.indexFor(vector.length).set(row.seq, row.owner, signature);
  }

  forget(seqs: number[]): void {
    for (const seq of seqs) this.index?.remove(seq);
  }

  embeddedCount(owner: OwnerScope): number {
    if (!this.embedder) return 0;
    const dimensions = this.index?.dimensions ?? this.repository.usualDimensions(this.embedder.model);
    return dimensions ? this.repository.countEmbedded(this.embedder.model, dimensions, owner) : 0;
  }

  /**
   * Embeds, in batches, every memory without a vector of the configured model and dimension; one run at a time.
   * Stops at the first failure (logged): the next scheduled check, or the next start, tries again.
   */
  backfill(): Promise<number> {
    if (!this.embedder) return Promise.resolve(0);
    this.backfilling ??= this.embedMissing(this.embedder).finally(() => (this.backfilling = undefined));
    return this.backfilling;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.backfilling?.catch(() => {});
  }

  private async embedMissing(embedder: Embedder): Promise<number> {
    let done = 0;
    let cursor = 0;
    let dimensionChanges = 0;
    try {
      while (!this.stopping.signal.aborted) {
        const dimensions = this.index?.dimensions ?? this.repository.usualDimensions(embedder.model);
        const batch = this.repository.unembedded(embedder.model, dimensions, cursor, EMBED_BATCH);
        if (batch.length === 0) break;
        cursor = batch[batch.length - 1]!.seq;
        const vectors = await embedder.embed(
          batch.map((b) => b.content),
          this.stopping.signal,
        );
        // The model answers with another dimension than the stored vectors have: the index follows the answer (in
        // replaceVector) and the pass starts over, so the memories already passed are re-embedded too. A model that
        // keeps changing is given up on rather than re-embedded forever.
        if (dimensions !== undefined && vectors[0]!.length !== dimensions) {
          if (++dimensionChanges > 2) throw new Error(`the model keeps changing its dimension (${dimensions}, then ${vectors[0]!.length})`);
          cursor = 0;
        }
        const current = this.repository.bySeqs(batch.map((b) => b.seq));
        const alive = new Map(current.map((r) => [r.seq, r]));
        this.repository.atomically(() =>
          batch.forEach((b, i) => {
            const row = alive.get(b.seq);
            // deleted or rewritten while the batch was out: its vector would be wrong
            if (row && row.content === b.content) this.replaceVector(row, vectors[i]);
          }),
        );
        done += batch.length;
        await Bun.sleep(0);
      }
    } catch (error) {
      if (!this.stopping.signal.aborted) this.log.warn("embedding memories failed; will retry later", { model: embedder.model, embedded: done, error: String(error) });
    }
    if (done) this.log.info("memories embedded", { model: embedder.model, count: done });
    return done;
  }

  /** The query's vector, from the cache or the endpoint, within the time given; undefined when there is none. */
  private async queryVector(text: string, signal?: AbortSignal, timeoutMs?: number): Promise<Float32Array | undefined> {
    if (!this.embedder) return undefined;
    const cached = this.queryVectors.get(text);
    if (cached) {
      // most recently used last
      this.queryVectors.delete(text);
      this.queryVectors.set(text, cached);
      return cached;
    }
    const signals = [this.stopping.signal, ...(signal ? [signal] : []), ...(timeoutMs ? [AbortSignal.timeout(timeoutMs)] : [])];
    try {
      const [vector] = await this.embedder.embed([text], AbortSignal.any(signals));
      if (!vector) return undefined;
      this.queryVectors.set(text, vector);
      if (this.queryVectors.size > QUERY_CACHE) this.queryVectors.delete(this.queryVectors.keys().next().value!);
      return vector;
    } catch (error) {
      if (!signal?.aborted) this.log.warn("query embedding failed; searching by text alone", { model: this.embedder.model, error: String(error) });
      return undefined;
    }
  }

  /** The signature index for the configured model at this dimension, loaded from SQLite when first needed. */
  private indexFor(dimensions: number): SignatureIndex {
    const model = this.embedder!.model;
    if (this.index?.dimensions === dimensions) return this.index;
    const index = new SignatureIndex(model, dimensions);
    for (const row of this.repository.signatures(model, dimensions)) index.set(row.seq, row.owner, signatureFrom(row.signature));
    // The model answers with another dimension than before: its older vectors are stale from now on.
    if (this.index) this.log.warn("the embedding model's dimension changed; older vectors are ignored and re-embedded", { model, from: this.index.dimensions, to: dimensions });
    this.index = index;
    // Memories without a vector of this model and size (another model's, another size's, or none): embed them.
    if (this.repository.unembedded(model, dimensions, 0, 1).length) queueMicrotask(() => void this.backfill());
    return index;
  }
}
