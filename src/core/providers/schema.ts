// Model shapes declared once (TypeBox): the catalog as the Penguin API (/api/v1/models*) and the PiSovereign API
// (/v1/system/models) show it. plugins/models.ts validates and documents with these; the core returns Static<> of them.
import { Type as T, type Static } from "@sinclair/typebox";
import { defineEvent, type EventMapOf } from "../kernel/event-registry";
import { Nullable } from "../kernel/shapes";

export const ModelSummary = T.Object({
  id: T.String(),
  name: T.String(),
  provider: T.String(),
  vision_enabled: T.Boolean(),
  max_output_tokens: T.Integer(),
  max_tokens: T.Integer({ description: "Same as max_output_tokens (the v0.3 name)" }),
  current: T.Boolean(),
});
export type ModelSummary = Static<typeof ModelSummary>;

export const ModelList = T.Object({ models: T.Array(ModelSummary) });

export const CurrentModel = T.Object({
  id: T.String(),
  model: T.String({ description: "provider/model as shown to people" }),
  provider: T.String(),
  client_preference: T.String({ description: "native (OpenAI, Anthropic SDK), openrouter, or openai_compatible" }),
  max_output_tokens: T.Integer(),
  max_tokens: T.Integer({ description: "Same as max_output_tokens (the v0.3 name)" }),
  temperature: Nullable(T.Number(), { description: "null: the provider's default" }),
  streaming_enabled: T.Boolean(),
  vision_enabled: T.Boolean(),
  reasoning_enabled: T.Boolean(),
  context_window: T.Integer(),
});
export type CurrentModel = Static<typeof CurrentModel>;

export const LoadModel = T.Object({ model_id: T.String({ minLength: 1, description: "id of a configured model (see GET /api/v1/models)" }) });

export const ModelLoaded = T.Object({ status: T.Literal("success"), model_id: T.String(), current_model: T.String(), message: T.String() });

export const DiscoveredModel = T.Object({
  id: T.String(),
  name: T.String(),
  provider: T.String(),
  context_length: Nullable(T.Integer()),
  max_output_tokens: Nullable(T.Integer()),
  pricing: T.Object({ prompt: T.String(), completion: T.String() }, { description: "USD per token" }),
});
export type DiscoveredModel = Static<typeof DiscoveredModel>;

export const DiscoveredModels = T.Object({ models: T.Array(DiscoveredModel) });

export const SystemModel = T.Object({
  id: T.String(),
  name: T.String(),
  parameters: T.Optional(T.String({ description: "parameter count when the model name tells it, e.g. 8B" })),
  context_length: T.Integer(),
  default: T.Boolean(),
});
export type SystemModel = Static<typeof SystemModel>;

export const SystemModels = T.Object({ models: T.Array(SystemModel) });

export const ModelLoadedEvent = defineEvent(
  "model.loaded",
  T.Object(
    { model_id: T.String(), previous_model_id: Nullable(T.String()) },
    { description: "The current model was switched at run time (POST /api/v1/models/load)." },
  ),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof ModelLoadedEvent]> {}
}
