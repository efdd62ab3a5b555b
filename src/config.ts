// Configuration: defaults < config file (penguin.toml / config.yml) < environment < flags → one typed Config.
// Every problem becomes a ConfigError whose message names the key and what is wrong, so the CLI can print
// one clear line instead of a stack trace.
import { Type as T, type Static } from "@sinclair/typebox";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ROLES, type Role } from "./core/kernel/viewer";
import { SandboxSettingSchema, type SandboxSetting } from "./core/sandbox/types";
import { MemoryFileSettings, memorySettings, type MemorySettings } from "./core/memory/settings";
import { CommandsFileSettings, savedCommands, type SavedCommand } from "./core/commands/settings";
import { CatalogFileSettings, catalogSettings, type CatalogSettings } from "./core/catalog/settings";
import { GithubFileSettings, githubSettings, WhatsappFileSettings, whatsappSettings, type GithubSettings, type WhatsappSettings } from "./core/webhooks/settings";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const PROVIDERS = ["openai", "anthropic", "openrouter", "openai-compatible"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

const ModelEntry = T.Object(
  {
    id: T.String({ minLength: 1 }),
    provider: T.Union(PROVIDERS.map((p) => T.Literal(p))),
    model: T.String({ minLength: 1 }),
    name: T.Optional(T.String()),
    base_url: T.Optional(T.String()),
    api_key_env: T.Optional(T.String()),
    max_tokens: T.Optional(T.Integer({ minimum: 1 })),
    temperature: T.Optional(T.Number({ minimum: 0, maximum: 2 })),
    context_window: T.Optional(T.Integer({ minimum: 256 })),
    vision: T.Optional(T.Boolean()),
    reasoning: T.Optional(T.Boolean()),
    /** USD per million tokens, for cost accounting. */
    price_input: T.Optional(T.Number({ minimum: 0 })),
    price_output: T.Optional(T.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ModelEntry = Static<typeof ModelEntry>;

const PermissionRule = T.Object(
  {
    action: T.Union([T.Literal("allow"), T.Literal("ask"), T.Literal("deny")]),
    /** e.g. "filesystem.write", "process.*", "*" */
    operation: T.String({ minLength: 1 }),
    /** glob on the resource (path or command); default "*" */
    pattern: T.Optional(T.String()),
    reason: T.Optional(T.String()),
  },
  { additionalProperties: false },
);
export type PermissionRule = Static<typeof PermissionRule>;

const AgentEntry = T.Object(
  {
    id: T.String({ minLength: 1 }),
    persona: T.Optional(T.String()),
    system_prompt: T.Optional(T.String()),
    model: T.Optional(T.String()),
    default_tools: T.Optional(T.Array(T.String())),
  },
  { additionalProperties: false },
);
export type AgentEntry = Static<typeof AgentEntry>;

// ── MCP tool servers ([mcp.<name>]; src/core/mcp) ─────────────────────────────────────────────────────────────────
const McpServerEntry = T.Object(
  {
    /** stdio: the argv of the server, started in the sandbox */
    command: T.Optional(T.Array(T.String({ minLength: 1 }), { minItems: 1 })),
    /** stdio: the only variables it gets besides the sandbox's PATH, locale, HOME and TMPDIR; "{env:NAME}" is replaced */
    environment: T.Optional(T.Record(T.String(), T.String())),
    /** stdio: the host network (default true); false leaves it loopback only */
    network: T.Optional(T.Boolean()),
    /** stdio: more host directories it may read (where its code lives, outside /usr and /opt) or change */
    read_only_roots: T.Optional(T.Array(T.String())),
    writable_roots: T.Optional(T.Array(T.String())),
    /** streamable HTTP: the endpoint, and headers sent with every request ("{env:NAME}" is replaced) */
    url: T.Optional(T.String({ minLength: 1 })),
    headers: T.Optional(T.Record(T.String(), T.String())),
    enabled: T.Optional(T.Boolean()),
    /** Per request: connecting, listing tools, one tool call (default 60000) */
    timeout_ms: T.Optional(T.Integer({ minimum: 100 })),
  },
  { additionalProperties: false },
);

interface McpServerCommon {
  name: string;
  enabled: boolean;
  timeoutMs: number;
}
export type McpServerConfig =
  | (McpServerCommon & { transport: "stdio"; command: string[]; environment: Record<string, string>; network: boolean; readOnlyRoots: string[]; writableRoots: string[] })
  | (McpServerCommon & { transport: "http"; url: string; headers: Record<string, string> });

/** A server's name prefixes its tools (`<name>_<tool>`) and names it in permission rules (`mcp.<name>.*`). */
export const MCP_SERVER_NAME = /^[A-Za-z0-9-]{1,32}$/;

function mcpServers(entries: Record<string, Static<typeof McpServerEntry>> | undefined, where: string, cwd: string): McpServerConfig[] {
  return Object.entries(entries ?? {}).map(([name, entry]) => {
    const key = `${where}: mcp.${name}`;
    if (!MCP_SERVER_NAME.test(name)) throw new ConfigError(`${key}: a server name is 1-32 letters, digits or hyphens (it prefixes the tool names)`);
    if (Boolean(entry.command) === Boolean(entry.url)) throw new ConfigError(`${key}: give either command (a stdio server) or url (a streamable HTTP server)`);
    const common = { name, enabled: entry.enabled ?? true, timeoutMs: entry.timeout_ms ?? 60_000 };
    if (entry.url) {
      const stray = (["environment", "network", "read_only_roots", "writable_roots"] as const).find((k) => entry[k] !== undefined);
      if (stray) throw new ConfigError(`${key}.${stray}: only for a server started with command`);
      if (!/^https?:\/\/[^\s]+$/.test(entry.url) || !URL.canParse(entry.url.replace(/\{env:[A-Za-z_][A-Za-z0-9_]*\}/g, "x"))) throw new ConfigError(`${key}.url: "${entry.url}" is not an http(s) URL`);
      return { ...common, transport: "http" as const, url: entry.url, headers: entry.headers ?? {} };
    }
    if (entry.headers) throw new ConfigError(`${key}.headers: only for a server reached by url`);
    const paths = (list: string[] | undefined) => (list ?? []).map((p) => resolve(cwd, expandHome(p)));
    return {
      ...common,
      transport: "stdio" as const,
      command: entry.command!,
      environment: entry.environment ?? {},
      network: entry.network ?? true,
      readOnlyRoots: paths(entry.read_only_roots),
      writableRoots: paths(entry.writable_roots),
    };
  });
}

/** The config file schema (snake_case, every key optional; unknown keys are an error so typos surface). */
const FileSchema = T.Object(
  {
    host: T.Optional(T.String({ minLength: 1 })),
    port: T.Optional(T.Integer({ minimum: 0, maximum: 65535 })),
    project_root: T.Optional(T.String()),
    write_root: T.Optional(T.Union([T.Literal("project"), T.Literal("workspace")])),
    cors_origins: T.Optional(T.Array(T.String())),
    rate_limit_rpm: T.Optional(T.Integer({ minimum: 0 })),
    max_body_bytes: T.Optional(T.Integer({ minimum: 1024 })),
    upload_max_bytes: T.Optional(T.Integer({ minimum: 1 })),
    /** All uploads of the workspace together: bytes, and files. */
    upload_quota_bytes: T.Optional(T.Integer({ minimum: 1 })),
    upload_max_files: T.Optional(T.Integer({ minimum: 1 })),
    default_model: T.Optional(T.String()),
    system_prompt: T.Optional(T.String()),
    /** auto: bubblewrap when it works (else every command that is not provably read-only asks); required: refuse to
     *  start without it; off: no sandbox (loud). */
    sandbox: T.Optional(SandboxSettingSchema),
    /** Reported by /api/v1/system (e.g. production, staging). */
    environment: T.Optional(T.String({ minLength: 1 })),
    /** /metrics and /metrics/prometheus are open (as PiSovereign documents them) unless this puts them behind a key. */
    metrics_auth: T.Optional(T.Boolean()),
    auth: T.Optional(
      T.Object(
        {
          enabled: T.Optional(T.Boolean()),
          /** Keys stored hashed: sha256 hex of the key, the user it maps to, and that user's role (default admin). */
          keys: T.Optional(
            T.Array(
              T.Object(
                { sha256: T.String({ pattern: "^[0-9a-fA-F]{64}$" }), user: T.Optional(T.String()), role: T.Optional(T.Union(ROLES.map((r) => T.Literal(r)))) },
                { additionalProperties: false },
              ),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    models: T.Optional(T.Array(ModelEntry)),
    agents: T.Optional(T.Array(AgentEntry)),
    /** Agent turns started through the agents registry (delegations, messages to agents, sub-agents) that may run at
     *  once; more wait their turn. Chat turns a client sends are not counted. */
    max_concurrent_agents: T.Optional(T.Integer({ minimum: 1, maximum: 1000 })),
    /** MCP tool servers, one table per server: [mcp.<name>] */
    mcp: T.Optional(T.Record(T.String(), McpServerEntry)),
    engine: T.Optional(
      T.Object(
        {
          max_iterations: T.Optional(T.Integer({ minimum: 1, maximum: 100 })),
          connect_timeout_ms: T.Optional(T.Integer({ minimum: 100 })),
          idle_timeout_ms: T.Optional(T.Integer({ minimum: 100 })),
          max_retries: T.Optional(T.Integer({ minimum: 0, maximum: 10 })),
          /** First retry delay; it doubles per attempt. */
          retry_base_ms: T.Optional(T.Integer({ minimum: 0 })),
          context_strategy: T.Optional(T.Union([T.Literal("trim"), T.Literal("summarize")])),
          /** After a conversation's first exchange, one short model call names it (default true). */
          auto_title: T.Optional(T.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    permissions: T.Optional(
      T.Object(
        {
          mode: T.Optional(T.Union([T.Literal("default"), T.Literal("read-only")])),
          writes: T.Optional(T.Union([T.Literal("allow"), T.Literal("ask")])),
          rules: T.Optional(T.Array(PermissionRule)),
          approval_timeout_seconds: T.Optional(T.Integer({ minimum: 1 })),
          audit_retention_days: T.Optional(T.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    tools: T.Optional(
      T.Object(
        {
          command_timeout_seconds: T.Optional(T.Integer({ minimum: 1 })),
          max_command_timeout_seconds: T.Optional(T.Integer({ minimum: 1 })),
          output_cap_bytes: T.Optional(T.Integer({ minimum: 1024 })),
          max_processes: T.Optional(T.Integer({ minimum: 1 })),
          /** Names of server environment variables passed into the sandbox (the operator's decision). */
          env_allow: T.Optional(T.Array(T.String())),
          /** Extra host directories the agent's commands may read (toolchains outside /usr: ~/.nvm, ~/.cargo). */
          read_only_roots: T.Optional(T.Array(T.String({ minLength: 1 }))),
          /** Extra host directories the agent's commands may write. */
          writable_roots: T.Optional(T.Array(T.String({ minLength: 1 }))),
          /** Per command: processes (and threads) at once, and memory. */
          sandbox_max_processes: T.Optional(T.Integer({ minimum: 8 })),
          sandbox_memory_mb: T.Optional(T.Integer({ minimum: 64 })),
          /** web_fetch: domains fetched without asking ("docs.python.org", "*.python.org"); others ask (network.fetch). */
          fetch_allow: T.Optional(T.Array(T.String({ minLength: 1 }))),
          /** web_fetch may reach loopback and private networks (never link-local/metadata or this server itself). */
          fetch_allow_private: T.Optional(T.Boolean()),
          fetch_max_bytes: T.Optional(T.Integer({ minimum: 1024 })),
          fetch_timeout_seconds: T.Optional(T.Integer({ minimum: 1, maximum: 300 })),
        },
        { additionalProperties: false },
      ),
    ),
    websocket: T.Optional(
      T.Object(
        {
          heartbeat_ms: T.Optional(T.Integer({ minimum: 1 })),
          max_buffered_bytes: T.Optional(T.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Long-term memory (/v1/memories): embeddings, recall into turns, decay (src/core/memory/settings.ts). */
    memory: T.Optional(MemoryFileSettings),
    /** Saved prompts POST /v1/commands runs as an agent turn: [[commands]] name, description, prompt, agent. */
    commands: T.Optional(CommandsFileSettings),
    /** The host command catalog: timeout_seconds, max_output_kb (src/core/catalog/settings.ts). */
    catalog: T.Optional(CatalogFileSettings),
    /** The event log every live stream replays from (src/core/eventlog). */
    events: T.Optional(
      T.Object(
        {
          /** Hours events are kept for replay (fractions allowed). */
          retention_hours: T.Optional(T.Number({ exclusiveMinimum: 0 })),
          /** Events that may wait for a client that stopped reading before it gets a gap notice and is closed. */
          stream_queue: T.Optional(T.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    checkpoints: T.Optional(
      T.Object(
        {
          enabled: T.Optional(T.Boolean()),
          frequency: T.Optional(T.Integer({ minimum: 1 })),
          retention_hours: T.Optional(T.Integer({ minimum: 1 })),
          max_age_days: T.Optional(T.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Webhooks (src/core/webhooks): POST /api/v1/github/webhook and /v1/webhooks/whatsapp. */
    github: T.Optional(GithubFileSettings),
    whatsapp: T.Optional(WhatsappFileSettings),
    /** Agentic tasks (/v1/agentic/tasks; src/core/agentic). */
    agentic: T.Optional(
      T.Object(
        {
          enabled: T.Optional(T.Boolean()),
          /** Sub-agents of one task running at once. */
          max_parallel: T.Optional(T.Integer({ minimum: 1, maximum: 32 })),
          /** The most sub-tasks a plan may have. */
          max_sub_tasks: T.Optional(T.Integer({ minimum: 1, maximum: 50 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof FileSchema>;

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

function expandHome(p: string): string {
  return p === "~" ? homedir() : p.startsWith("~/") ? join(homedir(), p.slice(2)) : p;
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
