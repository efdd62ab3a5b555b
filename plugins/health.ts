// Health, readiness and metrics (PiSovereign conventions): /health, /ready, /ready/all, /metrics, /metrics/prometheus;
// and the detailed /api/v1/health clients of the original Penguin poll.
// Shapes: src/core/system/schema.ts; numbers: src/core/system/health.ts, health-report.ts and metrics.ts.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { HealthReporter } from "../src/core/system/health-report";
import { HealthReport, Liveness, MetricsReport, Readiness, ReadinessOfAll } from "../src/core/system/schema";

export const healthPlugin = (core: Core) => {
  const reporter = new HealthReporter(core);
  return new Elysia({ name: "health", detail: { tags: ["health"] } })
    .get("/health", () => ({ status: "ok" as const, version: core.version }), {
      detail: { summary: "Liveness probe" },
      response: Liveness,
    })
    .get("/api/v1/health", () => reporter.report(), {
      detail: { summary: "Detailed health: status, uptime, resources, agent capacity, request metrics, components" },
      response: HealthReport,
    })
    .get(
      "/ready",
      async ({ set }) => {
        const inference = await core.health.run("inference");
        if (!inference.healthy) set.status = 503;
        return { status: inference.healthy ? "ready" : "not_ready", inference };
      },
      { detail: { summary: "Readiness probe: 503 while no usable LLM provider is configured" }, response: { 200: Readiness, 503: Readiness } },
    )
    .get(
      "/ready/all",
      async ({ set }) => {
        const services = await core.health.runAll();
        const ready = Object.values(services).every((s) => s.healthy);
        if (!ready) set.status = 503;
        const h = core.metrics.http.latency;
        return {
          status: ready ? "ready" : "not_ready",
          services,
          latency_percentiles: { p50_ms: h.percentile(50), p90_ms: h.percentile(90), p99_ms: h.percentile(99) },
        };
      },
      {
        detail: { summary: "Every service's health with request latency percentiles" },
        response: { 200: ReadinessOfAll, 503: ReadinessOfAll },
      },
    )
    .get("/metrics", () => core.metrics.report(!core.models.problem()), { detail: { summary: "Metrics as JSON" }, response: MetricsReport })
    .get(
      "/metrics/prometheus",
      ({ set }) => {
        set.headers["content-type"] = "text/plain; version=0.0.4; charset=utf-8";
        return core.metrics.prometheus();
      },
      { detail: { summary: "Metrics in the Prometheus text format" }, response: t.String() },
    );
};
