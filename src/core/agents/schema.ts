// Agent shapes declared once (TypeBox): an agent as GET /api/v1/agents[/{agent_id}] shows it. plugins/agents.ts
// validates and documents with these; core/agents returns Static<> of them.
import { Type as T, type Static } from "@sinclair/typebox";
import { Id, Nullable } from "../kernel/shapes";

export const AgentModel = T.Object({ model: T.String(), provider: T.String(), max_output_tokens: T.Integer(), max_context_window_tokens: T.Integer() });

export const Agent = T.Object({
  id: T.String(),
  persona: Nullable(T.String()),
  persona_description: Nullable(T.String()),
  model: Nullable(AgentModel),
  parent: Nullable(T.String()),
  children: T.Array(T.String()),
  default_tools: T.Array(T.String()),
  active: T.Boolean(),
  paused: T.Boolean(),
  is_sub_agent: T.Boolean(),
});
export type Agent = Static<typeof Agent>;

/** `?simple=true`: only what a picker needs. */
export const AgentBrief = T.Pick(Agent, ["id", "persona", "active", "paused"]);
export type AgentBrief = Static<typeof AgentBrief>;

export const AgentListQuery = T.Object({ simple: T.Optional(T.Boolean({ description: "Only id, persona, active and paused" })) });

export const AgentList = T.Union([T.Array(Agent), T.Array(AgentBrief)]);

export const AgentParams = T.Object({ agent_id: Id });
