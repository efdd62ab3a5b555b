// In-process counters and histograms behind /metrics (JSON), /metrics/prometheus (text) and /ready/all.
import type { MetricsReport } from "./schema";

const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const RESERVOIR = 2048;

export class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  sum = 0;
  count = 0;
  /** Extremes over every sample since start (0 before the first). */
  min = 0;
  max = 0;
  /** A ring of recent samples for percentiles. */
  private recent: number[] = [];
  private next = 0;

  observe(ms: number): void {
    this.min = this.count === 0 ? ms : Math.min(this.min, ms);
    this.max = Math.max(this.max, ms);
    this.sum += ms;
    this.count++;
    let i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
    if (i < 0) i = LATENCY_BUCKETS_MS.length;
    this.counts[i]!++;
    if (this.recent.length < RESERVOIR) this.recent.push(ms);
    else this.recent[this.next++ % RESERVOIR] = ms;
  }

  percentile(p: number): number {
    return this.percentiles(p)[0]!;
  }

  /** Several percentiles of the recent samples, sorting them once. */
  percentiles(...ps: number[]): number[] {
    if (this.recent.length === 0) return ps.map(() => 0);
    const sorted = [...this.recent].sort((a, b) => a - b);
    return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
  }

  /** Cumulative buckets, Prometheus style. */
  buckets(): { le: string; count: number }[] {
    let acc = 0;
    return this.counts.map((c, i) => ({ le: i < LATENCY_BUCKETS_MS.length ? String(LATENCY_BUCKETS_MS[i]) : "+Inf", count: (acc += c) }));
  }
}

export class Metrics {
  readonly startedAt = Date.now();
  http = { total: 0, success: 0, clientError: 0, serverError: 0, active: 0, latency: new Histogram() };
  inference = { total: 0, success: 0, failed: 0, tokens: 0, latency: new Histogram() };
  tools = { total: 0, failed: 0, byName: new Map<string, number>(), latency: new Histogram() };

  recordRequest(status: number, ms: number): void {
    this.http.total++;
    if (status >= 500) this.http.serverError++;
    else if (status >= 400) this.http.clientError++;
    else this.http.success++;
    this.http.latency.observe(ms);
  }

  recordInference(ok: boolean, ms: number, tokens: number): void {
    this.inference.total++;
    if (ok) this.inference.success++;
    else this.inference.failed++;
    this.inference.tokens += tokens;
    this.inference.latency.observe(ms);
  }

  recordTool(name: string, ok: boolean, ms: number): void {
    this.tools.total++;
    if (!ok) this.tools.failed++;
    this.tools.byName.set(name, (this.tools.byName.get(name) ?? 0) + 1);
    this.tools.latency.observe(ms);
  }

  get uptimeSeconds(): number {
    return Math.floor((Date.now() - this.startedAt) / 1000);
  }

  /** The counters as /metrics shows them; `inferenceHealthy`: a usable model is configured. */
  report(inferenceHealthy: boolean): MetricsReport {
    const avg = (h: { sum: number; count: number }) => (h.count ? Math.round((h.sum / h.count) * 100) / 100 : 0);
    return {
      uptime_seconds: this.uptimeSeconds,
      http: {
        requests_total: this.http.total,
        requests_success: this.http.success,
        requests_client_error: this.http.clientError,
        requests_server_error: this.http.serverError,
        active_requests: this.http.active,
        response_time_avg_ms: avg(this.http.latency),
      },
      inference: {
        requests_total: this.inference.total,
        requests_success: this.inference.success,
        requests_failed: this.inference.failed,
        time_avg_ms: avg(this.inference.latency),
        tokens_total: this.inference.tokens,
        healthy: inferenceHealthy,
      },
      tools: { calls_total: this.tools.total, calls_failed: this.tools.failed, by_name: Object.fromEntries(this.tools.byName) },
    };
  }

  /** The counters in the Prometheus text exposition format. */
  prometheus(): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    const histogram = (name: string, help: string, h: Histogram) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const b of h.buckets()) lines.push(`${name}_bucket{le="${b.le}"} ${b.count}`);
      lines.push(`${name}_sum ${Math.round(h.sum * 1000) / 1000}`, `${name}_count ${h.count}`);
    };
    metric("app_uptime_seconds", "counter", "Application uptime in seconds", [["", this.uptimeSeconds]]);
    metric("http_requests_total", "counter", "Total HTTP requests by status class", [
      ['{status="success"}', this.http.success],
      ['{status="client_error"}', this.http.clientError],
      ['{status="server_error"}', this.http.serverError],
    ]);
    metric("http_requests_active", "gauge", "HTTP requests in flight", [["", this.http.active]]);
    histogram("http_request_duration_ms", "HTTP request latency in milliseconds", this.http.latency);
    metric("inference_requests_total", "counter", "LLM provider requests", [
      ['{status="success"}', this.inference.success],
      ['{status="failed"}', this.inference.failed],
    ]);
    metric("inference_tokens_total", "counter", "Tokens used across all LLM requests", [["", this.inference.tokens]]);
    histogram("inference_time_ms", "LLM request latency in milliseconds", this.inference.latency);
    metric("tool_calls_total", "counter", "Tool calls by tool", [...this.tools.byName].map(([n, c]) => [`{tool="${n}"}`, c] as [string, number]));
    metric("tool_calls_failed_total", "counter", "Tool calls that failed", [["", this.tools.failed]]);
    return lines.join("\n") + "\n";
  }
}
