// Long-term memory: what the agent (or the user) chose to keep across conversations. Stored in SQLite; found by
// FTS5/BM25 and, when an embedding model is configured, by vector similarity too (./search.ts ranks both); recalled
// into each turn's context (recall), kept by the model through memory_store (./tools.ts), and slowly forgotten when
// unused (./decay.ts). Memories belong to the user whose key stored them: a `user` key sees only its own (others 404).
//
// Near duplicates are merged instead of stored twice. "Nearly identical" means, for the same owner: the same
// fingerprint (the same words, ignoring case, punctuation and spacing), or a word-set similarity of at least 0.9
// (one word changed in twenty), or — with embeddings — a cosine similarity of at least merge_similarity (0.95). The
// merged memory keeps its id, creation time and access count, takes the newer wording, type and summary, the higher
// importance and the union of the tags.
import type { Bus } from "../kernel/bus";
import { AppError } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import { ownerLimit, requireVisible, type Viewer } from "../kernel/viewer";
import { iso, isoOrNull } from "../store/values";
import { decayOf } from "./decay";
import { OpenAIEmbedder, type Embedder } from "./embeddings";
import { MemoryRepository, type MemoryRow, type OwnerScope } from "./repository";
import { MEMORY_TYPES, type DecayResult, type Memory, type MemoryHit, type MemoryPatch, type MemoryStats, type MemoryType, type MemoryUsed, type NewMemory } from "./schema";
import { MemorySearch, type Candidate } from "./search";
import type { MemorySettings } from "../../config/memory";
import { defaultSummary, fingerprintOf, NEAR_DUPLICATE_WORDS, wordSimilarity } from "./text";
import type { Db } from "../store/db";

export interface MemoryOptions {
  db: Db;
  bus: Bus;
  log: Logger;
  settings: MemorySettings;
  /** Tests move time; everything else uses the wall clock. */
  clock?: () => number;
  /** Replaces the embedding client built from the settings (null: none, whatever the settings say). */
  embedder?: Embedder | null;
}

/** What recall adds to a turn: the prompt section, and the memories in it (the turn's `memories_used`). */
export interface Recalled {
  prompt: string;
  used: MemoryUsed[];
}

const HOUR_MS = 3_600_000;
/** The first scheduled check waits a little, so start-up stays quick. */
const FIRST_CHECK_MS = 60_000;
/** How long a turn waits for the query's embedding before it recalls by text alone. */
const RECALL_EMBED_TIMEOUT_MS = 5_000;
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
/** Roughly 4 characters per token, as the engine estimates. */
const tokensOf = (text: string) => Math.ceil(text.length / 4);

export class Memories {
  readonly repository: MemoryRepository;
  private readonly search: MemorySearch;
  private readonly clock: () => number;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private stopped = false;

  constructor(private readonly options: MemoryOptions) {
    const { db, settings, log } = options;
    this.repository = new MemoryRepository(db);
    this.clock = options.clock ?? Date.now;
    const embedder = options.embedder !== undefined ? options.embedder : settings.embedding ? new OpenAIEmbedder(settings.embedding.model, settings.embedding.baseUrl, settings.embedding.apiKey) : null;
    this.search = new MemorySearch(this.repository, embedder ?? undefined, settings, log, this.clock);
  }

  /** What /api/v1/system/info reports as the memory provider. */
  get providerType(): string {
    const model = this.search.embeddingModel;
    return model ? `sqlite-fts5+embeddings:${model}` : "sqlite-fts5";
  }

  // ── the API ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Stores a memory for `owner`, or merges it into the owner's nearly identical one (`merged`). */
  async create(input: NewMemory, owner: string | null): Promise<{ memory: Memory; merged: boolean }> {
    const content = input.content.trim();
    const fingerprint = fingerprintOf(content);
    if (!fingerprint) throw new AppError("VALIDATION_ERROR", "content must contain at least one word", { fields: [{ field: "content", error: "must contain at least one word" }] });
    // The embedding is awaited before anything is read, so the duplicate check and the write happen in one step.
    const vector = await this.search.embedOne(content);
    const now = this.clock();
    const twin = this.nearDuplicate(content, fingerprint, owner, vector);
    if (twin) {
      const row = this.repository.update(twin.seq, {
        content,
        fingerprint,
        summary: input.summary?.trim() || (twin.fingerprint === fingerprint ? twin.summary : defaultSummary(content)),
        memoryType: input.memory_type ?? twin.memoryType,
        importance: Math.max(twin.importance, input.importance ?? 0.5),
        tags: [...new Set([...twin.tags, ...(input.tags ?? [])])],
        updatedAt: now,
      });
      if (twin.fingerprint !== fingerprint) this.search.replaceVector(row, vector);
      this.changed(row, "merged");
      return { memory: this.view(row), merged: true };
    }
    const row = this.repository.insert({
      id: newId(),
      content,
      summary: input.summary?.trim() || defaultSummary(content),
      memoryType: input.memory_type ?? "context",
      importance: input.importance ?? 0.5,
      accessCount: 0,
      tags: [...new Set(input.tags ?? [])],
      fingerprint,
      owner,
      createdAt: now,
      updatedAt: now,
    });
    this.search.replaceVector(row, vector);
    this.changed(row, "created");
    return { memory: this.view(row), merged: false };
  }

