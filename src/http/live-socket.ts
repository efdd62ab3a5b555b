// What every streaming WebSocket needs, in one place: JSON event frames with a bounded queue for a slow client (past
// it: a `gap` notice naming the last event it got, then close, so it resumes with since=<id>), heartbeat pings that
// drop a client who stopped answering, one idempotent teardown, the drain signal that lets a replay continue, and the
// parsing and validation of client frames into the error events the streams send back.
import type { TypeCheck } from "@sinclair/typebox/compiler";
import type { ServerWebSocket } from "bun";
import type { Config } from "../config";
import type { Logger } from "../core/kernel/log";
import type { FeedSink } from "../core/eventlog/feed";
import type { LoggedEvent } from "../core/eventlog/event-log";
import type { GapNotice } from "../core/eventlog/schema";

/**
 * Heartbeat and slow-client bounds: config.webSocket (PENGUIN_WS_HEARTBEAT_MS, PENGUIN_WS_MAX_BUFFERED_BYTES: bytes
 * handed to the socket and not yet sent) and `queueLimit` (config [events] stream_queue: events waiting beyond that).
 */
export type LiveSocketOptions = Config["webSocket"] & { queueLimit: number };

/** Elysia's wrapper types the raw socket with an older shape; Bun's real one has getBufferedAmount. */
type Raw = ServerWebSocket<unknown>;

export class LiveSocket {
  closed = false;
  private lastSeen = Date.now();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  /** Frames waiting while the socket's own buffer is full (at most queueLimit). */
  private readonly pending: { text: string; id?: number }[] = [];
  /** The id of the last event frame handed to the socket: what a gap notice tells the client to resume after. */
  private delivered = 0;
  private readonly drainListeners = new Set<() => void>();

  constructor(
    private readonly raw: Raw,
    private readonly options: LiveSocketOptions & { log: Logger; label: string },
    /** Runs once when the socket goes away for any reason (client close, too slow, silent): cancel its work here. */
    private readonly onTeardown: () => void,
  ) {
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastSeen > options.heartbeatMs * 2.5) return this.close(1001, "no answer to heartbeat pings");
      try {
        raw.ping();
      } catch {
        // closing
      }
    }, options.heartbeatMs);
  }

  /** A pong or any frame shows the client is alive. */
  seen(): void {
    this.lastSeen = Date.now();
  }

  /**
   * Sends one JSON frame (`id`: the event it carries). While the socket's buffer is full, frames wait in a bounded
   * queue; past it the client gets a gap notice and the socket closes. Its work (turns, tasks) goes on.
   */
  send(event: unknown, id?: number): void {
    if (this.closed) return;
    this.sendJson(JSON.stringify(event), id);
  }

  /** Sends a frame already serialized (one JSON shared by every socket that shows the same event). */
  sendJson(text: string, id?: number): void {
    if (this.closed) return;
    if (this.pending.length === 0 && this.hasRoom()) return this.write(text, id);
    if (this.pending.length >= this.options.queueLimit) return this.gap();
    this.pending.push({ text, id });
  }

  /** Whether the socket takes more now (a replay reads its next page only then). */
  ready(): boolean {
    return !this.closed && this.pending.length === 0 && this.hasRoom();
  }

  /** The socket's buffer emptied (Bun's drain): waiting frames go out, then replays continue. */
  drained(): void {
    while (!this.closed && this.pending.length > 0 && this.hasRoom()) {
      const next = this.pending.shift()!;
      this.write(next.text, next.id);
    }
    if (this.pending.length === 0) for (const listener of this.drainListeners) listener();
  }

  /** `listener` runs whenever the socket has drained; returns the function that removes it. */
  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => void this.drainListeners.delete(listener);
  }

  /**
   * A feed's sink: each event goes out as `frame(event)` (skipped when that is undefined), with its id. A string is a
   * frame already serialized.
   */
  sink(frame: (event: LoggedEvent) => unknown): FeedSink {
    return {
      ready: () => this.ready(),
      deliver: (event) => {
        const value = frame(event);
        if (typeof value === "string") this.sendJson(value, event.id);
        else if (value !== undefined) this.send(value, event.id);
      },
    };
  }

  private hasRoom(): boolean {
    return this.raw.getBufferedAmount() < this.options.maxBufferedBytes;
  }

  private write(text: string, id?: number): void {
    // 0: dropped, the connection is going away (its close handler tears down).
    if (this.raw.send(text) !== 0 && id !== undefined) this.delivered = id;
  }

  /** Past the queue: tell the client where to resume, after what it already has, and close. */
  private gap(): void {
    const notice: GapNotice = { event: "gap", data: { resume_from: this.delivered, reason: `more than ${this.options.queueLimit} events waited for this client` } };
    this.options.log.warn(`${this.options.label} socket too slow; sent a gap notice and closed it`, { resume_from: this.delivered, buffered: this.raw.getBufferedAmount() });
    this.pending.length = 0;
    try {
      this.raw.send(JSON.stringify(notice));
    } catch {
      // already closing
    }
    this.close(1013, `client too slow: resume with since=${this.delivered}`);
  }

  sendError(message: string, code: string, details?: Record<string, unknown>): void {
    this.send({ event: "error", data: { message, code, ...(details && Object.keys(details).length ? { details } : {}) } });
  }

  /** Answers a frame that fails `check` with a VALIDATION_ERROR naming the first bad field (as the REST 422 does). */
  rejectFrame(frame: unknown, check: TypeCheck<any>, what: string): void {
    const first = check.Errors(frame).First();
    const field = first?.path.replace(/^\//, "").replaceAll("/", ".") || "body";
    const error = first?.message ?? "is invalid";
    this.sendError(`invalid ${what}: ${field} ${error.toLowerCase()}`, "VALIDATION_ERROR", { fields: [{ field, error }] });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.teardown();
    try {
      this.raw.close(code, reason);
    } catch {
      // already gone
    }
  }

  /** Idempotent: stops the heartbeat and runs the owner's teardown once. */
  teardown(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.pending.length = 0;
    this.drainListeners.clear();
    this.onTeardown();
  }
}

/** Live sockets by connection, with the hooks every stream shares. */
export class LiveSockets<S extends { socket: LiveSocket }> {
  private readonly byRaw = new WeakMap<object, S>();

  set(ws: { raw: unknown }, state: S): void {
    this.byRaw.set(ws.raw as object, state);
  }

  /** Elysia hands the `pong` hook Bun's socket itself rather than its wrapper: both are looked up. */
  get(ws: object): S | undefined {
    return this.byRaw.get(((ws as { raw?: object }).raw ?? ws) as object);
  }

  pong(ws: object): void {
    this.get(ws)?.socket.seen();
  }

  close(ws: object): void {
    this.get(ws)?.socket.teardown();
  }

  drain(ws: object): void {
    this.get(ws)?.socket.drained();
  }

  /** A client frame, parsed: undefined when the socket is gone or the frame was not JSON (then already answered). */
  receive(ws: object, message: unknown): { state: S; frame: unknown } | undefined {
    const state = this.get(ws);
    if (!state || state.socket.closed) return undefined;
    state.socket.seen(); // any frame shows the client is alive
    if (typeof message !== "string") return { state, frame: message };
    try {
      return { state, frame: JSON.parse(message) };
    } catch {
      state.socket.sendError("frames must be JSON objects", "BAD_REQUEST");
      return undefined;
    }
  }
}

export const rawSocket = (ws: { raw: unknown }) => ws.raw as Raw;
