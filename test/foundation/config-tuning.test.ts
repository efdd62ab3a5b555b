// Settings that used to be read from the environment deep in the code (retry backoff, WebSocket heartbeat and
// buffer bound, the environment name, OpenRouter's base URL) now come from the typed Config like every other one.
import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config";

const workspace = (toml?: string) => {
  const ws = mkdtempSync(join(tmpdir(), "penguin-tuning-"));
  if (toml) writeFileSync(join(ws, "penguin.toml"), toml);
  return ws;
};

test("defaults", () => {
  const c = loadConfig({ env: { PENGUIN_WORKSPACE: workspace() } });
  expect(c.engine.retryBaseMs).toBe(500);
  expect(c.webSocket).toEqual({ heartbeatMs: 20_000, maxBufferedBytes: 4 * 1024 * 1024 });
  expect(c.environment).toBe("production");
  expect(c.providers.openrouter.baseUrl).toBe("https://openrouter.ai/api/v1");
});

test("the file sets them, the environment overrides the file", () => {
  const ws = workspace('environment = "staging"\n[engine]\nretry_base_ms = 50\n[websocket]\nheartbeat_ms = 300\nmax_buffered_bytes = 2048\n');
  const fromFile = loadConfig({ env: { PENGUIN_WORKSPACE: ws, NODE_ENV: "development" } });
  expect(fromFile.engine.retryBaseMs).toBe(50);
  expect(fromFile.webSocket).toEqual({ heartbeatMs: 300, maxBufferedBytes: 2048 });
  expect(fromFile.environment).toBe("staging");
  const fromEnv = loadConfig({
    env: {
      PENGUIN_WORKSPACE: ws,
      PENGUIN_ENV: "qa",
      PENGUIN_RETRY_BASE_MS: "0",
      PENGUIN_WS_HEARTBEAT_MS: "100",
      PENGUIN_WS_MAX_BUFFERED_BYTES: "4096",
      OPENROUTER_BASE_URL: "http://h:1/",
    },
  });
  expect(fromEnv.engine.retryBaseMs).toBe(0);
  expect(fromEnv.webSocket).toEqual({ heartbeatMs: 100, maxBufferedBytes: 4096 });
  expect(fromEnv.environment).toBe("qa");
  expect(fromEnv.providers.openrouter.baseUrl).toBe("http://h:1/api/v1");
});

test("NODE_ENV names the environment when nothing more specific does", () => {
  expect(loadConfig({ env: { PENGUIN_WORKSPACE: workspace(), NODE_ENV: "development" } }).environment).toBe("development");
});

test("an environment value that is not a number in range leaves the setting as it was", () => {
  const c = loadConfig({ env: { PENGUIN_WORKSPACE: workspace(), PENGUIN_RETRY_BASE_MS: "-3", PENGUIN_WS_HEARTBEAT_MS: "soon", PENGUIN_WS_MAX_BUFFERED_BYTES: "0" } });
  expect(c.engine.retryBaseMs).toBe(500);
  expect(c.webSocket).toEqual({ heartbeatMs: 20_000, maxBufferedBytes: 4 * 1024 * 1024 });
});
