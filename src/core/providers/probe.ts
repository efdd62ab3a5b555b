// Readiness that means something: whether the current model's provider answers, asked with a cheap GET of its model
// list (a short timeout, the result cached so probes never load the upstream). Reached-but-refused (a wrong key) and
// unreachable both count as not ready, each said in words with what to do.
import type { Config, ModelEntry } from "../../config";
import { apiKeyFor, keyVariableFor } from "./credentials";
import { ANTHROPIC_BASE, OPENAI_BASE } from "./index";
import { plainNetworkReason } from "./resilience";

export interface ProbeResult {
  healthy: boolean;
  detail?: string;
  /** How long the provider took to answer the probe. */
  provider_latency_ms?: number;
  /** When this result was measured (results are reused for `ttlMs`). */
  checked_at: string;
}

function endpointOf(model: ModelEntry, config: Config): { url: string; headers: Record<string, string> } {
  const key = apiKeyFor(model, config) ?? "";
  const trim = (u: string) => u.replace(/\/+$/, "");
  switch (model.provider) {
    case "anthropic":
      return { url: `${trim(model.base_url ?? config.providers.anthropic.baseUrl ?? ANTHROPIC_BASE)}/v1/models`, headers: { "x-api-key": key, "anthropic-version": "2023-06-01" } };
    case "openrouter":
      return { url: `${trim(model.base_url ?? config.providers.openrouter.baseUrl)}/models`, headers: { authorization: `Bearer ${key}` } };
    default:
      return { url: `${trim(model.base_url ?? config.providers.openai.baseUrl ?? OPENAI_BASE)}/models`, headers: { authorization: `Bearer ${key}` } };
  }
}

export class ProviderProbe {
  private readonly cache = new Map<string, { at: number; result: Promise<ProbeResult> }>();

  constructor(
    private readonly config: Config,
    private readonly options: { ttlMs?: number; timeoutMs?: number } = {},
  ) {}

  /** The provider's answer to a model-list request, at most `ttlMs` old; concurrent probes share one request. */
  check(model: ModelEntry): Promise<ProbeResult> {
    const ttl = this.options.ttlMs ?? 30_000;
    const key = `${model.id}\u0000${model.provider}\u0000${model.base_url ?? ""}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < ttl) return hit.result;
    const result = this.probe(model);
    this.cache.set(key, { at: Date.now(), result });
    return result;
  }

  private async probe(model: ModelEntry): Promise<ProbeResult> {
    const { url, headers } = endpointOf(model, this.config);
    const started = performance.now();
    const checked_at = new Date().toISOString();
    const timeoutMs = this.options.timeoutMs ?? 3000;
    const host = new URL(url).host;
    try {
      const res = await fetch(url, { headers: { accept: "application/json", ...headers }, signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel().catch(() => {});
      const provider_latency_ms = Math.round(performance.now() - started);
      if (res.status === 401 || res.status === 403) {
        return { healthy: false, detail: `the provider at ${host} refused the API key (HTTP ${res.status}): check ${keyVariableFor(model)}`, provider_latency_ms, checked_at };
      }
      if (res.status >= 500) return { healthy: false, detail: `the provider at ${host} answered with an error (HTTP ${res.status})`, provider_latency_ms, checked_at };
      return { healthy: true, provider_latency_ms, checked_at };
    } catch (error) {
      const timedOut = (error as Error)?.name === "TimeoutError";
      const reason = timedOut ? `no answer within ${timeoutMs} ms` : plainNetworkReason((error as Error)?.message ?? String(error));
      const where = model.provider === "anthropic" ? "ANTHROPIC_BASE_URL" : model.provider === "openrouter" ? "OPENROUTER_BASE_URL" : "OPENAI_BASE_URL";
      return { healthy: false, detail: `cannot reach the provider at ${host} (${reason}): is it running? Check ${model.base_url ? `base_url of model '${model.id}'` : where}`, checked_at };
    }
  }
}
