// Conformance of the implemented routes to the API documents in /work/shared/spec, written the way a client author
// would write it from the documents alone: every call uses the documented path, method and (where the documents give
// one) the example body, and asserts the documented status codes and the documented fields with their types.
// Sources: penguin-api-server-v0.4.txt (+ the .md with diagrams, v0.3 for older clients' fields), penguin-api-usage.txt,
// pisovereign-api-reference.txt (conventions, health/metrics, /v1/chat*, /v1/system/*) and DESIGN.md §4.
// Out of scope (not built yet): agents, message routing, coordinator, events WS, GitHub webhook.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_KEY, startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";
import { ChatSocket, parseSse, send, until, type Answer } from "../support/chat";

// ── a tiny shape checker: every mismatch is listed at once ─────────────────────────────────────────────────────
// A spec is a kind ("string", "number", "integer", "boolean", "object", "array", "null", unions "string|null",
// a trailing "?" for a field that may be absent), "=text" for an exact string, an object of field specs, or
// [spec] for an array whose every item matches spec.
type Spec = string | { [field: string]: Spec } | [Spec];

const kindOf = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const matchesKind = (v: unknown, kind: string): boolean =>
  kind === "integer" ? Number.isInteger(v) : kind === "any" ? v !== undefined : kindOf(v) === kind;

function problemsOf(value: unknown, spec: Spec, path = "$", problems: string[] = []): string[] {
  if (Array.isArray(spec)) {
    if (!Array.isArray(value)) problems.push(`${path}: expected an array, got ${kindOf(value)}`);
    else value.forEach((item, i) => problemsOf(item, spec[0], `${path}[${i}]`, problems));
  } else if (typeof spec === "object") {
    if (kindOf(value) !== "object") {
      problems.push(`${path}: expected an object, got ${kindOf(value)}`);
      return problems;
    }
    for (const [field, fieldSpec] of Object.entries(spec)) {
      const optional = typeof fieldSpec === "string" && fieldSpec.endsWith("?");
      const v = (value as Record<string, unknown>)[field];
      if (!(field in (value as object))) {
        if (!optional) problems.push(`${path}.${field}: missing`);
        continue;
      }
      problemsOf(v, optional ? (fieldSpec as string).slice(0, -1) : fieldSpec, `${path}.${field}`, problems);
    }
  } else if (spec.startsWith("=")) {
    if (value !== spec.slice(1)) problems.push(`${path}: expected "${spec.slice(1)}", got ${JSON.stringify(value)}`);
  } else if (!spec.split("|").some((kind) => matchesKind(value, kind))) {
    problems.push(`${path}: expected ${spec}, got ${JSON.stringify(value)?.slice(0, 120)}`);
  }
  return problems;
}

const expectShape = (value: unknown, spec: Spec) => expect(problemsOf(value, spec)).toEqual([]);

// ── the app ────────────────────────────────────────────────────────────────────────────────────────────────────

let up: Upstream;
let app: TestApp;
let otherDir: string;
const RPM = 600;
const BURST_KEY = "burst-key-0123456789";

// Two more configured models so the documented examples ("gpt-4", a vision model) can be called as written.
const TOML = `
[[models]]
id = "gpt-4"
provider = "openai"
model = "gpt-4"
max_tokens = 8000

[[models]]
id = "vision-model"
provider = "openai"
model = "gpt-4o"
vision = true

# The documents' examples route to agent "code-expert": declared, since an unknown agent_id is a 404.
[[agents]]
id = "code-expert"
`;

beforeAll(async () => {
  up = await startUpstream();
  app = await startTestApp({
    toml: TOML,
    env: {
      PENGUIN_MODEL: "openai/test-model",
      OPENAI_API_KEY: "x",
      OPENAI_BASE_URL: up.openaiBaseUrl,
      OPENROUTER_API_KEY: "or-test",
      OPENROUTER_BASE_URL: up.openrouterBaseUrl,
      PENGUIN_RETRY_BASE_MS: "5",
      // on, far above what this file sends with TEST_KEY (~110 requests), so the documented X-RateLimit-* headers
      // can be checked; BURST_KEY has its own budget and is spent to see a 429
      PENGUIN_RATE_LIMIT_RPM: String(RPM),
      PENGUIN_API_KEYS: `${TEST_KEY},${BURST_KEY}`,
    },
  });
  const p = app.projectRoot;
  mkdirSync(join(p, "path", "to"), { recursive: true });
  writeFileSync(join(p, "path", "to", "file1.py"), "def one():\n    return 1\n");
  writeFileSync(join(p, "path", "to", "file2.py"), "def two():\n    return 2\n");
  writeFileSync(join(p, "main.py"), "print('main')\n");
  writeFileSync(join(p, "notes.txt"), "the secret word is penguin\n");
  mkdirSync(join(p, "build", "out"), { recursive: true });
  writeFileSync(join(p, "build", "out", "app.js"), "compiled");
  mkdirSync(join(app.workspace, "context", "docs"), { recursive: true });
  writeFileSync(join(app.workspace, "context", "docs", "api_reference.md"), "# API reference\n");
  otherDir = realpathSync(mkdtempSync(join(tmpdir(), "penguin-conformance-other-")));
});

afterAll(async () => {
  await app?.close();
  await up?.close();
  rmSync(otherDir, { recursive: true, force: true });
});

function call(method: string, path: string, json?: unknown, init: RequestInit & { auth?: boolean } = {}): Promise<Answer> {
  return send(app, method, path, json, init);
}

async function openSocket(path: string): Promise<ChatSocket> {
  const socket = new ChatSocket(app.wsUrl(path));
  await until(() => socket.ws.readyState === WebSocket.OPEN || socket.closed, 3000, `socket ${path} to open`);
  expect(socket.closed).toBe(false);
  return socket;
}

const ERROR_ENVELOPE: Spec = {
  error: { code: "string", message: "string", details: "object", request_id: "string" },
  detail: "string",
};

const ACTION_RESULT: Spec = { action: "string", result: "string", status: "string" };

// ── conventions: auth, request ids, rate-limit headers (DESIGN §4, PiSovereign) ──────────────────────────────

