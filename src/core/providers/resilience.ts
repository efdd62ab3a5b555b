// The failure policy every adapter shares: retries with backoff for 429/5xx and dropped connections (only while
// nothing has been received, so a caller never sees a response twice), a connect timeout (no response headers),
// an idle timeout (no chunk for too long), prompt cancellation, and one classified ProviderError at the end.
// The SDKs' own retries are off; this is the only retry loop.
import type { Metrics } from "../system/metrics";
import { ProviderError, type ProviderEvent, type ProviderFailure } from "./types";

export interface CallPolicy {
  maxRetries: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** First backoff step; doubled on each retry (with ±20% jitter). */
  retryBaseMs: number;
  /** The longest single wait; a retry-after beyond it gives up at once instead of sleeping. */
  retryMaxWaitMs: number;
}

export const DEFAULT_POLICY: CallPolicy = { maxRetries: 2, connectTimeoutMs: 10_000, idleTimeoutMs: 120_000, retryBaseMs: 500, retryMaxWaitMs: 20_000 };

type Interruption = "cancelled" | "connect_timeout" | "idle_timeout";

interface Classified {
  message: string;
  status?: number;
  retryable: boolean;
  kind: ProviderFailure;
  retryAfterMs?: number;
}

/**
 * Opens a raw stream with `open(signal)` and yields its chunks under the policy. `open` resolves once the response
 * headers are in (the SDKs' `create({stream:true})` does exactly that).
 */
export async function* guardedStream<Chunk>(
  label: string,
  policy: CallPolicy,
  userSignal: AbortSignal | undefined,
  open: (signal: AbortSignal) => Promise<AsyncIterable<Chunk>>,
): AsyncGenerator<Chunk> {
  for (let attempt = 1; ; attempt++) {
    if (userSignal?.aborted) throw cancelled(label);
    const controller = new AbortController();
    let interruption: Interruption | undefined;
    const interrupt = (why: Interruption) => {
      interruption ??= why;
      controller.abort();
    };
    const onUserAbort = () => interrupt("cancelled");
    userSignal?.addEventListener("abort", onUserAbort, { once: true });
    let received = false;
    try {
      const connectTimer = setTimeout(() => interrupt("connect_timeout"), policy.connectTimeoutMs);
      let iterable: AsyncIterable<Chunk>;
      try {
        iterable = await open(controller.signal);
      } finally {
        clearTimeout(connectTimer);
      }
      const iterator = iterable[Symbol.asyncIterator]();
      while (true) {
        // The idle clock runs only while we wait on the upstream, not while the consumer works on a chunk.
        const idleTimer = setTimeout(() => interrupt("idle_timeout"), policy.idleTimeoutMs);
        let next: IteratorResult<Chunk>;
        try {
          next = await iterator.next();
        } finally {
          clearTimeout(idleTimer);
        }
        if (interruption) throw new Error(interruption); // some SDK paths end quietly on abort
        if (next.done) return;
        received = true;
        yield next.value;
      }
    } catch (error) {
      const failure = classify(label, error, interruption, received, policy);
      if (failure.retryable && !received && attempt <= policy.maxRetries) {
        const wait = failure.retryAfterMs ?? backoff(policy, attempt);
        if (wait > policy.retryMaxWaitMs) {
          throw new ProviderError(`${failure.message}; the upstream asks to retry after ${Math.ceil(wait / 1000)} s, longer than this server waits`, failure.status, true, failure.kind);
        }
        await pause(wait, userSignal, label);
        continue;
      }
      const tries = attempt > 1 ? ` (gave up after ${attempt} attempts)` : "";
      throw new ProviderError(failure.message + tries, failure.status, failure.retryable, failure.kind);
    } finally {
      userSignal?.removeEventListener("abort", onUserAbort);
      // Releases the HTTP request when the consumer stopped early or something failed.
      controller.abort();
    }
  }
}

/** Wraps an adapter's event stream to record one inference sample (ok, duration, tokens) per call. */
export async function* measured(metrics: Metrics | undefined, events: AsyncIterable<ProviderEvent>): AsyncGenerator<ProviderEvent> {
  const started = performance.now();
  let ok = false;
  let tokens = 0;
  try {
    for await (const event of events) {
      if (event.type === "done") {
        ok = true;
        tokens = event.usage.promptTokens + event.usage.completionTokens;
      }
      yield event;
    }
  } finally {
    metrics?.recordInference(ok, Math.round((performance.now() - started) * 100) / 100, tokens);
  }
}

