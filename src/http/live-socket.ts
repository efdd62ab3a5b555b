// What every streaming WebSocket needs, in one place: JSON event frames with a bound on what may pile up for a slow
// client, heartbeat pings that drop a client who stopped answering, one idempotent teardown, and the parsing and
// validation of client frames into the error events the streams send back.
import type { TypeCheck } from "@sinclair/typebox/compiler";
import type { ServerWebSocket } from "bun";
import type { Config } from "../config";
import type { Logger } from "../core/kernel/log";

/** Heartbeat and slow-client bound: config.webSocket (PENGUIN_WS_HEARTBEAT_MS, PENGUIN_WS_MAX_BUFFERED_BYTES). */
export type LiveSocketOptions = Config["webSocket"];

/** Elysia's wrapper types the raw socket with an older shape; Bun's real one has getBufferedAmount. */
type Raw = ServerWebSocket<unknown>;

export class LiveSocket {
  closed = false;
  private lastSeen = Date.now();
  private readonly heartbeat: ReturnType<typeof setInterval>;

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

  /** Sends one JSON event; a client that lets too much pile up is disconnected (which cancels its work). */
  send(event: unknown): void {
    if (this.closed) return;
    const status = this.raw.send(JSON.stringify(event));
    if (status === 0 || this.raw.getBufferedAmount() > this.options.maxBufferedBytes) {
      this.options.log.warn(`${this.options.label} socket too slow; closing it`, { buffered: this.raw.getBufferedAmount() });
      this.close(1013, "client too slow: events were piling up");
    }
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
