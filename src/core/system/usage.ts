// Token usage and cost, from the token sums the conversation domain keeps: every assistant message carries its usage,
// model and cost, and the model calls that store no message (titles, parsed commands) are kept beside them, so the
// numbers survive restarts and always agree with the stored conversations.
import { MODEL_CALL_KINDS, type ConversationRepository, type TokenGrouping, type TokenSum } from "../conversation/repository";
import type { DailyUsage, TokenPair, UsageDay, UsageReport, UsageTotals } from "./schema";

export type { UsageReport, UsageTotals } from "./schema";

const zero = (): UsageTotals => ({ prompt: 0, completion: 0, total: 0, cost_usd: 0, requests: 0 });
const round = (usd: number) => Math.round(usd * 1e8) / 1e8;

function totalsOf(sums: TokenSum[]): UsageTotals {
  const t = zero();
  for (const s of sums) {
    t.prompt += s.prompt;
    t.completion += s.completion;
    t.cost_usd += s.cost;
    t.requests += s.requests;
  }
  t.total = t.prompt + t.completion;
  t.cost_usd = round(t.cost_usd);
  return t;
}

export class Usage {
  constructor(private readonly history: ConversationRepository) {}

  /** Everything, or one conversation's usage: totals, the main model, the summarizer, the utility calls (titles,
   *  parsed commands), per model and per agent. */
  report(conversationId?: string): UsageReport {
    const byModel = this.history.tokenSums("model", conversationId);
    const byAgent = this.history.tokenSums("agent", conversationId);
    const byKind = this.history.tokenSums("kind", conversationId);
    const total = totalsOf(byModel);
    const utility = (s: TokenSum) => (MODEL_CALL_KINDS as readonly string[]).includes(s.key);
    return {
      total,
      main_model: totalsOf(byKind.filter((s) => s.key !== "summary" && !utility(s))),
      summarizer: totalsOf(byKind.filter((s) => s.key === "summary")),
      utility: totalsOf(byKind.filter(utility)),
      models: Object.fromEntries(byModel.map((s) => [s.key, totalsOf([s])])),
      agents: Object.fromEntries(byAgent.map((s) => [s.key, totalsOf([s])])),
      cost_usd: total.cost_usd,
    };
  }

  /**
   * Tokens and cost per UTC day over the last `days` days (today included), each day split per model and per agent;
   * with `owner`, only that user's conversations. Days without use are zeros, so a chart needs no gaps filled.
   */
  daily(days: number, owner?: string, now = Date.now()): DailyUsage {
    const DAY = 86_400_000;
    const today = Math.floor(now / DAY) * DAY;
    const first = today - (days - 1) * DAY;
    const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const byDate = new Map<string, UsageDay>();
    for (let t = first; t <= today; t += DAY) byDate.set(dateOf(t), { date: dateOf(t), total: zero(), models: {}, agents: {} });
    const total = zero();
    const modelTokens = new Map<string, number>();
    const agentTokens = new Map<string, number>();
    const add = (t: UsageTotals, s: TokenSum) => {
      t.prompt += s.prompt;
      t.completion += s.completion;
      t.total = t.prompt + t.completion;
      t.cost_usd = round(t.cost_usd + s.cost);
      t.requests += s.requests;
    };
    for (const s of this.history.dailyTokenSums({ since: first, owner })) {
      const day = byDate.get(s.day);
      if (!day) continue;
      add(day.total, s);
      add((day.models[s.model] ??= zero()), s);
      add((day.agents[s.agent] ??= zero()), s);
      add(total, s);
      modelTokens.set(s.model, (modelTokens.get(s.model) ?? 0) + s.prompt + s.completion);
      agentTokens.set(s.agent, (agentTokens.get(s.agent) ?? 0) + s.prompt + s.completion);
    }
    const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
    return { from: dateOf(first), to: dateOf(today), days: [...byDate.values()], total, models: ranked(modelTokens), agents: ranked(agentTokens) };
  }

  /** Prompt and completion tokens per grouping key (only keys that used any). */
  tokensBy(by: TokenGrouping): Record<string, TokenPair> {
    return Object.fromEntries(this.history.tokenSums(by).map((s) => [s.key, { prompt: s.prompt, completion: s.completion }]));
  }
}
