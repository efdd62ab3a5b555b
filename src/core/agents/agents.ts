// The agents registry as the rest of the core uses it: which agents exist (persisted, config agents seeded), what each
// may do (its persona, prompt, model and tools, never more tools than its parent), whether it is working (`active`:
// a turn running or work waiting) or paused (no new work), and running a turn as an agent under the
// max_concurrent_agents limit. Sub-agents, delegations and the agent tools live in ./delegations.ts and ./tools.ts;
// per-agent history in ./history.ts.
import type { AgentEntry, Config, ModelEntry } from "../../config";
import type { Conversations } from "../conversation/conversations";
import type { AgentProfiles } from "../engine/host";
import type { TurnRequest, TurnResult } from "../engine/turn";
import type { Bus } from "../kernel/bus";
import { AppError, agentNotFound, badRequest, conflict } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import { canSee, requireAdmin, type Viewer } from "../kernel/viewer";
import type { ModelCatalog } from "../providers/models";
import type { ToolDefinition } from "../tools/types";
import type { Db } from "../store/db";
import { iso } from "../store/values";
import { Capacity } from "./capacity";
import { Delegations } from "./delegations";
import { AgentHistory } from "./history";
import { AgentRegistry, DEFAULT_AGENT, MAX_AGENT_DEPTH, MAX_CHILDREN, type AgentRow } from "./registry";
import { agentTools } from "./tools";
import type { Agent, AgentBrief, NewAgent } from "./schema";

/** What the registry needs from the engine: running turns, and who is busy. */
export interface AgentEngineView {
  runTurn(request: TurnRequest): Promise<TurnResult>;
  turnsOf(agentId: string): number;
  onAgentActivity(listener: (agentId: string) => void): () => void;
}

export interface AgentsDeps {
  db: Db;
  bus: Bus;
  config: Config;
  log: Logger;
  models: ModelCatalog;
  conversations: Conversations;
  /** Read lazily: the engine is built after the registry. */
  engine: () => AgentEngineView;
  /** Names of the registered tools, to check default_tools against. */
  toolNames: () => string[];
}

/** A tool list no tool matches: an agent whose restrictions leave nothing (an empty list would mean "every tool"). */
const NO_TOOLS = ["(none)"];

export class Agents implements AgentProfiles {
  readonly registry: AgentRegistry;
  readonly capacity: Capacity;
  /** Sub-agents at work: spawn, delegate, wait, stop (what the agent tools do). */
  readonly delegations: Delegations;
  /** Per-agent history and sessions. */
  readonly history: AgentHistory;
  /** Last `active` published per agent, so agent.updated says active/idle only when it changes. */
  private readonly lastActive = new Map<string, boolean>();
  private offActivity?: () => void;

  constructor(private readonly deps: AgentsDeps) {
    this.registry = new AgentRegistry(deps.db);
    this.registry.seed(deps.config.agents);
    this.capacity = new Capacity(
      () => deps.config.maxConcurrentAgents,
      (agentId) => this.activityChanged(agentId),
    );
    this.delegations = new Delegations(this, deps.bus, deps.log);
    this.history = new AgentHistory(this, deps.conversations);
  }

  /** The tools a model uses to work with sub-agents (registered in the tool runtime by createCore). */
  tools(): ToolDefinition[] {
    return agentTools(this.delegations);
  }

  /** Starts following the engine's activity (after the core is built). */
  start(): void {
    this.offActivity ??= this.deps.engine().onAgentActivity((agentId) => this.activityChanged(agentId));
  }

  /** Shutdown: stops following the engine and cancels the sub-agents' work. */
  stop(): void {
    this.offActivity?.();
    this.delegations.shutdown();
  }

  // ── reading ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** Every agent the viewer may see: shared ones (default, config) and its own. */
  list(viewer?: Viewer): Agent[] {
    return this.registry
      .all()
      .filter((row) => visible(row, viewer))
      .map((row) => this.toAgentView(row, viewer));
  }

  /** Only what a picker needs (`?simple=true`). */
  listBrief(viewer?: Viewer): AgentBrief[] {
    return this.list(viewer).map((a) => ({ id: a.id, persona: a.persona, active: a.active, paused: a.paused }));
  }

  /** The agent as the API shows it; undefined when missing (or another user's). */
  get(id: string, viewer?: Viewer): Agent | undefined {
    const row = this.registry.find(id);
    return row && visible(row, viewer) ? this.toAgentView(row, viewer) : undefined;
  }

  /** The agent; missing (or another user's) → 404 AGENT_NOT_FOUND with details.agent_id. */
  require(id: string, viewer?: Viewer): Agent {
    return this.toAgentView(this.requireRow(id, viewer), viewer);
  }