describe("conventions", () => {
  test("X-API-Key and Authorization: Bearer are both accepted; no key → 401 with the error envelope", async () => {
    expect((await call("GET", "/api/v1/models", undefined, { auth: false, headers: { "X-API-Key": TEST_KEY } })).status).toBe(200);
    expect((await call("GET", "/api/v1/models", undefined, { auth: false, headers: { Authorization: `Bearer ${TEST_KEY}` } })).status).toBe(200);
    const denied = await call("GET", "/api/v1/models", undefined, { auth: false });
    expect(denied.status).toBe(401);
    expectShape(denied.body, ERROR_ENVELOPE);
    expect(denied.body.error.code).toBe("UNAUTHORIZED");
    expect(denied.body.detail).toBe(denied.body.error.message);
    expect(denied.body.error.request_id).toBe(denied.headers.get("x-request-id")!);
    const wrong = await call("GET", "/api/v1/models", undefined, { auth: false, headers: { Authorization: "Bearer not-the-key-123" } });
    expect(wrong.status).toBe(401);
  });

  test("every response carries X-Request-Id; a valid incoming one is kept", async () => {
    const fresh = await call("GET", "/health");
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const id = "550e8400-e29b-41d4-a716-446655440000";
    expect((await call("GET", "/api/v1/models", undefined, { headers: { "X-Request-Id": id } })).headers.get("x-request-id")).toBe(id);
  });

  test("rate-limited responses carry X-RateLimit-Limit / -Remaining / -Reset", async () => {
    const res = await call("GET", "/api/v1/models");
    for (const h of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) expect(res.headers.get(h)).toMatch(/^\d+$/);
    expect(res.headers.get("x-ratelimit-limit")).toBe(String(RPM));
    // Reset is a Unix timestamp (seconds), within the current one-minute window
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    const now = Date.now() / 1000;
    expect(reset).toBeGreaterThan(now - 1);
    expect(reset).toBeLessThanOrEqual(now + 61);
  });

  test("over the limit → 429 RATE_LIMITED with Retry-After; health probes are not limited", async () => {
    let limited: Response | undefined;
    for (let batch = 0; batch < 8 && !limited; batch++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => app.request("/api/v1/approvals", { auth: false, headers: { "X-API-Key": BURST_KEY } })));
      limited = answers.find((r) => r.status === 429);
      await Promise.all(answers.filter((r) => r !== limited).map((r) => r.arrayBuffer()));
    }
    expect(limited).toBeDefined();
    expect(limited!.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited!.headers.get("x-ratelimit-remaining")).toBe("0");
    const body = await limited!.json();
    expectShape(body, ERROR_ENVELOPE);
    expect(body.error.code).toBe("RATE_LIMITED");
    expect((await call("GET", "/health", undefined, { headers: { "X-API-Key": BURST_KEY } })).status).toBe(200);
    // other keys keep their own budget
    expect((await call("GET", "/api/v1/approvals")).status).toBe(200);
  });
});

// ── health, readiness, metrics (PiSovereign) ───────────────────────────────────────────────────────────────

describe("health and metrics", () => {
  test("GET /health and /ready need no key", async () => {
    const health = await call("GET", "/health", undefined, { auth: false });
    expect(health.status).toBe(200);
    expectShape(health.body, { status: "=ok" });
    const ready = await call("GET", "/ready", undefined, { auth: false });
    expect(ready.status).toBe(200);
    expectShape(ready.body, { status: "=ready", inference: { healthy: "boolean", model: "string", latency_ms: "number" } });
    expect(ready.body.inference.healthy).toBe(true);
  });

  test("GET /ready/all", async () => {
    const res = await call("GET", "/ready/all", undefined, { auth: false });
    expect(res.status).toBe(200);
    expectShape(res.body, {
      status: "=ready",
      services: { inference: { healthy: "boolean", latency_ms: "number" }, database: { healthy: "boolean", latency_ms: "number" } },
      latency_percentiles: { p50_ms: "number", p90_ms: "number", p99_ms: "number" },
    });
  });

  test("GET /metrics", async () => {
    const res = await call("GET", "/metrics");
    expect(res.status).toBe(200);
    expectShape(res.body, {
      uptime_seconds: "integer",
      http: {
        requests_total: "integer",
        requests_success: "integer",
        requests_client_error: "integer",
        requests_server_error: "integer",
        active_requests: "integer",
        response_time_avg_ms: "number",
      },
      inference: { requests_total: "integer", requests_success: "integer", requests_failed: "integer", time_avg_ms: "number", tokens_total: "integer", healthy: "boolean" },
    });
    expect(res.body.inference.healthy).toBe(true);
  });

  test("GET /metrics/prometheus is text/plain in the exposition format", async () => {
    const res = await call("GET", "/metrics/prometheus");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/plain");
    expect(res.text).toContain("# TYPE app_uptime_seconds counter");
    expect(res.text).toMatch(/^app_uptime_seconds \d+$/m);
    for (const s of ["success", "client_error", "server_error"]) expect(res.text).toMatch(new RegExp(`^http_requests_total\\{status="${s}"\\} \\d+$`, "m"));
    expect(res.text).toMatch(/^inference_time_ms_bucket\{le="\+Inf"\} \d+$/m);
  });
});

// ── models ─────────────────────────────────────────────────────────────────────────────────────────────────

describe("models", () => {
  const SUMMARY: Spec = {
    id: "string",
    name: "string",
    provider: "string",
    vision_enabled: "boolean",
    max_output_tokens: "integer",
    max_tokens: "integer", // v0.3 and the .md document this name
    current: "boolean",
  };

  test("GET /api/v1/models", async () => {
    const res = await call("GET", "/api/v1/models");
    expect(res.status).toBe(200);
    expectShape(res.body, { models: [SUMMARY] });
    const byId = Object.fromEntries(res.body.models.map((m: any) => [m.id, m]));
    expect(byId["gpt-4"]).toMatchObject({ name: "openai/gpt-4", provider: "openai", vision_enabled: false, max_output_tokens: 8000, max_tokens: 8000, current: false });
    expect(res.body.models.filter((m: any) => m.current).map((m: any) => m.id)).toEqual(["openai/test-model"]);
  });

  test("GET /api/v1/models/current", async () => {
    const res = await call("GET", "/api/v1/models/current");
    expect(res.status).toBe(200);
    expectShape(res.body, {
      model: "string",
      provider: "string",
      client_preference: "string",
      max_output_tokens: "integer",
      max_tokens: "integer",
      temperature: "number|null",
      streaming_enabled: "boolean",
      vision_enabled: "boolean",
    });
    expect(res.body.model).toBe("openai/test-model");
  });

  test("POST /api/v1/models/load with the documented body, and back", async () => {
    const res = await call("POST", "/api/v1/models/load", { model_id: "gpt-4" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "success", model_id: "gpt-4", current_model: "openai/gpt-4", message: "Successfully loaded model: gpt-4" });
    expect((await call("GET", "/api/v1/models/current")).body.model).toBe("openai/gpt-4");
    expect((await call("POST", "/api/v1/models/load", { model_id: "openai/test-model" })).status).toBe(200);
    const unknown = await call("POST", "/api/v1/models/load", { model_id: "no-such-model" });
    expect(unknown.status).toBe(404);
    expectShape(unknown.body, ERROR_ENVELOPE);
  });

  test("GET /api/v1/models/discover (OpenRouter catalogue)", async () => {
    const res = await call("GET", "/api/v1/models/discover");
    expect(res.status).toBe(200);
    expectShape(res.body, {
      models: [{ id: "string", name: "string", provider: "string", context_length: "integer|null", max_output_tokens: "integer|null", pricing: { prompt: "string", completion: "string" } }],
    });
    expect(res.body.models.find((m: any) => m.id === "openai/gpt-4o")).toMatchObject({ provider: "openai", context_length: 128000, max_output_tokens: 16384 });
  });
});

