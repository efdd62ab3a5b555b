// One chat turn over WS /api/v1/chat/stream. A socket per turn keeps events unambiguous when turns run in
// several conversations at once; `stop()` sends {"type":"stop"} on that socket. The turn belongs to the server, not to
// this socket: a dropped connection is reopened and the stream resumed after the last event id seen (`since`), and a
// page that comes back to a running turn follows it the same way (`resume`).
import type { TurnEvent } from "./types";

export interface ChatPayload {
  text: string;
  conversation_id?: string;
  session_id?: string;
  directory?: string;
  agent_id?: string;
  include_reasoning: boolean;
  image_path?: string;
  context_files?: string[];
}

export interface StreamHandlers {
  onEvent(event: TurnEvent): void;
  /** The socket closed without `complete` or `error`, and could not be reopened. */
  onLost(reason: string): void;
  /** Stops the turn without the socket (the REST stop route), when the socket cannot carry {"type":"stop"}. */
  stopTurn?(turnId: string): Promise<unknown>;
}

/** Reopening a dropped connection: this many tries, this far apart (times the try). */
const RETRIES = 5;
const RETRY_MS = 400;

export class ChatStream {
  private ws!: WebSocket;
  private ended = false;
  private turnId?: string;
  /** The id of the last event received: a reopened socket resumes after it. */
  private lastId?: number;
  private retries = 0;
  stopRequested = false;

  /**
   * `url` is the stream's (with the key); with `payload` the socket sends that message, with `resume` it follows a
   * turn already running from the event after `resume.since`.
   */
  constructor(
    private readonly url: string,
    payload: ChatPayload | undefined,
    private readonly handlers: StreamHandlers,
    resume?: { turnId: string; since: number },
  ) {
    if (resume) {
      this.turnId = resume.turnId;
      this.lastId = resume.since;
      this.connect();
    } else this.connect(payload);
  }

  private connect(payload?: ChatPayload): void {
    const url = new URL(this.url);
    if (!payload && this.turnId) {
      url.searchParams.set("turn_id", this.turnId);
      if (this.lastId !== undefined) url.searchParams.set("since", String(this.lastId));
    }
    const ws = (this.ws = new WebSocket(url.toString()));
    if (payload) ws.addEventListener("open", () => ws.send(JSON.stringify(payload)));
    ws.addEventListener("message", (e) => this.receive(e.data));
    ws.addEventListener("close", (e) => {
      if (this.ended || ws !== this.ws) return;
      if (this.stopRequested) {
        this.ended = true;
        this.handlers.onEvent({ event: "error", data: { message: "Stopped", code: "CANCELLED" } });
        return;
      }
      const refused = e.code === 1008 || e.code === 4401;
      // The turn runs on at the server: a dropped connection is reopened where it left off.
      if (!refused && this.turnId && this.retries < RETRIES) {
        this.retries++;
        setTimeout(() => !this.ended && this.connect(), RETRY_MS * this.retries);
        return;
      }
      this.ended = true;
      this.handlers.onLost(refused ? "The server refused the key for the live connection." : "The connection to the server was lost before the answer finished.");
    });
  }

  private receive(raw: unknown): void {
    if (this.ended || typeof raw !== "string") return;
    let msg: any;
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    if (!msg || typeof msg !== "object") return;
    this.retries = 0;
    // An error envelope (validation failure, auth) instead of an event.
    if (!msg.event && msg.error) {
      const message = typeof msg.error === "string" ? msg.error : msg.error.message ?? msg.detail ?? "Request rejected";
      msg = { event: "error", data: { message, code: msg.error.code } };
    }
    if (typeof msg.event !== "string") return;
    // Too slow for a while: the server closes after this notice; the reopened socket resumes after resume_from.
    if (msg.event === "gap") {
      if (typeof msg.data?.resume_from === "number") this.lastId = msg.data.resume_from;
      return;
    }
    if (typeof msg.id === "number") this.lastId = msg.id;
    if (msg.event === "start" && typeof msg.data?.turn_id === "string") this.turnId = msg.data.turn_id;
    const event = { event: msg.event, data: msg.data ?? {} } as TurnEvent;
    if (event.event === "complete" || event.event === "error") {
      this.ended = true;
      this.handlers.onEvent(event);
      this.close();
      return;
    }
    this.handlers.onEvent(event);
  }

  stop(): void {
    if (this.ended) return;
    this.stopRequested = true;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "stop" }));
    else if (this.turnId) void this.handlers.stopTurn?.(this.turnId).catch(() => {});
    // The server did not answer the stop on the socket: ask through the API (closing would not stop the turn).
    setTimeout(() => {
      if (this.ended) return;
      if (this.turnId && this.handlers.stopTurn) void this.handlers.stopTurn(this.turnId).catch(() => {});
      else this.ws.close();
    }, 4000);
  }

  get active(): boolean {
    return !this.ended;
  }

  close(): void {
    this.ended = true;
    try {
      this.ws.close(1000);
    } catch {
      /* already closed */
    }
  }
}
