// Readiness checks behind /ready and /ready/all. Areas register a named check; each run is timed.
import type { ServiceCheck } from "./schema";

/** A check reports whether its service is healthy, and may add fields of its own (e.g. the model in use); the run
 *  adds how long it took. */
export type Check = () => Promise<ServiceCheck> | ServiceCheck;

export class HealthChecks {
  private checks = new Map<string, Check>();

  register(name: string, check: Check): void {
    this.checks.set(name, check);
  }

  async run(name: string): Promise<ServiceCheck> {
    const check = this.checks.get(name);
    if (!check) return { healthy: false, detail: "no such check" };
    const start = performance.now();
    try {
      const result = await check();
      return { ...result, latency_ms: Math.round((performance.now() - start) * 100) / 100 };
    } catch (error) {
      return { healthy: false, detail: String(error), latency_ms: Math.round((performance.now() - start) * 100) / 100 };
    }
  }

  async runAll(): Promise<Record<string, ServiceCheck>> {
    const names = [...this.checks.keys()];
    const results = await Promise.all(names.map((n) => this.run(n)));
    return Object.fromEntries(names.map((n, i) => [n, results[i]!]));
  }
}