// ── upload and vision ──────────────────────────────────────────────────────────────────────────────────────

// A 1×1 transparent PNG.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

describe("upload", () => {
  test("POST /api/v1/upload (multipart `file`) → path, filename, content_type; the path works as image_path", async () => {
    const form = new FormData();
    form.append("file", new File([PNG], "image.png", { type: "image/png" }));
    const res = await call("POST", "/api/v1/upload", undefined, { body: form });
    expect(res.status).toBe(200);
    expectShape(res.body, { path: "string", filename: "string", content_type: "string" });
    expect(res.body).toMatchObject({ filename: "image.png", content_type: "image/png" });

    expect((await call("POST", "/api/v1/models/load", { model_id: "vision-model" })).status).toBe(200);
    try {
      up.script({ key: "[vision]", text: "A tiny transparent image." });
      const chat = await call("POST", "/api/v1/chat/message", { text: "What is in this image? [vision]", image_path: res.body.path });
      expect(chat.status).toBe(200);
      expect(chat.body.response).toBe("A tiny transparent image.");
      expect(JSON.stringify(up.requests.at(-1)!.body.messages)).toContain("data:image/png;base64,");
    } finally {
      await call("POST", "/api/v1/models/load", { model_id: "openai/test-model" });
    }
  });
});

// ── REST chat ──────────────────────────────────────────────────────────────────────────────────────────────

