// The shapes of the system routes, declared once: health and metrics (/health, /ready*, /metrics), token usage
// (/api/v1/token-usage), telemetry (/api/v1/telemetry and its WebSocket), and diagnostics (/api/v1/system/*,
// /api/v1/capabilities, /v1/system/status). The plugins validate and document with them; the core returns Static<>
// of them.
import { Type as T, type Static } from "@sinclair/typebox";
import { UsageTotals } from "../conversation/schema";
import { Nullable } from "../kernel/shapes";
import { SandboxStatusSchema } from "../sandbox/types";

const Counter = T.Integer({ minimum: 0 });

// ── health and metrics ──────────────────────────────────────────────────────────────────────────────────────

export const Liveness = T.Object({ status: T.Literal("ok"), version: T.String() });

/** One readiness check; checks may add fields of their own (e.g. the model in use). */
export const ServiceCheck = T.Object({ healthy: T.Boolean(), latency_ms: T.Optional(T.Number()), detail: T.Optional(T.String()) }, { additionalProperties: true });
export type ServiceCheck = Static<typeof ServiceCheck> & { [extra: string]: unknown };

export const Readiness = T.Object({ status: T.String(), inference: ServiceCheck });

export const LatencyPercentiles = T.Object({ p50_ms: T.Number(), p90_ms: T.Number(), p99_ms: T.Number() });

export const ReadinessOfAll = T.Object({ status: T.String(), services: T.Record(T.String(), ServiceCheck), latency_percentiles: LatencyPercentiles });

export const MetricsReport = T.Object({
  uptime_seconds: Counter,
  http: T.Object({
    requests_total: Counter,
    requests_success: Counter,
    requests_client_error: Counter,
    requests_server_error: Counter,
    active_requests: Counter,
    response_time_avg_ms: T.Number(),
  }),
  inference: T.Object({
    requests_total: Counter,
    requests_success: Counter,
    requests_failed: Counter,
    time_avg_ms: T.Number(),
    tokens_total: Counter,
    healthy: T.Boolean({ description: "A usable model is configured (as /ready judges it, without calling the provider)" }),
  }),
  tools: T.Object({ calls_total: Counter, calls_failed: Counter, by_name: T.Record(T.String(), Counter) }),
});
export type MetricsReport = Static<typeof MetricsReport>;

/** GET /api/v1/health: the detailed health clients of the original Penguin poll before anything else. */
export const HealthReport = T.Object({
  status: T.Union([T.Literal("healthy"), T.Literal("degraded"), T.Literal("at_capacity")], {
    description: "at_capacity: no agent slot is free; degraded: a component is unhealthy or memory is above 90 %",
  }),
  timestamp: T.String({ description: "ISO 8601" }),
  uptime: T.Object({ start_time: T.String({ description: "ISO 8601" }), uptime_seconds: Counter, uptime_human: T.String({ description: "e.g. 2d 3h 4m 5s" }) }),
  resource_usage: T.Object({
    memory_mb: T.Number({ description: "Resident memory of the server process" }),
    memory_percent: T.Number({ minimum: 0, maximum: 100, description: "Of the machine's memory" }),
    cpu_percent: T.Number({ description: "Of one core, over the last second or more" }),
    threads: T.Integer({ minimum: 1 }),
    active_tasks: T.Integer({ minimum: 0, description: "Agent turns running now (chat and tasks)" }),
  }),
  agent_capacity: T.Object(
    {
      max: Counter,
      active: Counter,
      available: Counter,
      utilization: T.Number({ minimum: 0, maximum: 1 }),
    },
    { description: "Agent turn slots (max_concurrent_agents; more turns wait for one); active + available = max" },
  ),
  performance_metrics: T.Object(
    {
      request_count: Counter,
      error_count: T.Integer({ minimum: 0, description: "Responses with a 5xx status" }),
      task_count: T.Integer({ minimum: 0, description: "Agent turns finished since start" }),
      success_rate: T.Number({ minimum: 0, maximum: 1 }),
      avg_latency_ms: T.Number(),
      min_latency_ms: T.Number(),
      max_latency_ms: T.Number(),
      p95_latency_ms: T.Number(),
      p99_latency_ms: T.Number(),
    },
    { description: "HTTP requests since start; percentiles over the most recent requests" },
  ),
  components: T.Record(T.String(), T.Boolean(), { description: "Each readiness check (database, inference, sandbox, …): healthy or not" }),
  agents: T.Object({ total: Counter, active: T.Integer({ minimum: 0, description: "Agents with a turn running or waiting" }) }),
});
export type HealthReport = Static<typeof HealthReport>;

