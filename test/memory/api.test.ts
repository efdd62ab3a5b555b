// The memory API (/v1/memories*) over HTTP: the documented fields and defaults, validation (422 VALIDATION_ERROR with
// details.fields), searching bumps access_count, near duplicates are merged, a `user` key sees only its own memories,
// and /api/v1/system/info reports the store.
import { describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { useChatApp } from "../support/chat";

const KEYS = { alice: "adminkey", bob: "userkey1", carol: "userkey2" } as const;
type Who = keyof typeof KEYS;

let app: TestApp;
let _up: Upstream;
useChatApp("openai", (started) => ({ up: _up, app } = started), {
  env: { PENGUIN_API_KEYS: `${KEYS.alice}:alice:admin,${KEYS.bob}:bob:user,${KEYS.carol}:carol:user` },
});

async function as(who: Who, method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.request(path, { method, headers: { "x-api-key": KEYS[who] }, ...(json !== undefined ? { json } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe("storing and reading memories", () => {
  test("POST stores with the documented fields and defaults; GET lists and reads it; DELETE is 204 and then 404", async () => {
    const created = await as("bob", "POST", "/v1/memories", { content: "The user prefers dark mode. Always.", tags: ["ui", "preference", "ui"] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      content: "The user prefers dark mode. Always.",
      summary: "The user prefers dark mode.",
      memory_type: "context",
      importance: 0.5,
      access_count: 0,
      tags: ["ui", "preference"],
      owner: "bob",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updated_at: created.body.created_at,
      last_accessed_at: null,
      merged: false,
    });
    const id = created.body.id;
    const { merged: _merged, ...memory } = created.body;

    const full = await as("bob", "POST", "/v1/memories", { content: "Deploys happen on Tuesdays", summary: "Deploy day", memory_type: "fact", importance: 0.9 });
    expect(full.body).toMatchObject({ summary: "Deploy day", memory_type: "fact", importance: 0.9 });

    expect(await as("bob", "GET", `/v1/memories/${id}`)).toEqual({ status: 200, body: memory });
    const list = await as("bob", "GET", "/v1/memories");
    expect(list.status).toBe(200);
    expect(list.body.map((m: any) => m.id)).toEqual([full.body.id, id]);
    expect((await as("bob", "GET", "/v1/memories?memory_type=fact")).body.map((m: any) => m.id)).toEqual([full.body.id]);
    expect((await as("bob", "GET", "/v1/memories?limit=1&offset=1")).body.map((m: any) => m.id)).toEqual([id]);

    const patched = await as("bob", "PATCH", `/v1/memories/${id}`, { importance: 0.75, tags: ["theme"] });
    expect(patched.body).toMatchObject({ id, importance: 0.75, tags: ["theme"], content: "The user prefers dark mode. Always." });

    const deleted = await app.request(`/v1/memories/${id}`, { method: "DELETE", headers: { "x-api-key": KEYS.bob } });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    expect((await as("bob", "GET", `/v1/memories/${id}`)).body.error).toMatchObject({ code: "NOT_FOUND", message: `memory '${id}' not found` });
    expect((await as("bob", "DELETE", `/v1/memories/${id}`)).status).toBe(404);
  });

  test("missing content, importance outside 0–1, an unknown type or an empty patch: 422 VALIDATION_ERROR naming the fields", async () => {
    const cases: [unknown, string][] = [
      [{ summary: "no content" }, "content"],
      [{ content: "" }, "content"],
      [{ content: "ok", importance: 1.5 }, "importance"],
      [{ content: "ok", importance: -0.1 }, "importance"],
      [{ content: "ok", memory_type: "Preference" }, "memory_type"],
      [{ content: "?!" }, "content"],
    ];
    for (const [body, field] of cases) {
      const res = await as("bob", "POST", "/v1/memories", body);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("VALIDATION_ERROR");
      expect(res.body.error.details.fields.map((f: any) => f.field)).toContain(field);
    }
    const { body } = await as("bob", "POST", "/v1/memories", { content: "ok", importance: 2 });
    expect(body.error.details.fields).toEqual([{ field: "importance", error: "expected number to be less or equal to 1" }]);

    const id = (await as("bob", "POST", "/v1/memories", { content: "A memory to patch" })).body.id;
    for (const patch of [{}, { importance: 7 }]) expect((await as("bob", "PATCH", `/v1/memories/${id}`, patch)).status).toBe(422);
    expect((await as("bob", "GET", "/v1/memories/search")).body.error.details.fields.map((f: any) => f.field)).toContain("q");
    expect((await as("bob", "GET", "/v1/memories?limit=0")).status).toBe(422);
  });
});

describe("near duplicates", () => {
  test("the same words with other case, punctuation or spacing merge into the existing memory (200, its id)", async () => {
    const first = await as("carol", "POST", "/v1/memories", { content: "Carol's cat is called Miso.", importance: 0.4, tags: ["pet"] });
    const again = await as("carol", "POST", "/v1/memories", { content: "  carol's CAT is called   miso ", importance: 0.8, tags: ["cat"], memory_type: "fact" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, merged: true, importance: 0.8, tags: ["pet", "cat"], memory_type: "fact", content: "carol's CAT is called   miso" });
    // a lower importance does not lower the kept one
    expect((await as("carol", "POST", "/v1/memories", { content: "Carol's cat is called Miso!", importance: 0.1 })).body).toMatchObject({ id: first.body.id, importance: 0.8 });
  });

  test("one word changed in twenty merges; a different statement does not; another user's twin is not touched", async () => {
    const long = "The staging environment runs on a Kubernetes cluster in the eu-west-1 region with three nodes and a shared Postgres database for every service";
    const first = await as("carol", "POST", "/v1/memories", { content: long });
    const edited = await as("carol", "POST", "/v1/memories", { content: long.replace("three", "four") });
    expect(edited).toMatchObject({ status: 200, body: { id: first.body.id, merged: true } });
    expect(edited.body.content).toContain("four nodes");

    const other = await as("carol", "POST", "/v1/memories", { content: "The production environment runs on bare metal in Frankfurt." });
    expect(other).toMatchObject({ status: 201, body: { merged: false } });
    const bobs = await as("bob", "POST", "/v1/memories", { content: long });
    expect(bobs).toMatchObject({ status: 201, body: { merged: false, owner: "bob" } });
    expect(bobs.body.id).not.toBe(first.body.id);
  });
});

describe("search, stats and decay", () => {
  test("search ranks the matching memory first and counts the access; stats count by type", async () => {
    const wanted = await as("alice", "POST", "/v1/memories", { content: "The billing service allows 100 requests per minute.", memory_type: "fact" });
    await as("alice", "POST", "/v1/memories", { content: "Billing invoices go out on the first of the month.", memory_type: "fact" });
    await as("alice", "POST", "/v1/memories", { content: "The user likes short answers.", memory_type: "preference" });

    const found = await as("alice", "GET", `/v1/memories/search?q=${encodeURIComponent("billing requests per minute limit")}`);
    expect(found.status).toBe(200);
    expect(found.body[0]).toMatchObject({ id: wanted.body.id, access_count: 1, text_score: expect.any(Number), vector_score: null });
    expect(found.body[0].last_accessed_at).not.toBeNull();
    expect(found.body[0].score).toBeGreaterThan(found.body[1].score);
    expect((await as("alice", "GET", `/v1/memories/${wanted.body.id}`)).body.access_count).toBe(1);
    expect((await as("alice", "GET", "/v1/memories/search?q=zebra+xylophone")).body).toEqual([]);
    expect((await as("alice", "GET", "/v1/memories/search?q=billing&memory_type=preference")).body).toEqual([]);

    const stats = await as("alice", "GET", "/v1/memories/stats");
    expect(stats.status).toBe(200);
    expect(stats.body.by_type.map((t: any) => t.memory_type)).toEqual(["fact", "preference", "tool_result", "correction", "context"]);
    expect(stats.body).toMatchObject({ provider_type: "sqlite-fts5", embedded: 0 });
    expect(stats.body.total).toBe(stats.body.by_type.reduce((n: number, t: any) => n + t.count, 0));
  });

  test("POST /v1/memories/decay runs a cycle; right after storing, nothing changes", async () => {
    const res = await as("bob", "POST", "/v1/memories/decay");
    expect(res.status).toBe(200);
    const ranAt = res.body.ran_at;
    expect(Date.parse(ranAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(res.body).toMatchObject({ decayed: 0, deleted: 0, half_life_days: 30, floor: 0.05 });
    expect((await as("bob", "GET", "/v1/memories/stats")).body.last_decay_at).toBe(ranAt);
  });
});

describe("users", () => {
  test("a user key sees only its own memories (others are 404 like missing ones); the admin sees all", async () => {
    const bobs = await as("bob", "POST", "/v1/memories", { content: "Bob's secret project is called Falcon." });
    const id = bobs.body.id;
    for (const [method, body] of [["GET"], ["DELETE"], ["PATCH", { importance: 1 }]] as const) {
      const res = await as("carol", method, `/v1/memories/${id}`, body);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(`memory '${id}' not found`);
    }
    expect((await as("carol", "GET", "/v1/memories?limit=1000")).body.map((m: any) => m.id)).not.toContain(id);
    expect((await as("carol", "GET", "/v1/memories/search?q=falcon")).body).toEqual([]);
    expect((await as("carol", "GET", "/v1/memories/stats")).body.total).toBe((await as("carol", "GET", "/v1/memories?limit=1000")).body.length);
    expect((await as("bob", "GET", "/v1/memories/search?q=falcon")).body.map((m: any) => m.id)).toEqual([id]);
    expect((await as("alice", "GET", `/v1/memories/${id}`)).body.owner).toBe("bob");
    expect((await as("alice", "GET", "/v1/memories?limit=1000")).body.map((m: any) => m.id)).toContain(id);
  });

  test("system info reports the real store", async () => {
    expect((await as("alice", "GET", "/api/v1/system/info")).body.memory_provider).toEqual({ initialized: true, provider_type: "sqlite-fts5" });
  });
});
