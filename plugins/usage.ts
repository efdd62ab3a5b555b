// Token usage and cost: GET /api/v1/token-usage → {"usage": {...}}. Numbers: src/core/system/usage.ts.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { TokenUsage, TokenUsageQuery } from "../src/core/system/schema";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope } from "../src/http/schemas";

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
  );
