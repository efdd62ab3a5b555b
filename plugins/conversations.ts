// Conversations: list, read, history, create, rename, delete. A thin translation over core.conversations.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { messageView } from "../src/core/conversation/conversations";
import { ErrorEnvelope } from "../src/http/schemas";

const Summary = t.Object({
  session_id: t.String(),
  conversation_id: t.String(),
  title: t.String(),
  agent_id: t.String(),
  message_count: t.Integer(),
  created_at: t.String({ description: "ISO 8601" }),
  last_active: t.String({ description: "ISO 8601" }),
});

const Message = t.Object({
  id: t.String(),
  role: t.Union([t.Literal("system"), t.Literal("user"), t.Literal("assistant"), t.Literal("tool")]),
  content: t.String(),
  timestamp: t.String({ description: "ISO 8601" }),
  reasoning: t.Union([t.String(), t.Null()]),
  tool_calls: t.Union([t.Array(t.Object({ id: t.String(), name: t.String(), arguments: t.String() })), t.Null()]),
  tool_call_id: t.Union([t.String(), t.Null()]),
  name: t.Union([t.String(), t.Null()]),
  status: t.Union([t.Literal("complete"), t.Literal("streaming"), t.Literal("interrupted"), t.Literal("error")], {
    description: "interrupted: cut short by a cancel or crash; error: the model call failed midway",
  }),
  agent_id: t.String(),
  channel: t.Union([t.String(), t.Null()]),
  message_type: t.String(),
  model: t.Union([t.String(), t.Null()]),
  usage: t.Object({ prompt_tokens: t.Integer(), completion_tokens: t.Integer(), total_tokens: t.Integer(), cost_usd: t.Number() }),
  metadata: t.Record(t.String(), t.Unknown()),
});

const Totals = t.Object({ prompt: t.Integer(), completion: t.Integer(), total: t.Integer(), cost_usd: t.Number(), requests: t.Integer() });

const Detail = t.Composite([
  Summary,
  t.Object({ id: t.String(), directory: t.Union([t.String(), t.Null()]), usage: Totals, messages: t.Array(Message) }),
]);

const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) });
/** Query booleans arrive as text. */
const QueryBool = t.Union([t.Boolean(), t.Literal("true"), t.Literal("false"), t.Literal("1"), t.Literal("0")]);
const truthy = (v: boolean | string | undefined, fallback: boolean) => (v === undefined ? fallback : v === true || v === "true" || v === "1");

export const conversationsPlugin = (core: Core) =>
  new Elysia({ name: "conversations", detail: { tags: ["conversations"] } })
    .get(
      "/api/v1/conversations",
      ({ query }) => {
        const { conversations, total } = core.conversations.list({ limit: query.limit ?? 50, offset: query.offset ?? 0, agentId: query.agent_id, sessionId: query.session_id });
        return { conversations, total, limit: query.limit ?? 50, offset: query.offset ?? 0 };
      },
      {
        query: t.Object({
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 50 })),
          offset: t.Optional(t.Integer({ minimum: 0, default: 0 })),
          agent_id: t.Optional(t.String({ minLength: 1 })),
          session_id: t.Optional(t.String({ minLength: 1 })),
        }),
        response: { 200: t.Object({ conversations: t.Array(Summary), total: t.Integer(), limit: t.Integer(), offset: t.Integer() }) },
        detail: { summary: "List conversations, most recently active first" },
      },
    )
    .post(
      "/api/v1/conversations/create",
      ({ body }) => {
        const row = core.conversations.create({ id: body?.conversation_id ?? undefined, title: body?.title ?? body?.name ?? undefined, agentId: body?.agent_id ?? undefined, sessionId: body?.session_id ?? undefined });
        return { conversation_id: row.id, session_id: row.sessionId, title: row.title ?? "New conversation", agent_id: row.agentId };
      },
      {
        body: t.Optional(
          t.Nullable(
            t.Object({
              title: t.Optional(t.Nullable(t.String({ maxLength: 200 }))),
              name: t.Optional(t.Nullable(t.String({ maxLength: 200, description: "alias of title (Penguin client)" }))),
              agent_id: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 200 }))),
              session_id: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 200 }))),
              conversation_id: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 200, description: "choose the id (409 when taken)" }))),
            }),
          ),
        ),
        response: { 200: t.Object({ conversation_id: t.String(), session_id: t.String(), title: t.String(), agent_id: t.String() }), 409: ErrorEnvelope },
        detail: { summary: "Create a conversation (the body is optional)" },
      },
    )
    .get(
      "/api/v1/conversations/:id",
      ({ params }) => {
        const summary = core.conversations.summary(params.id);
        const usage = core.usage.report(params.id).total;
        return {
          ...summary,
          id: summary.conversation_id,
          directory: core.conversations.boundDirectory(summary.session_id) ?? null,
          usage,
          messages: core.conversations.messages(params.id).map(messageView),
        };
      },
      {
        params: IdParams,
        response: { 200: Detail, 404: ErrorEnvelope },
        detail: { summary: "A conversation with all its messages" },
      },
    )
    .get(
      "/api/v1/conversations/:id/history",
      ({ params, query }) => {
        const rows = core.conversations.history(params.id, {
          includeSystem: truthy(query.include_system, true),
          limit: query.limit,
          agentId: query.agent_id,
          channel: query.channel,
          messageType: query.message_type,
        });
        return { conversation_id: params.id, messages: rows.map(messageView) };
      },
      {
        params: IdParams,
        query: t.Object({
          include_system: t.Optional(QueryBool),
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 10_000 })),
          agent_id: t.Optional(t.String({ minLength: 1 })),
          channel: t.Optional(t.String({ minLength: 1 })),
          message_type: t.Optional(t.String({ minLength: 1 })),
        }),
        response: { 200: t.Object({ conversation_id: t.String(), messages: t.Array(Message) }), 404: ErrorEnvelope },
        detail: { summary: "Message history with filters (limit keeps the most recent messages)" },
      },
    )
    .patch(
      "/api/v1/conversations/:id",
      ({ params, body }) => core.conversations.rename(params.id, body.title),
      {
        params: IdParams,
        body: t.Object({ title: t.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: Summary, 400: ErrorEnvelope, 404: ErrorEnvelope },
        detail: { summary: "Rename a conversation" },
      },
    )
    .delete(
      "/api/v1/conversations/:id",
      ({ params }) => {
        core.conversations.delete(params.id);
        return { status: "deleted" as const, conversation_id: params.id };
      },
      {
        params: IdParams,
        response: { 200: t.Object({ status: t.Literal("deleted"), conversation_id: t.String() }), 404: ErrorEnvelope },
        detail: { summary: "Delete a conversation and its messages" },
      },
    );
