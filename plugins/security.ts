// The permission audit log (Penguin API: /api/v1/security/audit*). Thin translation over core.audit: a `user` key
// sees only the entries of its own turns; asking for another user's (`?user=`) is an admin's right (403).
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { AuditList, AuditQuery, AuditStats } from "../src/core/permission/schema";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, queryOf } from "../src/http/schemas";

export const securityPlugin = (core: Core) =>
  new Elysia({ name: "security", detail: { tags: ["security"] } })
    .get(
      "/api/v1/security/audit",
      ({ query, request }) => {
        const filters = { limit: query.limit ?? 100, result: query.result ?? null, category: query.category ?? null, agent_id: query.agent_id ?? null };
        const { entries, total } = core.audit.list({ ...query, limit: filters.limit }, callerOf(request));
        return { entries, total, filters };
      },
      {
        query: queryOf(AuditQuery),
        response: { 200: AuditList, 403: ErrorEnvelope },
        detail: {
          summary: "Recent permission decisions, newest first",
          description: "Every allow / ask / deny and every approval outcome (with who decided). A user key sees only its own turns' entries.",
        },
      },
    )
    .get("/api/v1/security/audit/stats", ({ request }) => core.audit.stats(callerOf(request)), {
      response: { 200: AuditStats },
      detail: { summary: "Audit counts by result and by category", description: "Over the entries the key may see." },
    });
