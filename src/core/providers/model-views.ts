// Catalog entries as the APIs show them. The rules behind some fields (which client a provider uses, the parameter
// count a model name tells) live here with the catalog, not in the plugin.
import type { ModelEntry } from "../../config";
import type { ModelCatalog } from "./models";
import type { CurrentModel, ModelSummary, SystemModel } from "./schema";

const clientPreference = (m: ModelEntry) => (m.provider === "openrouter" ? "openrouter" : m.provider === "openai-compatible" ? "openai_compatible" : "native");

/** "llama3.1:8b", "Qwen2.5-1.5B-Instruct" → "8B", "1.5B" */
export function parameterCount(model: string): string | undefined {
  const match = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)\s*([bm])(?![a-z])/i.exec(model);
  return match ? `${match[1]}${match[2]!.toUpperCase()}` : undefined;
}

export function toModelSummaryView(catalog: ModelCatalog, m: ModelEntry): ModelSummary {
  return {
    id: m.id,
    name: catalog.displayName(m),
    provider: m.provider,
    vision_enabled: catalog.visionEnabled(m),
    max_output_tokens: catalog.maxOutputTokens(m),
    max_tokens: catalog.maxOutputTokens(m),
    current: catalog.current()?.id === m.id,
  };
}

export function toCurrentModelView(catalog: ModelCatalog, m: ModelEntry): CurrentModel {
  return {
    id: m.id,
    model: catalog.displayName(m),
    provider: m.provider,
    client_preference: clientPreference(m),
    max_output_tokens: catalog.maxOutputTokens(m),
    max_tokens: catalog.maxOutputTokens(m),
    temperature: m.temperature ?? null,
    streaming_enabled: true,
    vision_enabled: catalog.visionEnabled(m),
    reasoning_enabled: m.reasoning ?? false,
    context_window: catalog.contextWindow(m),
  };
}

/** The PiSovereign shape (/v1/system/models). */
export function toSystemModelView(catalog: ModelCatalog, m: ModelEntry): SystemModel {
  const parameters = parameterCount(m.model);
  return { id: m.id, name: m.name ?? catalog.displayName(m), ...(parameters ? { parameters } : {}), context_length: catalog.contextWindow(m), default: m.id === catalog.current()?.id };
}
