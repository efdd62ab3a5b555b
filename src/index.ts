#!/usr/bin/env bun
// CLI: `penguin [serve]`, `penguin token [--rotate]`, `penguin openapi`, `penguin version`, `penguin --help`.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config, type Flags } from "./config";
import { VERSION } from "./core/kernel/version";
import type { Core } from "./core";
import type { SandboxStatus } from "./core/sandbox";
import { chooseDefaultRoot, keptToken, useKeptToken } from "./first-run";

const HELP = `Penguin ${VERSION} — a self-hosted AI agent server

Usage:
  penguin [serve] [flags]   start the server (default)
  penguin token [--rotate]  print the kept API key (<workspace>/api-token); --rotate replaces it (signs everyone out)
  penguin openapi           print the OpenAPI document (JSON)
  penguin version           print the version
  penguin --help            this text

Flags:
  --host <addr>           listen address (env HOST, default 127.0.0.1)
  --port <n>              listen port (env PORT, default 9000; 0 picks a free port)
  --workspace <dir>       workspace: database, uploads/, context/ (env PENGUIN_WORKSPACE, default ~/penguin_workspace)
  --project-root <dir>    project the agent works on (env PENGUIN_PROJECT_ROOT, default: current directory; in Penguin's
                          own checkout or install folder: <workspace>/files)
  --config <file>         config file (default: penguin.toml or config.yml in the workspace)
  --model <provider/model> default model (env PENGUIN_MODEL), e.g. openai/gpt-4o, anthropic/claude-sonnet-4-5,
                          openrouter/<vendor>/<model>, ollama/llama3.1
  --debug                 verbose logs (env DEBUG)

Environment:
  PENGUIN_API_KEYS        comma-separated keys, each "key" or "key:user"; when empty a key is generated once, kept in
                          <workspace>/api-token (mode 0600) and printed at start
  PENGUIN_AUTH            "off" disables authentication (not for shared machines)
  PENGUIN_CORS_ORIGINS    comma-separated allowed origins (default *; with auth off, same-origin only)
  PENGUIN_WRITE_ROOT      project | workspace: which root the tools work in (default project; workspace = <workspace>/files)
  PENGUIN_SANDBOX         auto | required | off: the bubblewrap sandbox every agent command runs in (config sandbox; default auto)
  PENGUIN_RATE_LIMIT_RPM  requests per minute per key or IP (default 120; 0 disables)
  PENGUIN_ENV             environment name reported by /api/v1/system (config environment; else NODE_ENV, else production)
  PENGUIN_RETRY_BASE_MS   first retry delay of a failed model call, doubled per attempt (config engine.retry_base_ms; default 500)
  PENGUIN_WS_HEARTBEAT_MS        WebSocket ping interval (config websocket.heartbeat_ms; default 20000)
  PENGUIN_WS_MAX_BUFFERED_BYTES  unsent bytes before a slow WebSocket client is dropped (config websocket.max_buffered_bytes; default 4194304)
  OPENAI_API_KEY, OPENAI_BASE_URL            OpenAI or any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio)
  ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL      Anthropic
  OPENROUTER_API_KEY, OPENROUTER_BASE_URL, OPENROUTER_SITE_URL, OPENROUTER_SITE_TITLE   OpenRouter
  GITHUB_WEBHOOK_SECRET   secret of POST /api/v1/github/webhook (config github.webhook_secret; without it the route refuses every delivery)
  GITHUB_TOKEN, GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY_PATH, GITHUB_API_URL   how webhook answers are posted back (token, or a GitHub App)
  WHATSAPP_VERIFY_TOKEN, WHATSAPP_APP_SECRET, WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_API_URL,
  WHATSAPP_ALLOWED_SENDERS (comma-separated), WHATSAPP_AGENT   the WhatsApp webhook /v1/webhooks/whatsapp (config [whatsapp])
  DEBUG                   true for verbose logs

Precedence: defaults < config file < environment < flags.`;

function parseCli(argv: string[]): { command: string; flags: Flags; help: boolean; rotate: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      workspace: { type: "string" },
      config: { type: "string" },
      "project-root": { type: "string" },
      model: { type: "string" },
      debug: { type: "boolean" },
      rotate: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  const { help, version, rotate, ...flags } = values;
  return { command: version ? "version" : (positionals[0] ?? "serve"), flags, help: !!help, rotate: !!rotate };
}

