// The cross-cutting HTTP contract: envelope, request ids, security headers, CORS, rate limits, auth and their order.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { t } from "elysia";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { createCore, type Core } from "../../src/core";
import { createLogger } from "../../src/core/kernel/log";
import { startTestApp, TEST_KEY, type TestApp } from "../support/harness";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** An app with extra routes that exercise validation and unexpected exceptions, listening on port 0. */
async function startProbeApp(env: Record<string, string> = {}) {
  const workspace = mkdtempSync(join(tmpdir(), "penguin-probe-"));
  const logs: Record<string, any>[] = [];
  const core: Core = await createCore(loadConfig({ env: { PENGUIN_WORKSPACE: workspace, PENGUIN_API_KEYS: TEST_KEY, PENGUIN_RATE_LIMIT_RPM: "0", ...env } }), {
    log: createLogger({ debug: true, write: (l) => logs.push(JSON.parse(l)) }),
  });
  const app = createApp(core)
    .post("/probe/echo", ({ body }) => body, { body: t.Object({ name: t.String({ minLength: 1 }), count: t.Integer({ minimum: 0 }) }) })
    .get("/probe/boom", () => {
      throw new Error("secret internal detail");
    })
    .ws("/probe/ws", { message: (ws, m) => ws.send(m) })
    .listen({ port: 0, hostname: "127.0.0.1" });
  const url = `http://127.0.0.1:${app.server!.port}`;
  return {
    url,
    logs,
    core,
    fetch: (path: string, init: RequestInit = {}) => fetch(url + path, init),
    async close() {
      await app.stop(true);
      await core.shutdown();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

const key = { "x-api-key": TEST_KEY };

describe("error envelope", () => {
  let app: TestApp;
  let probe: Awaited<ReturnType<typeof startProbeApp>>;
  beforeAll(async () => {
    app = await startTestApp();
    probe = await startProbeApp();
  });
  afterAll(async () => {
    await app.close();
    await probe.close();
  });

  test("unknown route → 404 NOT_FOUND envelope whose request id matches the header", async () => {
    const res = await app.request("/api/v1/definitely-not-here");
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.details).toEqual({});
    expect(body.detail).toBe(body.error.message);
    expect(body.error.request_id).toBe(res.headers.get("x-request-id")!);
  });

  test("wrong method on a known route → 405 METHOD_NOT_ALLOWED with Allow", async () => {
    const res = await app.request("/health", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
    expect((await res.json()).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  test("validation failure → 422 VALIDATION_ERROR with details.fields[]", async () => {
    const res = await probe.fetch("/probe/echo", { method: "POST", headers: { ...key, "content-type": "application/json" }, body: JSON.stringify({ name: "", count: -1 }) });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe("VALIDATION_ERROR");
    const fields = body.error.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toContain("name");
    expect(fields).toContain("count");
    expect(typeof body.detail).toBe("string");
  });

  test("malformed JSON → 400 BAD_REQUEST", async () => {
    const res = await probe.fetch("/probe/echo", { method: "POST", headers: { ...key, "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("BAD_REQUEST");
  });

  test("valid body passes through", async () => {
    const res = await probe.fetch("/probe/echo", { method: "POST", headers: { ...key, "content-type": "application/json" }, body: JSON.stringify({ name: "a", count: 2 }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "a", count: 2 });
  });

  test("body over the size limit → 413 PAYLOAD_TOO_LARGE", async () => {
    const res = await probe.fetch("/probe/echo", { method: "POST", headers: { ...key, "content-type": "application/json" }, body: "x".repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  test("unexpected exception → 500 INTERNAL_ERROR without internals; the trace is logged with the request id", async () => {
    const res = await probe.fetch("/probe/boom", { headers: key });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret internal detail");
    expect(text).not.toContain("at ");
    const body = JSON.parse(text);
    expect(body.error.code).toBe("INTERNAL_ERROR");
    const logged = probe.logs.find((l) => l.msg === "unhandled error");
    expect(logged?.request_id).toBe(body.error.request_id);
    expect(String(logged?.stack)).toContain("secret internal detail");
  });
});

describe("request ids, security headers and logging", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  test("a valid incoming X-Request-Id is kept; an invalid one is replaced by a UUIDv7", async () => {
    const kept = await app.request("/health", { headers: { "x-request-id": "abc-12345678" } });
    expect(kept.headers.get("x-request-id")).toBe("abc-12345678");
    const replaced = await app.request("/health", { headers: { "x-request-id": "bad id with spaces <script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test("security headers on every response, no Server header", async () => {
    for (const path of ["/health", "/", "/nope", "/api/docs"]) {
      const res = await app.request(path);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBeTruthy();
      expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(res.headers.get("server")).toBeNull();
    }
  });

  test("one structured log line per request", async () => {
    const res = await app.request("/health?x=1");
    const id = res.headers.get("x-request-id");
    await Bun.sleep(20);
    const lines = app.logs.filter((l) => l.request_id === id && l.msg === "request");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: "GET", path: "/health", status: 200 });
    expect(typeof lines[0]!.ms).toBe("number");
  });
});

/** A route that needs a key (/metrics is open, as PiSovereign documents it). */
const PROTECTED = "/api/v1/conversations";

describe("authentication", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { PENGUIN_API_KEYS: `${TEST_KEY}:alice, other-key-abcdef:bob` } });
  });
  afterAll(() => app.close());

  test("missing or wrong key → 401 envelope with request id and security headers", async () => {
    for (const headers of [{}, { "x-api-key": "wrong-key-123" }, { authorization: "Bearer nope-nope-nope" }] as Record<string, string>[]) {
      const res = await app.request(PROTECTED, { auth: false, headers });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe("UNAUTHORIZED");
      expect(res.headers.get("x-request-id")).toBeTruthy();
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  test("X-API-Key and Authorization: Bearer are both accepted, for every configured key", async () => {
    expect((await app.request(PROTECTED, { auth: false, headers: { "x-api-key": TEST_KEY } })).status).toBe(200);
    expect((await app.request(PROTECTED, { auth: false, headers: { authorization: "Bearer other-key-abcdef" } })).status).toBe(200);
  });

  test("?token= is honoured only on WebSocket upgrades", async () => {
    const res = await app.request(`${PROTECTED}?token=${TEST_KEY}`, { auth: false });
    expect(res.status).toBe(401);
  });

  test("open routes are exact paths, not prefixes", async () => {
    for (const open of ["/health", "/ready/all", "/", "/api/docs", "/api/docs/json", "/api/redoc"]) {
      const res = await app.request(open, { auth: false });
      expect([200, 503]).toContain(res.status);
    }
    for (const closed of ["/health/x", "/api/docs/json/x", "/api/docsx", "/index.html/../api/v1/conversations"]) {
      expect((await app.request(closed, { auth: false })).status).toBe(401);
    }
  });
});

describe("auth modes", () => {
  test("PENGUIN_AUTH=off opens every route", async () => {
    const app = await startTestApp({ env: { PENGUIN_AUTH: "off" } });
    try {
      expect((await app.request(PROTECTED, { auth: false })).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  test("no keys configured → a startup token works and nothing else does", async () => {
    const app = await startTestApp({ env: { PENGUIN_API_KEYS: "" } });
    try {
      expect(app.core.config.auth.startupToken).toBeTruthy();
      expect((await app.request(PROTECTED)).status).toBe(200);
      expect((await app.request(PROTECTED, { auth: false, headers: { "x-api-key": TEST_KEY } })).status).toBe(401);
    } finally {
      await app.close();
    }
  });

  test("WebSocket upgrade accepts ?token= and rejects a missing one", async () => {
    const probe = await startProbeApp();
    try {
      const wsUrl = probe.url.replace("http", "ws") + "/probe/ws";
      const echoed = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`${wsUrl}?token=${TEST_KEY}`);
        ws.onopen = () => ws.send("hi");
        ws.onmessage = (e) => {
          resolve(String(e.data));
          ws.close();
        };
        ws.onerror = () => reject(new Error("ws failed"));
      });
      expect(echoed).toBe("hi");
      const refused = await new Promise<boolean>((resolve) => {
        const ws = new WebSocket(wsUrl);
        ws.onopen = () => resolve(false);
        ws.onerror = () => resolve(true);
        ws.onclose = () => resolve(true);
      });
      expect(refused).toBe(true);
    } finally {
      await probe.close();
    }
  });
});

describe("CORS and ordering", () => {
  test("a preflight needs no key and gets the CORS answer", async () => {
    const app = await startTestApp({ env: { PENGUIN_CORS_ORIGINS: "http://ui.example, http://other.example" } });
    try {
      const res = await app.request("/api/v1/conversations", {
        method: "OPTIONS",
        auth: false,
        headers: { origin: "http://ui.example", "access-control-request-method": "POST", "access-control-request-headers": "x-api-key" },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("http://ui.example");
      expect(res.headers.get("x-request-id")).toBeTruthy();
      const other = await app.request("/health", { headers: { origin: "http://evil.example" } });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await app.close();
    }
  });

  test("CORS defaults to * when PENGUIN_CORS_ORIGINS is unset", async () => {
    const app = await startTestApp();
    try {
      const res = await app.request("/health", { headers: { origin: "http://anything.example" } });
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
    } finally {
      await app.close();
    }
  });
});

describe("rate limiting", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { PENGUIN_RATE_LIMIT_RPM: "5" } });
  });
  afterAll(() => app.close());

  test("limited responses carry the headers; over the limit → 429 envelope with Retry-After", async () => {
    const first = await app.request("/api/docs/json");
    expect(first.headers.get("x-ratelimit-limit")).toBe("5");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("4");
    expect(Number(first.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    for (let i = 0; i < 4; i++) await app.request("/api/docs/json");
    const limited = await app.request("/api/docs/json");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = await limited.json();
    expect(body.error.code).toBe("RATE_LIMITED");
    expect(body.error.details.retry_after).toBeGreaterThan(0);
    expect(body.error.retry_after).toBe(body.error.details.retry_after);
    expect(limited.headers.get("x-request-id")).toBe(body.error.request_id);
    expect(limited.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("health, ready and metrics probes are never limited", async () => {
    for (let i = 0; i < 8; i++) {
      for (const path of ["/health", "/ready/all", "/metrics", "/metrics/prometheus"]) {
        const res = await app.request(path);
        expect(res.status).not.toBe(429);
        expect(res.headers.get("x-ratelimit-limit")).toBeNull();
      }
    }
  });

  test("failed auth attempts are rate-limited per IP (no unthrottled key guessing)", async () => {
    const other = await startTestApp({ env: { PENGUIN_RATE_LIMIT_RPM: "3" } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await other.request("/api/v1/x", { auth: false, headers: { "x-api-key": `guess-${i}-abcdef` } })).status);
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.slice(3)).toEqual([429, 429]);
    } finally {
      await other.close();
    }
  });
});

describe("hostile requests", () => {
  let probe: Awaited<ReturnType<typeof startProbeApp>>;
  beforeAll(async () => {
    probe = await startProbeApp();
  });
  afterAll(() => probe.close());

  /** Sends a request line exactly as given (fetch would normalise the path). */
  async function rawRequest(path: string, withKey: boolean): Promise<string> {
    const { port } = new URL(probe.url);
    return await new Promise<string>((resolve, reject) => {
      let data = "";
      const socket = Bun.connect({
        hostname: "127.0.0.1",
        port: Number(port),
        socket: {
          open(s) {
            s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${withKey ? `X-API-Key: ${TEST_KEY}\r\n` : ""}Connection: close\r\n\r\n`);
          },
          data(_s, chunk) {
            data += chunk.toString();
          },
          close() {
            resolve(data);
          },
          error(_s, e) {
            reject(e);
          },
        },
      });
      void socket;
    });
  }

  test("dot segments (literal or percent-encoded) are resolved before auth and routing alike", async () => {
    // Bun normalises the request URL before anything sees it, so auth cannot judge one path while the router serves
    // another: an open path prefix does not open what lies behind "..".
    for (const path of ["/health/../api/v1/conversations", "/health/%2e%2e/api/v1/conversations", "/api/docs/%2E%2e/%2e%2e/api/v1/conversations"]) {
      expect(await rawRequest(path, false)).toStartWith("HTTP/1.1 401");
      expect(await rawRequest(path, true)).toStartWith("HTTP/1.1 200");
    }
  });

  test("a chunked body (no Content-Length) is held to the same size limit, and parsed when within it", async () => {
    const chunked = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < text.length; i += 64 * 1024) c.enqueue(new TextEncoder().encode(text.slice(i, i + 64 * 1024)));
          c.close();
        },
      });
    const big = await probe.fetch("/probe/echo", { method: "POST", headers: { ...key, "content-type": "application/json" }, body: chunked(JSON.stringify({ name: "x".repeat(3 * 1024 * 1024), count: 1 })), duplex: "half" } as RequestInit);
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
    const small = await probe.fetch("/probe/echo", { method: "POST", headers: { ...key, "content-type": "application/json" }, body: chunked(JSON.stringify({ name: "ok", count: 3 })), duplex: "half" } as RequestInit);
    expect(small.status).toBe(200);
    expect(await small.json()).toEqual({ name: "ok", count: 3 });
    const broken = await probe.fetch("/probe/echo", { method: "POST", headers: { ...key, "content-type": "application/json" }, body: chunked("{nope"), duplex: "half" } as RequestInit);
    expect(broken.status).toBe(400);
  });

  test("a malformed multipart body is named as such", async () => {
    const res = await probe.fetch("/probe/echo", { method: "POST", headers: { ...key, "content-type": "multipart/form-data; boundary=xyz" }, body: "garbage without boundaries" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("multipart");
  });
});

describe("without authentication", () => {
  test("CORS no longer defaults to * and cross-origin WebSockets are refused; same-origin ones work", async () => {
    const probe = await startProbeApp({ PENGUIN_AUTH: "off" });
    try {
      const preflight = await probe.fetch("/probe/echo", { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
      const wsUrl = probe.url.replace("http", "ws") + "/probe/ws";
      const opens = (origin: string) =>
        new Promise<boolean>((resolve) => {
          const ws = new WebSocket(wsUrl, { headers: { origin } } as unknown as string[]);
          ws.onopen = () => {
            ws.close();
            resolve(true);
          };
          ws.onerror = () => resolve(false);
        });
      expect(await opens("http://evil.example")).toBe(false);
      expect(await opens(probe.url)).toBe(true);
    } finally {
      await probe.close();
    }
  });
});
