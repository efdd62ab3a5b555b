// Telemetry: per-agent messages sent, tasks completed and tokens, plus the process uptime. The numbers are read from
// the store once, when the server starts (so they survive restarts and agree with the conversations), and from then
// on counted from the same bus events every stream carries: an assistant message stored, a bus message sent, a task
// completed, a turn's usage, a model call that stored no message (a title). Nothing is queried again for a snapshot,
// however often streams push.
import type { Config } from "../../config";
import type { ConversationRepository } from "../conversation/repository";
import type { Bus, BusEvent, EventMap } from "../kernel/bus";
import type { Metrics } from "./metrics";
import type { TelemetrySnapshot, TokenPair } from "./schema";
import type { Usage } from "./usage";
import { iso } from "../store/values";

export type { TelemetrySnapshot } from "./schema";

type Counts = Pick<TelemetrySnapshot, "agents" | "tokens">;

export interface TelemetrySources {
  history: ConversationRepository;
  usage: Usage;
  /** Tasks completed per agent so far (the tasks domain). */
  tasks: { completedByAgent(): Record<string, number> };
  /** Bus messages sent per sender so far (the message bus); absent on servers without one. */
  messages?: { sentBySender(): Record<string, number> };
  metrics: Metrics;
  config: Pick<Config, "agents">;
  bus: Bus;
}

/** Who sends bus messages without being an agent. */
const HUMAN = "human";

export class Telemetry {
  private readonly counts: Counts;
  private streams = 0;

  constructor(private readonly sources: TelemetrySources) {
    this.counts = this.fromStore();
    sources.bus.subscribe((event) => this.count(event), ["message.appended", "bus.message", "task.updated", "turn.event", "usage.recorded"]);
  }

  /** Live telemetry streams (each with its own timer). */
  get activeStreams(): number {
    return this.streams;
  }

  /** Calls `push` with a snapshot now and then every `intervalMs`; returns the function that stops it. */
  watch(push: (snapshot: TelemetrySnapshot) => void, options: { agentId?: string; intervalMs: number }): () => void {
    const tick = () => {
      try {
        push(this.snapshot(options.agentId));
      } catch {
        // the receiver went away between ticks; its close stops the timer
      }
    };
    this.streams++;
    const timer = setInterval(tick, options.intervalMs);
    let stopped = false;
    tick();
    return () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      this.streams--;
    };
  }

  /** Everything, or one agent's slice (`agent_id`): its agent entry, its tokens, and totals equal to its tokens. */
  snapshot(agentId?: string): TelemetrySnapshot {
    const now = { uptime_seconds: this.sources.metrics.uptimeSeconds, timestamp: iso(Date.now()) };
    if (!agentId) return { ...structuredClone(this.counts), ...now };
    const agent = this.counts.agents[agentId] ?? { messages_sent: 0, tasks_completed: 0 };
    const tokens = this.counts.tokens.per_agent[agentId] ?? { prompt: 0, completion: 0 };
    return { agents: { [agentId]: { ...agent } }, tokens: { total: { ...tokens }, per_agent: { [agentId]: { ...tokens } } }, ...now };
  }

  private agent(id: string) {
    return (this.counts.agents[id] ??= { messages_sent: 0, tasks_completed: 0 });
  }

  /** One event's worth of change. */
  private count(event: BusEvent): void {
    switch (event.type) {
      case "message.appended": {
        const d = event.data as EventMap["message.appended"];
        // An agent's answer is stored once, when it starts streaming.
        if (d.role === "assistant") this.agent(d.agent_id ?? "default").messages_sent++;
        break;
      }
      case "bus.message": {
        const { sender } = event.data as EventMap["bus.message"];
        if (sender !== HUMAN) this.agent(sender).messages_sent++;
        break;
      }
      case "task.updated": {
        const d = event.data as EventMap["task.updated"];
        // A task announces `completed` once, when it ends.
        if (d.status === "completed") this.agent(d.agent_id ?? "default").tasks_completed++;
        break;
      }
      case "turn.event": {
        const d = event.data as EventMap["turn.event"];
        if (d.event.event !== "complete") break;
        const { prompt_tokens: prompt, completion_tokens: completion } = d.event.data.usage;
        this.addTokens(d.agent_id, prompt, completion);
        break;
      }
      case "usage.recorded": {
        const d = event.data as EventMap["usage.recorded"];
        this.addTokens(d.agent_id ?? "default", d.prompt_tokens, d.completion_tokens);
        break;
      }
    }
  }

  private addTokens(agentId: string, prompt: number, completion: number): void {
    if (!prompt && !completion) return;
    const mine = (this.counts.tokens.per_agent[agentId] ??= { prompt: 0, completion: 0 });
    mine.prompt += prompt;
    mine.completion += completion;
    this.counts.tokens.total.prompt += prompt;
    this.counts.tokens.total.completion += completion;
    this.agent(agentId);
  }

  /** The numbers as the store holds them (read once, at start, while no turn is running). */
  private fromStore(): Counts {
    const { history, usage, tasks, messages, config } = this.sources;
    const agents: TelemetrySnapshot["agents"] = {};
    const ensure = (id: string) => (agents[id] ??= { messages_sent: 0, tasks_completed: 0 });
    ensure("default");
    for (const a of config.agents) ensure(a.id);
    for (const [agent, n] of Object.entries(history.assistantMessagesByAgent())) ensure(agent).messages_sent = n;
    for (const [sender, n] of Object.entries(messages?.sentBySender() ?? {})) if (sender !== HUMAN) ensure(sender).messages_sent += n;
    for (const [agent, n] of Object.entries(tasks.completedByAgent())) ensure(agent).tasks_completed = n;
    const perAgent = usage.tokensBy("agent");
    const total: TokenPair = { prompt: 0, completion: 0 };
    for (const t of Object.values(perAgent)) {
      total.prompt += t.prompt;
      total.completion += t.completion;
    }
    return { agents, tokens: { total, per_agent: perAgent } };
  }
}
