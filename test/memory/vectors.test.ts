// Vectors and their model: a memory's vector is used only while the configured model (and the dimension it answers
// with) is the one that made it. A changed model, or a model that changed its dimension, makes the stored vectors
// stale: searches ignore them at once (text search carries on) and the background backfill re-embeds every memory.
// An embedding endpoint that fails never loses a memory. Near duplicates by meaning merge. Also: the schedule runs
// decay by itself.
import { afterEach, describe, expect, test } from "bun:test";
import { createInProcessBus } from "../../src/core/kernel/bus";
import { createLogger } from "../../src/core/kernel/log";
import type { Embedder } from "../../src/core/memory/embeddings";
import { Memories } from "../../src/core/memory/memories";
import { memorySettings, type MemoryFileSettings } from "../../src/config/memory";
import { openDatabase, type Db } from "../../src/core/store/db";
import { until } from "../support/chat";

/** A scripted embedding model: topic words → axes; hold() keeps calls (those `which` picks) waiting until let(). */
class TopicModel implements Embedder {
  failing = false;
  private open: Promise<void> = Promise.resolve();
  private held: (texts: string[]) => boolean = () => true;
  private release = () => {};
  constructor(
    readonly model: string,
    private readonly dimensions: number,
  ) {}
  hold(which: (texts: string[]) => boolean = () => true): void {
    this.held = which;
    this.open = new Promise((resolve) => (this.release = resolve));
  }
  let(): void {
    this.release();
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    if (this.held(texts)) await this.open;
    if (this.failing) throw new Error("connection refused");
    const topics = ["theme dark mode colour editor", "database postgres sql", "cat pet miso animal"];
    return texts.map((text) => {
      const v = new Float32Array(this.dimensions);
      for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
        const topic = topics.findIndex((t) => t.split(" ").includes(word));
        v[topic >= 0 ? topic : 3 + (word.length % (this.dimensions - 3))]! += topic >= 0 ? 1 : 0.1;
      }
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
  }
}

const open: Memories[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.stop();
});

function service(db: Db, embedder: Embedder | null, settings: MemoryFileSettings = {}): Memories {
  const memories = new Memories({ db, bus: createInProcessBus(), log: createLogger({ silent: true }), settings: memorySettings(settings, {}), embedder });
  open.push(memories);
  return memories;
}

const vectorScores = async (memories: Memories, q: string) => (await memories.searchScoped(q, { scope: undefined, limit: 5 })).map((h) => [h.content, h.vector_score]);

describe("vectors and the embedding model", () => {
  test("another model: its stale vectors are ignored at once, and every memory is re-embedded in the background", async () => {
    const db = openDatabase(":memory:");
    const first = service(db, new TopicModel("model-a", 8));
    await first.create({ content: "The user likes a dark editor theme." }, null);
    await first.create({ content: "Production runs Postgres." }, null);
    expect(first.stats().embedded).toBe(2);
    expect((await first.searchScoped("which colour scheme", { scope: undefined, limit: 5 }))[0]).toMatchObject({ content: "The user likes a dark editor theme." });

    // restart with model-b; its endpoint is slow to answer
    const model = new TopicModel("model-b", 8);
    model.hold();
    const second = service(db, model);
    expect(second.providerType).toBe("sqlite-fts5+embeddings:model-b");
    const backfill = second.backfill();
    expect(second.stats().embedded).toBe(0);
    model.let();
    expect(await backfill).toBe(2);
    expect(second.stats().embedded).toBe(2);
    // model-a's rows were replaced, not kept beside
    expect(db.$client.query("SELECT model, count(*) AS n FROM memory_vectors GROUP BY model").all()).toEqual([{ model: "model-b", n: 2 }]);
    expect((await vectorScores(second, "which colour scheme"))[0]).toEqual(["The user likes a dark editor theme.", expect.any(Number)]);
  });

  test("until a memory has a current vector, search ranks it by text alone; vectors of another model never count", async () => {
    const db = openDatabase(":memory:");
    const first = service(db, new TopicModel("model-a", 8));
    await first.create({ content: "The office cat is named Miso." }, null);
    const model = new TopicModel("model-b", 8);
    // the memory's re-embedding waits; queries are answered
    model.hold((texts) => texts.includes("The office cat is named Miso."));
    const second = service(db, model);
    // the query has a model-b vector, the memory only a model-a one
    expect(await vectorScores(second, "cat named")).toEqual([["The office cat is named Miso.", null]]);
    expect(await vectorScores(second, "pet animal")).toEqual([]);
    model.let();
    await until(() => second.stats().embedded === 1, 5000, "the re-embedding");
    expect(await vectorScores(second, "pet animal")).toEqual([["The office cat is named Miso.", expect.any(Number)]]);
  });

  test("the same model answering with another dimension: the older vectors are stale and re-embedded", async () => {
    const db = openDatabase(":memory:");
    const first = service(db, new TopicModel("model-a", 8));
    await first.create({ content: "The user likes a dark editor theme." }, null);
    await first.create({ content: "Production runs Postgres." }, null);
    const second = service(db, new TopicModel("model-a", 12));
    // storing with the new size switches the index to it; the two older memories are re-embedded in the background
    await second.create({ content: "The office cat is named Miso." }, null);
    await until(() => db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM memory_vectors WHERE dimensions = 12").get()!.n === 3, 5000, "re-embedding");
    expect(second.stats().embedded).toBe(3);
    expect((await vectorScores(second, "postgres sql"))[0]).toEqual(["Production runs Postgres.", expect.any(Number)]);
  });

  test("a failing endpoint: the memory is stored without a vector, found by text, and embedded once the endpoint is back", async () => {
    const db = openDatabase(":memory:");
    const model = new TopicModel("model-a", 8);
    const memories = service(db, model);
    model.failing = true;
    const { memory } = await memories.create({ content: "The office cat is named Miso." }, null);
    expect(memories.stats()).toMatchObject({ total: 1, embedded: 0 });
    expect(await vectorScores(memories, "cat")).toEqual([[memory.content, null]]);
    model.failing = false;
    expect(await memories.backfill()).toBe(1);
    expect(memories.stats().embedded).toBe(1);
  });

  test("near duplicates by meaning (cosine ≥ merge_similarity) merge; other topics do not", async () => {
    const memories = service(openDatabase(":memory:"), new TopicModel("model-a", 8));
    const first = await memories.create({ content: "Dark editor theme." }, "ada");
    // other words, same topic vector (cosine 1 in this model)
    const same = await memories.create({ content: "Mode: dark colour." }, "ada");
    expect(same).toMatchObject({ merged: true, memory: { id: first.memory.id, content: "Mode: dark colour." } });
    expect((await memories.create({ content: "Postgres database." }, "ada")).merged).toBe(false);
    // another owner's twin is never merged into
    expect((await memories.create({ content: "Mode: dark colour." }, "bob")).merged).toBe(false);
  });
});

describe("the decay schedule", () => {
  test("runs decay by itself once the interval has passed, and not again before the next interval", async () => {
    const db = openDatabase(":memory:");
    const memories = service(db, null, { decay_interval_hours: 1 / 3600 });
    memories.start();
    const runs = () => db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM memory_decay_runs").get()!.n;
    await until(() => runs() >= 1, 5000, "the first scheduled run");
    expect(memories.stats().last_decay_at).not.toBeNull();
    await memories.stop();
    const after = runs();
    await Bun.sleep(2200);
    expect(runs()).toBe(after);
  });
});
