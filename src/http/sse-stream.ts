// What every Server-Sent Events stream needs, in one place (the SSE twin of ./live-socket.ts): `id:` on every event so
// a client reconnects with Last-Event-ID, a bounded queue for a reader that stopped reading (past it: a `gap` event
// naming the last id it got, then the stream ends), comment heartbeats, and one idempotent close. Closing the stream
// (or the client going away) ends only the stream: the work it watched goes on.
import type { LoggedEvent } from "../core/eventlog/event-log";
import type { FeedSink } from "../core/eventlog/feed";
import type { GapNotice } from "../core/eventlog/schema";
import type { Logger } from "../core/kernel/log";

export interface SseStreamOptions {
  log: Logger;
  label: string;
  /** Events that may wait for a reader that stopped reading (config [events] stream_queue). */
  queueLimit: number;
  heartbeatMs?: number;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  /** Runs once when the stream ends, for any reason. */
  onClose?: () => void;
}

/** Bytes the stream holds before it stops taking events at once (what the socket has not taken yet). */
const HIGH_WATER_BYTES = 64 * 1024;
const encoder = new TextEncoder();

export class SseStream {
  readonly body: ReadableStream<Uint8Array>;
  closed = false;
  private sink?: ReadableStreamDefaultController<Uint8Array>;
  private readonly pending: { text: string; id?: number }[] = [];
  private delivered = 0;
  private heartbeat?: ReturnType<typeof setInterval>;
  private readonly drainListeners = new Set<() => void>();

  constructor(private readonly options: SseStreamOptions) {
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.sink = controller;
        },
        // The reader wants more: waiting events go out, then replays continue.
        pull: () => this.drained(),
        cancel: () => this.close(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_BYTES }),
    );
    options.signal?.addEventListener("abort", () => this.close(), { once: true });
    if (options.heartbeatMs) this.heartbeat = setInterval(() => this.enqueue(": ping\n\n"), options.heartbeatMs);
  }

  /** One event; `id` (the bus event's) is what the client resumes after. */
  send(name: string, data: unknown, id?: number): void {
    if (this.closed) return;
    const text = `${id !== undefined ? `id: ${id}\n` : ""}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    if (this.pending.length === 0 && this.hasRoom()) return this.write(text, id);
    if (this.pending.length >= this.options.queueLimit) return this.gap();
    this.pending.push({ text, id });
  }

  ready(): boolean {
    return !this.closed && this.pending.length === 0 && this.hasRoom();
  }

  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => void this.drainListeners.delete(listener);
  }

  /** A feed's sink: each event goes out as `frame(event)` (skipped when undefined), with its id. */
  feedSink(frame: (event: LoggedEvent) => { event: string; data: unknown } | undefined): FeedSink {
    return {
      ready: () => this.ready(),
      deliver: (event) => {
        const value = frame(event);
        if (value) this.send(value.event, value.data, event.id);
      },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.pending.length = 0;
    this.drainListeners.clear();
    try {
      this.sink?.close();
    } catch {
      // already closed by the client
    }
    this.options.onClose?.();
  }

  private drained(): void {
    while (!this.closed && this.pending.length > 0 && this.hasRoom()) {
      const next = this.pending.shift()!;
      this.write(next.text, next.id);
    }
    if (this.pending.length === 0) for (const listener of this.drainListeners) listener();
  }

  private hasRoom(): boolean {
    return (this.sink?.desiredSize ?? 0) > 0;
  }

  private write(text: string, id?: number): void {
    this.enqueue(text);
    if (id !== undefined) this.delivered = id;
  }

  private enqueue(text: string): void {
    if (this.closed) return;
    try {
      this.sink?.enqueue(encoder.encode(text));
    } catch {
      this.close();
    }
  }

  private gap(): void {
    const notice: GapNotice = { event: "gap", data: { resume_from: this.delivered, reason: `more than ${this.options.queueLimit} events waited for this reader` } };
    this.options.log.warn(`${this.options.label} stream too slow; sent a gap notice and ended it`, { resume_from: this.delivered });
    this.pending.length = 0;
    this.enqueue(`event: gap\ndata: ${JSON.stringify(notice.data)}\n\n`);
    this.close();
  }
}