describe("POST /api/v1/chat/message", () => {
  test("the v0.4 example body (with real context files, without the image) → response, action_results, reasoning", async () => {
    up.script({ key: "Python development", reasoning: "The user wants Python help.", text: "I can help you with Python development in several ways..." });
    const res = await call("POST", "/api/v1/chat/message", {
      text: "Hello, how can you help me with Python development?",
      conversation_id: "optional-conversation-id",
      agent_id: "code-expert",
      context: { key: "value" },
      context_files: ["path/to/file1.py", "path/to/file2.py"],
      streaming: true,
      max_iterations: 5,
      include_reasoning: true,
    });
    expect(res.status).toBe(200);
    expectShape(res.body, { response: "string", action_results: [ACTION_RESULT], reasoning: "string" });
    expect(res.body.response).toBe("I can help you with Python development in several ways...");
    expect(res.body.reasoning).toBe("The user wants Python help.");
    // context and context_files reached the model
    const sent = JSON.stringify(up.requests.at(-1)!.body.messages);
    expect(sent).toContain("def one()");
    expect(sent).toContain("def two()");
    expect(sent).toContain("value");
  });

  test("the usage guide's minimal body, and continuing a conversation by conversation_id", async () => {
    const first = await call("POST", "/api/v1/chat/message", { text: "Write a Python function to calculate the Fibonacci sequence." });
    expect(first.status).toBe(200);
    expectShape(first.body, { response: "string", action_results: "array" });
    const again = await call("POST", "/api/v1/chat/message", {
      text: "Explain the key components of the code you just generated",
      conversation_id: "optional-conversation-id",
    });
    expect(again.status).toBe(200);
    const history = (await call("GET", "/api/v1/conversations/optional-conversation-id")).body.messages;
    expect(history.map((m: any) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
  });

  test("a tool the model calls shows up in action_results", async () => {
    up.script(
      { key: "[rest-tool]", toolCalls: [{ name: "read_file", arguments: { path: "notes.txt" } }] },
      { key: "[rest-tool]", text: "The secret word is penguin." },
    );
    const res = await call("POST", "/api/v1/chat/message", { text: "What does notes.txt say? [rest-tool]" });
    expect(res.status).toBe(200);
    expectShape(res.body, { response: "string", action_results: [ACTION_RESULT] });
    expect(res.body.action_results).toHaveLength(1);
    expect(res.body.action_results[0]).toMatchObject({ action: "read_file", status: "completed" });
    expect(res.body.action_results[0].result).toContain("penguin");
  });

  test("session_id + directory binds a session: first bind 200, rebinding elsewhere 409, an invalid directory 400", async () => {
    const bound = await call("POST", "/api/v1/chat/message", { text: "Run checks in this repo", session_id: "repo-session-1", directory: app.projectRoot });
    expect(bound.status).toBe(200);
    expectShape(bound.body, { response: "string", action_results: "array" });
    const same = await call("POST", "/api/v1/chat/message", { text: "And again", session_id: "repo-session-1", directory: app.projectRoot });
    expect(same.status).toBe(200);
    const rebind = await call("POST", "/api/v1/chat/message", { text: "Run checks there", session_id: "repo-session-1", directory: otherDir });
    expect(rebind.status).toBe(409);
    expectShape(rebind.body, ERROR_ENVELOPE);
    const invalid = await call("POST", "/api/v1/chat/message", { text: "Run checks", session_id: "repo-session-2", directory: join(otherDir, "does-not-exist") });
    expect(invalid.status).toBe(400);
    expectShape(invalid.body, ERROR_ENVELOPE);
    const file = await call("POST", "/api/v1/chat/message", { text: "Run checks", session_id: "repo-session-3", directory: join(app.projectRoot, "main.py") });
    expect(file.status).toBe(400);
  });
});

// ── chat WebSocket ─────────────────────────────────────────────────────────────────────────────────────────

describe("WebSocket /api/v1/chat/stream", () => {
  test("the v0.4 Send Message example → start, reasoning, token, progress, complete", async () => {
    up.script({ key: "Explain this code", reasoning: "Analyzing code structure...", text: "It prints main." });
    const ws = await openSocket("/api/v1/chat/stream");
    ws.send({ text: "Explain this code", agent_id: "code-expert", conversation_id: "conv_123", include_reasoning: true, max_iterations: 5, context_files: ["main.py"] });
    const complete = await ws.next("complete");
    const names = new Set(ws.events.map((e) => e.event));
    for (const name of ["start", "reasoning", "token", "progress", "complete"]) expect(names).toContain(name);
    expect(ws.events[0]!.event).toBe("start");
    for (const e of ws.events) expectShape(e, { event: "string", data: "object" });
    for (const e of ws.events.filter((e) => e.event === "token" || e.event === "reasoning")) expectShape(e.data, { token: "string" });
    expectShape(ws.events.find((e) => e.event === "progress")!.data, { iteration: "integer", max_iterations: "integer" });
    expect(ws.events.find((e) => e.event === "progress")!.data.max_iterations).toBe(5);
    expect(ws.tokens()).toBe("It prints main.");
    expect(ws.events.filter((e) => e.event === "reasoning").map((e) => e.data.token).join("")).toBe("Analyzing code structure...");
    expectShape(complete.data, { response: "string", action_results: "array", reasoning: "string" });
    expect(complete.data).toMatchObject({ response: "It prints main.", reasoning: "Analyzing code structure..." });
    expect(JSON.stringify(up.requests.at(-1)!.body.messages)).toContain("print('main')");
    ws.close();
  });

  test("the usage guide's example (session_id + directory) and a tool call: tool_start, tool_result, complete.action_results", async () => {
    up.script(
      { key: "[ws-tool]", toolCalls: [{ name: "read_file", arguments: { path: "notes.txt" } }] },
      { key: "[ws-tool]", text: "Step 1: pip install tensorflow." },
    );
    const ws = await openSocket("/api/v1/chat/stream");
    ws.send({ text: "Write a step-by-step guide to installing TensorFlow. [ws-tool]", session_id: "stream-session-1", directory: app.projectRoot });
    const complete = await ws.next("complete");
    const start = ws.events.find((e) => e.event === "tool_start")!;
    const result = ws.events.find((e) => e.event === "tool_result")!;
    expectShape(start.data, { id: "string", name: "string", arguments: "object" });
    expectShape(result.data, { id: "string", name: "string", status: "string", result: "string" });
    expect(start.data).toMatchObject({ name: "read_file", arguments: { path: "notes.txt" } });
    expect(result.data).toMatchObject({ id: start.data.id, name: "read_file", status: "completed" });
    expectShape(complete.data, { response: "string", action_results: [ACTION_RESULT] });
    expect(complete.data.action_results[0]).toMatchObject({ action: "read_file", status: "completed" });
    ws.close();
  });

  test("error: {message} for an upstream failure and for an invalid frame", async () => {
    up.script({ key: "[ws-fail]", error: { status: 400, message: "bad request upstream" } });
    const ws = await openSocket("/api/v1/chat/stream");
    ws.send({ text: "this fails [ws-fail]" });
    const failed = await ws.next("error");
    expectShape(failed, { event: "=error", data: { message: "string" } });
    ws.send({ not_text: true });
    const invalid = await ws.next("error", 2);
    expectShape(invalid.data, { message: "string" });
    ws.close();
  });
});

// ── approvals (REST + WS events) ───────────────────────────────────────────────────────────────────────────

describe("approvals", () => {
  const PENDING: Spec = {
    id: "string",
    tool_name: "string",
    operation: "string",
    resource: "string",
    reason: "string",
    session_id: "string",
    created_at: "string",
    expires_at: "string",
  };
  const REQUIRED: Spec = { request_id: "string", tool_name: "string", operation: "string", resource: "string", reason: "string", expires_at: "string" };

  const askToClean = (key: string) =>
    up.script({ key, toolCalls: [{ name: "execute_command", arguments: { command: "rm -rf build" } }] }, { key, text: "Done with the build folder." });

  test("approval_required → GET /api/v1/approvals → approve {scope: session} → approval_resolved", async () => {
    askToClean("[approve]");
    const ws = await openSocket("/api/v1/chat/stream");
    ws.send({ text: "clean the build [approve]" });
    const required = await ws.next("approval_required");
    expectShape(required.data, REQUIRED);
    expect(required.data).toMatchObject({ operation: "process.execute", resource: "rm -rf build" });

    const list = await call("GET", "/api/v1/approvals");
    expect(list.status).toBe(200);
    expectShape(list.body, { pending: [PENDING] });
    expect(list.body.pending.map((p: any) => p.id)).toContain(required.data.request_id);

    const approved = await call("POST", `/api/v1/approvals/${required.data.request_id}/approve`, { scope: "session" });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: "approved", request_id: required.data.request_id, scope: "session" });
    const resolved = await ws.next("approval_resolved");
    expect(resolved.data).toMatchObject({ request_id: required.data.request_id, status: "approved", scope: "session" });
    await ws.next("complete");
    ws.close();
  });

  test("deny → {status: denied, request_id} and approval_resolved {status: denied}", async () => {
    askToClean("[deny]");
    const ws = await openSocket("/api/v1/chat/stream");
    ws.send({ text: "clean the build [deny]" });
    const required = await ws.next("approval_required");
    const denied = await call("POST", `/api/v1/approvals/${required.data.request_id}/deny`);
    expect(denied.status).toBe(200);
    expect(denied.body).toMatchObject({ status: "denied", request_id: required.data.request_id });
    expect((await ws.next("approval_resolved")).data).toMatchObject({ request_id: required.data.request_id, status: "denied" });
    await ws.next("complete");
    ws.close();
  });

  test("POST /api/v1/approvals/pre-approve with the documented body; unknown request ids → 404", async () => {
    const res = await call("POST", "/api/v1/approvals/pre-approve", { operation: "filesystem.delete", pattern: "./build/*", session_id: "sess_abc" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "pre-approved", operation: "filesystem.delete", pattern: "./build/*" });
    for (const action of ["approve", "deny"]) {
      const missing = await call("POST", `/api/v1/approvals/apr_xyz789/${action}`, action === "approve" ? { scope: "once" } : undefined);
      expect(missing.status).toBe(404);
      expectShape(missing.body, ERROR_ENVELOPE);
    }
  });
});

// ── security audit ─────────────────────────────────────────────────────────────────────────────────────────

describe("security audit", () => {
  test("GET /api/v1/security/audit → entries, total, filters", async () => {
    const res = await call("GET", "/api/v1/security/audit");
    expect(res.status).toBe(200);
    expectShape(res.body, {
      entries: [
        {
          id: "string",
          timestamp: "string",
          operation: "string",
          resource: "string",
          result: "string",
          reason: "string",
          policy: "string",
          agent_id: "string",
          tool_name: "string|null",
        },
      ],
      total: "integer",
      filters: { limit: "integer", result: "string|null", category: "string|null", agent_id: "string|null" },
    });
    expect(res.body.entries.length).toBeGreaterThan(0);
    expect(res.body.filters).toEqual({ limit: 100, result: null, category: null, agent_id: null });
    expect(res.body.entries.every((e: any) => ["allow", "ask", "deny"].includes(e.result))).toBe(true);

    const filtered = await call("GET", "/api/v1/security/audit?limit=5&result=ask&category=process&agent_id=default");
    expect(filtered.status).toBe(200);
    expect(filtered.body.filters).toEqual({ limit: 5, result: "ask", category: "process", agent_id: "default" });
    expect(filtered.body.entries.length).toBeGreaterThan(0);
    expect(filtered.body.entries.every((e: any) => e.result === "ask" && e.operation.startsWith("process."))).toBe(true);
    for (const category of ["filesystem", "process", "network", "git", "memory"]) {
      expect((await call("GET", `/api/v1/security/audit?category=${category}`)).status).toBe(200);
    }
    for (const result of ["allow", "ask", "deny"]) expect((await call("GET", `/api/v1/security/audit?result=${result}&limit=1000`)).status).toBe(200);
  });

  test("GET /api/v1/security/audit/stats → total, by_result, by_category", async () => {
    const res = await call("GET", "/api/v1/security/audit/stats");
    expect(res.status).toBe(200);
    expectShape(res.body, { total: "integer", by_result: { allow: "integer", ask: "integer", deny: "integer" }, by_category: "object" });
    expect(res.body.by_result.ask).toBeGreaterThan(0);
    expect(res.body.by_category.process).toBeGreaterThan(0);
  });
});

