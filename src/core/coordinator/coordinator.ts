// The coordinator: roles for agents (kept in SQLite, in the order agents registered), messages to every agent of a
// role, and two workflows over the message bus. rr-workflow spreads prompts round-robin over a role's active agents
// (each agent takes its share in order, agents work in parallel; results come back in the prompts' order).
// role-chain runs one agent per role in turn, each role's answer being the next role's input. Every step is a bus
// message from "coordinator", so the event stream and GET /api/v1/messages show the workflow as it runs.
// Unknown role (none of its agents exists or is visible to the caller) → 404; no unpaused agent → 409.
import { and, asc, eq, sql } from "drizzle-orm";
import type { Bus } from "../kernel/bus";
import { AppError, conflict } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Viewer } from "../kernel/viewer";
import type { MessageBus } from "../messages/messages";
import type { BusMessageType } from "../messages/schema";
import type { Db } from "../store/db";
import { agentRoles } from "../store/schema";
import type {
  Broadcasted,
  BroadcastBody,
  ChainStep,
  Registered,
  RoleChainBody,
  RoleChainDone,
  RoleSent,
  RoleView,
  RoundRobinBody,
  RoundRobinDone,
  RoundRobinResult,
  SendRoleBody,
  Unregistered,
} from "./schema";

/** What the coordinator needs of the agents registry (src/core/agents implements it). */
export interface CoordinatorAgents {
  /** The agents the viewer may see, with their pause state. */
  list(viewer?: Viewer): { id: string; paused: boolean }[];
  /** Unknown (or not visible) → AGENT_NOT_FOUND (404). */
  require(agentId: string, viewer?: Viewer): unknown;
}

/** The sender name of the coordinator's messages. */
export const COORDINATOR = "coordinator";

const roleNotFound = (role: string) => new AppError("NOT_FOUND", `role '${role}' not found: no agent is registered with it`, { role });

export class Coordinator {
  /** Where each role's round-robin continues (in memory: a restart begins with the first agent again). */
  private readonly cursors = new Map<string, number>();

  constructor(
    private readonly db: Db,
    bus: Bus,
    private readonly messages: MessageBus,
    private readonly agents: () => CoordinatorAgents,
  ) {
    // A deleted agent leaves its roles: an agent created later under the same id starts without them.
    bus.subscribe((event) => void this.db.delete(agentRoles).where(eq(agentRoles.agentId, event.data.agent_id)).run(), { types: ["agent.updated"], where: { change: "deleted" } });
  }

  register(agentId: string, role: string, viewer?: Viewer): Registered {
    this.agents().require(agentId, viewer);
    // Strictly increasing, so two registrations in the same millisecond keep their order (the round-robin order).
    const registeredAt = sql<number>`max(${Date.now()}, (SELECT coalesce(max(${agentRoles.registeredAt}), 0) + 1 FROM ${agentRoles}))`;
    this.db.insert(agentRoles).values({ role, agentId, registeredAt }).onConflictDoNothing().run();
    return { ok: true, agent_id: agentId, role, roles: this.rolesOf(agentId) };
  }

  unregister(agentId: string, role: string | undefined, viewer?: Viewer): Unregistered {
    this.agents().require(agentId, viewer);
    const removed = this.db
      .delete(agentRoles)
      .where(and(eq(agentRoles.agentId, agentId), role ? eq(agentRoles.role, role) : undefined))
      .returning({ role: agentRoles.role })
      .all()
      .map((r) => r.role);
    return { ok: true, agent_id: agentId, removed, roles: this.rolesOf(agentId) };
  }

  /** Every role with the agents the viewer may see in it (roles left without any are not shown). */
  roles(viewer?: Viewer): RoleView[] {
    const visible = new Map(this.agents().list(viewer).map((a) => [a.id, a]));
    const byRole = new Map<string, RoleView>();
    for (const row of this.db.select().from(agentRoles).orderBy(asc(agentRoles.role), asc(agentRoles.registeredAt), asc(agentRoles.agentId)).all()) {
      const agent = visible.get(row.agentId);
      if (!agent) continue;
      let view = byRole.get(row.role);
      if (!view) byRole.set(row.role, (view = { role: row.role, agents: [] }));
      view.agents.push({ id: agent.id, paused: agent.paused });
    }
    return [...byRole.values()];
  }

  /** The message goes to every active agent of the role; each acts on it in the background. */
  async sendToRole(body: SendRoleBody, viewer?: Viewer): Promise<RoleSent> {
    const recipients = this.activeMembers(body.role, viewer);
    const messages = [];
    for (const agentId of recipients) {
      messages.push((await this.messages.toAgent(this.outgoing(agentId, body.content, body, body.message_type ?? "message"), viewer)).message);
    }
    return { ok: true, target: body.role, recipients, messages };
  }

  /** Every role is checked before anything is sent; an agent with several of the roles gets the message once. */
  async broadcast(body: BroadcastBody, viewer?: Viewer): Promise<Broadcasted> {
    const targets = new Map<string, string>();
    for (const role of body.roles) for (const agentId of this.activeMembers(role, viewer)) if (!targets.has(agentId)) targets.set(agentId, role);
    const sent = [];
    for (const [agentId, role] of targets) {
      const { message } = await this.messages.toAgent(this.outgoing(agentId, body.content, body, body.message_type ?? "message"), viewer);
      sent.push({ role, agent_id: agentId, message });
    }
    return { ok: true, sent };
  }

