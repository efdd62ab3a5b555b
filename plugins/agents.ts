// Agents (Penguin API: GET /api/v1/agents, GET /api/v1/agents/{agent_id}): the agents a message can be routed to with
// `agent_id`. Thin translation over core.agents.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { ErrorEnvelope, Id } from "../src/http/schemas";

const Agent = t.Object({
  id: t.String(),
  persona: t.Union([t.String(), t.Null()]),
  persona_description: t.Union([t.String(), t.Null()]),
  model: t.Union([
    t.Object({ model: t.String(), provider: t.String(), max_output_tokens: t.Integer(), max_context_window_tokens: t.Integer() }),
    t.Null(),
  ]),
  parent: t.Union([t.String(), t.Null()]),
  children: t.Array(t.String()),
  default_tools: t.Array(t.String()),
  active: t.Boolean(),
  paused: t.Boolean(),
  is_sub_agent: t.Boolean(),
});

export const agentsPlugin = (core: Core) =>
  new Elysia({ name: "agents", detail: { tags: ["agents"] } })
    .get(
      "/api/v1/agents",
      ({ query }) => {
        const agents = core.agents.list();
        return query.simple ? agents.map((a) => ({ id: a.id, persona: a.persona, active: a.active, paused: a.paused })) : agents;
      },
      {
        query: t.Object({ simple: t.Optional(t.BooleanString({ description: "Only id, persona, active and paused" })) }),
        response: { 200: t.Union([t.Array(Agent), t.Array(t.Object({ id: t.String(), persona: t.Union([t.String(), t.Null()]), active: t.Boolean(), paused: t.Boolean() }))]) },
        detail: { summary: "List the agents", description: 'The built-in "default" agent and the agents declared in the config file ([[agents]]: id, persona, system_prompt, model, default_tools).' },
      },
    )
    .get("/api/v1/agents/:agent_id", ({ params }) => core.agents.get(params.agent_id), {
      params: t.Object({ agent_id: Id }),
      response: { 200: Agent, 404: ErrorEnvelope },
      detail: { summary: "One agent's configuration" },
    });
