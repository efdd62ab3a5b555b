// The model catalog: which models exist (config file + PENGUIN_MODEL), which one is in use (switchable at run
// time), the Provider for each, what they cost, whether inference is usable at all, and OpenRouter discovery.
import type { Config, ModelEntry } from "../../config";
import type { Bus } from "../kernel/bus";
import { AppError, providerMissing } from "../kernel/errors";
import type { Metrics } from "../system/metrics";
import { createProvider, policyFrom } from "./";
import { credentialProblem } from "./credentials";
import type { DiscoveredModel } from "./schema";
import type { Provider, Usage } from "./types";

export interface ModelCatalogOptions {
  metrics?: Metrics;
  bus?: Bus;
  /** How long a discovery result is reused (default 10 minutes). */
  discoveryTtlMs?: number;
}

const DEFAULT_MAX_OUTPUT_TOKENS = 4096;
const DEFAULT_DISCOVERY_TTL_MS = 10 * 60_000;

export class ModelCatalog {
  private currentId: string | undefined;
  private readonly providers = new Map<string, Provider>();
  private discovery?: { at: number; models: DiscoveredModel[] };
  private discovering?: Promise<DiscoveredModel[]>;

  constructor(
    private readonly config: Config,
    private readonly options: ModelCatalogOptions = {},
  ) {
    this.currentId = config.defaultModel;
  }

  list(): readonly ModelEntry[] {
    return this.config.models;
  }

  get(id: string): ModelEntry | undefined {
    return this.config.models.find((m) => m.id === id);
  }

  /** The model chats use unless they ask for another; undefined when none is configured. */
  current(): ModelEntry | undefined {
    return this.currentId === undefined ? undefined : this.get(this.currentId);
  }

  /** A catalog entry by id, or NOT_FOUND listing what exists. */
  require(id: string): ModelEntry {
    const model = this.get(id);
    if (!model) {
      const known = this.config.models.map((m) => m.id);
      throw new AppError("NOT_FOUND", `model '${id}' not found${known.length ? `; known models: ${known.join(", ")}` : "; no models are configured"}`, { id, known });
    }
    return model;
  }

  /** Switches the current model. Unknown → NOT_FOUND; missing key/address → BAD_REQUEST saying what to set. */
  load(id: string): ModelEntry {
    const model = this.require(id);
    const problem = credentialProblem(model, this.config);
    if (problem) throw new AppError("BAD_REQUEST", problem, { model_id: id });
    const previous = this.currentId;
    this.currentId = model.id;
    if (previous !== model.id) this.options.bus?.publish("model.loaded", { model_id: model.id, previous_model_id: previous ?? null });
    return model;
  }

  /**
   * The model for one request: the named one (unknown → NOT_FOUND, no key → BAD_REQUEST) or the current one
   * (SERVICE_UNAVAILABLE with the exact thing to set when inference is not usable).
   */
  resolve(id?: string): ModelEntry {
    if (id) {
      const model = this.require(id);
      const problem = credentialProblem(model, this.config);
      if (problem) throw providerMissing(problem, { model_id: id }, "BAD_REQUEST");
      return model;
    }
    const problem = this.problem();
    if (problem) throw providerMissing(problem);
    return this.current()!;
  }

  /** A cached Provider for a model (entry or id). Throws BAD_REQUEST when its credentials are missing. */
  providerFor(model: ModelEntry | string): Provider {
    const entry = typeof model === "string" ? this.require(model) : model;
    let provider = this.providers.get(entry.id);
    if (!provider) {
      provider = createProvider(entry, this.config, { metrics: this.options.metrics, policy: policyFrom(this.config) });
      this.providers.set(entry.id, provider);
    }
    return provider;
  }

  /** Why inference cannot work right now (exact words for /ready and chat's 503), or undefined. No network call. */
  problem(): string | undefined {
    return credentialProblem(this.current(), this.config);
  }

  usable(): boolean {
    return this.problem() === undefined;
  }

  /** Human name as the Penguin API shows it: "provider/model" (OpenRouter ids already have that shape). */
  displayName(model: ModelEntry): string {
    if (model.name) return model.name;
    if (model.model.includes("/")) return model.model;
    return `${model.provider === "openai-compatible" ? "local" : model.provider}/${model.model}`;
  }

  maxOutputTokens(model: ModelEntry): number {
    return model.max_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  }

