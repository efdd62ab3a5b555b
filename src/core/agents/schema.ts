// Agent shapes declared once (TypeBox): an agent as /api/v1/agents shows it, what the routes accept, the agent tools'
// arguments and the agent events. plugins/agents.ts validates and documents with these; core/agents returns Static<>
// of them; the web UI reads its types from here.
import { Type as T, type Static } from "@sinclair/typebox";
import { defineEvent, type EventMapOf } from "../kernel/event-registry";
import { Id, maybe, Nullable, Timestamp } from "../kernel/shapes";

/** Agent ids appear in paths, tool names and logs: short and plain. */
export const AgentId = T.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$", description: "letters, digits, '.', '_' or '-'" });

export const AgentModel = T.Object({ model: T.String(), provider: T.String(), max_output_tokens: T.Integer(), max_context_window_tokens: T.Integer() });

export const Agent = T.Object({
  id: T.String(),
  persona: Nullable(T.String()),
  persona_description: Nullable(T.String()),
  /** The model its turns use (its model_config_id, else the current model); null when no model is configured. */
  model: Nullable(AgentModel),
  model_config_id: Nullable(T.String({ description: "The catalog model it is pinned to; null: the current model" })),
  system_prompt: Nullable(T.String()),
  parent: Nullable(T.String()),
  children: T.Array(T.String()),
  default_tools: T.Array(T.String({ description: "Empty: every tool (within its parent's, for a sub-agent)" })),
  active: T.Boolean({ description: "It has a turn running or work waiting for it" }),
  paused: T.Boolean({ description: "It takes no new work (409) until resumed" }),
  is_sub_agent: T.Boolean(),
  source: T.Union([T.Literal("builtin"), T.Literal("config"), T.Literal("api"), T.Literal("spawned")], {
    description: "builtin: default; config: the config file's [[agents]]; api: created with POST; spawned: by another agent",
  }),
  session_id: Nullable(T.String({ description: "A sub-agent works in its parent's session (same root, sandbox and approvals)" })),
  conversation_id: Nullable(T.String({ description: "The conversation work without one continues" })),
  created_at: Timestamp(),
});
export type Agent = Static<typeof Agent>;

/** `?simple=true`: only what a picker needs. */
export const AgentBrief = T.Pick(Agent, ["id", "persona", "active", "paused"]);
export type AgentBrief = Static<typeof AgentBrief>;

export const AgentListQuery = T.Object({ simple: T.Optional(T.Boolean({ description: "Only id, persona, active and paused" })) });

export const AgentList = T.Union([T.Array(Agent), T.Array(AgentBrief)]);

export const AgentParams = T.Object({ agent_id: Id });

export const NewAgent = T.Object({
  id: AgentId,
  model_config_id: maybe(T.String({ minLength: 1, maxLength: 300, description: "A model of the catalog (id or model name); absent: the current model" })),
  persona: maybe(T.String({ maxLength: 10_000 })),
  system_prompt: maybe(T.String({ maxLength: 100_000 })),
  activate: maybe(T.Boolean({ description: "false: created paused (takes no work until resumed); default true" })),
  default_tools: maybe(T.Array(T.String({ minLength: 1, maxLength: 200 }), { maxItems: 200, description: "The tools it may use; absent or empty: every tool" })),
  initial_prompt: maybe(T.String({ minLength: 1, maxLength: 500_000, description: "A first message it starts working on at once (in its own conversation)" })),
  parent: maybe(T.String({ minLength: 1, maxLength: 64, description: "Makes it a sub-agent of that agent: its session, root and at most its tools" })),
});
export type NewAgent = Static<typeof NewAgent>;

export const AgentPatch = T.Object({ paused: T.Boolean({ description: "true: takes no new work (running work finishes; waiting work is refused); false: resumes" }) });

export const AgentDeleteQuery = T.Object({
  preserve_conversation: T.Optional(T.Boolean({ default: true, description: "Keep its conversations (default); false deletes them" })),
});

export const AgentDeleted = T.Object({
  status: T.Literal("deleted"),
  agent_id: T.String(),
  /** Its sub-agents go with it. */
  deleted: T.Array(T.String()),
  conversations_deleted: T.Integer(),
});

