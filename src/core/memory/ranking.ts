// How search results are ranked. Both signals are made comparable first, then weighted by what the memory is worth:
//
//   text      = 0.5·bm25 / best bm25 of this query + 0.5·coverage
//               (FTS5 bm25, more = better; coverage: the share of the query's words the memory contains, so the best
//               of several weak matches — one common word of four — does not count as a full match)
//   vector    = cosine(query embedding, memory embedding)  (counted only from min_similarity up)
//   relevance = 0.5·text + 0.5·vector    when the memory has a vector of the configured model
//             = text                     when it has none (no model, or not embedded yet): no penalty for that
//   recency   = 2^(−days since last use / half_life_days)  (last use: last recalled, or last changed)
//   score     = relevance × (0.6 + 0.25·importance + 0.15·recency)
//
// Relevance decides (a weak match never outranks a strong one by importance alone: the factor spans 0.6–1.0);
// among similar matches, important and recently used memories come first. A memory found by both searches ranks
// above one found by a single search with the same strength.
const TEXT_WEIGHT = 0.5;
const VECTOR_WEIGHT = 0.5;
const BASE = 0.6;
const IMPORTANCE_WEIGHT = 0.25;
const RECENCY_WEIGHT = 0.15;
const DAY_MS = 86_400_000;

export interface RankInput {
  /** bm25 of this memory (positive, more = better); undefined when the text search did not find it. */
  bm25?: number;
  /** The share of the query's words found in the memory, 0–1 (with bm25). */
  coverage?: number;
  /** Cosine similarity, already at or above min_similarity; undefined when the vector search did not find it. */
  cosine?: number;
  /** Whether the memory has a current vector (so the vector signal applies to it at all). */
  embedded: boolean;
  importance: number;
  /** Epoch ms of the last recall or change. */
  lastUsedAt: number;
}

export interface Ranked {
  score: number;
  text: number | null;
  vector: number | null;
}

/** Days for recency to halve: the decay half-life, so "recent" means the same thing in both places. */
export function rank(input: RankInput, bestBm25: number, now: number, halfLifeDays: number): Ranked {
  const text = input.bm25 !== undefined && bestBm25 > 0 ? 0.5 * (input.bm25 / bestBm25) + 0.5 * (input.coverage ?? 1) : null;
  const vector = input.cosine ?? null;
  const relevance = input.embedded ? TEXT_WEIGHT * (text ?? 0) + VECTOR_WEIGHT * (vector ?? 0) : (text ?? 0);
  const recency = 2 ** (-Math.max(0, now - input.lastUsedAt) / DAY_MS / halfLifeDays);
  const worth = BASE + IMPORTANCE_WEIGHT * clamp01(input.importance) + RECENCY_WEIGHT * recency;
  return { score: round(relevance * worth), text: text === null ? null : round(text), vector: vector === null ? null : round(vector) };
}

const clamp01 = (n: number) => Math.min(1, Math.max(0, n));
const round = (n: number) => Math.round(n * 1e6) / 1e6;
