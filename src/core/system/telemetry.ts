// Telemetry: per-agent activity and token totals, read from the store (so the numbers survive restarts and agree
// with the conversations), plus the process uptime. Snapshots are cached briefly so many live streams share one
// query.
import { count, eq, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Bus } from "../kernel/bus";
import type { Metrics } from "./metrics";
import type { Db } from "../store/db";
import { messages, tasks } from "../store/schema";
import { iso } from "../store/values";

export interface TokenPair {
  prompt: number;
  completion: number;
}

export interface TelemetrySnapshot {
  agents: Record<string, { messages_sent: number; tasks_completed: number }>;
  tokens: { total: TokenPair; per_agent: Record<string, TokenPair> };
  uptime_seconds: number;
  timestamp: string;
}

const CACHE_MS = 100;

export class Telemetry {
  private cached?: { at: number; snapshot: TelemetrySnapshot };

  constructor(
    private readonly db: Db,
    private readonly metrics: Metrics,
    private readonly config: Pick<Config, "agents">,
    bus?: Bus,
  ) {
    // Anything that changes the numbers drops the cached snapshot (token counts land with a turn's events).
    bus?.subscribe(() => (this.cached = undefined), ["message.appended", "turn.event", "task.updated", "conversation.deleted"]);
  }

  private streams = 0;

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
    const all = this.all();
    if (!agentId) return all;
    const agent = all.agents[agentId] ?? { messages_sent: 0, tasks_completed: 0 };
    const tokens = all.tokens.per_agent[agentId] ?? { prompt: 0, completion: 0 };
    return { agents: { [agentId]: agent }, tokens: { total: { ...tokens }, per_agent: { [agentId]: tokens } }, uptime_seconds: all.uptime_seconds, timestamp: all.timestamp };
  }

  private all(): TelemetrySnapshot {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return { ...this.cached.snapshot, uptime_seconds: this.metrics.uptimeSeconds };
    const sent = this.db
      .select({ agent: messages.agentId, n: count() })
      .from(messages)
      .where(eq(messages.role, "assistant"))
      .groupBy(messages.agentId)
      .all();
    const tokenRows = this.db
      .select({
        agent: messages.agentId,
        prompt: sql<number>`coalesce(sum(${messages.promptTokens}), 0)`.mapWith(Number),
        completion: sql<number>`coalesce(sum(${messages.completionTokens}), 0)`.mapWith(Number),
      })
      .from(messages)
      .groupBy(messages.agentId)
      .all();
    const completed = this.db.select({ agent: tasks.agentId, n: count() }).from(tasks).where(eq(tasks.status, "completed")).groupBy(tasks.agentId).all();

    const agents: TelemetrySnapshot["agents"] = {};
    const ensure = (id: string) => (agents[id] ??= { messages_sent: 0, tasks_completed: 0 });
    ensure("default");
    for (const a of this.config.agents) ensure(a.id);
    for (const r of sent) ensure(r.agent).messages_sent = r.n;
    for (const r of completed) ensure(r.agent).tasks_completed = r.n;
    const perAgent: Record<string, TokenPair> = {};
    const total: TokenPair = { prompt: 0, completion: 0 };
    for (const r of tokenRows) {
      if (r.prompt === 0 && r.completion === 0) continue;
      perAgent[r.agent] = { prompt: r.prompt, completion: r.completion };
      total.prompt += r.prompt;
      total.completion += r.completion;
    }
    const snapshot: TelemetrySnapshot = {
      agents,
      tokens: { total, per_agent: perAgent },
      uptime_seconds: this.metrics.uptimeSeconds,
      timestamp: iso(now),
    };
    this.cached = { at: now, snapshot };
    return snapshot;
  }
}
