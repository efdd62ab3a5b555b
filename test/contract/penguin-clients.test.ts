// What clients written for the original Penguin server rely on: GET /api/v1/health (open, polled before anything
// else), conversation list items with `id`, /metrics open as PiSovereign documents it (metrics_auth = true closes
// it), and an OpenAPI document that does not claim a key for the open routes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { post, startChatApp, useChatApp } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started));

const open = (path: string) => app.request(path, { auth: false });

describe("GET /api/v1/health", () => {
  test("is open and reports every field with real values", async () => {
    up.script({ text: "warm-up answer" });
    expect((await post(app, "/api/v1/chat/message", { text: "warm up" })).status).toBe(200);
    await app.request("/api/v1/no-such-route");

    const res = await open("/api/v1/health");
    expect(res.status).toBe(200);
    const h = await res.json();
    expect(h.status).toBe("healthy");
    expect(Date.now() - Date.parse(h.timestamp)).toBeLessThan(60_000);

    expect(Number.isInteger(h.uptime.uptime_seconds)).toBe(true);
    expect(Date.parse(h.uptime.start_time)).toBeLessThanOrEqual(Date.now());
    expect(h.uptime.uptime_human).toMatch(/\d+s$/);

    const r = h.resource_usage;
    expect(r.memory_mb).toBeGreaterThan(10);
    expect(r.memory_percent).toBeGreaterThan(0);
    expect(r.memory_percent).toBeLessThanOrEqual(100);
    expect(r.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(r.threads) && r.threads >= 1).toBe(true);
    expect(r.active_tasks).toBe(0);

    const c = h.agent_capacity;
    expect(c.active + c.available).toBe(c.max);
    expect(c.max).toBeGreaterThan(0);
    expect(c.utilization).toBeGreaterThanOrEqual(0);
    expect(c.utilization).toBeLessThanOrEqual(1);

    const p = h.performance_metrics;
    expect(p.request_count).toBeGreaterThanOrEqual(2);
    expect(p.task_count).toBe(1);
    expect(p.success_rate).toBeGreaterThan(0);
    expect(p.success_rate).toBeLessThanOrEqual(1);
    expect(p.min_latency_ms).toBeLessThanOrEqual(p.avg_latency_ms);
    expect(p.avg_latency_ms).toBeLessThanOrEqual(p.max_latency_ms);
    expect(p.p95_latency_ms).toBeLessThanOrEqual(p.p99_latency_ms);
    expect(p.error_count).toBe(0);

    expect(h.components).toMatchObject({ database: true, inference: true });
    expect(Object.values(h.components).every((v) => typeof v === "boolean")).toBe(true);
    expect(h.agents).toEqual({ total: expect.any(Number), active: 0 });
    expect(h.agents.total).toBeGreaterThanOrEqual(1);
  });

  test("counts a running turn and its agent while it runs", async () => {
    up.script({ delayMs: 600, text: "slow answer" });
    const turn = post(app, "/api/v1/chat/message", { text: "take your time" });
    await Bun.sleep(300);
    const during = await (await open("/api/v1/health")).json();
    expect(during.resource_usage.active_tasks).toBe(1);
    expect(during.agents.active).toBe(1);
    await turn;
    const after = await (await open("/api/v1/health")).json();
    expect(after.resource_usage.active_tasks).toBe(0);
    expect(after.agents.active).toBe(0);
  });
});

describe("GET /api/v1/health at capacity", () => {
  let up1: Upstream;
  let one: TestApp;
  beforeAll(async () => {
    up1 = await startUpstream();
    one = await startChatApp(up1, "openai", { toml: "max_concurrent_agents = 1\n" });
  });
  afterAll(async () => {
    await one.close();
    await up1.close();
  });

  test("with every agent slot taken the status is at_capacity", async () => {
    const idle = await (await one.request("/api/v1/health", { auth: false })).json();
    expect(idle.agent_capacity).toEqual({ max: 1, active: 0, available: 1, utilization: 0 });
    up1.script({ delayMs: 600, text: "busy" });
    // the OpenAI surface runs its turns as the agent's, in one of its slots
    const turn = post(one, "/v1/chat/completions", { model: "default", messages: [{ role: "user", content: "occupy the slot" }] });
    await Bun.sleep(300);
    const busy = await (await one.request("/api/v1/health", { auth: false })).json();
    expect(busy.status).toBe("at_capacity");
    expect(busy.agent_capacity).toEqual({ max: 1, active: 1, available: 0, utilization: 1 });
    await turn;
    expect((await (await one.request("/api/v1/health", { auth: false })).json()).status).toBe("healthy");
  });
});

describe("open routes", () => {
  test("/metrics and /metrics/prometheus need no key", async () => {
    const json = await open("/metrics");
    expect(json.status).toBe(200);
    expect((await json.json()).http.requests_total).toBeGreaterThan(0);
    const text = await open("/metrics/prometheus");
    expect(text.status).toBe(200);
    expect(await text.text()).toContain("http_requests_total");
  });

  test("the OpenAPI document marks open routes as needing no key, and others as needing one", async () => {
    const doc = await (await open("/api/docs/json")).json();
    for (const path of ["/health", "/api/v1/health", "/ready", "/ready/all", "/metrics", "/metrics/prometheus"]) {
      expect(doc.paths[path]?.get?.security).toEqual([]);
    }
    expect(doc.paths["/api/v1/conversations"].get.security).toBeUndefined();
    expect(doc.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
  });
});

describe("metrics_auth = true", () => {
  let closed: TestApp;
  beforeAll(async () => {
    closed = await startTestApp({ toml: "metrics_auth = true\n" });
  });
  afterAll(() => closed.close());

  test("puts /metrics behind a key, in the API and in its document", async () => {
    for (const path of ["/metrics", "/metrics/prometheus"]) {
      expect((await closed.request(path, { auth: false })).status).toBe(401);
      expect((await closed.request(path)).status).toBe(200);
    }
    expect((await closed.request("/api/v1/health", { auth: false })).status).toBe(200);
    const doc = await (await closed.request("/api/docs/json", { auth: false })).json();
    expect(doc.paths["/metrics"].get.security).toBeUndefined();
    expect(doc.paths["/api/v1/health"].get.security).toEqual([]);
  });
});

test("conversation list items carry id (the conversation id)", async () => {
  up.script({ text: "listed" });
  const chat = await post(app, "/api/v1/chat/message", { text: "list me" });
  const list = await (await app.request("/api/v1/conversations")).json();
  const item = list.conversations.find((c: { conversation_id: string }) => c.conversation_id === chat.body.conversation_id);
  expect(item.id).toBe(chat.body.conversation_id);
});
