// Small helpers shared by the engine suites: a WebSocket client that collects events, polling, app factories.
import type { TestApp } from "../support/harness";
import { startTestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

export type Event = { event: string; data: any };

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

/** A chat socket that records every event it receives. */
export class ChatSocket {
  readonly events: Event[] = [];
  readonly ws: WebSocket;
  closed = false;
  closeCode?: number;
  private readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = (e) => reject(new Error(`socket error ${String((e as ErrorEvent).message ?? "")}`));
    });
    this.ws.onmessage = (m) => this.events.push(JSON.parse(String(m.data)));
    this.ws.onclose = (e) => {
      this.closed = true;
      this.closeCode = e.code;
    };
  }

  static async open(app: TestApp): Promise<ChatSocket> {
    const socket = new ChatSocket(app.wsUrl("/api/v1/chat/stream"));
    await socket.opened;
    return socket;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Waits for the n-th (1-based) event with this name and returns it. */
  next(name: string, nth = 1, timeoutMs = 5000): Promise<Event> {
    return until(() => this.events.filter((e) => e.event === name)[nth - 1], timeoutMs, `${nth}× "${name}" event`);
  }

  /** Events of one turn: from its `start` to its `complete`/`error` (n-th turn, 1-based). */
  turn(nth = 1): Event[] {
    const starts = this.events.map((e, i) => (e.event === "start" ? i : -1)).filter((i) => i >= 0);
    const from = starts[nth - 1] ?? 0;
    const to = starts[nth] ?? this.events.length;
    return this.events.slice(from, to);
  }

  tokens(nth = 1): string {
    return this.turn(nth)
      .filter((e) => e.event === "token")
      .map((e) => e.data.token)
      .join("");
  }

  close(): void {
    this.ws.close();
  }
}

export function openaiEnv(up: Upstream): Record<string, string> {
  return { PENGUIN_MODEL: "openai/gpt-4o", OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: up.openaiBaseUrl, PENGUIN_RETRY_BASE_MS: "5" };
}

export function anthropicEnv(up: Upstream): Record<string, string> {
  return { PENGUIN_MODEL: "anthropic/claude-scripted-test", ANTHROPIC_API_KEY: "sk-ant-test", ANTHROPIC_BASE_URL: up.anthropicBaseUrl, PENGUIN_RETRY_BASE_MS: "5" };
}

export async function startChatApp(up: Upstream, provider: "openai" | "anthropic", extra: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  return startTestApp({ ...extra, env: { ...(provider === "openai" ? openaiEnv(up) : anthropicEnv(up)), ...extra.env } });
}

export async function post(app: TestApp, path: string, json: unknown, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await app.request(path, { method: "POST", json, ...init });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (SSE)
  }
  return { status: res.status, body, headers: res.headers };
}

export async function get(app: TestApp, path: string): Promise<{ status: number; body: any }> {
  const res = await app.request(path);
  return { status: res.status, body: await res.json() };
}

/** The system prompt text the upstream received (OpenAI: first message; Anthropic: `system`). */
export function systemTextOf(body: any): string {
  if (body.system !== undefined) return typeof body.system === "string" ? body.system : body.system.map((b: any) => b.text).join("\n");
  const first = body.messages?.[0];
  return first?.role === "system" || first?.role === "developer" ? (typeof first.content === "string" ? first.content : first.content.map((p: any) => p.text).join("")) : "";
}

/** Every message text the upstream received, flattened (for "was X sent?" checks). */
export function allTextOf(body: any): string {
  return JSON.stringify(body.messages) + systemTextOf(body);
}

/** Parses an SSE body into events. */
export function parseSse(text: string): { event: string; data: any }[] {
  return text
    .split("\n\n")
    .map((block) => block.trim())
    .filter((block) => block && !block.startsWith(":"))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? "null";
      return { event, data: JSON.parse(data) };
    });
}
