// The config file's schema (penguin.toml / config.yml): snake_case, every key optional, unknown keys an error so typos
// surface. Domain blocks (memory, commands, catalog, webhooks, mcp) are declared beside it in this folder.
import { Type as T, type Static } from "@sinclair/typebox";
import { ROLES } from "../core/kernel/viewer";
import { SandboxSettingSchema } from "../core/sandbox/types";
import { CatalogFileSettings } from "./catalog";
import { CommandsFileSettings } from "./commands";
import { McpServerEntry } from "./mcp";
import { MemoryFileSettings } from "./memory";
import { GithubFileSettings, WhatsappFileSettings } from "./webhooks";

export const PROVIDERS = ["openai", "anthropic", "openrouter", "openai-compatible"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const ModelEntry = T.Object(
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

export const PermissionRule = T.Object(
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

export const AgentEntry = T.Object(
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

/** The config file schema (snake_case, every key optional; unknown keys are an error so typos surface). */
export const FileSchema = T.Object(
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
          frequency: T.Optional(T.Integer({ minimum: 1, description: "an automatic checkpoint every N turns (1: every turn)" })),
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