// ── history and sessions ──────────────────────────────────────────────────────────────────────────────────────

/** Query booleans arrive as text. */
const QueryBool = T.Union([T.Boolean(), T.Literal("true"), T.Literal("false"), T.Literal("1"), T.Literal("0")]);

export const AgentHistoryQuery = T.Object({
  include_system: T.Optional(QueryBool),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 10_000 })),
});

export const AgentSessionParams = T.Object({ agent_id: Id, session_id: Id });

export const AgentSession = T.Object({
  session_id: T.String(),
  conversations: T.Array(T.String()),
  message_count: T.Integer(),
  last_active: Timestamp(),
});

export type AgentSession = Static<typeof AgentSession>;

export const AgentSessions = T.Object({ agent_id: T.String(), sessions: T.Array(AgentSession) });

// ── events ────────────────────────────────────────────────────────────────────────────────────────────────────

export const AgentChange = T.Union(
  ["created", "deleted", "paused", "resumed", "active", "idle"].map((c) => T.Literal(c)),
  { description: "active/idle: it started having work / has none left" },
);

export const AgentUpdated = defineEvent(
  "agent.updated",
  T.Object(
    {
      agent_id: T.String(),
      change: AgentChange,
      active: T.Boolean(),
      paused: T.Boolean(),
      parent: Nullable(T.String()),
      session_id: T.Optional(T.String()),
    },
    { description: "An agent was created, deleted, paused or resumed, or started / stopped having work." },
  ),
);

export const DelegationEvent = defineEvent(
  "agent.delegation",
  T.Object(
    {
      delegation_id: T.String(),
      /** The agent that delegated (the parent) and the one doing the work (its sub-agent). */
      agent_id: T.String(),
      child_id: T.String(),
      status: T.Union(["started", "completed", "failed", "cancelled"].map((s) => T.Literal(s))),
      content: T.String({ description: "The task (started) or the answer / the error (when done), clipped" }),
      session_id: T.Optional(T.String()),
      conversation_id: T.Optional(T.String({ description: "The sub-agent's conversation" })),
    },
    { description: "A parent handed work to a sub-agent, or that work finished." },
  ),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof AgentUpdated, typeof DelegationEvent]> {}
}

// ── the agent tools' arguments (written for the model) ───────────────────────────────────────────────────────

export const SpawnSubAgentArgs = T.Object({
  id: T.Optional(T.String({ description: "A name for it (letters, digits, . _ -); one is made up when omitted" })),
  persona: T.Optional(T.String({ description: "Who it is, in a sentence" })),
  system_prompt: T.Optional(T.String({ description: "Its instructions" })),
  model_config_id: T.Optional(T.String({ description: "A model id from the catalog; default: your model's" })),
  default_tools: T.Optional(T.Array(T.String(), { description: "The tools it may use (at most yours); default: the same as yours" })),
  task: T.Optional(T.String({ description: "Work to start at once; returns a delegation id to collect with wait_for_agents" })),
});

export const DelegateArgs = T.Object({
  agent_id: T.String({ description: "One of your sub-agents" }),
  content: T.String({ minLength: 1, description: "The task, with everything it needs to know" }),
  wait: T.Optional(T.Boolean({ default: true, description: "true: wait for its answer; false: return a delegation id at once" })),
});

export const WaitForAgentsArgs = T.Object({
  delegation_ids: T.Optional(T.Array(T.String(), { description: "Delegations to collect; default: every unfinished one of yours" })),
  agent_ids: T.Optional(T.Array(T.String(), { description: "Or: collect the delegations of these sub-agents" })),
  timeout_seconds: T.Optional(T.Integer({ minimum: 1, maximum: 3600, default: 600 })),
});

export const StopSubAgentArgs = T.Object({
  agent_id: T.String({ description: "One of your sub-agents" }),
  remove: T.Optional(T.Boolean({ default: false, description: "Also delete it (its conversation is kept)" })),
});

export const DelegationStatus = T.Union(["running", "queued", "completed", "failed", "cancelled"].map((s) => T.Literal(s)));
export type DelegationStatus = Static<typeof DelegationStatus>;
