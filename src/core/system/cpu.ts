// The server process's CPU use, sampled cheaply: diagnostics and health are polled, so a reading never waits; it is
// the share of one core used over the last window of at least a second (before the first window, since start).
export class CpuSampler {
  private last = { at: performance.now(), usage: process.cpuUsage(), percent: 0 };

  constructor() {
    const u = process.cpuUsage();
    this.last.percent = percentOf(u.user + u.system, process.uptime() * 1000);
  }

  /** Percent of one core (can pass 100 on several cores). */
  percent(): number {
    const now = performance.now();
    const elapsed = now - this.last.at;
    if (elapsed >= 1000) {
      const usage = process.cpuUsage(this.last.usage);
      this.last = { at: now, usage: process.cpuUsage(), percent: percentOf(usage.user + usage.system, elapsed) };
    }
    return this.last.percent;
  }
}

function percentOf(cpuMicros: number, wallMs: number): number {
  if (wallMs <= 0) return 0;
  return Math.round((cpuMicros / 1000 / wallMs) * 1000) / 10;
}
