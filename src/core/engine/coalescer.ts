// Token coalescing: a model streams tiny deltas; clients and the database get them in batches, flushed once 5
// characters are waiting (at the end of the current burst: deltas parsed from one network read go out together,
// as one write and one message) or 100 ms after the first waiting character. The very first delta of a message
// goes out at once, so the time to first token is never padded. `flush()` is also called at every boundary (tool
// call, end of stream, cancel) so nothing waits past the end of its message.

export interface CoalescerOptions {
  minChars?: number;
  maxDelayMs?: number;
}

export class TokenCoalescer {
  private text = "";
  private reasoning = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private soon: ReturnType<typeof setImmediate> | undefined;
  private sentAny = false;
  private readonly minChars: number;
  private readonly maxDelayMs: number;

  constructor(
    /** Receives the batched text and reasoning (either may be empty). */
    private readonly emit: (text: string, reasoning: string) => void,
    options: CoalescerOptions = {},
  ) {
    this.minChars = options.minChars ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 100;
  }

  pushText(delta: string): void {
    if (!delta) return;
    this.text += delta;
    this.schedule();
  }

  pushReasoning(delta: string): void {
    if (!delta) return;
    this.reasoning += delta;
    this.schedule();
  }

  flush(): void {
    this.cancelTimers();
    if (!this.text && !this.reasoning) return;
    const text = this.text;
    const reasoning = this.reasoning;
    this.text = "";
    this.reasoning = "";
    this.sentAny = true;
    this.emit(text, reasoning);
  }

  /** Drops the timer without emitting (the turn is over). */
  dispose(): void {
    this.cancelTimers();
  }

  private cancelTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = undefined;
    this.soon = undefined;
  }

  private schedule(): void {
    if (!this.sentAny) {
      this.flush();
      return;
    }
    if (this.text.length >= this.minChars || this.reasoning.length >= this.minChars) {
      // After the deltas already parsed (same burst) have been added, not after each one.
      this.soon ??= setImmediate(() => {
        this.soon = undefined;
        this.flush();
      });
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.maxDelayMs);
  }
}