// ── conversations, context files, token usage ──────────────────────────────────────────────────────────────

describe("conversations", () => {
  test("GET /api/v1/conversations → conversations[].session_id, message_count", async () => {
    const res = await call("GET", "/api/v1/conversations");
    expect(res.status).toBe(200);
    expectShape(res.body, { conversations: [{ session_id: "string", message_count: "integer" }] });
    expect(res.body.conversations.length).toBeGreaterThan(0);
  });

  test("POST /api/v1/conversations/create (no body, and the PenguinAPI's name) → conversation_id", async () => {
    const bare = await call("POST", "/api/v1/conversations/create");
    expect(bare.status).toBe(200);
    expectShape(bare.body, { conversation_id: "string" });
    const named = await call("POST", "/api/v1/conversations/create", { name: "Debug Session" });
    expect(named.status).toBe(200);
    expectShape(named.body, { conversation_id: "string" });
    const listed = (await call("GET", "/api/v1/conversations")).body.conversations;
    expect(listed.map((c: any) => c.conversation_id ?? c.session_id)).toContain(named.body.conversation_id);
  });

  test("GET /api/v1/conversations/{conversation_id} → messages[].role, content; unknown → 404", async () => {
    const res = await call("GET", "/api/v1/conversations/optional-conversation-id");
    expect(res.status).toBe(200);
    expectShape(res.body, { messages: [{ role: "string", content: "string" }] });
    expect(res.body.messages[0]).toMatchObject({ role: "user", content: "Hello, how can you help me with Python development?" });
    const missing = await call("GET", "/api/v1/conversations/conversation_20240330_123456");
    expect(missing.status).toBe(404);
    expectShape(missing.body, ERROR_ENVELOPE);
    expect(missing.body.error.code).toBe("NOT_FOUND");
  });

  test("GET /api/v1/conversations/{id}/history with every documented query parameter", async () => {
    const all = await call("GET", "/api/v1/conversations/optional-conversation-id/history");
    expect(all.status).toBe(200);
    expectShape(all.body, { messages: [{ role: "string", content: "string" }] });
    expect(all.body.messages).toHaveLength(4);
    const limited = await call("GET", "/api/v1/conversations/optional-conversation-id/history?include_system=false&limit=1");
    expect(limited.status).toBe(200);
    expect(limited.body.messages).toHaveLength(1);
    const filtered = await call("GET", "/api/v1/conversations/optional-conversation-id/history?agent_id=code-expert&message_type=message&channel=none");
    expect(filtered.status).toBe(200);
    expect(filtered.body.messages).toEqual([]);
    const byAgent = await call("GET", "/api/v1/conversations/optional-conversation-id/history?agent_id=code-expert&message_type=message");
    expect(byAgent.body.messages.length).toBeGreaterThan(0);
    expect((await call("GET", "/api/v1/conversations/nope-nope/history")).status).toBe(404);
  });
});

describe("context files and token usage", () => {
  test("GET /api/v1/context-files → files[].path, size", async () => {
    const res = await call("GET", "/api/v1/context-files");
    expect(res.status).toBe(200);
    expectShape(res.body, { files: [{ path: "string", size: "integer" }] });
    expect(res.body.files).toContainEqual(expect.objectContaining({ path: "docs/api_reference.md", size: 16 }));
  });

  test("POST /api/v1/context-files/load {file_path}", async () => {
    const res = await call("POST", "/api/v1/context-files/load", { file_path: "docs/api_reference.md" });
    expect(res.status).toBe(200);
    expectShape(res.body, "object");
    const missing = await call("POST", "/api/v1/context-files/load", { file_path: "docs/none.md" });
    expect(missing.status).toBe(404);
    expectShape(missing.body, ERROR_ENVELOPE);
  });

  test("GET /api/v1/token-usage → usage.main_model.total", async () => {
    const res = await call("GET", "/api/v1/token-usage");
    expect(res.status).toBe(200);
    expectShape(res.body, { usage: { main_model: { total: "integer" } } });
    expect(res.body.usage.main_model.total).toBeGreaterThan(0);
  });
});

// ── checkpoints ────────────────────────────────────────────────────────────────────────────────────────────

describe("checkpoints", () => {
  let checkpointId = "";

  test("POST /api/v1/checkpoints/create with the documented body", async () => {
    // the most recently active conversation is the one checkpointed: make it a known one
    await call("POST", "/api/v1/chat/message", { text: "One more thing", conversation_id: "optional-conversation-id" });
    const res = await call("POST", "/api/v1/checkpoints/create", { name: "Before refactoring", description: "Checkpoint before starting code refactoring" });
    expect(res.status).toBe(200);
    expectShape(res.body, { checkpoint_id: "string", status: "=created", name: "=Before refactoring", description: "=Checkpoint before starting code refactoring" });
    checkpointId = res.body.checkpoint_id;
  });

  test("GET /api/v1/checkpoints with session_id and limit", async () => {
    const res = await call("GET", "/api/v1/checkpoints");
    expect(res.status).toBe(200);
    const CHECKPOINT: Spec = { id: "string", name: "string", description: "string", created_at: "string", type: "string", session_id: "string" };
    expectShape(res.body, { checkpoints: [CHECKPOINT] });
    const mine = res.body.checkpoints.find((c: any) => c.id === checkpointId);
    expect(mine).toMatchObject({ name: "Before refactoring", type: "manual" });
    expect(res.body.checkpoints.every((c: any) => ["auto", "manual", "branch"].includes(c.type))).toBe(true);
    const filtered = await call("GET", `/api/v1/checkpoints?session_id=${mine.session_id}&limit=1`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.checkpoints).toHaveLength(1);
    expect(filtered.body.checkpoints[0].session_id).toBe(mine.session_id);
  });

  test("POST /api/v1/checkpoints/{id}/branch with the documented body", async () => {
    const res = await call("POST", `/api/v1/checkpoints/${checkpointId}/branch`, { name: "Alternative approach", description: "Exploring different solution path" });
    expect(res.status).toBe(200);
    expectShape(res.body, { branch_id: "string", source_checkpoint_id: "string", status: "=created", name: "=Alternative approach", description: "=Exploring different solution path" });
    expect(res.body.source_checkpoint_id).toBe(checkpointId);
    expect((await call("GET", `/api/v1/conversations/${res.body.branch_id}`)).status).toBe(200);
  });

  test("POST /api/v1/checkpoints/{id}/rollback", async () => {
    await call("POST", "/api/v1/chat/message", { text: "A message after the checkpoint", conversation_id: "optional-conversation-id" });
    const res = await call("POST", `/api/v1/checkpoints/${checkpointId}/rollback`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "success", checkpoint_id: checkpointId, message: `Successfully rolled back to checkpoint ${checkpointId}` });
    const missing = await call("POST", "/api/v1/checkpoints/ckpt_abc123/rollback");
    expect(missing.status).toBe(404);
    expectShape(missing.body, ERROR_ENVELOPE);
  });

  test("GET /api/v1/checkpoints/stats", async () => {
    const res = await call("GET", "/api/v1/checkpoints/stats");
    expect(res.status).toBe(200);
    expectShape(res.body, {
      enabled: "boolean",
      total_checkpoints: "integer",
      auto_checkpoints: "integer",
      manual_checkpoints: "integer",
      branch_checkpoints: "integer",
      config: { frequency: "integer", retention_hours: "integer", max_age_days: "integer" },
    });
    expect(res.body.manual_checkpoints).toBeGreaterThanOrEqual(1);
    expect(res.body.branch_checkpoints).toBeGreaterThanOrEqual(1);
  });

  test("POST /api/v1/checkpoints/cleanup", async () => {
    const res = await call("POST", "/api/v1/checkpoints/cleanup");
    expect(res.status).toBe(200);
    expectShape(res.body, { status: "=completed", cleaned_count: "integer", message: "string" });
  });
});

