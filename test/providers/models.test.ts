// The model catalog and its routes, black-box through the running app (plus a few catalog rules checked directly).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config";
import { ModelCatalog } from "../../src/core/providers/models";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

let up: Upstream;
beforeAll(async () => {
  up = await startUpstream();
});
afterAll(() => up.close());

const toml = (up: Upstream) => `
default_model = "gpt"

[[models]]
id = "gpt"
provider = "openai"
model = "gpt-4o"
base_url = "${up.openaiBaseUrl}"
max_tokens = 8000
temperature = 0.5
price_input = 2.5
price_output = 10

[[models]]
id = "claude"
provider = "anthropic"
model = "claude-sonnet-4-5"
vision = true
reasoning = true

[[models]]
id = "local"
provider = "openai-compatible"
model = "llama3.1:8b"
base_url = "${up.openaiBaseUrl}"
context_window = 4096
vision = false
`;

describe("with models configured", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ toml: toml(up), env: { OPENAI_API_KEY: "sk-test", OPENROUTER_API_KEY: "or-key", OPENROUTER_BASE_URL: up.url } });
  });
  afterAll(() => app.close());

  test("GET /api/v1/models lists every configured model and marks the current one", async () => {
    const res = await app.request("/api/v1/models");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { models: Record<string, unknown>[] };
    expect(body.models).toEqual([
      { id: "gpt", name: "openai/gpt-4o", provider: "openai", vision_enabled: true, max_output_tokens: 8000, max_tokens: 8000, current: true },
      { id: "claude", name: "anthropic/claude-sonnet-4-5", provider: "anthropic", vision_enabled: true, max_output_tokens: 4096, max_tokens: 4096, current: false },
      { id: "local", name: "local/llama3.1:8b", provider: "openai-compatible", vision_enabled: false, max_output_tokens: 4096, max_tokens: 4096, current: false },
    ]);
  });

  test("GET /api/v1/models/current has the documented fields", async () => {
    const res = await app.request("/api/v1/models/current");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      model: "openai/gpt-4o",
      provider: "openai",
      client_preference: "native",
      max_output_tokens: 8000,
      temperature: 0.5,
      streaming_enabled: true,
      vision_enabled: true,
    });
  });

  test("/ready is 200 when the current model's provider answers: one GET of its model list, cached", async () => {
    const before = up.requests.length;
    const res = await app.request("/ready", { auth: false });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { inference: { healthy: boolean; provider_latency_ms: number } };
    expect(body.inference.healthy).toBe(true);
    expect(typeof body.inference.provider_latency_ms).toBe("number");
    const probes = up.requests.slice(before);
    expect(probes.map((r) => `${r.method} ${new URL(r.path, "http://x").pathname.replace(/^.*\/models$/, "…/models")}`)).toEqual(["GET …/models"]);
    // a second probe within the cache time asks nobody
    expect((await app.request("/ready", { auth: false })).status).toBe(200);
    expect(up.requests.length).toBe(before + 1);
  });

  test("POST /api/v1/models/load: unknown id → 404, missing key → 400 naming the variable, bad body → 422", async () => {
    const unknown = await app.request("/api/v1/models/load", { method: "POST", json: { model_id: "nope" } });
    expect(unknown.status).toBe(404);
    const u = (await unknown.json()) as { error: { code: string; message: string }; detail: string };
    expect(u.error.code).toBe("NOT_FOUND");
    expect(u.error.message).toContain("nope");
    expect(u.detail).toBe(u.error.message);

    const keyless = await app.request("/api/v1/models/load", { method: "POST", json: { model_id: "claude" } });
    expect(keyless.status).toBe(400);
    const k = (await keyless.json()) as { error: { code: string; message: string } };
    expect(k.error.code).toBe("BAD_REQUEST");
    expect(k.error.message).toContain("ANTHROPIC_API_KEY");

    const bad = await app.request("/api/v1/models/load", { method: "POST", json: { model: "gpt" } });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_ERROR");

    // nothing changed
    expect(((await (await app.request("/api/v1/models/current")).json()) as { model: string }).model).toBe("openai/gpt-4o");
  });

  test("POST /api/v1/models/load switches the model for the lists, /v1/system/models and the bus", async () => {
    const seen: unknown[] = [];
    const off = app.core.bus.subscribe((e) => void seen.push(e.data), ["model.loaded"]);
    const res = await app.request("/api/v1/models/load", { method: "POST", json: { model_id: "local" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "success", model_id: "local", current_model: "local/llama3.1:8b", message: "Successfully loaded model: local" });
    expect(seen).toEqual([{ model_id: "local", previous_model_id: "gpt" }]);
    off();

    const current = (await (await app.request("/api/v1/models/current")).json()) as Record<string, unknown>;
    expect(current).toMatchObject({ model: "local/llama3.1:8b", provider: "openai-compatible", client_preference: "openai_compatible", temperature: null, vision_enabled: false });
    const list = (await (await app.request("/api/v1/models")).json()) as { models: { id: string; current: boolean }[] };
    expect(list.models.filter((m) => m.current).map((m) => m.id)).toEqual(["local"]);

    const system = (await (await app.request("/v1/system/models")).json()) as { models: Record<string, unknown>[] };
    expect(system.models.find((m) => m.id === "local")).toEqual({ id: "local", name: "local/llama3.1:8b", parameters: "8B", context_length: 4096, default: true });
    expect(system.models.find((m) => m.id === "claude")).toMatchObject({ default: false, context_length: 200000 });
    expect(system.models.find((m) => m.id === "gpt")).not.toHaveProperty("parameters");

    await app.request("/api/v1/models/load", { method: "POST", json: { model_id: "gpt" } });
  });

  test("GET /api/v1/models/discover reads the OpenRouter catalogue with the key, and caches it", async () => {
    const before = up.requests.filter((r) => r.format === "models").length;
    const res = await app.request("/api/v1/models/discover");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { models: Record<string, unknown>[] };
    expect(body.models.find((m) => m.id === "openai/gpt-4o")).toEqual({
      id: "openai/gpt-4o",
      name: "OpenAI: GPT-4o",
      provider: "openai",
      context_length: 128000,
      max_output_tokens: 16384,
      pricing: { prompt: "0.0000025", completion: "0.00001" },
    });
    expect(body.models.find((m) => m.id === "meta-llama/llama-3.1-8b-instruct")).toMatchObject({ max_output_tokens: null });
    const calls = up.requests.filter((r) => r.format === "models");
    expect(calls.length).toBe(before + 1);
    expect(calls.at(-1)!.path).toBe("/api/v1/models");
    expect(calls.at(-1)!.headers.authorization).toBe("Bearer or-key");

    expect((await app.request("/api/v1/models/discover")).status).toBe(200);
    expect(up.requests.filter((r) => r.format === "models").length).toBe(before + 1);
  });

  test("core.models: cached providers, cost from config prices, inference recorded in /metrics", async () => {
    const { models } = app.core;
    const gpt = models.get("gpt")!;
    expect(models.providerFor("gpt")).toBe(models.providerFor(gpt));
    expect(models.costOf("gpt", { promptTokens: 1_000_000, completionTokens: 500_000 })).toBeCloseTo(2.5 + 5, 8);
    expect(models.costOf("claude", { promptTokens: 1000, completionTokens: 1000 })).toBe(0);
    expect(() => models.providerFor("claude")).toThrow(/ANTHROPIC_API_KEY/);

    up.script({ text: "metered", usage: { input: 3, output: 4 } });
    for await (const _ of models.providerFor(gpt).stream({ model: gpt, messages: [{ role: "user", content: "hi" }] }));
    const metrics = (await (await app.request("/metrics")).json()) as { inference: { requests_total: number; tokens_total: number } };
    expect(metrics.inference).toMatchObject({ requests_total: 1, tokens_total: 7 });
  });

  test("the routes are documented in the OpenAPI spec", async () => {
    const res = await app.request("/api/docs/json");
    if (res.status !== 200) throw new Error(`spec at /api/docs/json answered ${res.status}`);
    const spec = (await res.json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    for (const [path, method] of [["/api/v1/models", "get"], ["/api/v1/models/current", "get"], ["/api/v1/models/load", "post"], ["/api/v1/models/discover", "get"], ["/v1/system/models", "get"]] as const) {
      expect(spec.paths[path]?.[method]?.summary).toBeTruthy();
    }
  });
});