  /** The stored row, for the other parts of this domain. */
  requireRow(id: string, viewer?: Viewer): AgentRow {
    const row = this.registry.find(id);
    if (!row || !visible(row, viewer)) throw agentNotFound(id);
    return row;
  }

  /** Throws AGENT_NOT_FOUND when it does not exist, CONFLICT (409) when it is paused. */
  assertAcceptsWork(id: string, viewer?: Viewer): void {
    const row = this.requireRow(id, viewer);
    if (row.paused) throw pausedError(id);
  }

  /** It has a turn running (or waiting in its conversation's queue) or work waiting for a slot. */
  isActive(id: string): boolean {
    return this.deps.engine().turnsOf(id) > 0 || this.capacity.holding(id) > 0 || this.capacity.waitingFor(id) > 0;
  }

  /** Its own tool list within every ancestor's (undefined: every tool). */
  effectiveTools(id: string): string[] | undefined {
    let allowed: string[] | undefined;
    for (let row = this.registry.find(id), depth = 0; row && depth <= MAX_AGENT_DEPTH + 1; row = row.parent ? this.registry.find(row.parent) : undefined, depth++) {
      if (!row.defaultTools.length) continue;
      allowed = allowed ? allowed.filter((t) => row!.defaultTools.includes(t)) : [...row.defaultTools];
    }
    return allowed && !allowed.length ? NO_TOOLS : allowed;
  }

  /** How many ancestors the agent has (0 for a top-level agent). */
  depthOf(id: string): number {
    let depth = 0;
    for (let row = this.registry.find(id); row?.parent && depth <= MAX_AGENT_DEPTH + 1; row = this.registry.find(row.parent)) depth++;
    return depth;
  }

  /** For the engine: the settings of a new turn of this agent (sent by `viewer`). */
  profileFor(agentId: string, viewer?: Viewer): AgentEntry {
    const row = this.requireRow(agentId, viewer);
    if (row.paused) throw pausedError(agentId);
    const tools = this.effectiveTools(agentId);
    return {
      id: row.id,
      ...(row.persona ? { persona: row.persona } : {}),
      ...(row.systemPrompt ? { system_prompt: row.systemPrompt } : {}),
      ...(row.modelConfigId ? { model: row.modelConfigId } : {}),
      ...(tools ? { default_tools: tools } : {}),
    };
  }

  // ── changing ────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * A new agent (POST /api/v1/agents, or spawned by another agent). With `parent` it is that agent's sub-agent: it
   * works in the parent's session and may use at most the parent's tools. `activate: false` creates it paused.
   */
  create(input: NewAgent, viewer?: Viewer, options: { source?: "api" | "spawned"; sessionId?: string | null; conversationId?: string | null; fromConversation?: string } = {}): Agent {
    const id = input.id;
    const existing = this.registry.find(id);
    // Another user's id is reported as taken all the same: agent ids are one namespace (they name tools' targets).
    if (existing) throw conflict(`agent '${id}' already exists`, { agent_id: id });
    const parent = input.parent ? this.requireRow(input.parent, viewer) : undefined;
    if (parent) {
      if (!mayChange(parent, viewer)) requireAdmin(viewer, `adding a sub-agent to the shared agent '${parent.id}'`);
      if (this.depthOf(parent.id) + 1 > MAX_AGENT_DEPTH) throw badRequest(`agent '${parent.id}' is ${MAX_AGENT_DEPTH} levels deep; sub-agents may not nest deeper`, { parent: parent.id });
      if (this.registry.childrenOf(parent.id).length >= MAX_CHILDREN) {
        throw conflict(`agent '${parent.id}' already has ${MAX_CHILDREN} sub-agents; stop or delete one first`, { parent: parent.id });
      }
    }
    const modelConfigId = input.model_config_id ?? (options.source === "spawned" ? parent?.modelConfigId : undefined) ?? null;
    if (modelConfigId && !this.modelOf(modelConfigId)) {
      const known = this.deps.models.list().map((m) => m.id);
      throw badRequest(`model_config_id '${modelConfigId}' is not a model of the catalog${known.length ? `; known: ${known.join(", ")}` : "; no models are configured"}`, { model_config_id: modelConfigId, known });
    }
    const defaultTools = this.checkTools(input.default_tools ?? [], parent);
    const sessionId = options.sessionId ?? parent?.sessionId ?? null;
    const owner = viewer?.user ?? parent?.owner ?? null;
    const row = this.registry.insert({
      id,
      source: options.source ?? "api",
      persona: input.persona ?? null,
      systemPrompt: input.system_prompt ?? null,
      modelConfigId,
      defaultTools,
      parent: parent?.id ?? null,
      paused: input.activate === false,
      sessionId,
      conversationId: options.conversationId ?? null,
      owner,
    });
    // A sub-agent working in a session gets its own conversation there at once (see ownConversation).
    if (!row.conversationId && row.parent && row.sessionId) row.conversationId = this.ownConversation(row, viewer, options.fromConversation) ?? null;
    this.deps.log.info("agent created", { agent_id: id, parent: row.parent, source: row.source, user: viewer?.user });
    this.publish(row, "created");
    // Work it starts on at once; its failure is the turn's own (an error frame, logged), not the creation's.
    if (input.initial_prompt && !row.paused) {
      this.runTurn(id, { text: input.initial_prompt, viewer }).catch((error) => this.deps.log.warn("initial prompt failed", { agent_id: id, error: String(error) }));
    }
    return this.toAgentView(row, viewer);
  }