// ── projects and tasks ─────────────────────────────────────────────────────────────────────────────────────

describe("projects and tasks", () => {
  test("POST /api/v1/projects/create (v0.4) and POST /api/v1/projects (usage guide)", async () => {
    const created = await call("POST", "/api/v1/projects/create", { name: "My New Project", description: "Optional project description" });
    expect(created.status).toBe(200);
    expectShape(created.body, "object");
    expect(created.body).toMatchObject({ name: "My New Project", description: "Optional project description" });
    const viaUsage = await call("POST", "/api/v1/projects", { name: "Website Development", description: "Create a responsive website with React and FastAPI backend" });
    expect(viaUsage.status).toBe(200);
    expect(viaUsage.body).toMatchObject({ name: "Website Development" });
    const noName = await call("POST", "/api/v1/projects/create", { description: "no name" });
    expect(noName.status).toBe(422);
  });

  test("POST /api/v1/tasks/execute with the documented body", async () => {
    const res = await call("POST", "/api/v1/tasks/execute", { name: "Task name", description: "Task description", continuous: false, time_limit: 30 });
    expect(res.status).toBe(200);
    expectShape(res.body, "object");
    expect(JSON.stringify(res.body)).toContain("Task name");
    // let it finish before later tests look at "the most recent conversation"
    const id = res.body.task_id;
    await until(async () => (await call("GET", `/api/v1/tasks/${id}`)).body.status === "completed", 5000, "background task");
  });

  test("POST /api/v1/tasks/execute-sync with the documented body → the documented result", async () => {
    up.script(
      { key: "user management", toolCalls: [{ name: "read_file", arguments: { path: "main.py" } }] },
      { key: "user management", text: "I've created a REST API endpoint for user management..." },
    );
    const res = await call("POST", "/api/v1/tasks/execute-sync", {
      name: "Create API endpoint",
      description: "Create a REST API endpoint for user management",
      continuous: false,
      time_limit: 300,
    });
    expect(res.status).toBe(200);
    expectShape(res.body, {
      status: "=completed",
      response: "string",
      iterations: "integer",
      execution_time: "number",
      action_results: [ACTION_RESULT],
      task_metadata: { name: "=Create API endpoint", continuous: "boolean" },
    });
    expect(res.body.response).toBe("I've created a REST API endpoint for user management...");
    expect(res.body.iterations).toBe(2);
    expect(res.body.action_results).toHaveLength(1);
    expect(res.body.task_metadata.continuous).toBe(false);
  });

  test("WebSocket /api/v1/tasks/stream → start, progress, action, complete; error for an invalid task", async () => {
    up.script(
      { key: "[task-ws]", toolCalls: [{ name: "read_file", arguments: { path: "notes.txt" } }] },
      { key: "[task-ws]", text: "Read it." },
    );
    const ws = await openSocket("/api/v1/tasks/stream");
    ws.send({ name: "Read the notes", description: "Read notes.txt [task-ws]", continuous: false, time_limit: 5 });
    const complete = await ws.next("complete");
    const names = ws.events.map((e) => e.event);
    for (const name of ["start", "progress", "action", "complete"]) expect(names).toContain(name);
    expect(names[0]).toBe("start");
    for (const e of ws.events) expectShape(e, { event: "string", data: "object" });
    expectShape(ws.events.find((e) => e.event === "action")!.data, ACTION_RESULT);
    expectShape(complete.data, { status: "=completed", response: "string", iterations: "integer", execution_time: "number", action_results: [ACTION_RESULT], task_metadata: "object" });
    ws.send({ description: "a task without a name" });
    expectShape(await ws.next("error"), { event: "=error", data: { message: "string" } });
    ws.close();
  });
});

// ── runtime configuration ──────────────────────────────────────────────────────────────────────────────────

