// The permission audit log (Penguin API: /api/v1/security/audit*). Thin translation over core.audit.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { AuditList, AuditQuery, AuditStats } from "../src/core/permission/schema";
import { queryOf } from "../src/http/schemas";

export const securityPlugin = (core: Core) =>
  new Elysia({ name: "security", detail: { tags: ["security"] } })
    .get(
      "/api/v1/security/audit",
      ({ query }) => {
        const filters = { limit: query.limit ?? 100, result: query.result ?? null, category: query.category ?? null, agent_id: query.agent_id ?? null };
        const { entries, total } = core.audit.list({ ...query, limit: filters.limit });
        return { entries, total, filters };
      },
      {
        query: queryOf(AuditQuery),
        response: { 200: AuditList },
        detail: { summary: "Recent permission decisions, newest first", description: "Every allow / ask / deny and every approval outcome." },
      },
    )
    .get("/api/v1/security/audit/stats", () => core.audit.stats(), {
      response: { 200: AuditStats },
      detail: { summary: "Audit counts by result and by category" },
    });
