// Building what the model sees: the system prompt (base prompt, agent persona, working directory, the request's
// context dict and files, files loaded into the conversation, a summary of trimmed history) and the history rebuilt
// from stored messages, repaired so every tool call has its result, then fitted into the model's context window.
import type { MessageRow } from "../conversation/conversations";
import type { ChatMessage, ToolCall } from "../providers/types";

export const DEFAULT_SYSTEM_PROMPT =
  "You are Penguin, a capable software engineering assistant. Answer clearly and concisely. " +
  "When tools are available, use them to inspect and change the project instead of guessing, and report what you did.";

/** Roughly 4 characters per token: good enough to decide when to trim, never used for billing. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

export function messageTokens(message: ChatMessage): number {
  let n = 4;
  if (typeof message.content === "string") n += estimateTokens(message.content);
  else for (const part of message.content) n += part.type === "text" ? estimateTokens(part.text) : 1000;
  if (message.role === "assistant") {
    for (const call of message.toolCalls ?? []) n += estimateTokens(call.name + call.arguments) + 4;
    if (message.reasoning) n += estimateTokens(message.reasoning);
  }
  return n;
}

export interface SystemPromptParts {
  base: string;
  persona?: string;
  root: string;
  context?: Record<string, unknown>;
  files: { path: string; content: string; name?: string }[];
  /** System messages stored in the conversation (loaded context files). */
  loaded: MessageRow[];
  summary?: string;
}

export function buildSystemPrompt(parts: SystemPromptParts): string {
  const sections = [parts.base.trim()];
  if (parts.persona?.trim()) sections.push(`Persona:\n${parts.persona.trim()}`);
  sections.push(`Working directory: ${parts.root}`);
  if (parts.context && Object.keys(parts.context).length > 0) sections.push(`Additional context:\n${JSON.stringify(parts.context, null, 2)}`);
  for (const m of parts.loaded) sections.push(m.content);
  // An upload by the name the user gave it (the stored name is generated), with the path the tools can use.
  for (const f of parts.files) sections.push(`Context file ${f.name ? `${f.name} (uploaded, at ${f.path})` : f.path}:\n\`\`\`\n${f.content}\n\`\`\``);
  if (parts.summary) sections.push(`Summary of the earlier conversation (older messages were condensed to fit the context window):\n${parts.summary}`);
  return sections.join("\n\n");
}

/** Messages from one user message up to the next one, with the stored sequence numbers they span. */
export interface HistoryUnit {
  messages: ChatMessage[];
  firstSeq: number;
}

/**
 * Stored messages → chat messages, grouped in units that start at a user message (so trimming never separates a
 * tool call from its result). Repairs what an interrupted turn may have left: assistant messages without content
 * or calls are skipped, calls without results get a placeholder result, stray results are dropped.
 */
export function historyUnits(rows: MessageRow[]): HistoryUnit[] {
  const units: HistoryUnit[] = [];
  let unit: HistoryUnit | undefined;
  const push = (m: ChatMessage, seq: number) => {
    if (!unit) units.push((unit = { messages: [], firstSeq: seq }));
    unit.messages.push(m);
  };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.role === "system" || row.role === "tool") continue;
    if (row.role === "user") {
      units.push((unit = { messages: [], firstSeq: row.seq }));
      const imageName = typeof row.metadata?.image_name === "string" ? `${row.metadata.image_name}, uploaded, at ` : "";
      const image = typeof row.metadata?.image_path === "string" ? `\n[image attached: ${imageName}${row.metadata.image_path}]` : "";
      unit.messages.push({ role: "user", content: row.content + image });
      continue;
    }
    // assistant: gather the tool results that follow it
    const results = new Map<string, MessageRow>();
    let j = i + 1;
    for (; j < rows.length && (rows[j]!.role === "tool" || rows[j]!.role === "system"); j++) {
      const r = rows[j]!;
      if (r.role === "tool" && r.toolCallId) results.set(r.toolCallId, r);
    }
    const calls: ToolCall[] = (row.toolCalls ?? []).map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
    i = j - 1;
    if (!row.content && calls.length === 0) continue;
    push({ role: "assistant", content: row.content, ...(calls.length ? { toolCalls: calls } : {}) }, row.seq);
    for (const call of calls) {
      const r = results.get(call.id);
      push({ role: "tool", toolCallId: call.id, name: call.name, content: r ? r.content : "(no result: the turn was interrupted before this tool finished)" }, row.seq);
    }
  }
  return units;
}

export interface Fitted {
  messages: ChatMessage[];
  /** How many units (oldest first) were left out. */
  droppedUnits: number;
  droppedMessages: number;
  estimatedTokens: number;
}

/**
 * Keeps the newest history units that fit in `budget` tokens together with the system prompt and the current turn
 * (which are always kept whole).
 */
export function fitToWindow(system: string, units: HistoryUnit[], current: ChatMessage[], budget: number): Fitted {
  const unitTokens = units.map((u) => u.messages.reduce((n, m) => n + messageTokens(m), 0));
  let used = estimateTokens(system) + 4 + current.reduce((n, m) => n + messageTokens(m), 0);
  let first = units.length;
  while (first > 0 && used + unitTokens[first - 1]! <= budget) {
    first--;
    used += unitTokens[first]!;
  }
  return {
    messages: [{ role: "system", content: system }, ...units.slice(first).flatMap((u) => u.messages), ...current],
    droppedUnits: first,
    droppedMessages: units.slice(0, first).reduce((n, u) => n + u.messages.length, 0),
    estimatedTokens: used,
  };
}

/** Plain text of some history for a summarisation request, bounded. */
export function transcriptOf(units: HistoryUnit[], maxChars: number): string {
  const lines: string[] = [];
  for (const m of units.flatMap((u) => u.messages)) {
    const text = typeof m.content === "string" ? m.content : m.content.map((p) => (p.type === "text" ? p.text : "[image]")).join(" ");
    const label = m.role === "tool" ? `tool ${m.name}` : m.role;
    const calls = m.role === "assistant" && m.toolCalls?.length ? ` [called ${m.toolCalls.map((c) => c.name).join(", ")}]` : "";
    lines.push(`${label}: ${text.length > 2000 ? text.slice(0, 2000) + "…" : text}${calls}`);
  }
  const all = lines.join("\n");
  return all.length > maxChars ? "…" + all.slice(all.length - maxChars) : all;
}
