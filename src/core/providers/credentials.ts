// Which credentials a model needs, and a plain sentence saying what to set when they are missing.
import type { Config, ModelEntry } from "../../config";

export function apiKeyFor(model: ModelEntry, config: Config): string | undefined {
  if (model.api_key_env) return config.env[model.api_key_env] || undefined;
  switch (model.provider) {
    case "openai":
      return config.providers.openai.apiKey;
    case "anthropic":
      return config.providers.anthropic.apiKey;
    case "openrouter":
      return config.providers.openrouter.apiKey;
    case "openai-compatible":
      // Local servers (Ollama, llama.cpp, vLLM, LM Studio) usually need no key.
      return config.providers.openai.apiKey ?? "not-needed";
  }
}

export function keyVariableFor(model: ModelEntry): string {
  if (model.api_key_env) return model.api_key_env;
  return { openai: "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY", openrouter: "OPENROUTER_API_KEY", "openai-compatible": "OPENAI_API_KEY" }[model.provider];
}

/** undefined when the model can be used; otherwise what to set. */
export function credentialProblem(model: ModelEntry | undefined, config: Config): string | undefined {
  if (!model) {
    return "no provider configured: set PENGUIN_MODEL (e.g. openai/gpt-4o or anthropic/claude-sonnet-4-5) and its API key (OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY), or add models to penguin.toml";
  }
  if (!apiKeyFor(model, config)) return `model '${model.id}' (${model.provider}) has no API key: set ${keyVariableFor(model)}`;
  if (model.provider === "openai-compatible" && !model.base_url && !config.providers.openai.baseUrl) {
    return `model '${model.id}' (openai-compatible) has no server address: set base_url for it in penguin.toml or OPENAI_BASE_URL`;
  }
  return undefined;
}