// ── token usage ─────────────────────────────────────────────────────────────────────────────────────────────

/** Declared with the conversation it sums (conversation/schema.ts); the usage report is built from it. */
export { UsageTotals };

const usageReportFields = {
  /** Everything, all models and agents. */
  total: UsageTotals,
  /** The chat model's usage (answers in conversations; summaries excluded). */
  main_model: UsageTotals,
  /** Summarisation of trimmed history, when the `summarize` context strategy is on. */
  summarizer: UsageTotals,
  /** Short model calls that store no message of their own; total = main_model + summarizer + utility. */
  utility: T.Object(UsageTotals.properties, {
    description:
      "Short model calls that store no message: conversation titles, and free text parsed into a command (POST /v1/commands/parse). " +
      "total = main_model + summarizer + utility.",
  }),
  models: T.Record(T.String(), UsageTotals),
  agents: T.Record(T.String(), UsageTotals),
  cost_usd: T.Number(),
};
export const UsageReport = T.Object(usageReportFields);
export type UsageReport = Static<typeof UsageReport>;

export const TokenUsageQuery = T.Object({ conversation_id: T.Optional(T.String({ minLength: 1, description: "limit to one conversation" })) });

export const TokenUsage = T.Object({ usage: T.Object({ ...usageReportFields, current_model: Nullable(T.String()) }) });

export const DailyUsageQuery = T.Object({
  days: T.Optional(T.Integer({ minimum: 1, maximum: 366, default: 30, description: "how many days back, today included" })),
});

/** One UTC day of usage: the day's totals, and the same split per model and per agent (only those that were used). */
export const UsageDay = T.Object({
  date: T.String({ description: "YYYY-MM-DD (UTC)" }),
  total: UsageTotals,
  models: T.Record(T.String(), UsageTotals),
  agents: T.Record(T.String(), UsageTotals),
});
export type UsageDay = Static<typeof UsageDay>;

export const DailyUsage = T.Object({
  from: T.String({ description: "first day (UTC)" }),
  to: T.String({ description: "last day: today (UTC)" }),
  days: T.Array(UsageDay, { description: "every day from `from` to `to`, oldest first; days without use are zeros" }),
  total: UsageTotals,
  models: T.Array(T.String(), { description: "models used in the range, most tokens first" }),
  agents: T.Array(T.String(), { description: "agents that used a model in the range, most tokens first" }),
});
export type DailyUsage = Static<typeof DailyUsage>;

// ── telemetry ───────────────────────────────────────────────────────────────────────────────────────────────

const AgentFilter = T.Optional(T.String({ minLength: 1, maxLength: 200 }));
export const TelemetryQuery = T.Object({ agent_id: AgentFilter });

/** Bounds of the live stream's push interval, in seconds. */
export const TELEMETRY_INTERVAL_S = { min: 0.1, max: 3600, default: 2 };
export const TelemetryStreamQuery = T.Object({
  agent_id: AgentFilter,
  interval: T.Optional(
    T.Number({
      minimum: TELEMETRY_INTERVAL_S.min,
      maximum: TELEMETRY_INTERVAL_S.max,
      description: `Seconds between pushes (default ${TELEMETRY_INTERVAL_S.default})`,
    }),
  ),
});

export const TokenPair = T.Object({ prompt: T.Integer(), completion: T.Integer() });
export type TokenPair = Static<typeof TokenPair>;

export const TelemetrySnapshot = T.Object({
  agents: T.Record(T.String(), T.Object({ messages_sent: T.Integer(), tasks_completed: T.Integer() })),
  tokens: T.Object({ total: TokenPair, per_agent: T.Record(T.String(), TokenPair) }),
  uptime_seconds: T.Integer(),
  timestamp: T.String(),
});
export type TelemetrySnapshot = Static<typeof TelemetrySnapshot>;