export function invalidToolJson(label: string, name: string, text: string, reason: string): ProviderError {
  const shown = text.length > 200 ? text.slice(0, 200) + "…" : text;
  return new ProviderError(`${label}: the model produced invalid JSON arguments for tool '${name}' (${reason}): ${shown}`, undefined, false, "invalid_tool_json");
}

export function truncated(label: string): ProviderError {
  return new ProviderError(`${label}: the response stream ended before the model finished (connection closed early)`, undefined, false, "truncated");
}

/** Arguments as the model produced them, "{}" when empty; throws when they are not a JSON object. */
export function checkedArguments(label: string, name: string, text: string): string {
  if (text.trim() === "") return "{}";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidToolJson(label, name, text, (error as Error).message);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalidToolJson(label, name, text, "not a JSON object");
  return text;
}

function cancelled(label: string): ProviderError {
  return new ProviderError(`${label}: request cancelled`, undefined, false, "cancelled");
}

function backoff(policy: CallPolicy, attempt: number): number {
  const base = Math.min(policy.retryMaxWaitMs, policy.retryBaseMs * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function pause(ms: number, signal: AbortSignal | undefined, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(label));
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled(label));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function classify(label: string, error: unknown, interruption: Interruption | undefined, received: boolean, policy: CallPolicy): Classified {
  if (error instanceof ProviderError) return { message: error.message, status: error.status, retryable: false, kind: error.kind };
  if (interruption === "cancelled") return { message: `${label}: request cancelled`, retryable: false, kind: "cancelled" };
  if (interruption === "connect_timeout") {
    return { message: `${label}: no response within ${policy.connectTimeoutMs} ms (connect timeout)`, retryable: false, kind: "connect_timeout" };
  }
  if (interruption === "idle_timeout") {
    return { message: `${label}: the stream stalled, no data for ${policy.idleTimeoutMs} ms (idle timeout)`, retryable: false, kind: "idle_timeout" };
  }
  const e = error as { status?: unknown; headers?: unknown; error?: any; message?: string; cause?: { message?: string } };
  if (typeof e?.status === "number") {
    const status = e.status;
    const detail = upstreamMessage(e) ?? `HTTP ${status}`;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return { message: `${label}: upstream returned ${status}: ${detail}`, status, retryable, kind: "http", retryAfterMs: retryAfter(e.headers) };
  }
  // An error event inside the stream (OpenAI `data: {"error":…}`, Anthropic `event: error`): no status, but a body.
  if (e?.error && typeof e.error === "object") {
    return { message: `${label}: the upstream reported an error: ${upstreamMessage(e) ?? "unknown error"}`, retryable: true, kind: "http" };
  }
  const reason = plainNetworkReason(e?.cause?.message ?? e?.message ?? String(error));
  return {
    // a closed connection means the provider was reached (the request went out): it ended the answer early
    message:
      received || reason === CLOSED
        ? `${label}: the provider closed the stream early, before the answer was complete`
        : `${label}: could not reach the provider (${reason})`,
    retryable: true,
    kind: "network",
  };
}

/** A network failure in words people know, without the runtime's hints (Bun adds "pass `verbose: true` to fetch()"). */
const CLOSED = "the connection was closed";

export function plainNetworkReason(raw: string): string {
  const text = raw.replace(/\s*For more information, pass `verbose: true`[^.]*\.?/i, "").trim();
  if (/closed unexpectedly|ECONNRESET|socket hang up|other side closed|terminated/i.test(text)) return CLOSED;
  if (/ECONNREFUSED|Unable to connect|ConnectionRefused/i.test(text)) return "connection refused: nothing answers at that address";
  if (/ENOTFOUND|getaddrinfo|DNS/i.test(text)) return "the host name could not be resolved";
  if (/ETIMEDOUT|timed out/i.test(text)) return "the connection timed out";
  if (/certificate|TLS|SSL/i.test(text)) return "the secure connection failed (certificate or TLS problem)";
  return text || "network error";
}

/** The human part of an SDK error: OpenAI keeps `{message}` in `.error`, Anthropic the whole `{type, error:{message}}`. */
function upstreamMessage(e: { error?: any; message?: string }): string | undefined {
  const fromBody = e.error?.message ?? e.error?.error?.message;
  if (typeof fromBody === "string" && fromBody) return fromBody;
  return e.message?.replace(/^\d{3}\s*/, "") || undefined;
}

function retryAfter(headers: unknown): number | undefined {
  const get = (name: string): string | null | undefined =>
    headers instanceof Headers ? headers.get(name) : (headers as Record<string, string> | undefined)?.[name];
  const ms = Number(get("retry-after-ms"));
  if (get("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const value = get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
