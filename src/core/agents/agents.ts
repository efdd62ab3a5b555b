// The agents a chat can be routed to: the built-in "default" plus those declared in the config file (persona,
// system prompt, model, default tools). Read-only here; the engine applies an agent's settings to its turns.
import type { AgentEntry, Config } from "../../config";
import { notFound } from "../kernel/errors";
import type { ModelCatalog } from "../providers/models";

export interface AgentView {
  id: string;
  persona: string | null;
  persona_description: string | null;
  model: { model: string; provider: string; max_output_tokens: number; max_context_window_tokens: number } | null;
  parent: string | null;
  children: string[];
  default_tools: string[];
  active: boolean;
  paused: boolean;
  is_sub_agent: boolean;
}

export class Agents {
  constructor(
    private readonly config: Config,
    private readonly models: ModelCatalog,
  ) {}

  list(): AgentView[] {
    const declared = this.config.agents;
    const all: AgentEntry[] = declared.some((a) => a.id === "default") ? declared : [{ id: "default" }, ...declared];
    return all.map((a) => this.view(a));
  }

  get(id: string): AgentView {
    const agent = this.list().find((a) => a.id === id);
    if (!agent) throw notFound("agent", id);
    return agent;
  }

  private view(agent: AgentEntry): AgentView {
    const model = agent.model ? this.models.get(agent.model) : this.models.current();
    return {
      id: agent.id,
      persona: agent.persona ?? null,
      persona_description: agent.persona ?? null,
      model: model
        ? {
            model: this.models.displayName(model),
            provider: model.provider,
            max_output_tokens: this.models.maxOutputTokens(model),
            max_context_window_tokens: this.models.contextWindow(model),
          }
        : null,
      parent: null,
      children: [],
      default_tools: agent.default_tools ?? [],
      active: true,
      paused: false,
      is_sub_agent: false,
    };
  }
}
