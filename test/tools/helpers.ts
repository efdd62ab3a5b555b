// A real core (SQLite, files, processes) on temporary directories, and a shortcut to call tools through it.
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../../src/config";
import { createCore, type Core } from "../../src/core";
import { createLogger } from "../../src/core/kernel/log";
import type { ToolContext } from "../../src/core/tools/types";

export interface ToolTestCore {
  core: Core;
  root: string;
  workspace: string;
  ctx(overrides?: Partial<ToolContext>): ToolContext;
  call(name: string, args: unknown, overrides?: Partial<ToolContext>): ReturnType<Core["tools"]["execute"]>;
  close(): Promise<void>;
}

let counter = 0;

export async function makeCore(options: { env?: Record<string, string | undefined>; configure?: (config: Config) => void } = {}): Promise<ToolTestCore> {
  const workspace = realpathSync(mkdtempSync(join(tmpdir(), "penguin-tools-ws-")));
  const root = realpathSync(mkdtempSync(join(tmpdir(), "penguin-tools-root-")));
  const config = loadConfig({
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PENGUIN_WORKSPACE: workspace, PENGUIN_PROJECT_ROOT: root, PENGUIN_API_KEYS: "test-key-0123456789", ...options.env },
    cwd: root,
  });
  options.configure?.(config);
  const core = await createCore(config, { log: createLogger({ silent: true }) });
  const ctx = (overrides: Partial<ToolContext> = {}): ToolContext => ({
    root: core.roots.activeRoot,
    sessionId: "session-1",
    conversationId: "conversation-1",
    agentId: "default",
    turnId: "turn-1",
    signal: new AbortController().signal,
    ...overrides,
  });
  return {
    core,
    root,
    workspace,
    ctx,
    call: (name, args, overrides) => core.tools.execute({ id: `call-${++counter}`, name, arguments: typeof args === "string" ? args : JSON.stringify(args) }, ctx(overrides)),
    async close() {
      await core.shutdown();
      rmSync(workspace, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
