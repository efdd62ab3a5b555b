// The agents a chat can be routed to: the built-in "default" plus those declared in the config file (persona,
// system prompt, model, default tools). Read-only here; the engine applies an agent's settings to its turns.
import type { AgentEntry, Config } from "../../config";
import { notFound } from "../kernel/errors";
import type { ModelCatalog } from "../providers/models";
import type { Agent } from "./schema";

export class Agents {
  constructor(
    private readonly config: Config,
    private readonly models: ModelCatalog,
  ) {}

  list(): Agent[] {
    const declared = this.config.agents;
    const all: AgentEntry[] = declared.some((a) => a.id === "default") ? declared : [{ id: "default" }, ...declared];
    return all.map((a) => this.toAgentView(a));
  }

  get(id: string): Agent {
    const agent = this.list().find((a) => a.id === id);
    if (!agent) throw notFound("agent", id);
    return agent;
  }

  private toAgentView(agent: AgentEntry): Agent {
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
