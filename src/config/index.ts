// Configuration: defaults < config file (penguin.toml / config.yml) < environment < flags → one typed Config.
// Every problem becomes a ConfigError whose message names the key and what is wrong, so the CLI can print
// one clear line instead of a stack trace.
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ROLES, type Role } from "../core/kernel/viewer";
import type { SandboxSetting } from "../core/sandbox/types";
import { catalogSettings, type CatalogSettings } from "./catalog";
import { savedCommands, type SavedCommand } from "./commands";
import { ConfigError, expandHome } from "./errors";
import { mcpServers, type McpServerConfig } from "./mcp";
import { memorySettings, type MemorySettings } from "./memory";
import { FileSchema, type AgentEntry, type ConfigFile, type ModelEntry, type PermissionRule, type ProviderName } from "./schema";
import { githubSettings, whatsappSettings, type GithubSettings, type WhatsappSettings } from "./webhooks";

export { ConfigError } from "./errors";
export { MCP_SERVER_NAME, type McpServerConfig } from "./mcp";
export { PROVIDERS, type AgentEntry, type ConfigFile, type ModelEntry, type PermissionRule, type ProviderName } from "./schema";

export interface ProviderCredentials {
  openai: { apiKey?: string; baseUrl?: string };
  anthropic: { apiKey?: string; baseUrl?: string };
  /** baseUrl is always set: OPENROUTER_BASE_URL normalised to the API base, else openrouter.ai's. */
  openrouter: { apiKey?: string; baseUrl: string; siteUrl?: string; siteTitle?: string };
}

export interface Config {
  host: string;
  port: number;
  workspace: string;
  projectRoot: string;
  writeRoot: "project" | "workspace";
  configFile?: string;
  debug: boolean;
  /** What /api/v1/system reports as the environment (PENGUIN_ENV, else the file's, else NODE_ENV, else production). */
  environment: string;
  /** /metrics and /metrics/prometheus need a key. */
  metricsAuth: boolean;
  auth: {
    enabled: boolean;
    /** sha256 hex of each accepted key → the user it maps to and its role */
    keys: { sha256: string; user: string; role: Role }[];
    /** Generated when no keys were configured; printed at start. */
    startupToken?: string;
  };
  corsOrigins: string[];
  rateLimitRpm: number;
  maxBodyBytes: number;
  uploadMaxBytes: number;
  /** All stored uploads together may not pass these. */
  uploadQuotaBytes: number;
  uploadMaxFiles: number;
  models: ModelEntry[];
  defaultModel?: string;
  systemPrompt?: string;
  agents: AgentEntry[];
  /** See max_concurrent_agents (PENGUIN_MAX_CONCURRENT_AGENTS), default 8. */
  maxConcurrentAgents: number;
  providers: ProviderCredentials;
  /** The environment the server was started with; used for api_key_env lookups. */
  env: Record<string, string | undefined>;
  engine: {
    maxIterations: number;
    connectTimeoutMs: number;
    idleTimeoutMs: number;
    maxRetries: number;
    /** First retry delay of an upstream call; it doubles per attempt. */
    retryBaseMs: number;
    contextStrategy: "trim" | "summarize";
    /** The model names a conversation after its first exchange (PENGUIN_AUTO_TITLE=0 turns it off). */
    autoTitle: boolean;
  };
  permissions: {
    mode: "default" | "read-only";
    writes: "allow" | "ask";
    rules: PermissionRule[];
    approvalTimeoutSeconds: number;
    auditRetentionDays: number;
  };
  tools: {
    commandTimeoutSeconds: number;
    maxCommandTimeoutSeconds: number;
    outputCapBytes: number;
    maxProcesses: number;
    envAllow: string[];
    readOnlyRoots: string[];
    writableRoots: string[];
    sandboxMaxProcesses: number;
    sandboxMemoryMb?: number;
    /** web_fetch: domains allowed without asking, whether private networks are reachable, size and time caps. */
    fetchAllow: string[];
    fetchAllowPrivate: boolean;
    fetchMaxBytes: number;
    fetchTimeoutSeconds: number;
  };
  /** The OS sandbox every agent command runs in (src/core/sandbox). */
  sandbox: SandboxSetting;
  /** Every live stream (chat and task WebSockets). */
  webSocket: {
    /** Ping interval; a client that answered nothing for 2.5 intervals is closed. */
    heartbeatMs: number;
    /** Bytes waiting to be sent to one client before it is considered too slow and disconnected. */
    maxBufferedBytes: number;
  };
  /** The event log: how long events are kept for replay, and how many may wait for a slow client. */
  events: { retentionHours: number; streamQueue: number };
  checkpoints: { enabled: boolean; frequency: number; retentionHours: number; maxAgeDays: number };
  /** Long-term memory: embeddings, recall into turns, decay (src/core/memory). */
  memory: MemorySettings;
  /** Saved prompts from [[commands]] (src/core/commands). */
  commands: SavedCommand[];
  /** How long a catalog command may run, how much output is kept. */
  catalog: CatalogSettings;
  /** MCP tool servers whose tools join the registry as <server>_<tool> (src/core/mcp). */
  mcp: McpServerConfig[];
  /** Agentic tasks: whether they are served, sub-agents of one task at once, sub-tasks per plan. */
  agentic: { enabled: boolean; maxParallel: number; maxSubTasks: number };
  /** Webhooks: GitHub (secret, credentials, API base, routes) and WhatsApp (tokens, Cloud API, allow-list, agent). */
  github: GithubSettings;
  whatsapp: WhatsappSettings;
}

