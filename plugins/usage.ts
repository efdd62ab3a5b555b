// Token usage and cost: GET /api/v1/token-usage → {"usage": {...}}; GET /api/v1/usage/daily → per day, model and
// agent (the web UI's chart). Numbers: src/core/system/usage.ts.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { ownerLimit } from "../src/core/kernel/viewer";
import { DailyUsage, DailyUsageQuery, TokenUsage, TokenUsageQuery } from "../src/core/system/schema";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, queryOf } from "../src/http/schemas";

export const usagePlugin = (core: Core) =>
  new Elysia({ name: "usage", detail: { tags: ["usage"] } }).get(
    "/api/v1/token-usage",
    ({ query, request }) => {
      if (query.conversation_id) core.conversations.get(query.conversation_id, callerOf(request));
      return { usage: { ...core.usage.report(query.conversation_id), current_model: core.models.current()?.id ?? null } };
    },
    {
      query: TokenUsageQuery,
      response: { 200: TokenUsage, 404: ErrorEnvelope },
      detail: { summary: "Token usage and cost: totals, main model, per model and per agent" },
    },
  )
  .get("/api/v1/usage/daily", ({ query, request }) => core.usage.daily(query.days ?? 30, ownerLimit(callerOf(request))), {
    query: queryOf(DailyUsageQuery),
    response: { 200: DailyUsage },
    detail: {
      summary: "Tokens and cost per day (UTC), per model and per agent",
      description: "Every day of the range, oldest first, zeros where nothing was used. A `user` key sees its own conversations' usage.",
    },
  });