  list(query: { limit?: number; offset?: number; memory_type?: MemoryType }, viewer?: Viewer): Memory[] {
    const rows = this.repository.list({ owner: ownerLimit(viewer), type: query.memory_type, limit: query.limit ?? 100, offset: query.offset ?? 0 });
    return rows.map((r) => this.view(r));
  }

  get(id: string, viewer?: Viewer): Memory {
    return this.view(this.require(id, viewer));
  }

  async update(id: string, patch: MemoryPatch, viewer?: Viewer): Promise<Memory> {
    const existing = this.require(id, viewer);
    const content = patch.content?.trim();
    const fingerprint = content !== undefined ? fingerprintOf(content) : existing.fingerprint;
    if (!fingerprint) throw new AppError("VALIDATION_ERROR", "content must contain at least one word", { fields: [{ field: "content", error: "must contain at least one word" }] });
    const rewritten = content !== undefined && fingerprint !== existing.fingerprint;
    const vector = rewritten ? await this.search.embedOne(content) : undefined;
    // Re-read after the wait: the memory may have been deleted meanwhile.
    const current = this.require(id, viewer);
    const row = this.repository.update(current.seq, {
      ...(content !== undefined ? { content, fingerprint } : {}),
      ...(patch.summary !== undefined ? { summary: patch.summary.trim() } : {}),
      ...(patch.memory_type !== undefined ? { memoryType: patch.memory_type } : {}),
      ...(patch.importance !== undefined ? { importance: patch.importance } : {}),
      ...(patch.tags !== undefined ? { tags: [...new Set(patch.tags)] } : {}),
      updatedAt: this.clock(),
    });
    if (rewritten) this.search.replaceVector(row, vector);
    this.changed(row, "updated");
    return this.view(row);
  }

  delete(id: string, viewer?: Viewer): void {
    const row = this.require(id, viewer);
    this.repository.delete(row.seq);
    this.search.forget([row.seq]);
    this.changed(row, "deleted");
  }

  /** Ranked matches among the memories the viewer may see; each one found counts as an access. */
  async find(text: string, options: { limit?: number; memory_type?: MemoryType; viewer?: Viewer; signal?: AbortSignal }): Promise<MemoryHit[]> {
    return this.searchScoped(text, { scope: ownerLimit(options.viewer), limit: options.limit ?? 10, type: options.memory_type, signal: options.signal });
  }

  /** The same for one owner's memories (the memory tools: the turn's user; undefined: everyone's, auth off). */
  async searchScoped(text: string, options: { scope: OwnerScope; limit: number; type?: MemoryType; signal?: AbortSignal; embedTimeoutMs?: number }): Promise<MemoryHit[]> {
    const found = await this.search.run(text, options);
    this.recordAccess(found);
    return found.map(({ row, ranked }) => ({ ...this.view(row), score: ranked.score, text_score: ranked.text, vector_score: ranked.vector }));
  }

  stats(viewer?: Viewer): MemoryStats {
    const owner = ownerLimit(viewer);
    const counts = new Map(this.repository.countsByType(owner).map((c) => [c.type, c.count]));
    return {
      total: [...counts.values()].reduce((a, b) => a + b, 0),
      by_type: MEMORY_TYPES.map((type) => ({ memory_type: type, count: counts.get(type) ?? 0 })),
      provider_type: this.providerType,
      embedded: this.search.embeddedCount(owner),
      last_decay_at: isoOrNull(this.repository.lastDecayAt()),
    };
  }

  /** One decay run over every memory (the formula is in ./decay.ts); the counts are those of memories the viewer may see. */
  decay(viewer?: Viewer): DecayResult {
    const { decayHalfLifeDays: halfLife, decayFloor: floor } = this.options.settings;
    const now = this.clock();
    const previous = this.repository.lastDecayAt();
    const lowered: { seq: number; importance: number; owner: string | null }[] = [];
    const deleted: { seq: number; id: string; owner: string | null }[] = [];
    for (const row of this.repository.decayRows()) {
      const lastUsedAt = Math.max(row.updatedAt, row.lastAccessedAt ?? 0);
      const outcome = decayOf({ importance: row.importance, accessCount: row.accessCount, lastUsedAt, decayedAt: row.decayedAt }, now, halfLife, floor);
      if (outcome.action === "lower") lowered.push({ seq: row.seq, importance: outcome.importance, owner: row.owner });
      else if (outcome.action === "delete") deleted.push(row);
    }
    this.repository.applyDecay(
      lowered,
      deleted.map((d) => d.seq),
      now,
    );
    this.search.forget(deleted.map((d) => d.seq));
    for (const d of deleted) this.options.bus.publish("memory.changed", { memory_id: d.id, change: "deleted", owner: d.owner });
    const limit = ownerLimit(viewer);
    const visible = (m: { owner: string | null }) => limit === undefined || m.owner === limit;
    this.options.log.info("memory decay", { decayed: lowered.length, deleted: deleted.length });
    return {
      ran_at: iso(now),
      previous_run_at: isoOrNull(previous),
      decayed: lowered.filter(visible).length,
      deleted: deleted.filter(visible).length,
      half_life_days: halfLife,
      floor,
    };
  }

