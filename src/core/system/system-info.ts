// System diagnostics: /api/v1/system/info, /api/v1/system/status, /api/v1/capabilities and the PiSovereign
// /v1/system/status. Every value is read from the running server (core services, configuration, the routes that
// are actually mounted, process counters) — nothing is a constant claim.
import { count, desc } from "drizzle-orm";
import { statSync } from "node:fs";
import type { Core } from "../index";
import type { ToolRuntime } from "../tools/types";
import { conversations, messages } from "../store/schema";

export interface RouteInfo {
  method: string;
  path: string;
}

/** Optional services other areas may add to the core; read defensively. */
type OptionalServices = {
  tools?: ToolRuntime;
  memory?: { providerType?: string; provider_type?: string; constructor: { name: string } };
  engine?: { activeTurns?: number };
};

const mb = (bytes: number, digits = 2) => Math.round((bytes / (1024 * 1024)) * 10 ** digits) / 10 ** digits;

export class SystemInfo {
  private routes: RouteInfo[] = [];
  private cpu = { at: performance.now(), usage: process.cpuUsage(), percent: 0 };

  constructor(private readonly core: Core) {
    // Until the first sample window passes, report the average since start.
    const u = process.cpuUsage();
    this.cpu.percent = this.percentOf(u.user + u.system, process.uptime() * 1000);
  }

  /** The mounted routes (set once the app starts), so capabilities describe what this server really serves. */
  setRoutes(routes: RouteInfo[]): void {
    this.routes = routes.map((r) => ({ method: r.method, path: r.path }));
  }

  private has(method: string, path: string): boolean {
    return this.routes.some((r) => r.method === method && r.path === path);
  }

  private get services(): OptionalServices {
    return this.core as unknown as OptionalServices;
  }

  private currentModel() {
    const models = this.core.models;
    const model = models?.current();
    if (!model) return null;
    return { entry: model, name: models.displayName(model), provider: model.provider, vision: models.visionEnabled(model), usable: models.usable() };
  }

  private toolCount(): number {
    try {
      return this.services.tools?.specs().length ?? 0;
    } catch {
      return 0;
    }
  }

  info() {
    const model = this.currentModel();
    const engineAvailable = !!this.core.engine && !!model?.usable;
    const latest = this.core.db.select({ sessionId: conversations.sessionId }).from(conversations).orderBy(desc(conversations.updatedAt)).limit(1).get();
    const totalMessages = this.core.db.select({ n: count() }).from(messages).get()?.n ?? 0;
    const memory = this.services.memory;
    return {
      penguin_version: this.core.version,
      engine_available: engineAvailable,
      checkpoints_enabled: this.core.config.checkpoints.enabled,
      current_model: model
        ? { model: model.name, provider: model.provider, streaming_enabled: engineAvailable && this.has("WS", "/api/v1/chat/stream"), vision_enabled: model.vision }
        : null,
      conversation_manager: {
        active: !!this.core.conversations,
        current_session_id: latest?.sessionId ?? null,
        total_messages: totalMessages,
      },
      tool_manager: { active: !!this.services.tools, total_tools: this.toolCount() },
      memory_provider: memory
        ? { initialized: true, provider_type: memory.providerType ?? memory.provider_type ?? memory.constructor.name }
        : { initialized: false, provider_type: null },
      uptime_seconds: this.core.metrics.uptimeSeconds,
    };
  }

  status() {
    const tasks = this.core.tasks;
    const running = tasks.runningCount;
    const usage = this.core.usage;
    const total = usage?.report().total;
    const latest = this.core.db.select({ id: conversations.id, sessionId: conversations.sessionId }).from(conversations).orderBy(desc(conversations.updatedAt)).limit(1).get();
    const session = latest && usage ? usage.report(latest.id).total : undefined;
    const activeTurns = this.services.engine?.activeTurns ?? 0;
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

  capabilities() {
    const model = this.currentModel();
    const inference = !!this.core.engine && !!model?.usable;
    const vision = !!model?.vision && inference;
    const tasks = inference && this.has("POST", "/api/v1/tasks/execute");
    return {
      capabilities: {
        vision_enabled: vision,
        streaming_enabled: inference && this.has("WS", "/api/v1/chat/stream"),
        checkpoint_management: this.core.config.checkpoints.enabled && this.has("POST", "/api/v1/checkpoints/create"),
        model_switching: this.has("POST", "/api/v1/models/load") && (this.core.models?.list().length ?? 0) > 1,
        file_upload: this.has("POST", "/api/v1/upload"),
        websocket_support: this.routes.some((r) => r.method === "WS"),
        task_execution: tasks,
        run_mode: tasks,
        multi_modal: vision && this.has("POST", "/api/v1/upload"),
        context_files: this.has("GET", "/api/v1/context-files"),
      },
      current_model: model ? { model: model.name, provider: model.provider, vision_enabled: model.vision } : null,
      api_version: "v1",
      penguin_version: this.core.version,
    };
  }

  /** PiSovereign's GET /v1/system/status. */
  piStatus() {
    const m = this.core.metrics;
    const mem = process.memoryUsage();
    return {
      version: this.core.version,
      uptime_seconds: m.uptimeSeconds,
      environment: this.core.config.environment,
      resources: {
        memory_used_mb: mb(mem.rss, 1),
        heap_used_mb: mb(mem.heapUsed, 1),
        cpu_percent: this.cpuPercent(),
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

  /** Process CPU use in percent of one core, over the last sampling window (at least one second). */
  private cpuPercent(): number {
    const now = performance.now();
    const elapsed = now - this.cpu.at;
    if (elapsed >= 1000) {
      const usage = process.cpuUsage(this.cpu.usage);
      this.cpu = { at: now, usage: process.cpuUsage(), percent: this.percentOf(usage.user + usage.system, elapsed) };
    }
    return this.cpu.percent;
  }

  private percentOf(cpuMicros: number, wallMs: number): number {
    if (wallMs <= 0) return 0;
    return Math.round((cpuMicros / 1000 / wallMs) * 1000) / 10;
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