  /** Pauses (no new work: 409; work waiting for a slot is refused; running turns finish) or resumes. */
  setPaused(id: string, paused: boolean, viewer?: Viewer): Agent {
    const row = this.requireRow(id, viewer);
    if (!mayChange(row, viewer)) requireAdmin(viewer, `pausing the shared agent '${id}'`);
    if (row.paused !== paused) {
      this.registry.setPaused(id, paused);
      if (paused) this.capacity.refuse([id], pausedError);
      this.publish({ ...row, paused }, paused ? "paused" : "resumed");
    }
    return this.require(id, viewer);
  }

  /**
   * Removes the agent and its sub-agents (their waiting work is refused; `cancel` stops their running work). The
   * built-in default and the config file's agents cannot be removed here. Conversations stay unless
   * `preserveConversation` is false.
   */
  delete(id: string, options: { preserveConversation?: boolean; viewer?: Viewer } = {}): { deleted: string[]; conversationsDeleted: number } {
    const { viewer } = options;
    const row = this.requireRow(id, viewer);
    if (row.id === DEFAULT_AGENT) throw conflict("the default agent cannot be deleted", { agent_id: id });
    if (row.source === "config") throw conflict(`agent '${id}' is declared in the config file; remove it there`, { agent_id: id });
    if (!mayChange(row, viewer)) requireAdmin(viewer, `deleting the shared agent '${id}'`);
    const gone = [row, ...this.registry.descendantsOf(id)];
    const ids = gone.map((r) => r.id);
    this.capacity.refuse(ids, (agentId) => new AppError("CONFLICT", `agent '${agentId}' was deleted`, { agent_id: agentId }));
    this.delegations.cancel(ids);
    let conversationsDeleted = 0;
    if (options.preserveConversation === false) {
      for (const agentId of ids) {
        for (;;) {
          const batch = this.deps.conversations.list({ agentId, viewer, limit: 500 }).conversations;
          if (!batch.length) break;
          for (const c of batch) this.deps.conversations.delete(c.conversation_id, viewer);
          conversationsDeleted += batch.length;
        }
      }
    }
    this.registry.delete(id);
    for (const r of gone) {
      this.lastActive.delete(r.id);
      this.publish({ ...r }, "deleted");
    }
    this.deps.log.info("agent deleted", { agent_id: id, with: ids.slice(1), conversations_deleted: conversationsDeleted, user: viewer?.user });
    return { deleted: ids, conversationsDeleted };
  }

  // ── working ─────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Runs a turn as this agent, through the max_concurrent_agents limit (it waits for a slot when all are taken).
   * Unknown agent → AGENT_NOT_FOUND; paused → 409 and nothing is queued. Without a conversation or session it continues
   * the agent's own conversation (a sub-agent's is in its parent's session). Returns the engine's TurnResult.
   */
  async runTurn(agentId: string, request: TurnRequest): Promise<TurnResult> {
    const row = this.requireRow(agentId, request.viewer);
    if (row.paused) throw pausedError(agentId);
    const turnId = request.turnId ?? newId();
    const home = !request.conversationId && !request.sessionId ? this.ownConversation(row, request.viewer) : undefined;
    const held = await this.capacity.acquire(turnId, agentId, request.signal);
    try {
      const result = await this.deps.engine().runTurn({
        ...request,
        agentId,
        turnId,
        ...(home ? { conversationId: home } : {}),
      });
      // The first conversation of an agent's own work becomes the one later work continues (kept while it exists: a
      // caller who may not write in it gets a conversation of its own each time instead).
      if (!request.conversationId && !request.sessionId && !home) {
        const now = this.registry.find(agentId);
        if (now && (!now.conversationId || !this.deps.conversations.find(now.conversationId))) this.registry.setConversation(agentId, result.conversationId);
      }
      return result;
    } finally {
      if (held) this.capacity.release(turnId);
    }
  }

  // ── views ───────────────────────────────────────────────────────────────────────────────────────────────────