  // ── the engine ────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * The memories most relevant to a turn's message, as a system prompt section bounded by recall_max_tokens (at most
   * recall_max_items of them), and the list of what was included. The turn's user's own memories only (everyone's
   * with auth off). Undefined when nothing relevant was found or recall is off; never throws for a failing embedding
   * endpoint (text search carries on alone).
   */
  async recall(request: { text: string; viewer?: Viewer; signal?: AbortSignal }): Promise<Recalled | undefined> {
    const { recallMaxTokens, recallMaxItems } = this.options.settings;
    if (recallMaxTokens <= 0 || !this.repository.any()) return undefined;
    const found = await this.search.run(request.text, {
      scope: request.viewer ? request.viewer.user : undefined,
      limit: recallMaxItems,
      signal: request.signal,
      embedTimeoutMs: RECALL_EMBED_TIMEOUT_MS,
    });
    const header = "Long-term memory: notes kept from earlier conversations with this user. They may be out of date; use them where they help, and prefer what the user says now.";
    let budget = recallMaxTokens - tokensOf(header);
    const lines: string[] = [];
    const included: Candidate[] = [];
    for (const hit of found) {
      const prefix = `- [${hit.row.memoryType}] `;
      let text = hit.row.content.replace(/\s+/g, " ");
      const room = budget - tokensOf(prefix);
      if (room < 16) break;
      if (tokensOf(text) > room) text = `${text.slice(0, room * 4 - 1)}…`;
      lines.push(prefix + text);
      budget -= tokensOf(prefix + text);
      included.push(hit);
    }
    if (included.length === 0) return undefined;
    this.recordAccess(included);
    return {
      prompt: `${header}\n${lines.join("\n")}`,
      used: included.map(({ row, ranked }) => ({ id: row.id, summary: row.summary, memory_type: row.memoryType, score: ranked.score })),
    };
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────────────────────────────

  /** The daily decay (checked hourly) and, with an embedding model, embedding what has no current vector. */
  start(): void {
    const intervalMs = this.options.settings.decayIntervalHours * HOUR_MS;
    const tick = () => {
      if (this.stopped) return;
      try {
        const last = this.repository.lastDecayAt();
        if (intervalMs > 0 && (last === undefined || this.clock() - last >= intervalMs)) this.decay();
      } catch (error) {
        this.options.log.error("scheduled memory decay failed", { error: String(error) });
      }
      void this.search.backfill();
    };
    const every = Math.max(1000, Math.min(HOUR_MS, intervalMs || HOUR_MS));
    this.timers.push(setTimeout(tick, Math.min(FIRST_CHECK_MS, every)), setInterval(tick, every));
    for (const timer of this.timers) (timer as { unref?: () => void }).unref?.();
    // Memories stored while the embedding endpoint was away, or under another model, are embedded now.
    void this.search.backfill();
  }

  /** Embeds every memory that has no vector of the configured model (also run in the background); how many were. */
  backfill(): Promise<number> {
    return this.search.backfill();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    await this.search.stop();
  }

  // ── inside ────────────────────────────────────────────────────────────────────────────────────────────────

  private require(id: string, viewer?: Viewer): MemoryRow {
    return requireVisible(this.repository.get(id), viewer, "memory", id);
  }

  /** The owner's memory this content nearly repeats (see the top of this file), if any. */
  private nearDuplicate(content: string, fingerprint: string, owner: string | null, vector: Float32Array | undefined): MemoryRow | undefined {
    const same = this.repository.byFingerprint(fingerprint, owner);
    if (same) return same;
    const twin = this.repository.bySeqs(this.search.similarText(content, owner, 5)).find((r) => wordSimilarity(r.content, content) >= NEAR_DUPLICATE_WORDS);
    if (twin) return twin;
    const seq = vector ? this.search.mostSimilar(vector, owner, this.options.settings.mergeSimilarity) : undefined;
    return seq === undefined ? undefined : this.repository.bySeqs([seq])[0];
  }

  private recordAccess(found: Candidate[]): void {
    const now = this.clock();
    this.repository.recordAccess(
      found.map((f) => f.row.seq),
      now,
    );
    for (const f of found) {
      f.row.accessCount++;
      f.row.lastAccessedAt = now;
    }
  }

  private changed(row: MemoryRow, change: "created" | "merged" | "updated" | "deleted"): void {
    this.options.bus.publish("memory.changed", { memory_id: row.id, change, owner: row.owner });
  }

  private view(row: MemoryRow): Memory {
    return {
      id: row.id,
      content: row.content,
      summary: row.summary,
      memory_type: row.memoryType,
      importance: round6(row.importance),
      access_count: row.accessCount,
      tags: row.tags,
      owner: row.owner,
      created_at: iso(row.createdAt),
      updated_at: iso(row.updatedAt),
      last_accessed_at: isoOrNull(row.lastAccessedAt),
    };
  }
}
