// Model management (Penguin API: /api/v1/models*) and the PiSovereign model list (/v1/system/models).
// Thin translation over core.models; every rule (what is usable, what to set) lives in src/core/providers/models.ts.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import type { ModelEntry } from "../src/config";
import { ErrorEnvelope } from "../src/http/schemas";

const ModelSummary = t.Object({
  id: t.String(),
  name: t.String(),
  provider: t.String(),
  vision_enabled: t.Boolean(),
  max_output_tokens: t.Integer(),
  max_tokens: t.Integer({ description: "Same as max_output_tokens (the v0.3 name)" }),
  current: t.Boolean(),
});

const CurrentModel = t.Object({
  id: t.String(),
  model: t.String({ description: "provider/model as shown to people" }),
  provider: t.String(),
  client_preference: t.String({ description: "native (OpenAI, Anthropic SDK), openrouter, or openai_compatible" }),
  max_output_tokens: t.Integer(),
  max_tokens: t.Integer({ description: "Same as max_output_tokens (the v0.3 name)" }),
  temperature: t.Union([t.Number(), t.Null()], { description: "null: the provider's default" }),
  streaming_enabled: t.Boolean(),
  vision_enabled: t.Boolean(),
  reasoning_enabled: t.Boolean(),
  context_window: t.Integer(),
});

const LoadResult = t.Object({ status: t.Literal("success"), model_id: t.String(), current_model: t.String(), message: t.String() });

const Discovered = t.Object({
  id: t.String(),
  name: t.String(),
  provider: t.String(),
  context_length: t.Union([t.Integer(), t.Null()]),
  max_output_tokens: t.Union([t.Integer(), t.Null()]),
  pricing: t.Object({ prompt: t.String(), completion: t.String() }, { description: "USD per token" }),
});

const SystemModel = t.Object({
  id: t.String(),
  name: t.String(),
  parameters: t.Optional(t.String({ description: "parameter count when the model name tells it, e.g. 8B" })),
  context_length: t.Integer(),
  default: t.Boolean(),
});

const clientPreference = (m: ModelEntry) => (m.provider === "openrouter" ? "openrouter" : m.provider === "openai-compatible" ? "openai_compatible" : "native");

/** "llama3.1:8b", "Qwen2.5-1.5B-Instruct" → "8B", "1.5B" */
function parameterCount(model: string): string | undefined {
  const match = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)\s*([bm])(?![a-z])/i.exec(model);
  return match ? `${match[1]}${match[2]!.toUpperCase()}` : undefined;
}

export const modelsPlugin = (core: Core) => {
  const { models } = core;
  const summary = (m: ModelEntry) => ({
    id: m.id,
    name: models.displayName(m),
    provider: m.provider,
    vision_enabled: models.visionEnabled(m),
    max_output_tokens: models.maxOutputTokens(m),
    max_tokens: models.maxOutputTokens(m),
    current: models.current()?.id === m.id,
  });

  return new Elysia({ name: "models", detail: { tags: ["models"] } })
    .get("/api/v1/models", () => ({ models: models.list().map(summary) }), {
      detail: { summary: "List the configured models", description: "Models from the config file and PENGUIN_MODEL; `current` marks the one chats use." },
      response: { 200: t.Object({ models: t.Array(ModelSummary) }) },
    })
    .get(
      "/api/v1/models/current",
      () => {
        // Without any configured model, resolve() throws the same 503 + "what to set" message chat gives.
        const m = models.current() ?? models.resolve();
        return {
          id: m.id,
          model: models.displayName(m),
          provider: m.provider,
          client_preference: clientPreference(m),
          max_output_tokens: models.maxOutputTokens(m),
          max_tokens: models.maxOutputTokens(m),
          temperature: m.temperature ?? null,
          streaming_enabled: true,
          vision_enabled: models.visionEnabled(m),
          reasoning_enabled: m.reasoning ?? false,
          context_window: models.contextWindow(m),
        };
      },
      {
        detail: { summary: "The model in use", description: "503 with what to set when no model is configured." },
        response: { 200: CurrentModel, 503: ErrorEnvelope },
      },
    )
    .post(
      "/api/v1/models/load",
      ({ body }) => {
        const m = models.load(body.model_id);
        return { status: "success" as const, model_id: m.id, current_model: models.displayName(m), message: `Successfully loaded model: ${m.id}` };
      },
      {
        body: t.Object({ model_id: t.String({ minLength: 1, description: "id of a configured model (see GET /api/v1/models)" }) }),
        detail: {
          summary: "Switch the current model at run time",
          description: "Unknown id → 404; a model whose provider has no API key → 400 naming the variable to set.",
        },
        response: { 200: LoadResult, 400: ErrorEnvelope, 404: ErrorEnvelope },
      },
    )
    .get("/api/v1/models/discover", async () => ({ models: await models.discover() }), {
      detail: {
        summary: "Discover models from the OpenRouter catalogue",
        description: "Needs OPENROUTER_API_KEY (400 without it). Cached for a few minutes; 502 when OpenRouter fails.",
      },
      response: { 200: t.Object({ models: t.Array(Discovered) }), 400: ErrorEnvelope, 502: ErrorEnvelope },
    })
    .get(
      "/v1/system/models",
      () => {
        const current = models.current()?.id;
        return {
          models: models.list().map((m) => {
            const parameters = parameterCount(m.model);
            return { id: m.id, name: m.name ?? models.displayName(m), ...(parameters ? { parameters } : {}), context_length: models.contextWindow(m), default: m.id === current };
          }),
        };
      },
      {
        detail: { summary: "List available inference models (PiSovereign shape)", tags: ["system"] },
        response: { 200: t.Object({ models: t.Array(SystemModel) }) },
      },
    );
};