function banner(config: Config, url: string, core: Core, rootNote?: string): string {
  const lines = [
    `Penguin ${VERSION} listening on ${url}`,
    `  workspace  ${config.workspace}`,
    `  database   ${core.dbFile}`,
    `  root       ${core.roots.activeRoot}`,
    ...(rootNote ? [`             (${rootNote})`] : []),
    `  model      ${core.describeModel()}`,
    `  sandbox    ${describeSandbox(core.sandbox.status)}`,
  ];
  if (!config.auth.enabled) lines.push("  auth       OFF (PENGUIN_AUTH=off): anyone who can reach this port can run commands as you");
  else if (config.auth.startupToken) {
    lines.push(`  api key    ${config.auth.startupToken}  (kept in ${config.workspace}/api-token; \`penguin token --rotate\` replaces it; PENGUIN_API_KEYS sets your own)`);
    lines.push(`  open       ${url}/#token=${config.auth.startupToken}`);
  } else lines.push(`  api key    one of PENGUIN_API_KEYS (${config.auth.keys.length} configured)`);
  return lines.join("\n");
}

/** The banner's sandbox line: loud when commands are not contained. */
function describeSandbox(status: SandboxStatus): string {
  const limits = `processes ${status.limits.processes}, memory ${status.limits.memory}`;
  if (status.mode === "bubblewrap") return `bubblewrap (${status.bwrap.version ?? "bwrap"}; no network by default; limits: ${limits})`;
  const why = status.setting === "off" ? "OFF (sandbox = off): agent commands run as you, with your files and network" : `NONE: ${status.reason}`;
  return `${why}; every command that is not provably read-only asks first${status.installHint ? `. ${status.installHint}` : ""}`;
}

async function main(argv: string[]): Promise<number> {
  let cli: ReturnType<typeof parseCli>;
  try {
    cli = parseCli(argv);
  } catch (error) {
    console.error(`penguin: ${(error as Error).message} (see penguin --help)`);
    return 2;
  }
  if (cli.help) {
    console.log(HELP);
    return 0;
  }
  switch (cli.command) {
    case "version":
      console.log(VERSION);
      return 0;
    case "openapi": {
      const { createApp } = await import("./app");
      const { createCore } = await import("./core");
      const { createLogger } = await import("./core/kernel/log");
      const { mkdtempSync, rmSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      // A throwaway workspace so printing the document never touches the user's database.
      const dir = mkdtempSync(join(tmpdir(), "penguin-openapi-"));
      const core = await createCore(loadConfig({ env: { ...process.env, PENGUIN_WORKSPACE: dir, PENGUIN_AUTH: "off" } }), { log: createLogger({ silent: true }) });
      try {
        const res = await createApp(core).handle(new Request("http://localhost/api/docs/json"));
        console.log(JSON.stringify(await res.json(), null, 2));
      } finally {
        await core.shutdown();
        rmSync(dir, { recursive: true, force: true });
      }
      return 0;
    }
    case "token": {
      let config: Config;
      try {
        config = loadConfig({ flags: cli.flags });
      } catch (error) {
        if (error instanceof ConfigError) {
          console.error(`penguin: invalid configuration: ${error.message}`);
          return 78;
        }
        throw error;
      }
      if (!config.auth.enabled) console.error("penguin: note: authentication is off (PENGUIN_AUTH=off), so the key is not asked for");
      else if (!config.auth.startupToken) console.error("penguin: note: PENGUIN_API_KEYS is set, so the server uses those keys and not this one");
      const kept = keptToken(config.workspace, cli.rotate);
      if (cli.rotate) console.error(`penguin: a new key is in ${kept.file}; restart the server for it to take effect (the old key stops working then)`);
      console.log(kept.token);
      return 0;
    }
    case "serve": {
      let config: Config;
      let rootNote: string | undefined;
      try {
        config = loadConfig({ flags: cli.flags });
        useKeptToken(config);
        rootNote = chooseDefaultRoot(config, Boolean(cli.flags["project-root"] ?? process.env.PENGUIN_PROJECT_ROOT));
      } catch (error) {
        if (error instanceof ConfigError) {
          console.error(`penguin: invalid configuration: ${error.message}`);
          return 78;
        }
        throw error;
      }
      const { startServer } = await import("./server");
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer(config);
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        console.error(`penguin: cannot start: ${e.code === "EADDRINUSE" ? `port ${config.port} on ${config.host} is already in use` : e.message}`);
        if (e.name === "SandboxRequiredError") return 78;
        return 1;
      }
      console.log(banner(config, server.url, server.core, rootNote));
      let signals = 0;
      const stop = async (signal: string) => {
        // A second Ctrl-C does not wait for in-flight work.
        if (++signals > 1) process.exit(130);
        server.core.log.info("shutting down", { signal });
        await server.stop();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
      return -1; // keep running
    }
    default:
      console.error(`penguin: unknown command "${cli.command}" (see penguin --help)`);
      return 2;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
