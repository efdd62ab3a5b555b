// /ready and /ready/all ask the provider (a cached GET of its model list, short timeout): a dead upstream or a refused
// key is 503 with what to check, instead of "ready" from the configuration alone.
import { afterAll, expect, test } from "bun:test";
import { realpathSync } from "node:fs";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream } from "../support/upstream";

const apps: TestApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

test("nothing listening at the provider's address: 503 saying it cannot be reached", async () => {
  const app = await startTestApp({ env: { PENGUIN_MODEL: "openai/gpt-4o", OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } });
  apps.push(app);
  const res = await app.request("/ready", { auth: false });
  expect(res.status).toBe(503);
  const body = (await res.json()) as { status: string; inference: { healthy: boolean; detail: string; model: string } };
  expect(body.status).toBe("not_ready");
  expect(body.inference).toMatchObject({ healthy: false, model: "openai/gpt-4o" });
  expect(body.inference.detail).toContain("cannot reach the provider at 127.0.0.1:9");
  expect(body.inference.detail).toContain("OPENAI_BASE_URL");
  expect(body.inference.detail).not.toContain("verbose");
  const all = await app.request("/ready/all", { auth: false });
  expect(all.status).toBe(503);
  expect(((await all.json()) as { services: { inference: { healthy: boolean } } }).services.inference.healthy).toBe(false);
});

test("a provider that refuses the key: 503 naming the variable", async () => {
  const up = await startUpstream();
  try {
    const app = await startTestApp({ env: { PENGUIN_MODEL: "openai/gpt-4o", OPENAI_API_KEY: "wrong", OPENAI_BASE_URL: up.openaiBaseUrl } });
    apps.push(app);
    up.catalogueError = { status: 401 };
    const res = await app.request("/ready", { auth: false });
    const body = (await res.json()) as { inference: { healthy: boolean; detail: string } };
    expect(res.status).toBe(503);
    expect(body.inference.detail).toContain("refused the API key");
    expect(body.inference.detail).toContain("OPENAI_API_KEY");
  } finally {
    await up.close();
  }
});

test("POST /api/v1/system/config/check-directory: the folder as it will be bound, or 400 saying why", async () => {
  const app = await startTestApp();
  apps.push(app);
  const ok = await app.request("/api/v1/system/config/check-directory", { method: "POST", json: { path: app.projectRoot } });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ valid: true, path: realpathSync(app.projectRoot) });
  const missing = await app.request("/api/v1/system/config/check-directory", { method: "POST", json: { path: "/no/such/dir" } });
  expect(missing.status).toBe(400);
  expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("/no/such/dir does not exist");
});