// ── diagnostics ─────────────────────────────────────────────────────────────────────────────────────────────

export const SystemInfo = T.Object({
  penguin_version: T.String(),
  engine_available: T.Boolean({ description: "The engine exists and the current model is usable" }),
  checkpoints_enabled: T.Boolean(),
  current_model: Nullable(T.Object({ model: T.String(), provider: T.String(), streaming_enabled: T.Boolean(), vision_enabled: T.Boolean() })),
  conversation_manager: T.Object({ active: T.Boolean(), current_session_id: Nullable(T.String()), total_messages: T.Integer() }),
  tool_manager: T.Object({ active: T.Boolean(), total_tools: T.Integer() }),
  memory_provider: T.Object({ initialized: T.Boolean(), provider_type: Nullable(T.String()) }),
  /** The OS sandbox agent commands run in: which mode is active and why, which limits hold. */
  sandbox: SandboxStatusSchema,
  uptime_seconds: T.Integer(),
});
export type SystemInfo = Static<typeof SystemInfo>;

const InOut = T.Object({ input: T.Integer(), output: T.Integer() });

export const SystemStatus = T.Object({
  status: T.Literal("active"),
  runmode_status: T.String(),
  continuous_mode: T.Boolean({ description: "A continuous task is running" }),
  streaming_active: T.Boolean({ description: "An agent turn is running" }),
  active_turns: T.Integer(),
  active_tasks: T.Integer(),
  token_usage: T.Object({ total: InOut, session: InOut }, { description: "session: the most recently active conversation" }),
  current_session_id: Nullable(T.String()),
  timestamp: T.String(),
  uptime_seconds: T.Integer(),
  initialization: T.Object({ core_initialized: T.Boolean(), fast_startup_enabled: T.Boolean() }),
});
export type SystemStatus = Static<typeof SystemStatus>;

const CurrentModel = Nullable(T.Object({ model: T.String(), provider: T.String(), vision_enabled: T.Boolean() }));

export const Capabilities = T.Object({
  capabilities: T.Object({
    vision_enabled: T.Boolean(),
    streaming_enabled: T.Boolean(),
    checkpoint_management: T.Boolean(),
    model_switching: T.Boolean({ description: "More than one model is configured and /api/v1/models/load is served" }),
    file_upload: T.Boolean(),
    websocket_support: T.Boolean(),
    task_execution: T.Boolean(),
    run_mode: T.Boolean(),
    multi_modal: T.Boolean(),
    context_files: T.Boolean(),
  }),
  current_model: CurrentModel,
  api_version: T.String(),
  penguin_version: T.String(),
});

/** What the core can do, whichever routes expose it (the plugin adds what the mounted routes serve). */
export const CoreAbilities = T.Object({
  /** A usable model: turns (and so streaming, tasks and run mode) can run. */
  inference: T.Boolean(),
  /** The current model reads images, and inference is possible. */
  vision: T.Boolean(),
  checkpoints: T.Boolean(),
  /** More than one model to switch between. */
  model_choice: T.Boolean(),
  current_model: CurrentModel,
  penguin_version: T.String(),
});
export type CoreAbilities = Static<typeof CoreAbilities>;

export const PiSystemStatus = T.Object({
  version: T.String(),
  uptime_seconds: T.Integer(),
  environment: T.String(),
  resources: T.Object({ memory_used_mb: T.Number(), heap_used_mb: T.Number(), cpu_percent: T.Number(), database_size_mb: T.Number() }),
  statistics: T.Object({
    requests_total: T.Integer(),
    requests_success: T.Integer(),
    requests_failed: T.Integer(),
    active_requests: T.Integer(),
    inference_requests: T.Integer(),
    inference_failed: T.Integer(),
    tokens_total: T.Integer(),
    tool_calls: T.Integer(),
    tasks_running: T.Integer(),
    cache_hit_rate: T.Number({ description: "Always 0: there is no response cache" }),
  }),
});
export type PiSystemStatus = Static<typeof PiSystemStatus>;
