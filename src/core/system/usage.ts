// Token usage and cost, from the token sums the conversation domain keeps on its messages (every assistant message
// carries its usage, model and cost), so the numbers survive restarts and always agree with the stored conversations.
import type { ConversationRepository, TokenGrouping, TokenSum } from "../conversation/repository";
import type { TokenPair, UsageReport, UsageTotals } from "./schema";

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

  /** Everything, or one conversation's usage: totals, the main model, the summarizer, per model and per agent. */
  report(conversationId?: string): UsageReport {
    const byModel = this.history.tokenSums("model", conversationId);
    const byAgent = this.history.tokenSums("agent", conversationId);
    const byKind = this.history.tokenSums("kind", conversationId);
    const total = totalsOf(byModel);
    return {
      total,
      main_model: totalsOf(byKind.filter((s) => s.key !== "summary")),
      summarizer: totalsOf(byKind.filter((s) => s.key === "summary")),
      models: Object.fromEntries(byModel.map((s) => [s.key, totalsOf([s])])),
      agents: Object.fromEntries(byAgent.map((s) => [s.key, totalsOf([s])])),
      cost_usd: total.cost_usd,
    };
  }

  /** Prompt and completion tokens per grouping key (only keys that used any). */
  tokensBy(by: TokenGrouping): Record<string, TokenPair> {
    return Object.fromEntries(this.history.tokenSums(by).map((s) => [s.key, { prompt: s.prompt, completion: s.completion }]));
  }
}
