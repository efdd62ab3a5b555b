// Agents (Penguin API: GET /api/v1/agents, GET /api/v1/agents/{agent_id}): the agents a message can be routed to with
// `agent_id`. Thin translation over core.agents.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { Agent, AgentList, AgentListQuery, AgentParams } from "../src/core/agents/schema";
import { ErrorEnvelope } from "../src/http/schemas";

export const agentsPlugin = (core: Core) =>
  new Elysia({ name: "agents", detail: { tags: ["agents"] } })
    .get(
      "/api/v1/agents",
      ({ query }) => {
        const agents = core.agents.list();
        return query.simple ? agents.map((a) => ({ id: a.id, persona: a.persona, active: a.active, paused: a.paused })) : agents;
      },
      {
        query: AgentListQuery,
        response: { 200: AgentList },
        detail: { summary: "List the agents", description: 'The built-in "default" agent and the agents declared in the config file ([[agents]]: id, persona, system_prompt, model, default_tools).' },
      },
    )
    .get("/api/v1/agents/:agent_id", ({ params }) => core.agents.get(params.agent_id), {
      params: AgentParams,
      response: { 200: Agent, 404: ErrorEnvelope },
      detail: { summary: "One agent's configuration" },
    });
