// The permission audit log (Penguin API: /api/v1/security/audit*). Thin translation over core.audit.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { CATEGORIES } from "../src/core/permission/policy";

const Result = t.Union([t.Literal("allow"), t.Literal("ask"), t.Literal("deny")]);

const Entry = t.Object({
  id: t.String(),
  timestamp: t.String({ description: "ISO 8601" }),
  operation: t.String(),
  category: t.String(),
  resource: t.String(),
  result: Result,
  reason: t.String(),
  policy: t.String({ description: "The part of the policy that decided: rule:<n>, workspace-boundary, command-risk, approval, …" }),
  agent_id: t.String(),
  tool_name: t.Union([t.String(), t.Null()]),
  session_id: t.Union([t.String(), t.Null()]),
});

export const securityPlugin = (core: Core) =>
  new Elysia({ name: "security", detail: { tags: ["security"] } })
    .get(
      "/api/v1/security/audit",
      ({ query }) => {
        const filters = { limit: query.limit ?? 100, result: query.result ?? null, category: query.category ?? null, agent_id: query.agent_id ?? null };
        const { entries, total } = core.audit.list({ limit: filters.limit, result: query.result, category: query.category, agent_id: query.agent_id });
        return { entries, total, filters };
      },
      {
        query: t.Object({
          limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, description: "1-1000, default 100" })),
          result: t.Optional(Result),
          category: t.Optional(t.Union(CATEGORIES.map((c) => t.Literal(c)))),
          agent_id: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
        }),
        response: {
          200: t.Object({
            entries: t.Array(Entry),
            total: t.Integer({ description: "Entries matching the filters (before the limit)" }),
            filters: t.Object({
              limit: t.Integer(),
              result: t.Union([t.String(), t.Null()]),
              category: t.Union([t.String(), t.Null()]),
              agent_id: t.Union([t.String(), t.Null()]),
            }),
          }),
        },
        detail: { summary: "Recent permission decisions, newest first", description: "Every allow / ask / deny and every approval outcome." },
      },
    )
    .get("/api/v1/security/audit/stats", () => core.audit.stats(), {
      response: {
        200: t.Object({
          total: t.Integer(),
          by_result: t.Record(t.String(), t.Integer()),
          by_category: t.Record(t.String(), t.Integer()),
        }),
      },
      detail: { summary: "Audit counts by result and by category" },
    });