describe("system config", () => {
  test("GET /api/v1/system/config", async () => {
    const res = await call("GET", "/api/v1/system/config");
    expect(res.status).toBe(200);
    expectShape(res.body, { status: "=success", config: { project_root: "string", workspace_root: "string", execution_mode: "string", active_root: "string" } });
    expect(["project", "workspace"]).toContain(res.body.config.execution_mode);
  });

  test("POST /api/v1/system/config/project-root: an existing directory → 200; a missing one → 400", async () => {
    const before = (await call("GET", "/api/v1/system/config")).body.config;
    try {
      const res = await call("POST", "/api/v1/system/config/project-root", { path: otherDir });
      expect(res.status).toBe(200);
      expectShape(res.body, { status: "=success", message: "string", path: "string", active_root: "string" });
      expect(res.body.path).toBe(otherDir);
      expect(res.body.message).toBe(`Project root set to ${otherDir}`);
      const bad = await call("POST", "/api/v1/system/config/project-root", { path: join(otherDir, "missing") });
      expect(bad.status).toBe(400);
      expectShape(bad.body, ERROR_ENVELOPE);
    } finally {
      await call("POST", "/api/v1/system/config/project-root", { path: before.project_root });
    }
  });

  test("POST /api/v1/system/config/workspace-root", async () => {
    const before = (await call("GET", "/api/v1/system/config")).body.config;
    try {
      const res = await call("POST", "/api/v1/system/config/workspace-root", { path: otherDir });
      expect(res.status).toBe(200);
      expectShape(res.body, { status: "=success", message: "string", path: "string", active_root: "string" });
      expect(res.body.message).toBe(`Workspace root set to ${otherDir}`);
      expect((await call("POST", "/api/v1/system/config/workspace-root", { path: join(otherDir, "missing") })).status).toBe(400);
    } finally {
      await call("POST", "/api/v1/system/config/workspace-root", { path: before.workspace_root });
    }
  });

  test('POST /api/v1/system/config/execution-mode {"path": "workspace"}; an invalid mode → 400', async () => {
    try {
      const res = await call("POST", "/api/v1/system/config/execution-mode", { path: "workspace" });
      expect(res.status).toBe(200);
      expectShape(res.body, { status: "=success", message: "string", execution_mode: "=workspace", active_root: "string" });
      expect(res.body.active_root).toBe((await call("GET", "/api/v1/system/config")).body.config.workspace_root);
      const bad = await call("POST", "/api/v1/system/config/execution-mode", { path: "elsewhere" });
      expect(bad.status).toBe(400);
      expectShape(bad.body, ERROR_ENVELOPE);
    } finally {
      expect((await call("POST", "/api/v1/system/config/execution-mode", { path: "project" })).body.execution_mode).toBe("project");
    }
  });
});

// ── system diagnostics, capabilities, telemetry ────────────────────────────────────────────────────────────

describe("system diagnostics", () => {
  test("GET /api/v1/system/info", async () => {
    const res = await call("GET", "/api/v1/system/info");
    expect(res.status).toBe(200);
    expectShape(res.body, {
      penguin_version: "string",
      engine_available: "boolean",
      checkpoints_enabled: "boolean",
      current_model: { model: "string", provider: "string", streaming_enabled: "boolean", vision_enabled: "boolean" },
      conversation_manager: { active: "boolean", current_session_id: "string|null", total_messages: "integer" },
      tool_manager: { active: "boolean", total_tools: "integer" },
      memory_provider: { initialized: "boolean", provider_type: "string|null" },
    });
  });

  test("GET /api/v1/system/status", async () => {
    const res = await call("GET", "/api/v1/system/status");
    expect(res.status).toBe(200);
    const pair: Spec = { input: "integer", output: "integer" };
    expectShape(res.body, {
      status: "string",
      runmode_status: "string",
      continuous_mode: "boolean",
      streaming_active: "boolean",
      token_usage: { total: pair, session: pair },
      timestamp: "string",
      initialization: { core_initialized: "boolean", fast_startup_enabled: "boolean" },
    });
    expect(Number.isNaN(Date.parse(res.body.timestamp))).toBe(false);
  });

  test("GET /api/v1/capabilities", async () => {
    const res = await call("GET", "/api/v1/capabilities");
    expect(res.status).toBe(200);
    expectShape(res.body, {
      capabilities: {
        vision_enabled: "boolean",
        streaming_enabled: "boolean",
        checkpoint_management: "boolean",
        model_switching: "boolean",
        file_upload: "boolean",
        websocket_support: "boolean",
        task_execution: "boolean",
        run_mode: "boolean",
        multi_modal: "boolean",
        context_files: "boolean",
      },
      current_model: { model: "string", provider: "string", vision_enabled: "boolean" },
      api_version: "=v1",
      penguin_version: "string",
    });
    // three models are configured and /models/load is served
    expect(res.body.capabilities.model_switching).toBe(true);
  });

  const TELEMETRY: Spec = {
    agents: "object",
    tokens: { total: { prompt: "integer", completion: "integer" }, per_agent: "object" },
    uptime_seconds: "integer",
  };

  test("GET /api/v1/telemetry", async () => {
    const res = await call("GET", "/api/v1/telemetry");
    expect(res.status).toBe(200);
    expectShape(res.body, TELEMETRY);
    for (const a of Object.values<any>(res.body.agents)) expectShape(a, { messages_sent: "integer", tasks_completed: "integer" });
    for (const a of Object.values<any>(res.body.tokens.per_agent)) expectShape(a, { prompt: "integer", completion: "integer" });
    expect(res.body.agents["code-expert"].messages_sent).toBeGreaterThan(0);
  });

  test("WebSocket /api/v1/ws/telemetry?agent_id=…&interval=… pushes snapshots", async () => {
    const frames: any[] = [];
    const ws = new WebSocket(app.wsUrl("/api/v1/ws/telemetry?agent_id=code-expert&interval=0.1"));
    ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
    await until(() => frames.length >= 2, 3000, "two telemetry frames");
    ws.close();
    expectShape(frames[0], TELEMETRY);
    expect(Object.keys(frames[1].agents)).toEqual(["code-expert"]);
  });
});

// ── the PiSovereign surface ────────────────────────────────────────────────────────────────────────────────

