// Conversation titles written by the model: after a conversation's first exchange, one short model call (in the
// background, never holding up the turn) replaces the provisional title (the first prompt, set when it was stored).
// A title the user gave meanwhile is kept: the new one is only written over the provisional one.
import { titleFrom } from "../conversation/conversations";
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
    }
    const title = cleanTitle(text);
    if (!title) return;
    if (host.conversations.retitle(turn.conversationId, provisional, title)) {
      host.log.debug("conversation titled", { conversation_id: turn.conversationId });
    }
  } catch (error) {
    host.log.warn("could not generate a conversation title; the first prompt stays the title", { conversation_id: turn.conversationId, error: String(error) });
  }
}
