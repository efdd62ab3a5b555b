// Conversation titles written by the model: after a conversation's first exchange, one short model call (in the
// background, never holding up the turn) replaces the provisional title (the first prompt, set when it was stored).
// A title the user gave meanwhile is kept: the new one is only written over the provisional one. The call stores no
// message, so its usage is kept as a model call of the conversation (usage reports count it).
import { titleFrom } from "../conversation/conversations";
import type { Usage } from "../providers/types";
import type { EngineHost, PreparedTurn } from "./host";

const TITLE_MAX_TOKENS = 24;
const EXCERPT = 1500;
const TITLE_PROMPT =
  "You name chat conversations. Reply with a title for the conversation below: at most six words, in the language of the user, " +
  "no quotes, no trailing full stop, nothing else.";

/** Whether this turn is the conversation's first exchange (so its title is still the provisional one). */
export const isFirstExchange = (turn: PreparedTurn) => !turn.conversation || turn.conversation.title === null;

/** A model's answer as a title: its first line, without quotes, markdown or a final full stop, at most 80 characters. */
export function cleanTitle(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  const bare = line
    .replace(/^(title\s*:\s*)/i, "")
    .replace(/^[#*\s"'“”‘’`]+|[*\s"'“”‘’`]+$/g, "")
    .replace(/[.。]$/, "")
    .trim();
  return bare.length > 80 ? `${bare.slice(0, 79).trimEnd()}…` : bare;
}

/** Asks the turn's model for a title and stores it unless the conversation was renamed meanwhile. Never throws. */
export async function writeTitle(host: EngineHost, turn: PreparedTurn, response: string): Promise<void> {
  const provisional = titleFrom(turn.text);
  let text = "";
  let usage: Usage | undefined;
  try {
    const conversation = `User: ${turn.text.slice(0, EXCERPT)}\n\nAssistant: ${response.slice(0, EXCERPT)}`;
    for await (const event of turn.provider.stream({
      model: turn.model,
      messages: [
        { role: "system", content: TITLE_PROMPT },
        { role: "user", content: conversation },
      ],
      maxTokens: TITLE_MAX_TOKENS,
      temperature: 0.2,
      signal: AbortSignal.timeout(30_000),
    })) {
      if (event.type === "text") text += event.delta;
      else if (event.type === "done") usage = event.usage;
    }
    if (usage) recordUsage(host, turn, usage);
    const title = cleanTitle(text);
    if (!title) return;
    if (host.conversations.retitle(turn.conversationId, provisional, title)) {
      host.log.debug("conversation titled", { conversation_id: turn.conversationId });
    }
  } catch (error) {
    host.log.warn("could not generate a conversation title; the first prompt stays the title", { conversation_id: turn.conversationId, error: String(error) });
  }
}

/** Counts the title call in usage, as a call of its conversation (gone if the conversation was deleted meanwhile). */
function recordUsage(host: EngineHost, turn: PreparedTurn, usage: Usage): void {
  const conversation = host.conversations.find(turn.conversationId);
  if (!conversation) return;
  host.conversations.repository.recordModelCall({
    kind: "title",
    conversationId: conversation.id,
    owner: conversation.owner,
    agentId: turn.agentId,
    model: turn.model.id,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    costUsd: host.models.costOf(turn.model, usage),
  });
}
