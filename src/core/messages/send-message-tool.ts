// send_message: the model's way onto the message bus. To another agent (which acts on it in a turn of its own, in
// the background) or to the human, optionally waiting for the human's reply: the tool call then lasts until the
// reply comes (POST /api/v1/messages/human-reply), and the reply is its result, so the turn carries on with it.
import { Type as T } from "@sinclair/typebox";
import { AppError } from "../kernel/errors";
import { defineTool, fail, ok } from "../tools/define";
import type { ToolDefinition } from "../tools/types";
import { isHuman, type MessageBus } from "./messages";
import { BusMessageType } from "./schema";

const DEFAULT_WAIT_SECONDS = 600;
const MAX_WAIT_SECONDS = 3600;

const SendMessageArgs = T.Object({
  recipient: T.String({ minLength: 1, maxLength: 200, description: 'The id of another agent, or "human" for the person you work for' }),
  content: T.String({ minLength: 1, maxLength: 200_000, description: "The message" }),
  message_type: T.Optional(BusMessageType),
  channel: T.Optional(T.String({ minLength: 1, maxLength: 200, description: "A topic the message belongs to" })),
  wait_for_reply: T.Optional(T.Boolean({ description: "To the human only: wait for their answer and get it as this tool's result" })),
  wait_seconds: T.Optional(T.Integer({ minimum: 1, maximum: MAX_WAIT_SECONDS, description: `How long to wait for the human (default ${DEFAULT_WAIT_SECONDS})` })),
});

export function sendMessageTool(messages: MessageBus): ToolDefinition {
  return defineTool<typeof SendMessageArgs>({
    name: "send_message",
    description:
      'Send a message to another agent (by its id) or to the human ("human"). An agent acts on your message in its own turn, ' +
      "in the background: this call does not wait for its answer. To ask the human something and wait for the answer, " +
      "set wait_for_reply: the answer comes back as this tool's result.",
    parameters: SendMessageArgs,
    category: "agents",
    operation: "message",
    resource: (args) => args.recipient,
    // A wait for the human is bounded by wait_seconds; the runtime's own limit sits just above the longest.
    timeoutMs: (MAX_WAIT_SECONDS + 30) * 1000,
    async run(args, ctx) {
      const message = {
        sender: ctx.agentId,
        content: args.content,
        messageType: args.message_type,
        channel: args.channel,
        fromTurn: { turnId: ctx.turnId, conversationId: ctx.conversationId },
      };
      if (isHuman(args.recipient)) {
        const sent = messages.toHuman({ ...message, recipient: args.recipient }, ctx.viewer, { awaitReply: args.wait_for_reply === true });
        if (!args.wait_for_reply) return ok(`Message ${sent.id} sent to the human.`, { message_id: sent.id });
        const seconds = args.wait_seconds ?? DEFAULT_WAIT_SECONDS;
        const reply = await messages.waitForReply(sent, ctx.signal, seconds * 1000);
        if (!reply) return fail(ctx.signal.aborted ? "Stopped while waiting for the human's reply." : `The human did not reply within ${seconds} s.`, { message_id: sent.id });
        return ok(`The human replied:\n${reply.content}`, { message_id: sent.id, reply_id: reply.id });
      }
      if (args.wait_for_reply) return fail("wait_for_reply is for messages to the human; to get another agent's answer, delegate to it instead.");
      if (args.recipient === ctx.agentId) return fail("That is you: send the message to another agent or to the human.");
      try {
        const { message: sent } = await messages.toAgent({ ...message, recipient: args.recipient }, ctx.viewer);
        return ok(`Message ${sent.id} delivered to agent '${args.recipient}'; it works on it in the background.`, { message_id: sent.id });
      } catch (error) {
        // unknown, paused, too many hops, no model: the model can read why and choose another way
        if (error instanceof AppError) return fail(`Not delivered: ${error.message}`);
        throw error;
      }
    },
  });
}
