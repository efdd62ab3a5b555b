// Memory shapes, declared once (TypeBox): a memory as the API shows it, what creating, changing, listing and searching
// accept, the stats and decay answers, what a turn reports it recalled, and the bus event of a change.
// plugins/memories.ts validates and documents with these; core/memory returns Static<> of them.
import { Type as T, type Static } from "@sinclair/typebox";
import { defineEvent, type EventMapOf } from "../kernel/event-registry";
import { Id, Nullable, Offset, Timestamp } from "../kernel/shapes";

export const MEMORY_TYPES = ["fact", "preference", "tool_result", "correction", "context"] as const;
export const MemoryType = T.Union([T.Literal("fact"), T.Literal("preference"), T.Literal("tool_result"), T.Literal("correction"), T.Literal("context")], {
  description: "fact, preference, tool_result, correction or context",
});
export type MemoryType = Static<typeof MemoryType>;

const Importance = (description: string) => T.Number({ minimum: 0, maximum: 1, description });
const Tags = T.Array(T.String({ minLength: 1, maxLength: 64 }), { maxItems: 32, description: "Optional tags (searched with the text)" });

export const Memory = T.Object({
  id: T.String(),
  content: T.String(),
  summary: T.String(),
  memory_type: MemoryType,
  importance: T.Number({ description: "0.0–1.0; lowered over time by decay when the memory is not used" }),
  access_count: T.Integer({ description: "How often a search or a turn recalled it" }),
  tags: T.Array(T.String()),
  owner: Nullable(T.String(), { description: "The user whose key stored it (null: auth off)" }),
  created_at: Timestamp(),
  updated_at: Timestamp(),
  last_accessed_at: Nullable(Timestamp()),
});
export type Memory = Static<typeof Memory>;

export const NewMemory = T.Object({
  content: T.String({ minLength: 1, maxLength: 20_000, description: "Memory content text" }),
  summary: T.Optional(T.String({ maxLength: 500, description: "Short summary (default: the content's first sentence)" })),
  memory_type: T.Optional(MemoryType),
  importance: T.Optional(Importance("Importance score 0.0–1.0 (default 0.5)")),
  tags: T.Optional(Tags),
});
export type NewMemory = Static<typeof NewMemory>;

export const MemoryCreated = T.Composite([
  Memory,
  T.Object({ merged: T.Boolean({ description: "true when the content nearly repeated an existing memory, which was updated instead (200, its id)" }) }),
]);
export type MemoryCreated = Static<typeof MemoryCreated>;

export const MemoryPatch = T.Object(
  {
    content: T.Optional(NewMemory.properties.content),
    summary: T.Optional(T.String({ minLength: 1, maxLength: 500 })),
    memory_type: T.Optional(MemoryType),
    importance: T.Optional(Importance("Importance score 0.0–1.0")),
    tags: T.Optional(Tags),
  },
  { minProperties: 1, description: "At least one of the fields" },
);
export type MemoryPatch = Static<typeof MemoryPatch>;

export const MemoryParams = T.Object({ id: Id });

export const MemoryListQuery = T.Object({
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: T.Optional(Offset),
  memory_type: T.Optional(MemoryType),
});
export type MemoryListQuery = Static<typeof MemoryListQuery>;

export const MemorySearchQuery = T.Object({
  q: T.String({ minLength: 1, maxLength: 2000, description: "Search query" }),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 100, default: 10 })),
  memory_type: T.Optional(MemoryType),
});
export type MemorySearchQuery = Static<typeof MemorySearchQuery>;

export const MemoryHit = T.Composite([
  Memory,
  T.Object({
    score: T.Number({ description: "The rank: relevance × (0.6 + 0.25·importance + 0.15·recency), 0–1" }),
    text_score: Nullable(T.Number({ description: "Text relevance: 0.5·BM25 relative to the best match of this query + 0.5·the share of the query's words it contains; null: no text match" })),
    vector_score: Nullable(T.Number({ description: "Cosine similarity to the query's embedding; null: no embedding model, or below min_similarity" })),
  }),
]);
export type MemoryHit = Static<typeof MemoryHit>;

export const MemoryStats = T.Object({
  total: T.Integer(),
  by_type: T.Array(T.Object({ memory_type: MemoryType, count: T.Integer() })),
  provider_type: T.String({ description: "sqlite-fts5, or sqlite-fts5+embeddings:<model>" }),
  embedded: T.Integer({ description: "Memories with a vector of the configured model and dimension (0 without a model)" }),
  last_decay_at: Nullable(Timestamp()),
});
export type MemoryStats = Static<typeof MemoryStats>;

export const DecayResult = T.Object({
  ran_at: Timestamp(),
  previous_run_at: Nullable(Timestamp()),
  decayed: T.Integer({ description: "Memories whose importance was lowered" }),
  deleted: T.Integer({ description: "Memories deleted because their importance fell below the floor" }),
  half_life_days: T.Number(),
  floor: T.Number(),
});
export type DecayResult = Static<typeof DecayResult>;

/** What a turn recalled into its context: the `complete` event's and the chat answer's `memories_used`. */
export const MemoryUsed = T.Object({
  id: T.String(),
  summary: T.String(),
  memory_type: MemoryType,
  score: T.Number(),
});
export type MemoryUsed = Static<typeof MemoryUsed>;

export const MemoryChanged = defineEvent(
  "memory.changed",
  T.Object(
    {
      memory_id: T.String(),
      change: T.Union([T.Literal("created"), T.Literal("merged"), T.Literal("updated"), T.Literal("deleted")]),
      owner: Nullable(T.String()),
    },
    { description: "A memory was stored, merged with a near duplicate, changed or deleted (decay deletions included)." },
  ),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof MemoryChanged]> {}
}
