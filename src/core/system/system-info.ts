// System diagnostics: what /api/v1/system/info, /api/v1/system/status, /api/v1/capabilities and the PiSovereign
// /v1/system/status report. Every value is read from the running server (core services, configuration, process
// counters) — nothing is a constant claim. The core says what it can do; which routes expose it is the plugin's
// business (plugins/system.ts).
import { statSync } from "node:fs";
import type { ModelEntry } from "../../config";
import type { Viewer } from "../kernel/viewer";
import type { SandboxStatus } from "../sandbox/types";
import { CpuSampler } from "./cpu";
import type { Metrics } from "./metrics";
import type { CoreAbilities, PiSystemStatus, SystemInfo, SystemStatus } from "./schema";
import type { Usage } from "./usage";

/** What diagnostics read, described by shape so this domain depends on none above it (the core passes itself). */
export interface DiagnosticsSources {
  version: string;
  dbFile: string;
  config: { checkpoints: { enabled: boolean }; environment: string };
  metrics: Metrics;
  usage: Usage;
  models: {
    current(): ModelEntry | undefined;
    displayName(model: ModelEntry): string;
    visionEnabled(model: ModelEntry): boolean;
    usable(): boolean;
    list(): readonly unknown[];
  };
  conversations: { latest(viewer?: Viewer): { id: string; sessionId: string } | undefined; repository: { messageTotal(): number } };
  tasks: { runningCount: number; continuousRunning: boolean };
  tools: { specs(): readonly unknown[] };
  engine: { activeTurns?: number };
  sandbox: { status: SandboxStatus };
  /** Added by the memory domain when it exists. */
  memory?: { providerType: string };
}

const mb = (bytes: number, digits = 2) => Math.round((bytes / (1024 * 1024)) * 10 ** digits) / 10 ** digits;

export class SystemDiagnostics {
  private readonly cpu = new CpuSampler();

  constructor(private readonly core: DiagnosticsSources) {}

  private currentModel() {
    const models = this.core.models;
    const model = models.current();
    if (!model) return null;
    return { name: models.displayName(model), provider: model.provider, vision: models.visionEnabled(model), usable: models.usable() };
  }

  /** `current_model.streaming_enabled` says whether the engine can stream; the plugin adds whether a stream is served. */
  /** `viewer`: the current session shown is the latest one the caller may see. */
  info(viewer?: Viewer): SystemInfo {
    const model = this.currentModel();
    const engineAvailable = !!this.core.engine && !!model?.usable;
    const memory = this.core.memory;
    return {
      penguin_version: this.core.version,
      engine_available: engineAvailable,
      checkpoints_enabled: this.core.config.checkpoints.enabled,
      current_model: model ? { model: model.name, provider: model.provider, streaming_enabled: engineAvailable, vision_enabled: model.vision } : null,
      conversation_manager: {
        active: !!this.core.conversations,
        current_session_id: this.core.conversations.latest(viewer)?.sessionId ?? null,
        total_messages: this.core.conversations.repository.messageTotal(),
      },
      tool_manager: { active: true, total_tools: this.core.tools.specs().length },
      memory_provider: memory ? { initialized: true, provider_type: memory.providerType } : { initialized: false, provider_type: null },
      sandbox: this.core.sandbox.status,
      uptime_seconds: this.core.metrics.uptimeSeconds,
    };
  }

  status(viewer?: Viewer): SystemStatus {
    const tasks = this.core.tasks;
    const running = tasks.runningCount;
    const usage = this.core.usage;
    const total = usage?.report().total;
    const latest = this.core.conversations.latest(viewer);
    const session = latest && usage ? usage.report(latest.id).total : undefined;
    const activeTurns = this.core.engine.activeTurns ?? 0;
    return {
      status: "active" as const,
      runmode_status: running ? `RunMode running ${running} task${running === 1 ? "" : "s"}.` : "RunMode idle.",
      continuous_mode: tasks.continuousRunning,
      streaming_active: activeTurns > 0,
      active_turns: activeTurns,
      active_tasks: running,
      token_usage: {
        total: { input: total?.prompt ?? 0, output: total?.completion ?? 0 },
        session: { input: session?.prompt ?? 0, output: session?.completion ?? 0 },
      },
      current_session_id: latest?.sessionId ?? null,
      timestamp: new Date().toISOString(),
      uptime_seconds: this.core.metrics.uptimeSeconds,
      initialization: {
        core_initialized: !!this.core.engine && !!this.core.conversations,
        // Every service is built eagerly at start-up; there is no deferred ("fast") start-up mode.
        fast_startup_enabled: false,
      },
    };
  }

  /** What the core can do right now (the model, configuration); the plugin turns it into capabilities with the routes. */
  abilities(): CoreAbilities {
    const model = this.currentModel();
    const inference = !!this.core.engine && !!model?.usable;
    return {
      inference,
      vision: !!model?.vision && inference,
      checkpoints: this.core.config.checkpoints.enabled,
      model_choice: this.core.models.list().length > 1,
      current_model: model ? { model: model.name, provider: model.provider, vision_enabled: model.vision } : null,
      penguin_version: this.core.version,
    };
  }

  /** PiSovereign's GET /v1/system/status. */
  piStatus(): PiSystemStatus {
    const m = this.core.metrics;
    const mem = process.memoryUsage();
    return {
      version: this.core.version,
      uptime_seconds: m.uptimeSeconds,
      environment: this.core.config.environment,
      resources: {
        memory_used_mb: mb(mem.rss, 1),
        heap_used_mb: mb(mem.heapUsed, 1),
        cpu_percent: this.cpu.percent(),
        database_size_mb: this.databaseSizeMb(),
      },
      statistics: {
        requests_total: m.http.total,
        requests_success: m.http.success,
        requests_failed: m.http.clientError + m.http.serverError,
        active_requests: m.http.active,
        inference_requests: m.inference.total,
        inference_failed: m.inference.failed,
        tokens_total: m.inference.tokens,
        tool_calls: m.tools.total,
        tasks_running: this.core.tasks.runningCount,
        // There is no response cache, so nothing is ever served from one.
        cache_hit_rate: 0,
      },
    };
  }

  private databaseSizeMb(): number {
    let bytes = 0;
    for (const suffix of ["", "-wal"]) {
      try {
        bytes += statSync(this.core.dbFile + suffix).size;
      } catch {
        /* no WAL yet */
      }
    }
    return mb(bytes);
  }
}
