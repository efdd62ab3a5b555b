// Message routing (Penguin API: POST /api/v1/messages, /messages/to-agent, /messages/to-human, /messages/human-reply,
// POST /api/v1/agents/{agent_id}/delegate), plus reading the messages back (GET /api/v1/messages[/{message_id}]).
// Thin translation over core.messages: a message to an agent makes it act (a turn in the background), a paused
// agent refuses (409) and an unknown one is a 404 (AGENT_NOT_FOUND). A `user` key sees only its own messages.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import {
  BusMessage,
  DelegateBody,
  Delegated,
  HUMAN,
  HumanReplied,
  HumanReplyBody,
  MessageList,
  MessageListQuery,
  MessageRouted,
  MessageSent,
  SendMessageBody,
  ToAgentBody,
  ToHumanBody,
} from "../src/core/messages/schema";
import { DEFAULT_AGENT } from "../src/core/agents/registry";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, Id, queryOf } from "../src/http/schemas";

/** Refusals every route that reaches an agent may answer with. */
const toAgentErrors = { 404: ErrorEnvelope, 409: ErrorEnvelope, 503: ErrorEnvelope };

export const messagesPlugin = (core: Core) =>
  new Elysia({ name: "messages", detail: { tags: ["messages"] } })
    .post(
      "/api/v1/messages",
      async ({ body, request }) => {
        const message = await core.messages.send(
          { sender: body.sender ?? HUMAN, recipient: body.recipient, content: body.content, messageType: body.message_type, channel: body.channel, metadata: body.metadata },
          callerOf(request),
        );
        return { sent: true as const, ok: true as const, message };
      },
      {
        body: SendMessageBody,
        response: { 200: MessageSent, ...toAgentErrors },
        detail: {
          summary: "Send a message to an agent or to the human",
          description:
            'recipient "human" (or "user") stores it for the human; an agent id makes that agent act on it: a turn of its engine starts in the background (its history shows it, carrying the channel). Unknown agent: 404 AGENT_NOT_FOUND; paused: 409, nothing queued.',
        },
      },
    )
    .get("/api/v1/messages", ({ query, request }) => core.messages.list(query, callerOf(request)), {
      query: queryOf(MessageListQuery),
      response: { 200: MessageList },
      detail: { summary: "Messages, newest first", description: 'Filter by agent (sent or received), sender, recipient ("human": the human\'s inbox), channel, type and status. A user key sees only its own.' },
    })
    .get("/api/v1/messages/:message_id", ({ params, request }) => core.messages.get(params.message_id, callerOf(request)), {
      params: t.Object({ message_id: Id }),
      response: { 200: BusMessage, 404: ErrorEnvelope },
      detail: { summary: "One message and what became of it (status, the conversation the agent answered in)" },
    })
    .post(
      "/api/v1/messages/to-agent",
      async ({ body, request }) => {
        const { message } = await core.messages.toAgent(
          { sender: body.sender ?? HUMAN, recipient: body.agent_id, content: body.content, messageType: body.message_type, channel: body.channel, metadata: body.metadata },
          callerOf(request),
        );
        return { ok: true as const, message };
      },
      {
        body: ToAgentBody,
        response: { 200: MessageRouted, ...toAgentErrors },
        detail: { summary: "Send a message directly to an agent", description: "The agent acts on it in a turn of its own, in the background. Unknown: 404 AGENT_NOT_FOUND; paused: 409." },
      },
    )
    .post(
      "/api/v1/messages/to-human",
      ({ body, request }) => {
        const message = core.messages.toHuman(
          { sender: body.sender ?? DEFAULT_AGENT, recipient: HUMAN, content: body.content, messageType: body.message_type ?? "status", channel: body.channel, metadata: body.metadata },
          callerOf(request),
        );
        return { ok: true as const, message };
      },
      {
        body: ToHumanBody,
        response: { 200: MessageRouted },
        detail: { summary: "Send a message to the human (agent-initiated communication)", description: 'message_type defaults to "status". It reaches the event stream and GET /api/v1/messages?recipient=human.' },
      },
    )
    .post(
      "/api/v1/messages/human-reply",
      async ({ body, request }) => {
        const reply = { content: body.content, messageType: body.message_type, channel: body.channel, metadata: body.metadata, replyTo: body.reply_to };
        return { ok: true as const, ...(await core.messages.humanReply(body.agent_id, reply, callerOf(request))) };
      },
      {
        body: HumanReplyBody,
        response: { 200: HumanReplied, ...toAgentErrors },
        detail: {
          summary: "Send a human reply to an agent",
          description:
            "When the agent waits for the human (send_message with wait_for_reply), the waiting turn continues with this reply (resumed: true); otherwise the reply starts a new turn. Unknown agent: 404 AGENT_NOT_FOUND; paused: 409.",
        },
      },
    )
    .post(
      "/api/v1/agents/:agent_id/delegate",
      async ({ params, body, request }) => {
        const viewer = callerOf(request);
        const parent = body.parent ?? DEFAULT_AGENT;
        core.agents.require(parent, viewer);
        const { message } = await core.messages.toAgent(
          { sender: parent, recipient: params.agent_id, content: body.content, messageType: "action", channel: body.channel, metadata: { ...body.metadata, delegated_by: parent } },
          viewer,
        );
        return { ok: true as const, delegated_to: params.agent_id, parent, message };
      },
      {
        params: t.Object({ agent_id: Id }),
        body: DelegateBody,
        response: { 200: Delegated, ...toAgentErrors },
        detail: {
          tags: ["agents"],
          summary: "Delegate a task to an agent (parent → child)",
          description: 'A message from `parent` (default "default") that the agent acts on in the background. Unknown agent or parent: 404 AGENT_NOT_FOUND; paused: 409.',
        },
      },
    );
