// Token usage and cost: GET /api/v1/token-usage → {"usage": {...}}.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { ErrorEnvelope } from "../src/http/schemas";

const Totals = t.Object({
  prompt: t.Integer(),
  completion: t.Integer(),
  total: t.Integer(),
  cost_usd: t.Number({ description: "USD, where prices are known (config price_input/price_output or OpenRouter pricing)" }),
  requests: t.Integer({ description: "model calls counted" }),
});

const Report = t.Object({
  total: Totals,
  main_model: Totals,
  summarizer: Totals,
  models: t.Record(t.String(), Totals),
  agents: t.Record(t.String(), Totals),
  cost_usd: t.Number(),
  current_model: t.Union([t.String(), t.Null()]),
});

export const usagePlugin = (core: Core) =>
  new Elysia({ name: "usage", detail: { tags: ["usage"] } }).get(
    "/api/v1/token-usage",
    ({ query }) => {
      if (query.conversation_id) core.conversations.get(query.conversation_id);
      return { usage: { ...core.usage.report(query.conversation_id), current_model: core.models.current()?.id ?? null } };
    },
    {
      query: t.Object({ conversation_id: t.Optional(t.String({ minLength: 1, description: "limit to one conversation" })) }),
      response: { 200: t.Object({ usage: Report }), 404: ErrorEnvelope },
      detail: { summary: "Token usage and cost: totals, main model, per model and per agent" },
    },
  );
