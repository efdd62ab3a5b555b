// In-process counters and histograms behind /metrics, /metrics/prometheus and /ready/all.
const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const RESERVOIR = 2048;

export class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  sum = 0;
  count = 0;
  /** A ring of recent samples for percentiles. */
  private recent: number[] = [];
  private next = 0;

  observe(ms: number): void {
    this.sum += ms;
    this.count++;
    let i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
    if (i < 0) i = LATENCY_BUCKETS_MS.length;
    this.counts[i]!++;
    if (this.recent.length < RESERVOIR) this.recent.push(ms);
    else this.recent[this.next++ % RESERVOIR] = ms;
  }

  percentile(p: number): number {
    if (this.recent.length === 0) return 0;
    const sorted = [...this.recent].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
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
}
