// The multi-agent coordinator (Penguin API: POST /api/v1/agents/{agent_id}/register, /api/v1/coord/send-role,
// /coord/broadcast, /coord/rr-workflow, /coord/role-chain; plus GET /api/v1/coord/roles and unregistering). Thin
// translation over core.coordinator. Unknown role → 404; a role whose agents are all paused → 409.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import {
  Broadcasted,
  BroadcastBody,
  RegisterBody,
  Registered,
  RoleChainBody,
  RoleChainDone,
  RoleList,
  RoleSent,
  RoundRobinBody,
  RoundRobinDone,
  SendRoleBody,
  Unregistered,
  UnregisterQuery,
} from "../src/core/coordinator/schema";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, Id } from "../src/http/schemas";

const refusals = { 404: ErrorEnvelope, 409: ErrorEnvelope, 503: ErrorEnvelope };
const AgentParams = t.Object({ agent_id: Id });

export const coordinatorPlugin = (core: Core) =>
  new Elysia({ name: "coordinator", detail: { tags: ["coordinator"] } })
    .post("/api/v1/agents/:agent_id/register", ({ params, body, request }) => core.coordinator.register(params.agent_id, body.role, callerOf(request)), {
      params: AgentParams,
      body: RegisterBody,
      response: { 200: Registered, 404: ErrorEnvelope },
      detail: { tags: ["agents", "coordinator"], summary: "Register an existing agent with a coordinator role", description: "An agent may have several roles; a role's agents take round-robin work in the order they registered." },
    })
    .delete("/api/v1/agents/:agent_id/register", ({ params, query, request }) => core.coordinator.unregister(params.agent_id, query.role, callerOf(request)), {
      params: AgentParams,
      query: UnregisterQuery,
      response: { 200: Unregistered, 404: ErrorEnvelope },
      detail: { tags: ["agents", "coordinator"], summary: "Remove an agent from a role (every role when none is given)" },
    })
    .get("/api/v1/coord/roles", ({ request }) => ({ roles: core.coordinator.roles(callerOf(request)) }), {
      response: { 200: RoleList },
      detail: { summary: "Every role and its agents, in round-robin order" },
    })
    .post("/api/v1/coord/send-role", ({ body, request }) => core.coordinator.sendToRole(body, callerOf(request)), {
      body: SendRoleBody,
      response: { 200: RoleSent, ...refusals },
      detail: { summary: "Send a message to all agents with a role", description: "Every unpaused agent of the role acts on it in the background. Unknown role: 404; no active agent: 409." },
    })
    .post("/api/v1/coord/broadcast", ({ body, request }) => core.coordinator.broadcast(body, callerOf(request)), {
      body: BroadcastBody,
      response: { 200: Broadcasted, ...refusals },
      detail: { summary: "Broadcast a message to several roles", description: "Every role is checked first (unknown: 404; no active agent: 409), so nothing is sent unless all can receive it." },
    })
    .post("/api/v1/coord/rr-workflow", ({ body, request }) => core.coordinator.roundRobin(body, callerOf(request)), {
      body: RoundRobinBody,
      response: { 200: RoundRobinDone, ...refusals },
      detail: {
        summary: "Round-robin workflow over a role's agents",
        description: "Prompt i goes to the role's next active agent (round-robin, continuing from the last call); agents work in parallel, each on its prompts in order. Answers to the call with every result, in the prompts' order.",
      },
    })
    .post("/api/v1/coord/role-chain", ({ body, request }) => core.coordinator.roleChain(body, callerOf(request)), {
      body: RoleChainBody,
      response: { 200: RoleChainDone, ...refusals, 502: ErrorEnvelope },
      detail: {
        summary: "Sequential workflow across roles",
        description: "One agent of each role in turn: the first gets `content`, every next one the previous answer. Answers with every step (input and output) and the final output.",
      },
    });