  private toAgentView(row: AgentRow, viewer?: Viewer): Agent {
    const { models } = this.deps;
    const model = row.modelConfigId ? this.modelOf(row.modelConfigId) : models.current();
    return {
      id: row.id,
      persona: row.persona,
      persona_description: row.persona,
      model: model
        ? { model: models.displayName(model), provider: model.provider, max_output_tokens: models.maxOutputTokens(model), max_context_window_tokens: models.contextWindow(model) }
        : null,
      model_config_id: row.modelConfigId,
      system_prompt: row.systemPrompt,
      parent: row.parent,
      children: this.registry
        .childrenOf(row.id)
        .filter((c) => visible(c, viewer))
        .map((c) => c.id),
      default_tools: row.defaultTools,
      active: this.isActive(row.id),
      paused: row.paused,
      is_sub_agent: row.parent !== null,
      source: row.source,
      session_id: row.sessionId,
      conversation_id: row.conversationId,
      created_at: iso(row.createdAt),
    };
  }

  /** A catalog model by id or upstream model name (as the engine resolves it). */
  private modelOf(idOrName: string): ModelEntry | undefined {
    return this.deps.models.get(idOrName) ?? this.deps.models.list().find((m) => m.model === idOrName);
  }

  /** default_tools must name registered tools, and a sub-agent gets at most its parent's tools. */
  private checkTools(tools: string[], parent: AgentRow | undefined): string[] {
    const known = new Set(this.deps.toolNames());
    const unknown = tools.filter((t) => !known.has(t));
    if (unknown.length) throw badRequest(`default_tools names unknown tools: ${unknown.join(", ")}`, { unknown, known: [...known] });
    const allowed = parent ? this.effectiveTools(parent.id) : undefined;
    if (!allowed) return [...new Set(tools)];
    // A restricted parent's sub-agent inherits the restriction when it names no tools.
    if (!tools.length) return allowed === NO_TOOLS ? [] : [...allowed];
    const beyond = tools.filter((t) => !allowed.includes(t));
    if (beyond.length) {
      throw badRequest(`a sub-agent gets at most its parent's tools; '${parent!.id}' may not use: ${beyond.join(", ")}`, { parent: parent!.id, not_allowed: beyond, allowed });
    }
    return [...new Set(tools)];
  }

  /**
   * The conversation work without one continues: the agent's own, when it still exists and the viewer may write in
   * it. A sub-agent in a session gets a new one there when it has none, marked as a sub-agent's, so that its work
   * never continues another conversation of the session (the engine's "latest of the session" skips those).
   */
  private ownConversation(row: AgentRow, viewer?: Viewer, fromConversation?: string): string | undefined {
    const existing = row.conversationId ? this.deps.conversations.find(row.conversationId) : undefined;
    if (existing) return canSee(viewer, existing.owner) ? existing.id : undefined;
    if (!row.parent || !row.sessionId) return undefined;
    const created = this.deps.conversations.create({
      sessionId: row.sessionId,
      agentId: row.id,
      owner: viewer?.user ?? row.owner,
      title: `${row.id} (sub-agent of ${row.parent})`,
      metadata: { sub_agent_of: fromConversation ?? row.parent, parent_agent: row.parent },
    });
    this.registry.setConversation(row.id, created.id);
    return created.id;
  }

  private activityChanged(agentId: string): void {
    const active = this.isActive(agentId);
    if ((this.lastActive.get(agentId) ?? false) === active) return;
    const row = this.registry.find(agentId);
    if (!row) return;
    this.lastActive.set(agentId, active);
    this.publish(row, active ? "active" : "idle");
  }

  private publish(row: AgentRow, change: "created" | "deleted" | "paused" | "resumed" | "active" | "idle"): void {
    const active = change === "deleted" ? false : this.isActive(row.id);
    if (change !== "active" && change !== "idle") this.lastActive.set(row.id, active);
    this.deps.bus.publish("agent.updated", {
      agent_id: row.id,
      change,
      active,
      paused: row.paused,
      parent: row.parent,
      ...(row.sessionId ? { session_id: row.sessionId } : {}),
    });
  }
}

/** Shared agents (no owner: default, config) are everyone's; a `user` key sees its own besides. */
export const visible = (row: AgentRow, viewer?: Viewer): boolean => row.owner === null || canSee(viewer, row.owner);

/** A `user` key changes only its own agents; shared ones are for admins. */
export const mayChange = (row: AgentRow, viewer?: Viewer): boolean => viewer?.role !== "user" || (row.owner !== null && row.owner === viewer.user);

export const pausedError = (agentId: string) =>
  new AppError("CONFLICT", `agent '${agentId}' is paused and takes no new work; resume it with PATCH /api/v1/agents/${agentId} {"paused": false}`, { agent_id: agentId, paused: true }, { recoverable: true, suggestedAction: "resume_agent" });
