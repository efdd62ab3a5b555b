// Health, readiness and metrics (PiSovereign conventions): /health, /ready, /ready/all, /metrics, /metrics/prometheus.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";

const Counter = t.Integer({ minimum: 0 });
const MetricsJson = t.Object({
  uptime_seconds: Counter,
  http: t.Object({
    requests_total: Counter,
    requests_success: Counter,
    requests_client_error: Counter,
    requests_server_error: Counter,
    active_requests: Counter,
    response_time_avg_ms: t.Number(),
  }),
  inference: t.Object({
    requests_total: Counter,
    requests_success: Counter,
    requests_failed: Counter,
    time_avg_ms: t.Number(),
    tokens_total: Counter,
    healthy: t.Boolean({ description: "A usable model is configured (as /ready judges it, without calling the provider)" }),
  }),
  tools: t.Object({ calls_total: Counter, calls_failed: Counter, by_name: t.Record(t.String(), Counter) }),
});
const Check = t.Object({ healthy: t.Boolean(), latency_ms: t.Optional(t.Number()), detail: t.Optional(t.String()) }, { additionalProperties: true });

const Ready = t.Object({ status: t.String(), inference: Check });

export const healthPlugin = (core: Core) =>
  new Elysia({ name: "health", detail: { tags: ["health"] } })
    .get("/health", () => ({ status: "ok" as const, version: core.version }), {
      detail: { summary: "Liveness probe" },
      response: t.Object({ status: t.Literal("ok"), version: t.String() }),
    })
    .get(
      "/ready",
      async ({ set }) => {
        const inference = await core.health.run("inference");
        if (!inference.healthy) set.status = 503;
        return { status: inference.healthy ? "ready" : "not_ready", inference };
      },
      { detail: { summary: "Readiness probe: 503 while no usable LLM provider is configured" }, response: { 200: Ready, 503: Ready } },
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
        response: {
          200: t.Object({ status: t.String(), services: t.Record(t.String(), Check), latency_percentiles: t.Object({ p50_ms: t.Number(), p90_ms: t.Number(), p99_ms: t.Number() }) }),
          503: t.Object({ status: t.String(), services: t.Record(t.String(), Check), latency_percentiles: t.Object({ p50_ms: t.Number(), p90_ms: t.Number(), p99_ms: t.Number() }) }),
        },
      },
    )
    .get(
      "/metrics",
      () => {
        const m = core.metrics;
        const avg = (h: { sum: number; count: number }) => (h.count ? Math.round((h.sum / h.count) * 100) / 100 : 0);
        return {
          uptime_seconds: m.uptimeSeconds,
          http: {
            requests_total: m.http.total,
            requests_success: m.http.success,
            requests_client_error: m.http.clientError,
            requests_server_error: m.http.serverError,
            active_requests: m.http.active,
            response_time_avg_ms: avg(m.http.latency),
          },
          inference: {
            requests_total: m.inference.total,
            requests_success: m.inference.success,
            requests_failed: m.inference.failed,
            time_avg_ms: avg(m.inference.latency),
            tokens_total: m.inference.tokens,
            healthy: !core.models.problem(),
          },
          tools: { calls_total: m.tools.total, calls_failed: m.tools.failed, by_name: Object.fromEntries(m.tools.byName) },
        };
      },
      { detail: { summary: "Metrics as JSON" }, response: MetricsJson },
    )
    .get(
      "/metrics/prometheus",
      ({ set }) => {
        set.headers["content-type"] = "text/plain; version=0.0.4; charset=utf-8";
        return prometheusText(core);
      },
      { detail: { summary: "Metrics in the Prometheus text format" }, response: t.String() },
    );

function prometheusText(core: Core): string {
  const m = core.metrics;
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  const histogram = (name: string, help: string, h: typeof m.http.latency) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    for (const b of h.buckets()) lines.push(`${name}_bucket{le="${b.le}"} ${b.count}`);
    lines.push(`${name}_sum ${Math.round(h.sum * 1000) / 1000}`, `${name}_count ${h.count}`);
  };
  metric("app_uptime_seconds", "counter", "Application uptime in seconds", [["", m.uptimeSeconds]]);
  metric("http_requests_total", "counter", "Total HTTP requests by status class", [
    ['{status="success"}', m.http.success],
    ['{status="client_error"}', m.http.clientError],
    ['{status="server_error"}', m.http.serverError],
  ]);
  metric("http_requests_active", "gauge", "HTTP requests in flight", [["", m.http.active]]);
  histogram("http_request_duration_ms", "HTTP request latency in milliseconds", m.http.latency);
  metric("inference_requests_total", "counter", "LLM provider requests", [
    ['{status="success"}', m.inference.success],
    ['{status="failed"}', m.inference.failed],
  ]);
  metric("inference_tokens_total", "counter", "Tokens used across all LLM requests", [["", m.inference.tokens]]);
  histogram("inference_time_ms", "LLM request latency in milliseconds", m.inference.latency);
  metric("tool_calls_total", "counter", "Tool calls by tool", [...m.tools.byName].map(([n, c]) => [`{tool="${n}"}`, c] as [string, number]));
  metric("tool_calls_failed_total", "counter", "Tool calls that failed", [["", m.tools.failed]]);
  return lines.join("\n") + "\n";
}
