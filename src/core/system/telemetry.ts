// Telemetry: per-agent activity and token totals, read from the store (so the numbers survive restarts and agree
// with the conversations), plus the process uptime. The numbers are computed once and kept until a bus event says
// they changed (a message, a turn's events, a task, a conversation created or deleted): live streams push on their
// own interval, but nothing is queried again while nothing changed.
import type { Config } from "../../config";
import type { ConversationRepository } from "../conversation/repository";
import type { Bus, EventType } from "../kernel/bus";
import type { Tasks } from "../tasks/tasks";
import type { Metrics } from "./metrics";
import type { TelemetrySnapshot, TokenPair } from "./schema";
import type { Usage } from "./usage";
import { iso } from "../store/values";

export type { TelemetrySnapshot } from "./schema";

/** The events after which the numbers may differ. */
const CHANGES: EventType[] = ["message.appended", "turn.event", "task.updated", "conversation.created", "conversation.deleted"];

type Counts = Pick<TelemetrySnapshot, "agents" | "tokens">;

export interface TelemetrySources {
  history: ConversationRepository;
  usage: Usage;
  tasks: Pick<Tasks, "completedByAgent">;
  metrics: Metrics;
  config: Pick<Config, "agents">;
  bus: Bus;
}

export class Telemetry {
  /** The numbers as of the last change; undefined once a change arrives, until someone asks again. */
  private counts?: Counts;
  private streams = 0;

  constructor(private readonly sources: TelemetrySources) {
    sources.bus.subscribe(() => (this.counts = undefined), CHANGES);
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
    const counts = (this.counts ??= this.count());
    const now = { uptime_seconds: this.sources.metrics.uptimeSeconds, timestamp: iso(Date.now()) };
    if (!agentId) return { ...counts, ...now };
    const agent = counts.agents[agentId] ?? { messages_sent: 0, tasks_completed: 0 };
    const tokens = counts.tokens.per_agent[agentId] ?? { prompt: 0, completion: 0 };
    return { agents: { [agentId]: agent }, tokens: { total: { ...tokens }, per_agent: { [agentId]: tokens } }, ...now };
  }

  private count(): Counts {
    const { history, usage, tasks, config } = this.sources;
    const agents: TelemetrySnapshot["agents"] = {};
    const ensure = (id: string) => (agents[id] ??= { messages_sent: 0, tasks_completed: 0 });
    ensure("default");
    for (const a of config.agents) ensure(a.id);
    for (const [agent, n] of Object.entries(history.assistantMessagesByAgent())) ensure(agent).messages_sent = n;
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
