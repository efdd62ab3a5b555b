// The `[memory]` block of the config file and what it resolves to. Declared here, beside the domain that reads it;
// src/config.ts only mounts it (one key in the file schema, one field in Config).
import { Type as T, type Static } from "@sinclair/typebox";

export const MemoryFileSettings = T.Object(
  {
    /** An OpenAI-compatible embedding model (OpenAI, Ollama, llama.cpp …); without one, search is FTS5/BM25 alone. */
    embedding_model: T.Optional(T.String({ minLength: 1 })),
    /** Base URL of the `/embeddings` endpoint (default: OPENAI_BASE_URL, else OpenAI's). */
    embedding_base_url: T.Optional(T.String({ minLength: 1 })),
    /** Name of the environment variable holding the key (default OPENAI_API_KEY; local servers need none). */
    embedding_api_key_env: T.Optional(T.String({ minLength: 1 })),
    /** Cosine similarity below which a vector match does not count. */
    min_similarity: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
    /** Cosine similarity from which a new memory is merged into an existing one. */
    merge_similarity: T.Optional(T.Number({ minimum: 0.5, maximum: 1 })),
    /** Tokens of memories injected into a turn's context; 0 turns injection off. */
    recall_max_tokens: T.Optional(T.Integer({ minimum: 0, maximum: 100_000 })),
    /** Memories injected into a turn at most. */
    recall_max_items: T.Optional(T.Integer({ minimum: 1, maximum: 50 })),
    /** Days after which an unused memory (never accessed) keeps half of its importance. */
    decay_half_life_days: T.Optional(T.Number({ exclusiveMinimum: 0 })),
    /** Decay deletes a memory only when its importance falls below this (0: never deletes). */
    decay_floor: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
    /** Hours between scheduled decay runs; 0 turns the schedule off (POST /v1/memories/decay still works). */
    decay_interval_hours: T.Optional(T.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type MemoryFileSettings = Static<typeof MemoryFileSettings>;

export interface MemorySettings {
  embedding?: { model: string; baseUrl: string; apiKey: string };
  minSimilarity: number;
  mergeSimilarity: number;
  recallMaxTokens: number;
  recallMaxItems: number;
  decayHalfLifeDays: number;
  decayFloor: number;
  decayIntervalHours: number;
}

/** The block as the memory domain uses it; `env` answers embedding_api_key_env and the OpenAI defaults. */
export function memorySettings(file: MemoryFileSettings | undefined, env: Record<string, string | undefined>): MemorySettings {
  const f = file ?? {};
  const model = f.embedding_model?.trim();
  return {
    ...(model
      ? {
          embedding: {
            model,
            baseUrl: (f.embedding_base_url ?? env.OPENAI_BASE_URL ?? "https://api.openai.com/v1").replace(/\/+$/, ""),
            // Local servers (Ollama, llama.cpp) take any key; the client insists on one.
            apiKey: env[f.embedding_api_key_env ?? "OPENAI_API_KEY"] || "unused",
          },
        }
      : {}),
    minSimilarity: f.min_similarity ?? 0.3,
    mergeSimilarity: f.merge_similarity ?? 0.95,
    recallMaxTokens: f.recall_max_tokens ?? 600,
    recallMaxItems: f.recall_max_items ?? 5,
    decayHalfLifeDays: f.decay_half_life_days ?? 30,
    decayFloor: f.decay_floor ?? 0.05,
    decayIntervalHours: f.decay_interval_hours ?? 24,
  };
}
