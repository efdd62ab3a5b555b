// Conversations: list, read, history, create, rename, delete. A thin translation over core.conversations; the caller
// (callerOf) decides what is visible: a `user` key sees only its own conversations (others are 404).
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { toMessageView } from "../src/core/conversation/conversations";
import {
  ConversationDeleted,
  ConversationDetail,
  ConversationList,
  ConversationListQuery,
  ConversationParams,
  ConversationSummary,
  CreatedConversation,
  History,
  HistoryQuery,
  NewConversation,
  Rename,
} from "../src/core/conversation/schema";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, queryOf, withoutNulls } from "../src/http/schemas";

const truthy = (v: boolean | string | undefined, fallback: boolean) => (v === undefined ? fallback : v === true || v === "true" || v === "1");

export const conversationsPlugin = (core: Core) =>
  new Elysia({ name: "conversations", detail: { tags: ["conversations"] } })
    .get(
      "/api/v1/conversations",
      ({ query, request }) => {
        const { conversations, total } = core.conversations.list({
          limit: query.limit ?? 50,
          offset: query.offset ?? 0,
          agentId: query.agent_id,
          sessionId: query.session_id,
          viewer: callerOf(request),
        });
        return { conversations, total, limit: query.limit ?? 50, offset: query.offset ?? 0 };
      },
      {
        query: queryOf(ConversationListQuery),
        response: { 200: ConversationList },
        detail: { summary: "List conversations, most recently active first" },
      },
    )
    .post(
      "/api/v1/conversations/create",
      ({ body, request }) => {
        const given = withoutNulls({ ...body });
        const row = core.conversations.create({
          id: given.conversation_id,
          title: given.title ?? given.name,
          agentId: given.agent_id,
          sessionId: given.session_id,
          viewer: callerOf(request),
        });
        return { conversation_id: row.id, session_id: row.sessionId, title: row.title ?? "New conversation", agent_id: row.agentId };
      },
      {
        body: NewConversation,
        response: { 200: CreatedConversation, 404: ErrorEnvelope, 409: ErrorEnvelope },
        detail: { summary: "Create a conversation (the body is optional)" },
      },
    )
    .get(
      "/api/v1/conversations/:id",
      ({ params, request }) => {
        const summary = core.conversations.summary(params.id, callerOf(request));
        const usage = core.usage.report(params.id).total;
        return {
          ...summary,
          directory: core.conversations.boundDirectory(summary.session_id) ?? null,
          usage,
          messages: core.conversations.messages(params.id).map(toMessageView),
          metadata: core.conversations.find(params.id)?.metadata ?? {},
        };
      },
      {
        params: ConversationParams,
        response: { 200: ConversationDetail, 404: ErrorEnvelope },
        detail: { summary: "A conversation with all its messages" },
      },
    )
    .get(
      "/api/v1/conversations/:id/history",
      ({ params, query, request }) => {
        const rows = core.conversations.history(
          params.id,
          {
            includeSystem: truthy(query.include_system, true),
            limit: query.limit,
            agentId: query.agent_id,
            channel: query.channel,
            messageType: query.message_type,
          },
          callerOf(request),
        );
        return { conversation_id: params.id, messages: rows.map(toMessageView) };
      },
      {
        params: ConversationParams,
        query: queryOf(HistoryQuery),
        response: { 200: History, 404: ErrorEnvelope },
        detail: { summary: "Message history with filters (limit keeps the most recent messages)" },
      },
    )
    .patch("/api/v1/conversations/:id", ({ params, body, request }) => core.conversations.rename(params.id, body.title, callerOf(request)), {
      params: ConversationParams,
      body: Rename,
      response: { 200: ConversationSummary, 400: ErrorEnvelope, 404: ErrorEnvelope },
      detail: { summary: "Rename a conversation" },
    })
    .delete(
      "/api/v1/conversations/:id",
      ({ params, request }) => {
        core.conversations.delete(params.id, callerOf(request));
        return { status: "deleted" as const, conversation_id: params.id };
      },
      {
        params: ConversationParams,
        response: { 200: ConversationDeleted, 404: ErrorEnvelope },
        detail: { summary: "Delete a conversation and its messages" },
      },
    );