describe("PiSovereign chat and system", () => {
  const TOKENS: Spec = { prompt: "integer", completion: "integer", total: "integer" };

  test("POST /v1/chat with the documented body", async () => {
    up.script({ key: "weather in Berlin", text: "Currently in Berlin, it's 15°C with partly cloudy skies...", usage: { input: 45, output: 128 } });
    const res = await call("POST", "/v1/chat", { message: "What's the weather in Berlin?", conversation_id: "conv-123", temperature: 0.7 });
    expect(res.status).toBe(200);
    expectShape(res.body, { id: "string", conversation_id: "=conv-123", role: "=assistant", content: "string", model: "string", tokens: TOKENS, created_at: "string" });
    expect(res.body.tokens).toEqual({ prompt: 45, completion: 128, total: 173 });
    expect(up.requests.at(-1)!.body.temperature).toBe(0.7);
  });

  test("POST /v1/chat honours system_prompt, model and max_tokens", async () => {
    up.script({ key: "[overrides]", text: "ok" });
    const res = await call("POST", "/v1/chat", { message: "Hello [overrides]", system_prompt: "You are terse.", model: "gpt-4", max_tokens: 64 });
    expect(res.status).toBe(200);
    // the model as /v1/system/models names it (its id), as in the reference's example
    expect(res.body.model).toBe("gpt-4");
    const sent = up.requests.at(-1)!.body;
    expect(sent.model).toBe("gpt-4");
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(64);
    expect(JSON.stringify(sent.messages)).toContain("You are terse.");
  });

  test("POST /v1/chat/stream → text/event-stream: message {delta}…, done {tokens}", async () => {
    up.script({ key: "[sse]", text: "Currently in Berlin, it's 15°C" });
    const res = await call("POST", "/v1/chat/stream", { message: "Hello [sse]" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const events = parseSse(res.text);
    expect(events.at(-1)!.event).toBe("done");
    expectShape(events.at(-1)!.data, { tokens: TOKENS });
    const messages = events.filter((e) => e.event === "message");
    for (const m of messages) expectShape(m.data, { delta: "string" });
    expect(messages.map((m) => m.data.delta).join("")).toBe("Currently in Berlin, it's 15°C");
  });

  test("GET /v1/system/status", async () => {
    const res = await call("GET", "/v1/system/status");
    expect(res.status).toBe(200);
    expectShape(res.body, {
      version: "string",
      uptime_seconds: "integer",
      environment: "string",
      resources: { memory_used_mb: "number", cpu_percent: "number", database_size_mb: "number" },
      statistics: { requests_total: "integer", inference_requests: "integer", cache_hit_rate: "number" },
    });
  });

  test("GET /v1/system/models", async () => {
    const res = await call("GET", "/v1/system/models");
    expect(res.status).toBe(200);
    expectShape(res.body, { models: [{ id: "string", name: "string", parameters: "string?", context_length: "integer", default: "boolean" }] });
    expect(res.body.models.filter((m: any) => m.default).map((m: any) => m.id)).toEqual(["openai/test-model"]);
  });
});

// ── the error envelope ─────────────────────────────────────────────────────────────────────────────────────

describe("error envelope", () => {
  test("404 for an unknown route", async () => {
    const res = await call("GET", "/api/v1/no-such-route");
    expect(res.status).toBe(404);
    expectShape(res.body, ERROR_ENVELOPE);
    expect(res.body.error.code).toBe("NOT_FOUND");
    expect(res.body.error.request_id).toBe(res.headers.get("x-request-id")!);
    expect(res.body.detail).toBe(res.body.error.message);
  });

  test('422 VALIDATION_ERROR with details.fields[] — the usage guide\'s {"invalid_param": "value"} and an empty /v1/chat message', async () => {
    const res = await call("POST", "/api/v1/chat/message", { invalid_param: "value" });
    expect(res.status).toBe(422);
    expectShape(res.body, { ...(ERROR_ENVELOPE as object), error: { code: "=VALIDATION_ERROR", message: "string", details: { fields: [{ field: "string", error: "string" }] }, request_id: "string" } });
    expect(res.body.error.details.fields.map((f: any) => f.field)).toContain("text");
    expect(res.body.error.request_id).toBe(res.headers.get("x-request-id")!);

    const pi = await call("POST", "/v1/chat", { message: "", temperature: 3 });
    expect(pi.status).toBe(422);
    expect(pi.body.error.code).toBe("VALIDATION_ERROR");
    const fields = pi.body.error.details.fields.map((f: any) => f.field);
    expect(fields).toContain("message");
    expect(fields).toContain("temperature");
  });

  test("400 for a body that is not JSON", async () => {
    const res = await call("POST", "/api/v1/chat/message", undefined, { body: "{not json", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expectShape(res.body, ERROR_ENVELOPE);
  });

  test("401 on a WebSocket upgrade without a key", async () => {
    const res = await fetch(app.url + "/api/v1/chat/stream", { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } });
    expect(res.status).toBe(401);
    expectShape(await res.json(), ERROR_ENVELOPE);
  });
});

// ── the OpenAPI document ───────────────────────────────────────────────────────────────────────────────────

describe("OpenAPI document", () => {
  // Every in-scope route of the documents, as [method, path]; "ws" marks a WebSocket, described as the GET that
  // upgrades (OpenAPI has no WebSocket method) and marked x-websocket.
  const ROUTES: [string, string][] = [
    ["post", "/api/v1/chat/message"],
    ["ws", "/api/v1/chat/stream"],
    ["get", "/api/v1/conversations"],
    ["get", "/api/v1/conversations/{id}"],
    ["get", "/api/v1/conversations/{id}/history"],
    ["post", "/api/v1/conversations/create"],
    ["post", "/api/v1/projects/create"],
    ["post", "/api/v1/projects"],
    ["post", "/api/v1/tasks/execute"],
    ["post", "/api/v1/tasks/execute-sync"],
    ["ws", "/api/v1/tasks/stream"],
    ["get", "/api/v1/token-usage"],
    ["get", "/api/v1/context-files"],
    ["post", "/api/v1/context-files/load"],
    ["post", "/api/v1/checkpoints/create"],
    ["get", "/api/v1/checkpoints"],
    ["post", "/api/v1/checkpoints/{checkpoint_id}/rollback"],
    ["post", "/api/v1/checkpoints/{checkpoint_id}/branch"],
    ["get", "/api/v1/checkpoints/stats"],
    ["post", "/api/v1/checkpoints/cleanup"],
    ["get", "/api/v1/models"],
    ["post", "/api/v1/models/load"],
    ["get", "/api/v1/models/current"],
    ["get", "/api/v1/models/discover"],
    ["get", "/api/v1/system/config"],
    ["post", "/api/v1/system/config/project-root"],
    ["post", "/api/v1/system/config/workspace-root"],
    ["post", "/api/v1/system/config/execution-mode"],
    ["get", "/api/v1/system/info"],
    ["get", "/api/v1/system/status"],
    ["get", "/api/v1/capabilities"],
    ["get", "/api/v1/telemetry"],
    ["ws", "/api/v1/ws/telemetry"],
    ["get", "/api/v1/security/audit"],
    ["get", "/api/v1/security/audit/stats"],
    ["get", "/api/v1/approvals"],
    ["post", "/api/v1/approvals/{request_id}/approve"],
    ["post", "/api/v1/approvals/{request_id}/deny"],
    ["post", "/api/v1/approvals/pre-approve"],
    ["post", "/api/v1/upload"],
    ["get", "/health"],
    ["get", "/ready"],
    ["get", "/ready/all"],
    ["get", "/metrics"],
    ["get", "/metrics/prometheus"],
    ["post", "/v1/chat"],
    ["post", "/v1/chat/stream"],
    ["get", "/v1/system/status"],
    ["get", "/v1/system/models"],
  ];

  test("GET /api/docs/json lists every route with a summary and a tag", async () => {
    const res = await call("GET", "/api/docs/json", undefined, { auth: false });
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { summary?: string; tags?: string[]; "x-websocket"?: boolean }>>;
    const problems: string[] = [];
    for (const [method, path] of ROUTES) {
      const op = paths[path]?.[method === "ws" ? "get" : method];
      if (!op) problems.push(`${method.toUpperCase()} ${path}: missing`);
      else {
        if (method === "ws" && op["x-websocket"] !== true) problems.push(`WS ${path}: not marked x-websocket`);
        if (!op.summary?.trim()) problems.push(`${method.toUpperCase()} ${path}: no summary`);
        if (!op.tags?.length) problems.push(`${method.toUpperCase()} ${path}: no tag`);
      }
    }
    expect(problems).toEqual([]);
  });
});
