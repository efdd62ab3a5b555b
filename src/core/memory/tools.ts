// The model's own access to long-term memory: memory_search and memory_store (permission category `memory`, judged
// and audited like every other tool call). Both act for the turn's user: they search and store that user's memories
// (everyone's with auth off).
import { Type as T } from "@sinclair/typebox";
import { defineTool, ok } from "../tools/define";
import type { ToolDefinition } from "../tools/types";
import type { Memories } from "./memories";
import { MemoryType, NewMemory } from "./schema";

export function memoryTools(memories: Memories): ToolDefinition[] {
  const search = defineTool({
    name: "memory_search",
    description:
      "Search long-term memory (facts, preferences, corrections kept from earlier conversations with this user) by keywords or meaning. " +
      "The most relevant memories are already shown at the start of each turn; search when you need more, or something specific.",
    parameters: T.Object({
      query: T.String({ minLength: 1, maxLength: 2000, description: "What to look for" }),
      limit: T.Optional(T.Integer({ minimum: 1, maximum: 20, description: "Default 5" })),
      memory_type: T.Optional(MemoryType),
    }),
    category: "memory",
    operation: "search",
    resource: (args) => args.query,
    async run(args, ctx) {
      const hits = await memories.searchScoped(args.query, { scope: ctx.owner, limit: args.limit ?? 5, type: args.memory_type, signal: ctx.signal });
      if (hits.length === 0) return ok(`No memories match "${args.query}".`, { matches: 0 });
      const lines = hits.map((h, i) => `${i + 1}. [${h.memory_type}] ${h.content} (id ${h.id}, importance ${h.importance.toFixed(2)}, score ${h.score.toFixed(2)})`);
      return ok(lines.join("\n"), { matches: hits.length, ids: hits.map((h) => h.id) });
    },
  });

  const store = defineTool({
    name: "memory_store",
    description:
      "Keep something worth remembering in later conversations with this user: a stable fact, a preference, a correction of an earlier " +
      "mistake. One self-contained statement per memory. Storing what is already kept updates that memory instead of repeating it.",
    parameters: T.Object({
      content: NewMemory.properties.content,
      summary: NewMemory.properties.summary,
      memory_type: T.Optional(MemoryType),
      importance: T.Optional(T.Number({ minimum: 0, maximum: 1, description: "0.0–1.0 (default 0.5); 0.8+ for what must not be forgotten" })),
      tags: NewMemory.properties.tags,
    }),
    category: "memory",
    operation: "store",
    resource: (args) => args.content.slice(0, 200),
    async run(args, ctx) {
      const { memory, merged } = await memories.create(args, ctx.owner ?? null);
      const what = merged ? `Updated the existing memory ${memory.id} (it said nearly the same)` : `Stored memory ${memory.id}`;
      return ok(`${what}: [${memory.memory_type}] ${memory.summary}`, { id: memory.id, merged });
    },
  });

  return [search, store];
}
