// Memory search over 100,000 memories: FTS5/BM25 alone, and hybrid (FTS5 + vectors from an OpenAI-compatible
// /embeddings endpoint). Numbers, not assertions.
//   bun bench/memory-search.ts [--quick] [--dimensions 384]
// The corpus is synthetic: sentences of 12–30 words drawn from a 20,000-word vocabulary with a Zipf distribution (a
// few words are everywhere, most are rare, as in real text). The embedding endpoint is a local fake server speaking
// the OpenAI wire format (through the official client, like the real thing): a text's vector is the sum of fixed
// random vectors of its words, so texts that share words are close. Each query takes three to five words of one
// memory plus one random word; every query is different, so the query-embedding cache never answers.
// Timed: Memories.searchScoped (what GET /v1/memories/search and the memory_search tool run), limit 10, including the
// access-count update of the results and, for hybrid, the HTTP round trip for the query's embedding.
// Target (issue 16): p50 under 50 ms for both.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus } from "../src/core/kernel/bus";
import { newId } from "../src/core/kernel/ids";
import { createLogger } from "../src/core/kernel/log";
import { OpenAIEmbedder } from "../src/core/memory/embeddings";
import { Memories } from "../src/core/memory/memories";
import { memorySettings } from "../src/config/memory";
import { fingerprintOf } from "../src/core/memory/text";
import { dot, SignatureIndex, signatureOf } from "../src/core/memory/vectors";
import { openDatabase } from "../src/core/store/db";

const quick = process.argv.includes("--quick");
const dimensionsArg = process.argv.indexOf("--dimensions");
const DIMENSIONS = dimensionsArg > 0 ? Number(process.argv[dimensionsArg + 1]) : 384;
const MEMORIES = quick ? 20_000 : 100_000;
const VOCABULARY = 20_000;
const QUERIES = quick ? 100 : 300;

// ── a deterministic corpus ────────────────────────────────────────────────────────────────────────────────────
let seed = 42;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const SYLLABLES = "ka lo mi ne ru sa te vo zi ba do fe gu hi ja ko lu ma no pe qu ri so tu va we xi yo ze".split(" ");
const words: string[] = [];
const seen = new Set<string>();
while (words.length < VOCABULARY) {
  let w = "";
  const n = 2 + Math.floor(random() * 3);
  for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
  if (!seen.has(w)) {
    seen.add(w);
    words.push(w);
  }
}
// Zipf: word k (1-based) is drawn with probability ∝ 1/k
const cumulative = new Float64Array(VOCABULARY);
let total = 0;
for (let k = 0; k < VOCABULARY; k++) cumulative[k] = total += 1 / (k + 1);
const zipfWord = () => {
  const x = random() * total;
  let lo = 0;
  let hi = VOCABULARY - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return words[lo]!;
};
const sentence = () => Array.from({ length: 12 + Math.floor(random() * 19) }, zipfWord).join(" ") + ".";

// ── the fake embedding endpoint ───────────────────────────────────────────────────────────────────────────────
const wordVectors = new Map<string, Float32Array>();
const vectorOf = (word: string) => {
  let v = wordVectors.get(word);
  if (!v) {
    let s = Bun.hash.crc32(word);
    const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
    v = Float32Array.from({ length: DIMENSIONS }, next);
    wordVectors.set(word, v);
  }
  return v;
};
const embed = (text: string) => {
  const out = new Float32Array(DIMENSIONS);
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    const v = vectorOf(w);
    for (let i = 0; i < DIMENSIONS; i++) out[i]! += v[i]!;
  }
  return out;
};
let embeddingRequests = 0;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    embeddingRequests++;
    const body = (await req.json()) as { input: string | string[]; model: string; encoding_format?: string };
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const data = inputs.map((text, index) => {
      const v = embed(text);
      return { object: "embedding", index, embedding: body.encoding_format === "base64" ? Buffer.from(v.buffer).toString("base64") : Array.from(v) };
    });
    return Response.json({ object: "list", data, model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } });
  },
});
const baseUrl = `http://127.0.0.1:${server.port}/v1`;

// ── the store ─────────────────────────────────────────────────────────────────────────────────────────────────
const dir = mkdtempSync(join(tmpdir(), "penguin-bench-memory-"));
const db = openDatabase(join(dir, "penguin.db"));
const log = createLogger({ silent: true });
const bus = createInProcessBus();
const settings = memorySettings({ embedding_model: "fake-embed", embedding_base_url: baseUrl }, { OPENAI_API_KEY: "unused" });
const hybrid = new Memories({ db, bus, log, settings, embedder: new OpenAIEmbedder("fake-embed", baseUrl, "unused") });
const ftsOnly = new Memories({ db, bus, log, settings: { ...settings, embedding: undefined }, embedder: null });