describe("with nothing configured", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  test("/ready is 503 and says exactly what to set", async () => {
    const res = await app.request("/ready", { auth: false });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; inference: { healthy: boolean; detail: string } };
    expect(body.status).toBe("not_ready");
    expect(body.inference.detail).toContain("PENGUIN_MODEL");
    expect(body.inference.detail).toContain("OPENAI_API_KEY");
  });

  test("lists are empty, current is 503, load is 404, discover is 400 naming OPENROUTER_API_KEY", async () => {
    expect(await (await app.request("/api/v1/models")).json()).toEqual({ models: [] });
    expect(await (await app.request("/v1/system/models")).json()).toEqual({ models: [] });

    const current = await app.request("/api/v1/models/current");
    expect(current.status).toBe(503);
    const c = (await current.json()) as { error: { code: string; message: string } };
    expect(c.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(c.error.message).toContain("PENGUIN_MODEL");

    expect((await app.request("/api/v1/models/load", { method: "POST", json: { model_id: "gpt" } })).status).toBe(404);

    const discover = await app.request("/api/v1/models/discover");
    expect(discover.status).toBe(400);
    const d = (await discover.json()) as { error: { code: string; message: string } };
    expect(d.error.code).toBe("BAD_REQUEST");
    expect(d.error.message).toContain("OPENROUTER_API_KEY");
  });
});