  /**
   * Prompt i goes to the role's next active agent in round-robin order. Each agent answers its prompts one after the
   * other (they build on its conversation), different agents in parallel. A failed prompt is reported in its result
   * and does not stop the others.
   */
  async roundRobin(body: RoundRobinBody, viewer?: Viewer): Promise<RoundRobinDone> {
    this.activeMembers(body.role, viewer);
    const workflow = newId();
    const assigned = body.prompts.map((prompt, index) => ({ prompt, index, agentId: this.nextAgent(body.role, viewer) }));
    const results: RoundRobinResult[] = new Array(assigned.length);
    const queues = new Map<string, typeof assigned>();
    for (const a of assigned) queues.set(a.agentId, [...(queues.get(a.agentId) ?? []), a]);
    await Promise.all(
      [...queues.values()].map(async (queue) => {
        for (const { prompt, index, agentId } of queue) {
          const step = { workflow: "rr-workflow", workflow_id: workflow, role: body.role, step: index + 1, of: assigned.length };
          try {
            const { message, result } = await this.messages.ask(this.outgoing(agentId, prompt, { ...body, metadata: { ...body.metadata, ...step } }, "action"), viewer, { context: { workflow: step } });
            results[index] = {
              index,
              prompt,
              agent_id: agentId,
              status: result.interrupted ? "interrupted" : "completed",
              response: result.response,
              error: null,
              message_id: message.id,
              conversation_id: result.conversationId,
            };
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            results[index] = { index, prompt, agent_id: agentId, status: "failed", response: "", error: error.message, message_id: null, conversation_id: null };
          }
        }
      }),
    );
    return { ok: results.every((r) => r.status === "completed"), role: body.role, results };
  }

  /**
   * One agent per role, in the roles' order: the first gets `content`, each next one the previous answer. Every role
   * is checked before the first step; a step that fails or gives no answer ends the chain with that error.
   */
  async roleChain(body: RoleChainBody, viewer?: Viewer): Promise<RoleChainDone> {
    for (const role of body.roles) this.activeMembers(role, viewer);
    const workflow = newId();
    const steps: ChainStep[] = [];
    let input = body.content;
    for (const [i, role] of body.roles.entries()) {
      const agentId = this.nextAgent(role, viewer);
      const step = { workflow: "role-chain", workflow_id: workflow, role, step: i + 1, of: body.roles.length };
      const { message, result } = await this.messages.ask(this.outgoing(agentId, input, { ...body, metadata: { ...body.metadata, ...step } }, "action"), viewer, { context: { workflow: step } });
      const where = { role, agent_id: agentId, step: i + 1, steps_completed: steps.length };
      if (result.interrupted) throw new AppError("SERVICE_UNAVAILABLE", `the role chain was interrupted at step ${i + 1} (${role}: ${agentId})`, where);
      if (!result.response.trim()) throw new AppError("UPSTREAM_ERROR", `${role} (agent '${agentId}') gave no answer to pass on at step ${i + 1}`, where);
      steps.push({ role, agent_id: agentId, input, output: result.response, message_id: message.id, conversation_id: result.conversationId });
      input = result.response;
    }
    return { ok: true, roles: body.roles, steps, final_output: input };
  }

  private rolesOf(agentId: string): string[] {
    return this.db.select({ role: agentRoles.role }).from(agentRoles).where(eq(agentRoles.agentId, agentId)).orderBy(asc(agentRoles.registeredAt), asc(agentRoles.role)).all().map((r) => r.role);
  }

  /** The role's existing agents the viewer may see, in registration order: none → 404. */
  private members(role: string, viewer?: Viewer): { id: string; paused: boolean }[] {
    const visible = new Map(this.agents().list(viewer).map((a) => [a.id, a]));
    const rows = this.db.select({ agentId: agentRoles.agentId }).from(agentRoles).where(eq(agentRoles.role, role)).orderBy(asc(agentRoles.registeredAt), asc(agentRoles.agentId)).all();
    const members = rows.flatMap((r) => visible.get(r.agentId) ?? []);
    if (members.length === 0) throw roleNotFound(role);
    return members;
  }

  /** The role's unpaused agents: none → 409. */
  private activeMembers(role: string, viewer?: Viewer): string[] {
    const active = this.members(role, viewer).filter((a) => !a.paused);
    if (active.length === 0) throw conflict(`role '${role}' has no active agent: every agent with it is paused`, { role });
    return active.map((a) => a.id);
  }

  /** The role's next unpaused agent after the last one picked. */
  private nextAgent(role: string, viewer?: Viewer): string {
    const members = this.members(role, viewer);
    const start = this.cursors.get(role) ?? 0;
    for (let k = 0; k < members.length; k++) {
      const at = (start + k) % members.length;
      if (members[at]!.paused) continue;
      this.cursors.set(role, at + 1);
      return members[at]!.id;
    }
    throw conflict(`role '${role}' has no active agent: every agent with it is paused`, { role });
  }

  private outgoing(agentId: string, content: string, body: { channel?: string | null; metadata?: Record<string, unknown> | null }, messageType: BusMessageType) {
    return { sender: COORDINATOR, recipient: agentId, content, messageType, channel: body.channel, metadata: body.metadata };
  }
}
