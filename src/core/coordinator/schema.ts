// Coordinator shapes, declared once (TypeBox): roles (POST /api/v1/agents/{id}/register), messages to a role or to
// several (send-role, broadcast), and the two workflows (rr-workflow: prompts spread round-robin over a role's
// agents; role-chain: each role's answer is the next role's input). plugins/coordinator.ts validates and documents
// with these; core/coordinator returns Static<> of them.
import { Type as T, type Static } from "@sinclair/typebox";
import { maybe, Nullable } from "../kernel/shapes";
import { BusMessage, BusMessageType } from "../messages/schema";

export const RoleName = T.String({ minLength: 1, maxLength: 100, pattern: "^\\S(.*\\S)?$", description: "e.g. code-reviewer, tester" });

const Content = T.String({ minLength: 1, maxLength: 200_000 });
const Channel = maybe(T.String({ minLength: 1, maxLength: 200, description: "The channel the messages (and the agents' turns) carry" }));
const Metadata = maybe(T.Record(T.String(), T.Unknown()));

/** POST /api/v1/agents/{agent_id}/register */
export const RegisterBody = T.Object({ role: RoleName });
export const Registered = T.Object({ ok: T.Literal(true), agent_id: T.String(), role: T.String(), roles: T.Array(T.String(), { description: "Every role the agent now has" }) });
export type Registered = Static<typeof Registered>;

/** DELETE /api/v1/agents/{agent_id}/register */
export const UnregisterQuery = T.Object({ role: T.Optional(RoleName) });
export const Unregistered = T.Object({ ok: T.Literal(true), agent_id: T.String(), removed: T.Array(T.String()), roles: T.Array(T.String()) });
export type Unregistered = Static<typeof Unregistered>;

/** GET /api/v1/coord/roles */
export const RoleMember = T.Object({ id: T.String(), paused: T.Boolean() });
export const RoleView = T.Object({ role: T.String(), agents: T.Array(RoleMember, { description: "In round-robin order (the order they registered)" }) });
export type RoleView = Static<typeof RoleView>;
export const RoleList = T.Object({ roles: T.Array(RoleView) });

/** POST /api/v1/coord/send-role */
export const SendRoleBody = T.Object({ role: RoleName, content: Content, message_type: maybe(BusMessageType), channel: Channel, metadata: Metadata });
export type SendRoleBody = Static<typeof SendRoleBody>;
export const RoleSent = T.Object({
  ok: T.Literal(true),
  target: T.String({ description: "The role" }),
  recipients: T.Array(T.String(), { description: "Every active (unpaused) agent of the role; each acts on the message in the background" }),
  messages: T.Array(BusMessage),
});
export type RoleSent = Static<typeof RoleSent>;

/** POST /api/v1/coord/broadcast */
export const BroadcastBody = T.Object({
  roles: T.Array(RoleName, { minItems: 1, maxItems: 50 }),
  content: Content,
  message_type: maybe(BusMessageType),
  channel: Channel,
  metadata: Metadata,
});
export type BroadcastBody = Static<typeof BroadcastBody>;
export const Broadcasted = T.Object({
  ok: T.Literal(true),
  sent: T.Array(T.Object({ role: T.String(), agent_id: T.String(), message: BusMessage }), { description: "One message per agent (an agent with two of the roles gets one)" }),
});
export type Broadcasted = Static<typeof Broadcasted>;

/** POST /api/v1/coord/rr-workflow */
export const RoundRobinBody = T.Object({
  role: RoleName,
  prompts: T.Array(Content, { minItems: 1, maxItems: 100 }),
  channel: Channel,
  metadata: Metadata,
});
export type RoundRobinBody = Static<typeof RoundRobinBody>;

export const StepStatus = T.Union([T.Literal("completed"), T.Literal("failed"), T.Literal("interrupted")]);

export const RoundRobinResult = T.Object({
  index: T.Integer({ description: "The prompt's position" }),
  prompt: T.String(),
  agent_id: T.String(),
  status: StepStatus,
  response: T.String(),
  error: Nullable(T.String()),
  message_id: Nullable(T.String()),
  conversation_id: Nullable(T.String()),
});
export type RoundRobinResult = Static<typeof RoundRobinResult>;
export const RoundRobinDone = T.Object({
  ok: T.Boolean({ description: "true when every prompt was answered" }),
  role: T.String(),
  results: T.Array(RoundRobinResult, { description: "In the order of the prompts" }),
});
export type RoundRobinDone = Static<typeof RoundRobinDone>;

/** POST /api/v1/coord/role-chain */
export const RoleChainBody = T.Object({ roles: T.Array(RoleName, { minItems: 1, maxItems: 20 }), content: Content, channel: Channel, metadata: Metadata });
export type RoleChainBody = Static<typeof RoleChainBody>;
export const ChainStep = T.Object({
  role: T.String(),
  agent_id: T.String(),
  input: T.String(),
  output: T.String(),
  message_id: T.String(),
  conversation_id: T.String(),
});
export type ChainStep = Static<typeof ChainStep>;
export const RoleChainDone = T.Object({ ok: T.Literal(true), roles: T.Array(T.String()), steps: T.Array(ChainStep), final_output: T.String() });
export type RoleChainDone = Static<typeof RoleChainDone>;
