// Health/ready/metrics probes, the API docs (offline) and the web UI assets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/harness";

describe("without a provider", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  test("/health is ok; /ready is 503 and says what to set", async () => {
    const health = await app.request("/health", { auth: false });
    expect(health.status).toBe(200);
    expect((await health.json()).status).toBe("ok");
    const ready = await app.request("/ready", { auth: false });
    expect(ready.status).toBe(503);
    const body = await ready.json();
    expect(body.inference.healthy).toBe(false);
    expect(body.inference.detail).toContain("PENGUIN_MODEL");
  });

  test("/ready/all lists every service with health and latency, plus latency percentiles", async () => {
    await app.request("/health");
    const res = await app.request("/ready/all", { auth: false });
    const body = await res.json();
    expect(body.services.database).toMatchObject({ healthy: true });
    expect(typeof body.services.database.latency_ms).toBe("number");
    expect(body.services.inference.healthy).toBe(false);
    expect(body.latency_percentiles).toEqual({ p50_ms: expect.any(Number), p90_ms: expect.any(Number), p99_ms: expect.any(Number) });
  });

  test("/metrics counts requests by status class; active requests and uptime are reported", async () => {
    const before = await (await app.request("/metrics")).json();
    await app.request("/nope-1");
    await app.request("/nope-2");
    await app.request("/health");
    const after = await (await app.request("/metrics")).json();
    expect(after.http.requests_client_error - before.http.requests_client_error).toBe(2);
    expect(after.http.requests_success - before.http.requests_success).toBeGreaterThanOrEqual(2);
    expect(after.http.active_requests).toBeGreaterThanOrEqual(1);
    expect(after.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  test("/metrics/prometheus speaks the text format", async () => {
    const res = await app.request("/metrics/prometheus");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE http_requests_total counter");
    expect(text).toMatch(/http_requests_total\{status="success"\} \d+/);
    expect(text).toContain("# TYPE http_request_duration_ms histogram");
    expect(text).toMatch(/http_request_duration_ms_bucket\{le="\+Inf"\} \d+/);
    expect(text).toMatch(/http_requests_active \d+/);
    expect(text).toMatch(/app_uptime_seconds \d+/);
  });

  test("Swagger UI and ReDoc pages load only local assets, which are served", async () => {
    for (const page of ["/api/docs", "/api/redoc"]) {
      const html = await (await app.request(page, { auth: false })).text();
      const refs = [...html.matchAll(/(?:src|href|spec-url)=["']([^"']+)["']/g)].map((m) => m[1]!);
      const urls = [...html.matchAll(/url:\s*["']([^"']+)["']/g)].map((m) => m[1]!);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of [...refs, ...urls]) {
        expect(ref.startsWith("/")).toBe(true);
        if (ref.startsWith("/api/")) expect((await app.request(ref, { auth: false })).status).toBe(200);
      }
    }
  });

  test("the OpenAPI document describes the routes with tags and summaries", async () => {
    const doc = await (await app.request("/api/docs/json", { auth: false })).json();
    expect(doc.info.title).toBe("Penguin API");
    expect(doc.paths["/ready/all"].get.summary).toBeTruthy();
    expect(doc.paths["/ready/all"].get.tags).toContain("health");
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "apiKey", name: "X-API-Key" });
    // Only OpenAPI's own methods: WebSocket routes are described as the GET that upgrades.
    const methods = new Set(Object.values(doc.paths as Record<string, object>).flatMap((item) => Object.keys(item)));
    for (const m of methods) expect(["get", "put", "post", "delete", "options", "head", "patch", "trace", "parameters"]).toContain(m);
    expect(doc.paths["/api/v1/chat/stream"].get).toMatchObject({ "x-websocket": true, responses: { "101": expect.any(Object) } });
  });

  test("the web UI is served with caching and compression", async () => {
    const res = await app.request("/", { auth: false, headers: { "accept-encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const etag = res.headers.get("etag")!;
    const html = await res.text();
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!.replace(/^\.\//, "/"));
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) {
      const asset = await app.request(s, { auth: false });
      expect(asset.status).toBe(200);
      expect(asset.headers.get("cache-control")).toContain("immutable");
    }
    const again = await app.request("/", { auth: false, headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });
});
