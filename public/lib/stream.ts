// One chat turn over WS /api/v1/chat/stream. A socket per turn keeps events unambiguous when turns run in
// several conversations at once; `stop()` sends {"type":"stop"} on that socket.
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
  /** The socket closed without `complete` or `error`. */
  onLost(reason: string): void;
}

export class ChatStream {
  private ws: WebSocket;
  private ended = false;
  stopRequested = false;

  constructor(url: string, payload: ChatPayload, private readonly handlers: StreamHandlers) {
    this.ws = new WebSocket(url);
    this.ws.addEventListener("open", () => this.ws.send(JSON.stringify(payload)));
    this.ws.addEventListener("message", (e) => this.receive(e.data));
    this.ws.addEventListener("close", (e) => {
      if (this.ended) return;
      this.ended = true;
      if (this.stopRequested) handlers.onEvent({ event: "error", data: { message: "Stopped", code: "CANCELLED" } });
      else handlers.onLost(e.code === 1008 || e.code === 4401 ? "The server refused the key for the live connection." : "The connection to the server was lost before the answer finished.");
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
    // An error envelope (validation failure, auth) instead of an event.
    if (!msg.event && msg.error) {
      const message = typeof msg.error === "string" ? msg.error : msg.error.message ?? msg.detail ?? "Request rejected";
      msg = { event: "error", data: { message, code: msg.error.code } };
    }
    if (typeof msg.event !== "string") return;
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
    else this.ws.close();
    // Closing the socket cancels the turn too: the fallback when the server does not answer the stop.
    setTimeout(() => {
      if (!this.ended) this.ws.close();
    }, 4000);
  }

  get active(): boolean {
    return !this.ended;
  }

  close(): void {
    try {
      this.ws.close(1000);
    } catch {
      /* already closed */
    }
  }
}
