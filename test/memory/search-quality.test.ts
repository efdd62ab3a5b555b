// Search quality on a small fixture corpus: the right memory ranks first with FTS5/BM25 alone, and with the scripted
// upstream's embeddings too; questions that share no word with their answer are found only by the hybrid search.
// The scripted embedding model knows a handful of topics (words → one axis each), so meaning is under the test's
// control; every other word adds a little noise on axes of its own.
import { beforeAll, describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";
import { post, startChatApp } from "../support/chat";
import { afterAll } from "bun:test";

const CORPUS = [
  { key: "theme", content: "The user prefers dark mode in every editor and terminal.", memory_type: "preference" },
  { key: "database", content: "The production database is PostgreSQL 16 on db.internal port 5432.", memory_type: "fact" },
  { key: "deploys", content: "Deployments go out on Tuesdays after the standup; never deploy on Fridays.", memory_type: "fact" },
  { key: "name", content: "The user's name is Ada and she works from Berlin.", memory_type: "fact" },
  { key: "pnpm", content: "Use pnpm, not npm, in the frontend repository.", memory_type: "correction" },
  { key: "tests", content: "Last run of the test suite: 412 passed, 3 skipped.", memory_type: "tool_result" },
  { key: "style", content: "The user likes concise answers with the code first and the explanation after.", memory_type: "preference" },
  { key: "ratelimit", content: "The billing API allows 100 requests per minute per key.", memory_type: "fact" },
  { key: "allergy", content: "The user is allergic to peanuts.", memory_type: "fact" },
  { key: "staging", content: "Staging runs on Kubernetes in the eu-west-1 region.", memory_type: "context" },
  { key: "cat", content: "The office cat is named Miso.", memory_type: "fact" },
  { key: "tabs", content: "Indent Go code with tabs, never spaces.", memory_type: "preference" },
] as const;
type Key = (typeof CORPUS)[number]["key"];

const TOPICS: string[][] = [
  ["dark", "mode", "editor", "terminal", "colour", "color", "scheme", "theme", "ide"],
  ["database", "postgresql", "postgres", "db", "sql", "data", "stored"],
  ["deployments", "deploy", "release", "ship", "tuesdays", "fridays", "weekday"],
  ["name", "ada", "called", "berlin", "who"],
  ["pnpm", "npm", "package", "manager", "frontend", "web", "install", "dependencies"],
  ["test", "suite", "passed", "skipped", "failing"],
  ["concise", "answers", "explanation", "verbose", "brief", "replies"],
  ["billing", "requests", "minute", "throttle", "quota", "rate"],
  ["allergic", "peanuts", "food", "avoid", "eat", "nuts"],
  ["staging", "kubernetes", "cluster", "region", "hosted"],
  ["cat", "miso", "pet", "animal"],
  ["indent", "tabs", "spaces", "indentation", "whitespace", "formatting"],
];
const NOISE_AXES = 8;
/** One axis per topic (1 per word) plus 0.15 per unknown word on a hashed noise axis. */
function topicEmbedding(text: string): number[] {
  const vector = new Array<number>(TOPICS.length + NOISE_AXES).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const topic = TOPICS.findIndex((t) => t.includes(word));
    if (topic >= 0) vector[topic]! += 1;
    else vector[TOPICS.length + (Bun.hash.crc32(word) % NOISE_AXES)]! += 0.15;
  }
  return vector;
}

/** Questions that share a meaningful word with their answer: both searches must rank it first. */
const LEXICAL: [string, Key][] = [
  ["which database runs in production", "database"],
  ["do we deploy on fridays", "deploys"],
  ["npm or pnpm for the frontend", "pnpm"],
  ["peanuts", "allergy"],
  ["what is the cat called", "cat"],
  ["how many requests per minute does billing allow", "ratelimit"],
  ["kubernetes region of staging", "staging"],
  ["tabs or spaces", "tabs"],
];
/** Questions in other words: only the embeddings know the answer. */
const SEMANTIC: [string, Key][] = [
  ["What colour scheme should the IDE use?", "theme"],
  ["Which package manager installs the web dependencies?", "pnpm"],
  ["Any food to avoid when ordering lunch?", "allergy"],
  ["Is there a pet around?", "cat"],
  ["How should whitespace formatting look?", "tabs"],
];

