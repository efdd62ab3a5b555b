// Agents (Penguin API, Multi-Agent Endpoints): the registry (list, create, read, pause/resume, delete) and each agent's
// history and sessions. Thin translation over core.agents; the caller (callerOf) decides what is visible: shared agents
// (default, config) and a `user` key's own agents; another user's agent is a 404 AGENT_NOT_FOUND like a missing one.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import {
  Agent,
  AgentDeleted,
  AgentDeleteQuery,
  AgentHistoryQuery,
  AgentList,
  AgentListQuery,
  AgentParams,
  AgentPatch,
  AgentSessionParams,
  AgentSessions,
  NewAgent,
} from "../src/core/agents/schema";
import { Message } from "../src/core/conversation/schema";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, queryOf, withoutNulls } from "../src/http/schemas";

const truthy = (v: boolean | string | undefined, fallback: boolean) => (v === undefined ? fallback : v === true || v === "true" || v === "1");

const AgentHistory = t.Object({ agent_id: t.String(), conversation_id: t.Nullable(t.String()), messages: t.Array(Message) });
const AgentSessionHistory = t.Object({ agent_id: t.String(), session_id: t.String(), messages: t.Array(Message) });

export const agentsPlugin = (core: Core) =>
  new Elysia({ name: "agents", detail: { tags: ["agents"] } })
    .get(
      "/api/v1/agents",
      ({ query, request }) => (query.simple ? core.agents.listBrief(callerOf(request)) : core.agents.list(callerOf(request))),
      {
        query: AgentListQuery,
        response: { 200: AgentList },
        detail: {
          summary: "List the agents",
          description:
            'The built-in "default" agent, the config file\'s [[agents]] and the agents created with POST or spawned by other agents. ' +
            "`active`: it has a turn running or work waiting; `paused`: it takes no new work; `children`: its sub-agents.",
        },
      },
    )
    .post(
      "/api/v1/agents",
      ({ body, request, set }) => {
        set.status = 201;
        return core.agents.create(withoutNulls({ ...body }), callerOf(request));
      },
      {
        body: NewAgent,
        response: { 201: Agent, 400: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope, 422: ErrorEnvelope },
        detail: {
          summary: "Create an agent",
          description:
            "`parent` makes it a sub-agent (at most the parent's tools, the parent's session); `activate: false` creates it paused; " +
            "`initial_prompt` starts its first turn at once (in its own conversation). A taken id is 409; an unknown parent is 404 AGENT_NOT_FOUND.",
        },
      },
    )
    .get(
      "/api/v1/agents/:agent_id",
      ({ params, request }) => core.agents.require(params.agent_id, callerOf(request)),
      {
        params: AgentParams,
        response: { 200: Agent, 404: ErrorEnvelope },
        detail: { summary: "One agent" },
      },
    )
    .patch(
      "/api/v1/agents/:agent_id",
      ({ params, body, request }) => core.agents.setPaused(params.agent_id, body.paused, callerOf(request)),
      {
        params: AgentParams,
        body: AgentPatch,
        response: { 200: Agent, 403: ErrorEnvelope, 404: ErrorEnvelope },
        detail: {
          summary: "Pause or resume an agent",
          description: "A paused agent refuses new work with 409 (chat, tasks, messages, delegations); its running turns finish and its waiting work is refused.",
        },
      },
    )
    .delete(
      "/api/v1/agents/:agent_id",
      ({ params, query, request }) => {
        const { deleted, conversationsDeleted } = core.agents.delete(params.agent_id, { preserveConversation: query.preserve_conversation ?? true, viewer: callerOf(request) });
        return { status: "deleted" as const, agent_id: params.agent_id, deleted, conversations_deleted: conversationsDeleted };
      },
      {
        params: AgentParams,
        query: AgentDeleteQuery,
        response: { 200: AgentDeleted, 403: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope },
        detail: {
          summary: "Delete an agent (and its sub-agents)",
          description: "The default agent and the config file's agents cannot be deleted (409). Its conversations are kept unless preserve_conversation=false.",
        },
      },
    )
    .get(
      "/api/v1/agents/:agent_id/history",
      ({ params, query, request }) => core.agents.history.history(params.agent_id, { includeSystem: truthy(query.include_system, true), limit: query.limit }, callerOf(request)),
      {
        params: AgentParams,
        query: queryOf(AgentHistoryQuery),
        response: { 200: AgentHistory, 404: ErrorEnvelope },
        detail: { summary: "An agent's conversation history", description: "The conversation its work continues, else its most recent one; `limit` keeps the most recent messages." },
      },
    )
    .get("/api/v1/agents/:agent_id/sessions", ({ params, request }) => core.agents.history.sessions(params.agent_id, callerOf(request)), {
      params: AgentParams,
      response: { 200: AgentSessions, 404: ErrorEnvelope },
      detail: { summary: "The sessions an agent has conversations in" },
    })
    .get(
      "/api/v1/agents/:agent_id/sessions/:session_id/history",
      ({ params, query, request }) =>
        core.agents.history.sessionHistory(params.agent_id, params.session_id, { includeSystem: truthy(query.include_system, true), limit: query.limit }, callerOf(request)),
      {
        params: AgentSessionParams,
        query: queryOf(AgentHistoryQuery),
        response: { 200: AgentSessionHistory, 404: ErrorEnvelope },
        detail: { summary: "An agent's messages in one session" },
      },
    );
