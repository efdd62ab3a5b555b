// Fixed one-minute windows per bucket (an API key's hash, or the client IP when unauthenticated).
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** epoch seconds when the window resets */
  reset: number;
  retryAfter: number;
}

export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  private lastSweep = Date.now();

  constructor(
    readonly limitPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limitPerMinute > 0;
  }

  take(bucket: string): RateDecision {
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(bucket);
    if (!w || now - w.start >= 60_000) {
      w = { start: now, count: 0 };
      this.windows.set(bucket, w);
    }
    w.count++;
    const resetMs = w.start + 60_000;
    return {
      allowed: w.count <= this.limitPerMinute,
      limit: this.limitPerMinute,
      remaining: Math.max(0, this.limitPerMinute - w.count),
      reset: Math.ceil(resetMs / 1000),
      retryAfter: Math.max(1, Math.ceil((resetMs - now) / 1000)),
    };
  }

  /** Drops expired windows so memory stays bounded by the clients of the last minute. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(k);
  }
}