let up: Upstream;
let ftsOnly: TestApp;
let hybrid: TestApp;
const ids = { fts: new Map<string, Key>(), hybrid: new Map<string, Key>() };

beforeAll(async () => {
  up = await startUpstream();
  up.embed = topicEmbedding;
  ftsOnly = await startChatApp(up, "openai");
  hybrid = await startChatApp(up, "openai", { toml: `[memory]\nembedding_model = "scripted-topics"\nembedding_base_url = "${up.openaiBaseUrl}"\n` });
  for (const [app, map] of [
    [ftsOnly, ids.fts],
    [hybrid, ids.hybrid],
  ] as const) {
    for (const { key, ...memory } of CORPUS) {
      const res = await post(app, "/v1/memories", memory);
      expect(res.status).toBe(201);
      map.set(res.body.id, key);
    }
  }
});
afterAll(async () => {
  await ftsOnly?.close();
  await hybrid?.close();
  await up?.close();
});

async function ranking(app: TestApp, query: string): Promise<{ key: Key | undefined; score: number; text: number | null; vector: number | null }[]> {
  const res = await app.request(`/v1/memories/search?q=${encodeURIComponent(query)}&limit=5`);
  expect(res.status).toBe(200);
  const map = app === ftsOnly ? ids.fts : ids.hybrid;
  return ((await res.json()) as any[]).map((h) => ({ key: map.get(h.id), score: h.score, text: h.text_score, vector: h.vector_score }));
}

describe("search quality", () => {
  test("with FTS5/BM25 alone, the right memory ranks first for questions that share a word with it", async () => {
    for (const [query, expected] of LEXICAL) {
      const hits = await ranking(ftsOnly, query);
      expect({ query, first: hits[0]?.key }).toEqual({ query, first: expected });
      expect(hits[0]!.vector).toBeNull();
    }
  });

  test("with the scripted embeddings, the same questions still rank it first, now found by both signals", async () => {
    for (const [query, expected] of LEXICAL) {
      const hits = await ranking(hybrid, query);
      expect({ query, first: hits[0]?.key }).toEqual({ query, first: expected });
      expect(hits[0]!.text).not.toBeNull();
      expect(hits[0]!.vector).toBeGreaterThan(0.5);
    }
  });

  test("questions in other words: the hybrid search ranks the answer first, text search alone does not", async () => {
    for (const [query, expected] of SEMANTIC) {
      const hybridHits = await ranking(hybrid, query);
      expect({ query, first: hybridHits[0]?.key }).toEqual({ query, first: expected });
      expect(hybridHits[0]!.vector).toBeGreaterThan(0.5);
      const textHits = await ranking(ftsOnly, query);
      expect({ query, found: textHits[0]?.key === expected }).toEqual({ query, found: false });
    }
  });

  test("the query's embedding comes from the configured model through the OpenAI client; system info names it", async () => {
    const calls = up.requests.filter((r) => r.format === "embeddings");
    expect(calls.length).toBeGreaterThanOrEqual(CORPUS.length);
    expect(calls.every((c) => c.body.model === "scripted-topics")).toBe(true);
    const info = await (await hybrid.request("/api/v1/system/info")).json();
    expect(info.memory_provider).toEqual({ initialized: true, provider_type: "sqlite-fts5+embeddings:scripted-topics" });
    const stats = await (await hybrid.request("/v1/memories/stats")).json();
    expect(stats).toMatchObject({ total: CORPUS.length, embedded: CORPUS.length, provider_type: "sqlite-fts5+embeddings:scripted-topics" });
  });
});
