// Token usage and cost, aggregated from the messages table (every assistant message carries its usage, model and
// cost), so the numbers survive restarts and always agree with the stored conversations.
import { and, eq, gt, or, sql } from "drizzle-orm";
import type { Db } from "../store/db";
import { messages } from "../store/schema";

export interface UsageTotals {
  prompt: number;
  completion: number;
  total: number;
  cost_usd: number;
  /** Model calls counted. */
  requests: number;
}

export interface UsageReport {
  /** Everything, all models and agents. */
  total: UsageTotals;
  /** The chat model's usage (answers in conversations; summaries excluded). */
  main_model: UsageTotals;
  /** Summarisation of trimmed history, when the `summarize` context strategy is on. */
  summarizer: UsageTotals;
  models: Record<string, UsageTotals>;
  agents: Record<string, UsageTotals>;
  cost_usd: number;
}

const zero = (): UsageTotals => ({ prompt: 0, completion: 0, total: 0, cost_usd: 0, requests: 0 });
const round = (usd: number) => Math.round(usd * 1e8) / 1e8;

export class Usage {
  constructor(private readonly db: Db) {}

  private grouped<K extends "model" | "agent" | "kind">(by: K, conversationId?: string) {
    const key = by === "model" ? sql<string>`coalesce(${messages.model}, 'unknown')` : by === "agent" ? sql<string>`${messages.agentId}` : sql<string>`${messages.messageType}`;
    return this.db
      .select({
        key,
        prompt: sql<number>`coalesce(sum(${messages.promptTokens}), 0)`.mapWith(Number),
        completion: sql<number>`coalesce(sum(${messages.completionTokens}), 0)`.mapWith(Number),
        cost: sql<number>`coalesce(sum(${messages.costUsd}), 0)`.mapWith(Number),
        requests: sql<number>`count(*)`.mapWith(Number),
      })
      .from(messages)
      .where(
        and(
          conversationId ? eq(messages.conversationId, conversationId) : undefined,
          or(gt(messages.promptTokens, 0), gt(messages.completionTokens, 0)),
        ),
      )
      .groupBy(key)
      .all();
  }

  private static totals(rows: { prompt: number; completion: number; cost: number; requests: number }[]): UsageTotals {
    const t = zero();
    for (const r of rows) {
      t.prompt += r.prompt;
      t.completion += r.completion;
      t.cost_usd += r.cost;
      t.requests += r.requests;
    }
    t.total = t.prompt + t.completion;
    t.cost_usd = round(t.cost_usd);
    return t;
  }

  report(conversationId?: string): UsageReport {
    const byModel = this.grouped("model", conversationId);
    const byAgent = this.grouped("agent", conversationId);
    const byKind = this.grouped("kind", conversationId);
    const total = Usage.totals(byModel);
    return {
      total,
      main_model: Usage.totals(byKind.filter((r) => r.key !== "summary")),
      summarizer: Usage.totals(byKind.filter((r) => r.key === "summary")),
      models: Object.fromEntries(byModel.map((r) => [r.key, Usage.totals([r])])),
      agents: Object.fromEntries(byAgent.map((r) => [r.key, Usage.totals([r])])),
      cost_usd: total.cost_usd,
    };
  }
}