const ms = (start: number) => performance.now() - start;
const contents: string[] = [];
let t = performance.now();
const rows: Parameters<Memories["repository"]["insertMany"]>[0] = [];
const now = Date.now();
for (let i = 0; i < MEMORIES; i++) {
  const content = sentence();
  contents.push(content);
  rows.push({ id: newId(), content, summary: content.slice(0, 60), memoryType: "fact" as const, importance: random(), accessCount: 0, tags: [], fingerprint: fingerprintOf(content), owner: "bench", createdAt: now, updatedAt: now });
}
hybrid.repository.insertMany(rows);
const insertMs = ms(t);
t = performance.now();
const embedded = await hybrid.backfill();
const embedMs = ms(t);

const queries = Array.from({ length: QUERIES }, () => {
  const from = Math.floor(random() * contents.length);
  const source = contents[from]!.replace(".", "").split(" ");
  const n = 3 + Math.floor(random() * 3);
  const start = Math.floor(random() * Math.max(1, source.length - n));
  return { text: `${source.slice(start, start + n).join(" ")} ${zipfWord()}`, source: rows[from]!.id };
});

async function time(label: string, memories: Memories) {
  const times: number[] = [];
  let found = 0;
  for (const q of queries) {
    const start = performance.now();
    const hits = await memories.searchScoped(q.text, { scope: undefined, limit: 10 });
    times.push(ms(start));
    if (hits.some((h) => h.id === q.source)) found++;
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return { label, p50: at(0.5), p95: at(0.95), mean: times.reduce((a, b) => a + b, 0) / times.length, recall: found / queries.length };
}

const fts = await time("FTS5/BM25 only", ftsOnly);
const requestsBefore = embeddingRequests;
const both = await time(`hybrid (FTS5 + ${DIMENSIONS}-dimension vectors)`, hybrid);
const queryEmbeddings = embeddingRequests - requestsBefore;

// A fresh service (a restart): its first hybrid search loads every signature from SQLite.
const cold = new Memories({ db, bus, log, settings, embedder: new OpenAIEmbedder("fake-embed", baseUrl, "unused") });
t = performance.now();
await cold.searchScoped(`${zipfWord()} ${zipfWord()} ${zipfWord()}`, { scope: undefined, limit: 10 });
const coldMs = ms(t);
await cold.stop();

// How many of the true 10 nearest neighbours (exact cosine over every vector) are among the sign-bit index's 256
// candidates, which the search then compares exactly.
const unit = (v: Float32Array) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
// (Every vector is held in memory for this: at most 768 dimensions.)
const all = DIMENSIONS <= 768 ? contents.map((c) => unit(embed(c))) : [];
const index = new SignatureIndex("fake-embed", DIMENSIONS);
all.forEach((v, i) => index.set(i + 1, null, signatureOf(v)));
let kept = 0;
const PROBES = all.length ? 30 : 0;
for (const q of queries.slice(0, PROBES)) {
  const qv = unit(embed(q.text));
  const exact = all.map((v, i) => ({ seq: i + 1, cos: dot(qv, v) })).sort((a, b) => b.cos - a.cos).slice(0, 10);
  const candidates = new Set(index.nearest(signatureOf(qv), 256));
  kept += exact.filter((e) => candidates.has(e.seq)).length;
}
const prefilterRecall = PROBES ? kept / (PROBES * 10) : Number.NaN;

const f = (n: number) => n.toFixed(2);
console.log(`\nMemory search, ${MEMORIES.toLocaleString("en")} memories, ${QUERIES} queries, limit 10 — Bun ${Bun.version}, ${process.platform} ${process.arch}`);
console.log(`stored in ${f(insertMs / 1000)} s (FTS5 index by triggers); embedded ${embedded.toLocaleString("en")} in ${f(embedMs / 1000)} s (batches of 64, fake endpoint)\n`);
console.log("| search | p50 ms | p95 ms | mean ms | source memory in the top 10 |");
console.log("|---|---:|---:|---:|---:|");
for (const r of [fts, both]) console.log(`| ${r.label} | **${f(r.p50)}** | ${f(r.p95)} | ${f(r.mean)} | ${(r.recall * 100).toFixed(1)}% |`);
console.log(`\nquery embeddings requested: ${queryEmbeddings} (one per query); first hybrid search after a restart (loads the signatures): ${f(coldMs)} ms`);
if (PROBES) console.log(`sign-bit prefilter: ${(prefilterRecall * 100).toFixed(1)}% of the exact 10 nearest neighbours among its 256 candidates (${PROBES} queries)`);
console.log(`target p50 < 50 ms: ${fts.p50 < 50 && both.p50 < 50 ? "met" : "NOT met"}`);

await hybrid.stop();
db.$client.close();
server.stop(true);
rmSync(dir, { recursive: true, force: true });
