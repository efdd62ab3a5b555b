// Long-term memory (PiSovereign API: /v1/memories*): list, store (merging near duplicates), search, stats, decay,
// read, change, delete. Thin translation over core.memory; a `user` key sees only its own memories (others 404).
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { ownerOf } from "../src/core/kernel/viewer";
import { DecayResult, Memory, MemoryCreated, MemoryHit, MemoryListQuery, MemoryParams, MemoryPatch, MemorySearchQuery, MemoryStats, NewMemory } from "../src/core/memory/schema";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, queryOf } from "../src/http/schemas";

export const memoriesPlugin = (core: Core) => {
  const { memory } = core;
  return new Elysia({ name: "memories", detail: { tags: ["memory"] } })
    .get("/v1/memories", ({ query, request }) => memory.list(query, callerOf(request)), {
      query: queryOf(MemoryListQuery),
      response: { 200: t.Array(Memory), 422: ErrorEnvelope },
      detail: { summary: "List memories, most recently changed first", description: "A user key lists only its own memories." },
    })
    .post(
      "/v1/memories",
      async ({ body, request, set }) => {
        const { memory: stored, merged } = await memory.create(body, ownerOf(callerOf(request)));
        set.status = merged ? 200 : 201;
        return { ...stored, merged };
      },
      {
        body: NewMemory,
        response: { 200: MemoryCreated, 201: MemoryCreated, 422: ErrorEnvelope },
        detail: {
          summary: "Store a memory",
          description:
            "201 with the new memory; 200 when the content nearly repeats one of the caller's memories (same words ignoring case, punctuation " +
            "and spacing, 90% of the words in common, or — with embeddings — cosine ≥ merge_similarity): that memory is updated (newer wording, " +
            "higher importance, tags combined) and returned with `merged: true`.",
        },
      },
    )
    .get("/v1/memories/search", ({ query, request }) => memory.find(query.q, { limit: query.limit, memory_type: query.memory_type, viewer: callerOf(request), signal: request.signal }), {
      query: queryOf(MemorySearchQuery),
      response: { 200: t.Array(MemoryHit), 422: ErrorEnvelope },
      detail: {
        summary: "Search memories by text and meaning",
        description:
          "FTS5/BM25 always, plus vector similarity when an embedding model is configured; ranked by relevance × (0.6 + 0.25·importance + " +
          "0.15·recency). Every memory returned counts as an access (access_count + 1).",
      },
    })
    .get("/v1/memories/stats", ({ request }) => memory.stats(callerOf(request)), {
      response: { 200: MemoryStats },
      detail: { summary: "How many memories, by type" },
    })
    .post("/v1/memories/decay", ({ request }) => memory.decay(callerOf(request)), {
      response: { 200: DecayResult },
      detail: {
        summary: "Run a decay cycle now",
        description:
          "Lowers the importance of memories by the time they went unused since their last decay: importance × 2^(−idle / (half_life × " +
          "(1 + ln(1 + access_count)))). Runs do not compound. Memories below decay_floor, unused for a day, are deleted. Also runs on a " +
          "schedule (decay_interval_hours, default daily). The counts are those of memories the key may see.",
      },
    })
    .get("/v1/memories/:id", ({ params, request }) => memory.get(params.id, callerOf(request)), {
      params: MemoryParams,
      response: { 200: Memory, 404: ErrorEnvelope },
      detail: { summary: "One memory" },
    })
    .patch("/v1/memories/:id", ({ params, body, request }) => memory.update(params.id, body, callerOf(request)), {
      params: MemoryParams,
      body: MemoryPatch,
      response: { 200: Memory, 404: ErrorEnvelope, 422: ErrorEnvelope },
      detail: { summary: "Change a memory's content, summary, type, importance or tags" },
    })
    .delete(
      "/v1/memories/:id",
      ({ params, request, set }) => {
        memory.delete(params.id, callerOf(request));
        set.status = 204;
      },
      {
        params: MemoryParams,
        response: { 204: t.Void(), 404: ErrorEnvelope },
        detail: { summary: "Delete a memory" },
      },
    );
};
