// Talking to a running app the way clients do, shared by every suite that chats: an app on the scripted upstream
// (useChatApp / startChatApp), a WebSocket client that collects events, REST calls, SSE parsing, polling.
import { afterAll, beforeAll } from "bun:test";
import { startTestApp, type StartOptions, type TestApp } from "./harness";
import { startUpstream, type Upstream } from "./upstream";

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

export async function startChatApp(up: Upstream, provider: "openai" | "anthropic", extra: StartOptions = {}): Promise<TestApp> {
  return startTestApp({ ...extra, env: { ...(provider === "openai" ? openaiEnv(up) : anthropicEnv(up)), ...extra.env } });
}

/**
 * For the tests of the enclosing file or describe block: before them, starts a scripted upstream and an app on it
 * (startChatApp) and hands both to `assign`; after them, closes both. The suite keeps its own variables:
 *
 *   let up: Upstream;
 *   let app: TestApp;
 *   useChatApp("openai", (started) => ({ up, app } = started));
 *
 * `options` are startChatApp's; a function of the upstream where they need its URLs (a penguin.toml naming it).
 * Hooks run in the order they are registered (afterAll too), so a beforeAll registered after this one can use the
 * app, and an afterAll registered after it runs once the app is closed.
 */
export function useChatApp(
  provider: "openai" | "anthropic",
  assign: (started: { up: Upstream; app: TestApp }) => void,
  options: StartOptions | ((up: Upstream) => StartOptions) = {},
): void {
  let up: Upstream | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    up = await startUpstream();
    app = await startChatApp(up, provider, typeof options === "function" ? options(up) : options);
    assign({ up, app });
  });
  afterAll(async () => {
    await app?.close();
    await up?.close();
  });
}

export interface Answer {
  status: number;
  /** The parsed JSON, or the text where the body is not JSON (SSE, text/plain). */
  body: any;
  text: string;
  headers: Headers;
}

/** A request with any method, with `json` as its body when given. */
export async function send(app: TestApp, method: string, path: string, json?: unknown, init: RequestInit & { auth?: boolean } = {}): Promise<Answer> {
  const res = await app.request(path, { method, ...(json !== undefined ? { json } : {}), ...init });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (SSE, text/plain)
  }
  return { status: res.status, body, text, headers: res.headers };
}

export function post(app: TestApp, path: string, json: unknown, init: RequestInit = {}): Promise<Answer> {
  return send(app, "POST", path, json, init);
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