  /** The context window: configured, else learned from discovery, else a family guess, else a cautious 8k. */
  contextWindow(model: ModelEntry): number {
    if (model.context_window) return model.context_window;
    const discovered = this.discovery?.models.find((d) => d.id === model.model)?.context_length;
    if (discovered) return discovered;
    const name = model.model.toLowerCase();
    if (/claude/.test(name)) return 200_000;
    if (/gpt-4\.1|gemini/.test(name)) return 1_000_000;
    if (/gpt-4o|gpt-4-turbo|gpt-5|\bo[134](-|$)|o[134]-mini/.test(name)) return 128_000;
    if (/llama-?3\.[123]|qwen2\.5|qwen3|mistral-(large|small)|deepseek/.test(name)) return 32_768;
    return 8_192;
  }

  /** Configured, else a guess from well-known vision-capable families. */
  visionEnabled(model: ModelEntry): boolean {
    if (model.vision !== undefined) return model.vision;
    return /gpt-4o|gpt-4\.1|gpt-5|claude-(3|sonnet|opus|haiku)|gemini|llava|vision|pixtral|-vl\b|qwen2\.5-vl/i.test(model.model);
  }

  /** USD for the given usage: config prices (per million tokens) first, else OpenRouter's published prices. */
  costOf(model: ModelEntry | string, usage: Usage): number {
    const entry = typeof model === "string" ? this.get(model) : model;
    if (!entry) return 0;
    let input = entry.price_input;
    let output = entry.price_output;
    if (input === undefined || output === undefined) {
      const discovered = this.discovery?.models.find((d) => d.id === entry.model);
      if (discovered) {
        input ??= Number(discovered.pricing.prompt) * 1_000_000 || 0;
        output ??= Number(discovered.pricing.completion) * 1_000_000 || 0;
      }
    }
    const cost = (usage.promptTokens * (input ?? 0) + usage.completionTokens * (output ?? 0)) / 1_000_000;
    return Math.round(cost * 1e8) / 1e8;
  }

  /** OpenRouter's catalogue (needs OPENROUTER_API_KEY), cached for a few minutes; one fetch for concurrent callers. */
  async discover(): Promise<DiscoveredModel[]> {
    const apiKey = this.config.providers.openrouter.apiKey;
    if (!apiKey) throw new AppError("BAD_REQUEST", "model discovery reads the OpenRouter catalogue: set OPENROUTER_API_KEY to use it", { variable: "OPENROUTER_API_KEY" });
    const ttl = this.options.discoveryTtlMs ?? DEFAULT_DISCOVERY_TTL_MS;
    if (this.discovery && Date.now() - this.discovery.at < ttl) return this.discovery.models;
    this.discovering ??= this.fetchCatalogue(apiKey).finally(() => (this.discovering = undefined));
    return this.discovering;
  }

  private async fetchCatalogue(apiKey: string): Promise<DiscoveredModel[]> {
    const url = `${this.config.providers.openrouter.baseUrl}/models`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${apiKey}`, accept: "application/json" },
        signal: AbortSignal.timeout(Math.max(this.config.engine.connectTimeoutMs, 1000) * 2),
      });
    } catch (error) {
      throw new AppError("UPSTREAM_ERROR", `OpenRouter catalogue unreachable at ${url}: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => "")).slice(0, 300);
      throw new AppError("UPSTREAM_ERROR", `OpenRouter catalogue request failed with ${response.status}${text ? `: ${text}` : ""}`, { status: response.status });
    }
    const body = (await response.json().catch(() => null)) as { data?: unknown } | null;
    if (!body || !Array.isArray(body.data)) throw new AppError("UPSTREAM_ERROR", "OpenRouter catalogue answered without a data list");
    const models = body.data.filter((m): m is Record<string, any> => typeof m?.id === "string").map(toDiscoveredModelView);
    this.discovery = { at: Date.now(), models };
    return models;
  }
}

/** An OpenRouter catalogue entry; prices stay strings (USD per token), exactly as OpenRouter publishes them. */
function toDiscoveredModelView(m: Record<string, any>): DiscoveredModel {
  const id = String(m.id);
  const numberOrNull = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return {
    id,
    name: typeof m.name === "string" ? m.name : id,
    provider: id.includes("/") ? id.slice(0, id.indexOf("/")) : "openrouter",
    context_length: numberOrNull(m.context_length) ?? numberOrNull(m.top_provider?.context_length),
    max_output_tokens: numberOrNull(m.top_provider?.max_completion_tokens),
    pricing: { prompt: String(m.pricing?.prompt ?? "0"), completion: String(m.pricing?.completion ?? "0") },
  };
}
