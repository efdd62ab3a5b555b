// Reading an OpenAI `messages` list as a turn: system and developer messages become the turn's system prompt, the last
// user message is the turn's text and what comes before it is the history. A list that ends in `tool` messages
// instead carries the results of the client's function tools for a turn that waits for them.
import { AppError } from "../kernel/errors";
import type { ChatMessage } from "./schema";

/** A message as the history stores it. */
export interface HistoryEntry {
  role: "user" | "assistant" | "tool";
  content: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  toolCallId?: string;
  name?: string;
}

export type ReadMessages =
  | { kind: "turn"; text: string; history: HistoryEntry[]; systemPrompt?: string }
  | { kind: "tool_results"; results: { toolCallId: string; content: string }[]; systemPrompt?: string };

export const invalidRequest = (message: string, param: string | null = null) => new AppError("BAD_REQUEST", message, { param });

/** The text of a message's content; only text parts are understood. */
export function textOf(message: ChatMessage, index: number): string {
  const content = message.content;
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, n) => {
      if (part.type === "text" && typeof (part as { text?: unknown }).text === "string") return (part as { text: string }).text;
      throw invalidRequest(`messages[${index}].content[${n}] is a '${part.type}' part; this server reads text parts only`, `messages[${index}].content`);
    })
    .join("");
}

export function readMessages(messages: ChatMessage[]): ReadMessages {
  const system = messages
    .map((m, i) => (m.role === "system" || m.role === "developer" ? textOf(m, i) : undefined))
    .filter((text): text is string => text !== undefined && text.trim() !== "");
  const systemPrompt = system.length ? system.join("\n\n") : undefined;
  const rest = messages.map((message, index) => ({ message, index })).filter(({ message }) => message.role !== "system" && message.role !== "developer");
  const last = rest.at(-1);
  if (!last) throw invalidRequest("messages must contain a user message", "messages");

  if (last.message.role === "tool") {
    const trailing: { toolCallId: string; content: string }[] = [];
    for (let i = rest.length - 1; i >= 0 && rest[i]!.message.role === "tool"; i--) {
      const { message, index } = rest[i]!;
      if (!message.tool_call_id) throw invalidRequest(`messages[${index}] is a tool message without tool_call_id`, `messages[${index}].tool_call_id`);
      trailing.unshift({ toolCallId: message.tool_call_id, content: textOf(message, index) });
    }
    return { kind: "tool_results", results: trailing, ...(systemPrompt ? { systemPrompt } : {}) };
  }
  if (last.message.role !== "user") throw invalidRequest(`the last message must be a user message (or tool results), not '${last.message.role}'`, "messages");
  const text = textOf(last.message, last.index);
  if (!text.trim()) throw invalidRequest("the last user message has no text", `messages[${last.index}].content`);

  // Tool messages name no tool: the assistant message that called it does.
  const callNames = new Map<string, string>();
  const history = rest.slice(0, -1).map(({ message, index }): HistoryEntry => {
    if (message.role === "assistant") {
      const toolCalls = (message.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      for (const call of toolCalls) callNames.set(call.id, call.name);
      return { role: "assistant", content: textOf(message, index), ...(toolCalls.length ? { toolCalls } : {}) };
    }
    if (message.role === "tool") {
      if (!message.tool_call_id) throw invalidRequest(`messages[${index}] is a tool message without tool_call_id`, `messages[${index}].tool_call_id`);
      return { role: "tool", content: textOf(message, index), toolCallId: message.tool_call_id, name: callNames.get(message.tool_call_id) ?? message.name ?? "tool" };
    }
    return { role: "user", content: textOf(message, index) };
  });
  return { kind: "turn", text, history, ...(systemPrompt ? { systemPrompt } : {}) };
}