export interface Flags {
  host?: string;
  port?: string;
  workspace?: string;
  config?: string;
  "project-root"?: string;
  model?: string;
  debug?: boolean;
}

export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

function readConfigFile(path: string): ConfigFile {
  let raw: unknown;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`config file ${path}: cannot be read (${(e as Error).message})`);
  }
  try {
    raw = path.endsWith(".toml") ? Bun.TOML.parse(text) : Bun.YAML.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${path}: not valid ${path.endsWith(".toml") ? "TOML" : "YAML"}: ${(e as Error).message}`);
  }
  raw ??= {};
  if (!Value.Check(FileSchema, raw)) {
    const first = [...Value.Errors(FileSchema, raw)].sort((a, b) => b.path.length - a.path.length)[0]!;
    const key = first.path.replace(/^\//, "").replaceAll("/", ".") || "(root)";
    const problem = first.type === ValueErrorType.ObjectAdditionalProperties ? "is not a known setting" : first.message.toLowerCase();
    throw new ConfigError(`config file ${path}: ${key} ${problem}`);
  }
  return raw as ConfigFile;
}


function parsePort(value: string, key: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new ConfigError(`${key}: "${value}" is not a port number (0-65535)`);
  return n;
}

/** Tuning knobs from the environment: a value that is not a number in range leaves the default (as it always has). */
function tuning(value: string | undefined, accept: (n: number) => boolean): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) && accept(n) ? n : undefined;
}

const OPENROUTER_BASE = "https://openrouter.ai/api/v1";

/**
 * OpenRouter's API base. `OPENROUTER_BASE_URL` may be given as the API base (…/api/v1, as other tools expect) or as
 * the site root (https://openrouter.ai); both end up as …/api/v1.
 */
export function openrouterBaseUrl(env: Record<string, string | undefined>): string {
  const raw = env.OPENROUTER_BASE_URL?.trim().replace(/\/+$/, "");
  if (!raw) return OPENROUTER_BASE;
  return /\/v1$/.test(raw) ? raw : `${raw}/api/v1`;
}

function sandboxSetting(fromEnv: string | undefined, fromFile: SandboxSetting | undefined): SandboxSetting {
  const value = fromEnv?.trim() || fromFile || "auto";
  if (value !== "auto" && value !== "required" && value !== "off") throw new ConfigError(`PENGUIN_SANDBOX: "${value}" must be auto, required or off`);
  return value;
}

function parseBool(value: string, key: string): boolean {
  const v = value.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off", ""].includes(v)) return false;
  throw new ConfigError(`${key}: "${value}" is not a boolean (use true/false, on/off, 1/0)`);
}

/** `PENGUIN_MODEL=provider/model` → a catalog entry (OpenRouter model ids contain a slash themselves). */
export function modelFromShortcut(spec: string, env: Record<string, string | undefined>): ModelEntry {
  const slash = spec.indexOf("/");
  if (slash <= 0 || slash === spec.length - 1) {
    throw new ConfigError(`PENGUIN_MODEL: "${spec}" must look like provider/model (e.g. openai/gpt-4o, anthropic/claude-sonnet-4-5)`);
  }
  const provider = spec.slice(0, slash);
  const model = spec.slice(slash + 1);
  const known: Record<string, ProviderName> = {
    openai: "openai",
    anthropic: "anthropic",
    openrouter: "openrouter",
    ollama: "openai-compatible",
    vllm: "openai-compatible",
    llamacpp: "openai-compatible",
    lmstudio: "openai-compatible",
    "openai-compatible": "openai-compatible",
  };
  const p = known[provider];
  if (!p) throw new ConfigError(`PENGUIN_MODEL: unknown provider "${provider}" (use one of ${Object.keys(known).join(", ")})`);
  const localDefaults: Record<string, string> = {
    ollama: "http://127.0.0.1:11434/v1",
    vllm: "http://127.0.0.1:8000/v1",
    llamacpp: "http://127.0.0.1:8080/v1",
    lmstudio: "http://127.0.0.1:1234/v1",
  };
  const entry: ModelEntry = { id: spec, provider: p, model };
  if (p === "openai-compatible") entry.base_url = env.OPENAI_BASE_URL ?? localDefaults[provider];
  return entry;
}

export function loadConfig(options: { env?: Record<string, string | undefined>; flags?: Flags; cwd?: string } = {}): Config {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const cwd = options.cwd ?? process.cwd();

  const workspace = resolve(cwd, expandHome(flags.workspace ?? env.PENGUIN_WORKSPACE ?? join(homedir(), "penguin_workspace")));

  // The config file: --config, else penguin.toml / config.yml in the workspace.
  let configFile: string | undefined;
  if (flags.config) {
    configFile = resolve(cwd, flags.config);
    if (!existsSync(configFile)) throw new ConfigError(`--config: file ${configFile} does not exist`);
  } else {
    configFile = ["penguin.toml", "config.yml", "config.yaml"].map((f) => join(workspace, f)).find((f) => existsSync(f));
  }
  const file: ConfigFile = configFile ? readConfigFile(configFile) : {};

  const writeRootRaw = env.PENGUIN_WRITE_ROOT ?? file.write_root ?? "project";
  if (writeRootRaw !== "project" && writeRootRaw !== "workspace") {
    throw new ConfigError(`PENGUIN_WRITE_ROOT: "${writeRootRaw}" must be "project" or "workspace"`);
  }

  const port = flags.port !== undefined ? parsePort(flags.port, "--port") : env.PORT !== undefined ? parsePort(env.PORT, "PORT") : (file.port ?? 9000);

  const keys: Config["auth"]["keys"] = (file.auth?.keys ?? []).map((k) => ({ sha256: k.sha256.toLowerCase(), user: k.user ?? "default", role: k.role ?? "admin" }));
  // `key`, `key:user` or `key:user:role`.
  for (const item of (env.PENGUIN_API_KEYS ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [key = "", user = "", role = "admin", ...rest] = item.split(":");
    if (key.length < 8) throw new ConfigError(`PENGUIN_API_KEYS: a key must be at least 8 characters long`);
    if (rest.length || !(ROLES as readonly string[]).includes(role)) throw new ConfigError(`PENGUIN_API_KEYS: "${role}" is not a role (use key, key:user or key:user:role with role admin or user)`);
    keys.push({ sha256: sha256Hex(key), user: user || "default", role: role as Role });
  }
  const authEnabled = env.PENGUIN_AUTH !== undefined ? parseBool(env.PENGUIN_AUTH, "PENGUIN_AUTH") : (file.auth?.enabled ?? true);
  let startupToken: string | undefined;
  if (authEnabled && keys.length === 0) {
    startupToken = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
    keys.push({ sha256: sha256Hex(startupToken), user: "default", role: "admin" });
  }

  // "*" is the documented default, but without authentication it would let any web page drive the agent: then
  // only the server's own origin (and origins listed explicitly) may call it.
  const cors = env.PENGUIN_CORS_ORIGINS?.trim()
    ? env.PENGUIN_CORS_ORIGINS.split(",").map((s) => s.trim()).filter(Boolean)
    : (file.cors_origins ?? (authEnabled ? ["*"] : []));

  const rpm = env.PENGUIN_RATE_LIMIT_RPM !== undefined ? Number(env.PENGUIN_RATE_LIMIT_RPM) : (file.rate_limit_rpm ?? 120);
  if (!Number.isInteger(rpm) || rpm < 0) throw new ConfigError(`PENGUIN_RATE_LIMIT_RPM: "${env.PENGUIN_RATE_LIMIT_RPM}" must be a whole number ≥ 0`);

  const models = [...(file.models ?? [])];
  const ids = new Set<string>();
  for (const m of models) {
    if (ids.has(m.id)) throw new ConfigError(`config file ${configFile}: models has the id "${m.id}" twice`);
    ids.add(m.id);
  }
  let defaultModel = file.default_model;
  const shortcut = flags.model ?? env.PENGUIN_MODEL;
  if (shortcut) {
    const existing = models.find((m) => m.id === shortcut);
    if (existing) defaultModel = existing.id;
    else {
      const entry = modelFromShortcut(shortcut, env);
      models.unshift(entry);
      defaultModel = entry.id;
    }
  }
  if (defaultModel && !models.some((m) => m.id === defaultModel)) {
    throw new ConfigError(`default_model: "${defaultModel}" is not the id of any entry in models`);
  }
  defaultModel ??= models[0]?.id;

  return {
    host: flags.host ?? env.HOST ?? file.host ?? "127.0.0.1",
    port,
    workspace,
    projectRoot: resolve(cwd, expandHome(flags["project-root"] ?? env.PENGUIN_PROJECT_ROOT ?? file.project_root ?? cwd)),
    writeRoot: writeRootRaw,
    configFile,
    debug: flags.debug ?? (env.DEBUG !== undefined ? parseBool(env.DEBUG, "DEBUG") : false),
    // NODE_ENV is the runtime's generic hint, so a deliberate `environment` in the file outranks it.
    environment: env.PENGUIN_ENV || file.environment || env.NODE_ENV || "production",
    metricsAuth: file.metrics_auth ?? false,
    auth: { enabled: authEnabled, keys, startupToken },
    corsOrigins: cors,
    rateLimitRpm: rpm,
    maxBodyBytes: file.max_body_bytes ?? 1024 * 1024,
    uploadMaxBytes: file.upload_max_bytes ?? 25 * 1024 * 1024,
    uploadQuotaBytes: file.upload_quota_bytes ?? 1024 * 1024 * 1024,
    uploadMaxFiles: file.upload_max_files ?? 10_000,
    models,
    defaultModel,
    systemPrompt: file.system_prompt,
    agents: file.agents ?? [],
    maxConcurrentAgents: tuning(env.PENGUIN_MAX_CONCURRENT_AGENTS, (n) => Number.isInteger(n) && n >= 1) ?? file.max_concurrent_agents ?? 8,
    providers: {
      openai: { apiKey: env.OPENAI_API_KEY || undefined, baseUrl: env.OPENAI_BASE_URL || undefined },
      anthropic: { apiKey: env.ANTHROPIC_API_KEY || undefined, baseUrl: env.ANTHROPIC_BASE_URL || undefined },
      openrouter: {
        apiKey: env.OPENROUTER_API_KEY || undefined,
        baseUrl: openrouterBaseUrl(env),
        siteUrl: env.OPENROUTER_SITE_URL,
        siteTitle: env.OPENROUTER_SITE_TITLE,
      },
    },
    env: { ...env },
    engine: {
      maxIterations: file.engine?.max_iterations ?? 5,
      connectTimeoutMs: file.engine?.connect_timeout_ms ?? 10_000,
      idleTimeoutMs: file.engine?.idle_timeout_ms ?? 120_000,
      maxRetries: file.engine?.max_retries ?? 2,
      retryBaseMs: tuning(env.PENGUIN_RETRY_BASE_MS, (n) => n >= 0) ?? file.engine?.retry_base_ms ?? 500,
      contextStrategy: file.engine?.context_strategy ?? "trim",
      autoTitle: env.PENGUIN_AUTO_TITLE !== undefined ? !/^(0|false|no|off)$/i.test(env.PENGUIN_AUTO_TITLE) : (file.engine?.auto_title ?? true),
    },
    permissions: {
      mode: file.permissions?.mode ?? "default",
      writes: file.permissions?.writes ?? "allow",
      rules: file.permissions?.rules ?? [],
      approvalTimeoutSeconds: file.permissions?.approval_timeout_seconds ?? 300,
      auditRetentionDays: file.permissions?.audit_retention_days ?? 30,
    },
    tools: {
      commandTimeoutSeconds: file.tools?.command_timeout_seconds ?? 60,
      maxCommandTimeoutSeconds: file.tools?.max_command_timeout_seconds ?? 600,
      outputCapBytes: file.tools?.output_cap_bytes ?? 64 * 1024,
      maxProcesses: file.tools?.max_processes ?? 8,
      envAllow: file.tools?.env_allow ?? [],
      readOnlyRoots: (file.tools?.read_only_roots ?? []).map((p) => resolve(cwd, expandHome(p))),
      writableRoots: (file.tools?.writable_roots ?? []).map((p) => resolve(cwd, expandHome(p))),
      sandboxMaxProcesses: file.tools?.sandbox_max_processes ?? 512,
      sandboxMemoryMb: file.tools?.sandbox_memory_mb,
      fetchAllow: (file.tools?.fetch_allow ?? []).map((d) => d.trim().toLowerCase().replace(/\.$/, "")),
      fetchAllowPrivate: file.tools?.fetch_allow_private ?? false,
      fetchMaxBytes: file.tools?.fetch_max_bytes ?? 2 * 1024 * 1024,
      fetchTimeoutSeconds: file.tools?.fetch_timeout_seconds ?? 20,
    },
    sandbox: sandboxSetting(env.PENGUIN_SANDBOX, file.sandbox),
    webSocket: {
      heartbeatMs: tuning(env.PENGUIN_WS_HEARTBEAT_MS, (n) => n > 0) ?? file.websocket?.heartbeat_ms ?? 20_000,
      maxBufferedBytes: tuning(env.PENGUIN_WS_MAX_BUFFERED_BYTES, (n) => n > 0) ?? file.websocket?.max_buffered_bytes ?? 4 * 1024 * 1024,
    },
    memory: memorySettings(file.memory, env),
    commands: savedCommands(file.commands),
    catalog: catalogSettings(file.catalog),
    github: githubSettings(file.github, env),
    whatsapp: whatsappSettings(file.whatsapp, env),
    events: {
      retentionHours: tuning(env.PENGUIN_EVENTS_RETENTION_HOURS, (n) => n > 0) ?? file.events?.retention_hours ?? 24,
      streamQueue: tuning(env.PENGUIN_STREAM_QUEUE, (n) => Number.isInteger(n) && n >= 1) ?? file.events?.stream_queue ?? 1000,
    },
    checkpoints: {
      enabled: file.checkpoints?.enabled ?? true,
      frequency: file.checkpoints?.frequency ?? 1,
      retentionHours: file.checkpoints?.retention_hours ?? 24,
      maxAgeDays: file.checkpoints?.max_age_days ?? 30,
    },
    mcp: mcpServers(file.mcp, `config file ${configFile}`, cwd),
    agentic: {
      enabled: file.agentic?.enabled ?? true,
      maxParallel: file.agentic?.max_parallel ?? 4,
      maxSubTasks: file.agentic?.max_sub_tasks ?? 8,
    },
  };
}
