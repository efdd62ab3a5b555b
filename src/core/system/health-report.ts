// The detailed health report of GET /api/v1/health (clients of the original Penguin poll it before anything else).
// Every number is read from the running server; it is polled, so nothing here waits or scans: process counters, the
// HTTP metrics, the readiness checks (configuration and a SELECT 1), the agents' slots (max_concurrent_agents), and
// the number of finished turns, counted from the bus as they end.
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import type { Bus } from "../kernel/bus";
import { iso } from "../store/values";
import { CpuSampler } from "./cpu";
import type { Metrics } from "./metrics";
import type { HealthReport, ServiceCheck } from "./schema";

/** What the report reads, described by shape (the core passes itself). */
export interface HealthSources {
  metrics: Metrics;
  health: { runAll(): Promise<Record<string, ServiceCheck>> };
  engine: { activeTurns: number };
  /** `capacity.running`: turns holding one of the max_concurrent_agents slots. */
  agents: { list(): readonly { active: boolean }[]; capacity: { running: number } };
  config: { maxConcurrentAgents: number };
  bus: Bus;
}

/** Above this share of the machine's memory the server reports itself degraded. */
const MEMORY_DEGRADED_PERCENT = 90;

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export class HealthReporter {
  private readonly cpu = new CpuSampler();
  private finishedTurns = 0;

  constructor(private readonly sources: HealthSources) {
    sources.bus.subscribe(({ data }) => {
      if (data.event.event === "complete" || data.event.event === "error") this.finishedTurns++;
    }, ["turn.event"]);
  }

  async report(): Promise<HealthReport> {
    const { metrics, health, engine, agents, config } = this.sources;
    const checks = await health.runAll();
    const components = Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, check.healthy]));

    const rss = process.memoryUsage().rss;
    const memoryPercent = round(Math.min(100, (rss / totalmem()) * 100));

    const max = config.maxConcurrentAgents;
    const active = Math.min(max, agents.capacity.running);
    const available = max - active;
    const agentList = agents.list();

    const http = metrics.http;
    const errors = http.serverError;
    const [p95, p99] = http.latency.percentiles(95, 99);

    const status: HealthReport["status"] =
      available === 0 ? "at_capacity" : Object.values(components).every(Boolean) && memoryPercent <= MEMORY_DEGRADED_PERCENT ? "healthy" : "degraded";
    const uptimeSeconds = metrics.uptimeSeconds;
    return {
      status,
      timestamp: iso(Date.now()),
      uptime: { start_time: iso(metrics.startedAt), uptime_seconds: uptimeSeconds, uptime_human: humanDuration(uptimeSeconds) },
      resource_usage: {
        memory_mb: round(rss / (1024 * 1024)),
        memory_percent: memoryPercent,
        cpu_percent: this.cpu.percent(),
        threads: threadCount(),
        active_tasks: engine.activeTurns,
      },
      agent_capacity: { max, active, available, utilization: round(active / max, 4) },
      performance_metrics: {
        request_count: http.total,
        error_count: errors,
        task_count: this.finishedTurns,
        success_rate: http.total ? round((http.total - errors) / http.total, 4) : 1,
        avg_latency_ms: http.latency.count ? round(http.latency.sum / http.latency.count) : 0,
        min_latency_ms: round(http.latency.min),
        max_latency_ms: round(http.latency.max),
        p95_latency_ms: round(p95!),
        p99_latency_ms: round(p99!),
      },
      components,
      agents: { total: agentList.length, active: agentList.filter((a) => a.active).length },
    };
  }
}

/** 93784 → "1d 2h 3m 4s" (leading zero units left out). */
export function humanDuration(seconds: number): string {
  const parts: [number, string][] = [
    [Math.floor(seconds / 86400), "d"],
    [Math.floor((seconds % 86400) / 3600), "h"],
    [Math.floor((seconds % 3600) / 60), "m"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  const shown = first < 0 ? [] : parts.slice(first);
  return [...shown.map(([n, unit]) => `${n}${unit}`), `${seconds % 60}s`].join(" ");
}

/** OS threads of this process (Linux: /proc, one small read); elsewhere the one JavaScript thread is all we know. */
function threadCount(): number {
  try {
    const match = /^Threads:\s+(\d+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]);
  } catch {
    // not Linux
  }
  return 1;
}
