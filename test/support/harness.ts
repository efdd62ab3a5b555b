// Starts the real app on port 0 with a temporary workspace. Every suite talks HTTP/WS to it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../../src/config";
import { createLogger } from "../../src/core/kernel/log";
import { startServer, type RunningServer } from "../../src/server";

export const TEST_KEY = "test-key-0123456789";

export interface TestApp extends RunningServer {
  workspace: string;
  projectRoot: string;
  key: string;
  /** fetch relative to the app, with the API key unless `auth: false` */
  request(path: string, init?: RequestInit & { json?: unknown; auth?: boolean }): Promise<Response>;
  /** ws://… URL for a path, with ?token= */
  wsUrl(path: string, token?: string): string;
  /** Log lines the server wrote (JSON objects). */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Written to <workspace>/penguin.toml before start. */
  toml?: string;
  /** Adjust the loaded config before the server starts. */
  configure?: (config: Config) => void;
  projectRoot?: string;
}

export async function startTestApp(options: StartOptions = {}): Promise<TestApp> {
  const workspace = mkdtempSync(join(tmpdir(), "penguin-test-ws-"));
  const projectRoot = options.projectRoot ?? mkdtempSync(join(tmpdir(), "penguin-test-project-"));
  if (options.toml) writeFileSync(join(workspace, "penguin.toml"), options.toml);
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PENGUIN_WORKSPACE: workspace,
    PENGUIN_PROJECT_ROOT: projectRoot,
    PENGUIN_API_KEYS: TEST_KEY,
    HOST: "127.0.0.1",
    PORT: "0",
    PENGUIN_RATE_LIMIT_RPM: "0",
    // Titles by the model are an extra upstream request after a first exchange: only the tests that script it want it.
    PENGUIN_AUTO_TITLE: "0",
    ...options.env,
  };
  const config = loadConfig({ env, cwd: projectRoot });
  options.configure?.(config);
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ debug: true, write: (line) => logs.push(JSON.parse(line)) });
  const server = await startServer(config, { log });
  const key = config.auth.startupToken ?? TEST_KEY;
  return {
    ...server,
    workspace,
    projectRoot,
    key,
    logs,
    request(path, init = {}) {
      const { json, auth = true, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth && !headers.has("x-api-key") && !headers.has("authorization")) headers.set("x-api-key", key);
      if (json !== undefined) {
        headers.set("content-type", "application/json");
        rest.body = JSON.stringify(json);
      }
      return fetch(server.url + path, { ...rest, headers });
    },
    wsUrl(path, token = key) {
      const sep = path.includes("?") ? "&" : "?";
      return server.url.replace(/^http/, "ws") + path + sep + "token=" + encodeURIComponent(token);
    },
    async close() {
      await server.stop(100);
      rmSync(workspace, { recursive: true, force: true });
      if (!options.projectRoot) rmSync(projectRoot, { recursive: true, force: true });
    },
  };
}
