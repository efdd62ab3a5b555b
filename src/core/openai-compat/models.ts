// What a `model` means on the OpenAI surface: each agent is a model (`default`, and every agent by id), and a model
// of the catalog may be named directly (by its id or its upstream name), which runs the default agent on it. An agent
// id wins over a catalog id of the same name.
import type { ModelEntry } from "../../config";
import { AppError } from "../kernel/errors";
import type { Viewer } from "../kernel/viewer";
import type { Model } from "./schema";

export interface ModelSources {
  agents: { list(viewer?: Viewer): readonly { id: string }[] };
  models: { list(): readonly ModelEntry[] };
  /** epoch ms the server started (the models' `created`) */
  startedAt: number;
}

/** Which agent runs, and on which catalog model when one was named. */
export interface ModelChoice {
  agentId: string;
  modelId?: string;
}

export const modelNotFound = (name: string) =>
  new AppError("NOT_FOUND", `The model '${name}' does not exist: use 'default', an agent id or a configured model id (GET /v1/models lists them)`, {
    param: "model",
    openai_code: "model_not_found",
  });

export class OpenAiModels {
  constructor(private readonly sources: ModelSources) {}

  list(viewer?: Viewer): Model[] {
    const created = Math.floor(this.sources.startedAt / 1000);
    const agents = this.sources.agents.list(viewer).map((a): Model => ({ id: a.id, object: "model", created, owned_by: "penguin", penguin: { kind: "agent", agent_id: a.id, model: null } }));
    const taken = new Set(agents.map((m) => m.id));
    const models = this.sources.models
      .list()
      .filter((m) => !taken.has(m.id))
      .map((m): Model => ({ id: m.id, object: "model", created, owned_by: m.provider, penguin: { kind: "model", agent_id: "default", model: m.model } }));
    return [...agents, ...models];
  }

  get(name: string, viewer?: Viewer): Model {
    const found = this.list(viewer).find((m) => m.id === name);
    if (!found) throw modelNotFound(name);
    return found;
  }

  resolve(name: string, viewer?: Viewer): ModelChoice {
    if (this.sources.agents.list(viewer).some((a) => a.id === name)) return { agentId: name };
    const model = this.sources.models.list().find((m) => m.id === name) ?? this.sources.models.list().find((m) => m.model === name);
    if (model) return { agentId: "default", modelId: model.id };
    throw modelNotFound(name);
  }
}