describe("ModelCatalog rules", () => {
  const catalogFor = (env: Record<string, string>) => new ModelCatalog(loadConfig({ env: { PENGUIN_WORKSPACE: "/tmp/penguin-models-unused", ...env } }), { discoveryTtlMs: 0 });

  test("a configured model without its key is not usable, and the problem names the variable", () => {
    const catalog = catalogFor({ PENGUIN_MODEL: "anthropic/claude-sonnet-4-5" });
    expect(catalog.current()?.id).toBe("anthropic/claude-sonnet-4-5");
    expect(catalog.usable()).toBe(false);
    expect(catalog.problem()).toContain("set ANTHROPIC_API_KEY");
    expect(() => catalog.resolve()).toThrow(/ANTHROPIC_API_KEY/);
    expect(catalogFor({ PENGUIN_MODEL: "anthropic/claude-sonnet-4-5", ANTHROPIC_API_KEY: "k" }).usable()).toBe(true);
  });

  test("an OpenAI-compatible model needs a server address", () => {
    const config = loadConfig({ env: { PENGUIN_WORKSPACE: "/tmp/penguin-models-unused", PENGUIN_MODEL: "openai-compatible/some-model" } });
    const catalog = new ModelCatalog(config);
    expect(catalog.problem()).toContain("base_url");
  });

  test("discovery failures are UPSTREAM_ERROR; prices learned by discovery feed costOf", async () => {
    const catalog = catalogFor({ OPENROUTER_API_KEY: "k", OPENROUTER_BASE_URL: up.openrouterBaseUrl, PENGUIN_MODEL: "openrouter/openai/gpt-4o" });
    up.catalogueError = { status: 503 };
    try {
      await expect(catalog.discover()).rejects.toMatchObject({ errorCode: "UPSTREAM_ERROR" });
    } finally {
      up.catalogueError = undefined;
    }
    const model = catalog.current()!;
    expect(catalog.costOf(model, { promptTokens: 1_000_000, completionTokens: 0 })).toBe(0);
    await catalog.discover();
    expect(catalog.costOf(model, { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBeCloseTo(2.5 + 10, 6);
    expect(catalog.contextWindow(model)).toBe(128000);
  });

  test("PENGUIN_MODEL with ANTHROPIC_BASE_URL / OPENAI_BASE_URL reaches that server", async () => {
    for (const [env, path] of [
      [{ PENGUIN_MODEL: "anthropic/claude-sonnet-4-5", ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: up.anthropicBaseUrl }, "/v1/messages"],
      [{ PENGUIN_MODEL: "openai/gpt-4o", OPENAI_API_KEY: "k", OPENAI_BASE_URL: up.openaiBaseUrl }, "/v1/chat/completions"],
    ] as const) {
      const catalog = catalogFor(env);
      const model = catalog.resolve();
      up.script({ key: "[via-env]", text: "reached" });
      let text = "";
      for await (const e of catalog.providerFor(model).stream({ model, messages: [{ role: "user", content: "[via-env]" }] })) if (e.type === "text") text += e.delta;
      expect(text).toBe("reached");
      expect(up.requests.at(-1)!.path).toBe(path);
    }
  });

  test("concurrent discovery shares one request", async () => {
    const catalog = catalogFor({ OPENROUTER_API_KEY: "k", OPENROUTER_BASE_URL: up.url });
    const before = up.requests.filter((r) => r.format === "models").length;
    const [a, b] = await Promise.all([catalog.discover(), catalog.discover()]);
    expect(a).toBe(b);
    expect(up.requests.filter((r) => r.format === "models").length).toBe(before + 1);
  });
});
