// Builds the Provider for one catalog entry: which adapter, which base URL, which key and headers.
import type { Config, ModelEntry } from "../../config";
import { AppError } from "../kernel/errors";
import type { Metrics } from "../system/metrics";
import { AnthropicProvider } from "./anthropic";
import { apiKeyFor, credentialProblem } from "./credentials";
import { OpenAIProvider } from "./openai";
import { DEFAULT_POLICY, type CallPolicy } from "./resilience";
import type { Provider } from "./types";

export { ProviderError } from "./types";
export type { CallPolicy } from "./resilience";
/** How OPENROUTER_BASE_URL becomes config.providers.openrouter.baseUrl (config.ts reads every setting). */
export { openrouterBaseUrl } from "../../config";

export const OPENAI_BASE = "https://api.openai.com/v1";
export const ANTHROPIC_BASE = "https://api.anthropic.com";

/** The engine settings as a call policy. */
export function policyFrom(config: Config): CallPolicy {
  return {
    ...DEFAULT_POLICY,
    maxRetries: config.engine.maxRetries,
    connectTimeoutMs: config.engine.connectTimeoutMs,
    idleTimeoutMs: config.engine.idleTimeoutMs,
    retryBaseMs: config.engine.retryBaseMs,
  };
}

export interface ProviderDeps {
  metrics?: Metrics;
  policy?: CallPolicy;
}

/** Throws AppError BAD_REQUEST (saying what to set) when the entry cannot be used. */
export function createProvider(model: ModelEntry, config: Config, deps: ProviderDeps = {}): Provider {
  const problem = credentialProblem(model, config);
  if (problem) throw new AppError("BAD_REQUEST", problem, { model: model.id });
  const apiKey = apiKeyFor(model, config)!;
  const policy = deps.policy ?? policyFrom(config);
  const metrics = deps.metrics;
  switch (model.provider) {
    case "anthropic":
      return new AnthropicProvider({ apiKey, baseUrl: model.base_url ?? config.providers.anthropic.baseUrl ?? ANTHROPIC_BASE, policy, metrics });
    case "openai":
      return new OpenAIProvider({
        name: "openai",
        apiKey,
        baseUrl: model.base_url ?? config.providers.openai.baseUrl ?? OPENAI_BASE,
        policy,
        metrics,
        maxTokensField: "max_completion_tokens",
        // Only reasoning models accept an effort; others reject the parameter.
        reasoningParams: (request) => (request.model.reasoning ? { reasoning_effort: "medium" } : undefined),
      });
    case "openrouter": {
      const headers: Record<string, string> = {};
      const { siteUrl, siteTitle } = config.providers.openrouter;
      if (siteUrl) headers["HTTP-Referer"] = siteUrl;
      if (siteTitle) headers["X-Title"] = siteTitle;
      return new OpenAIProvider({
        name: "openrouter",
        apiKey,
        baseUrl: model.base_url ?? config.providers.openrouter.baseUrl,
        policy,
        metrics,
        headers,
        maxTokensField: "max_tokens",
        reasoningParams: () => ({ reasoning: { enabled: true } }),
      });
    }
    case "openai-compatible":
      return new OpenAIProvider({
        name: "openai-compatible",
        apiKey,
        baseUrl: (model.base_url ?? config.providers.openai.baseUrl)!,
        policy,
        metrics,
        maxTokensField: "max_tokens",
      });
  }
}
