// Model management (Penguin API: /api/v1/models*) and the PiSovereign model list (/v1/system/models).
// Thin translation over core.models; every rule (what is usable, what to set) lives in src/core/providers/.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { toCurrentModelView, toModelSummaryView, toSystemModelView } from "../src/core/providers/model-views";
import { CurrentModel, DiscoveredModels, LoadModel, ModelList, ModelLoaded, SystemModels } from "../src/core/providers/schema";
import { adminOnly } from "../src/http/auth";
import { ErrorEnvelope } from "../src/http/schemas";

export const modelsPlugin = (core: Core) => {
  const { models } = core;
  return new Elysia({ name: "models", detail: { tags: ["models"] } })
    .get("/api/v1/models", () => ({ models: models.list().map((m) => toModelSummaryView(models, m)) }), {
      detail: { summary: "List the configured models", description: "Models from the config file and PENGUIN_MODEL; `current` marks the one chats use." },
      response: { 200: ModelList },
    })
    // Without any configured model, resolve() throws the same 503 + "what to set" message chat gives.
    .get("/api/v1/models/current", () => toCurrentModelView(models, models.current() ?? models.resolve()), {
      detail: { summary: "The model in use", description: "503 with what to set when no model is configured." },
      response: { 200: CurrentModel, 503: ErrorEnvelope },
    })
    .post(
      "/api/v1/models/load",
      ({ body }) => {
        const m = models.load(body.model_id);
        return { status: "success" as const, model_id: m.id, current_model: models.displayName(m), message: `Successfully loaded model: ${m.id}` };
      },
      {
        ...adminOnly("Switching the server's current model"),
        body: LoadModel,
        detail: {
          summary: "Switch the current model at run time",
          description: "Unknown id → 404; a model whose provider has no API key → 400 naming the variable to set. Admin keys only (403 for a user key).",
        },
        response: { 200: ModelLoaded, 400: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope },
      },
    )
    .get("/api/v1/models/discover", async () => ({ models: await models.discover() }), {
      detail: {
        summary: "Discover models from the OpenRouter catalogue",
        description: "Needs OPENROUTER_API_KEY (400 without it). Cached for a few minutes; 502 when OpenRouter fails.",
      },
      response: { 200: DiscoveredModels, 400: ErrorEnvelope, 502: ErrorEnvelope },
    })
    .get("/v1/system/models", () => ({ models: models.list().map((m) => toSystemModelView(models, m)) }), {
      detail: { summary: "List available inference models (PiSovereign shape)", tags: ["system"] },
      response: { 200: SystemModels },
    });
};
