// One conversation as the thread shows it: the view the workspace keeps for it (element, live turn, usage, load
// state), the new-chat hero, the loading and failure states, and the rebuild of a stored conversation from its
// history with the same pieces a live turn uses.
import { h } from "../lib/dom";
import { icon, logo } from "../lib/icons";
import type { ChatStream } from "../lib/stream";
import type { ConversationDetail, HistoryMessage, UsageTotals } from "../lib/types";
import { AssistantTurn, userMessage, type TurnCallbacks } from "./messages";
import type { ToolStatus } from "./toolcard";

export interface LiveTurn {
  stream: ChatStream;
  view: AssistantTurn;
}

export interface ConversationView {
  /** null for a new chat until the server names it with the turn's `start` event. */
  id: string | null;
  sessionId?: string;
  el: HTMLElement;
  hero?: HTMLElement;
  turn?: LiveTurn;
  usage: UsageTotals;
  state: "loading" | "ready" | "missing" | "failed";
}

const SUGGESTIONS = [
  "Summarize what this project does",
  "Find TODO comments in the code",
  "Explain how the tests are organised",
  "Review the most recent changes",
];

export const emptyUsage = (): UsageTotals => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0 });

/** Adds one answer's usage; a missing total counts as prompt + completion. */
export function addUsage(into: UsageTotals, usage: Partial<UsageTotals>): void {
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  into.prompt_tokens += prompt;
  into.completion_tokens += completion;
  into.total_tokens += usage.total_tokens ?? prompt + completion;
  into.cost_usd += usage.cost_usd ?? 0;
}

/** A new chat: the hero with suggestions that fill the composer. */
export function draftView(onSuggestion: (text: string) => void): ConversationView {
  const hero = h(
    "div",
    { class: "hero" },
    h("div", { class: "hero-logo" }, logo(56)),
    h("h2", { class: "hero-title" }, "What can I help with?"),
    h("p", { class: "hero-text" }, "Penguin reads and edits files, runs commands and explains code in your project. Risky steps wait for your approval."),
    h(
      "div",
      { class: "suggestions" },
      SUGGESTIONS.map((s) => {
        const b = h("button", { type: "button", class: "suggestion" }, s);
        b.addEventListener("click", () => onSuggestion(s));
        return b;
      }),
    ),
  );
  return { id: null, el: h("div", { class: "conversation" }, hero), hero, usage: emptyUsage(), state: "ready" };
}

export function loadingView(id: string): ConversationView {
  const dots = h("span", { class: "dots" }, h("i"), h("i"), h("i"));
  return { id, el: h("div", { class: "conversation" }, h("div", { class: "thread-loading" }, dots)), usage: emptyUsage(), state: "loading" };
}

/** Replaces the view's content with why it could not load: gone (offer a new chat) or failed (offer a retry). */
export function showLoadFailure(view: ConversationView, error: unknown, missing: boolean, actions: { retry(): void; newChat(): void }): void {
  const retry = h("button", { type: "button", class: "btn btn-secondary btn-sm" }, icon("retry"), "Try again");
  retry.addEventListener("click", () => actions.retry());
  const newChat = h("button", { type: "button", class: "btn btn-secondary btn-sm" }, icon("plus"), "New chat");
  newChat.addEventListener("click", () => actions.newChat());
  view.el.replaceChildren(
    h(
      "div",
      { class: "thread-empty", role: "alert" },
      icon("alert"),
      h("h2", null, missing ? "This conversation does not exist" : "Could not load this conversation"),
      h("p", null, missing ? "It may have been deleted." : (error as Error).message),
      missing ? newChat : retry,
    ),
  );
}

/** Rebuilds the thread from the stored messages: consecutive assistant and tool messages form one turn. */
export function renderHistory(view: ConversationView, detail: ConversationDetail, callbacks: TurnCallbacks): void {
  const el = h("div", { class: "conversation" });
  const usage = emptyUsage();
  let turn: AssistantTurn | null = null;
  let turnUsage = emptyUsage();
  const closeTurn = () => {
    turn?.complete(turnUsage.total_tokens ? turnUsage : null);
    turn = null;
    turnUsage = emptyUsage();
  };
  const ensureTurn = () => {
    if (!turn) {
      turn = new AssistantTurn(callbacks, false);
      el.append(turn.el);
    }
    return turn;
  };
  for (const m of detail.messages ?? []) {
    if (m.role === "system") continue;
    if (m.role === "user") {
      closeTurn();
      el.append(userMessage(m.content ?? ""));
      continue;
    }
    const t = ensureTurn();
    if (m.role === "assistant") {
      if (m.reasoning) t.appendReasoning(m.reasoning);
      if (m.content) t.appendText(m.content);
      for (const call of m.tool_calls ?? []) t.toolStart(call.id, call.name, call.arguments);
      addUsage(usage, m.usage);
      addUsage(turnUsage, m.usage);
      if (m.status === "interrupted") t.interrupted();
      else if (m.status === "error") t.interrupted("Ended with an error");
    } else if (m.role === "tool") {
      const meta = m.metadata ?? {};
      t.toolResult(m.tool_call_id ?? m.id ?? "", m.name ?? "tool", toolStatus(m), m.content ?? "", typeof meta.duration_ms === "number" ? meta.duration_ms : undefined);
    }
  }
  closeTurn();
  view.usage = usageFrom(detail.usage) ?? usage;
  if (!el.childElementCount) el.append(h("div", { class: "thread-empty" }, h("p", null, "No messages yet. Say hello below.")));
  view.el.replaceWith(el);
  view.el = el;
}

/** Totals as the conversation detail reports them ({prompt, completion, total, cost_usd}) or in turn shape. */
function usageFrom(raw: Record<string, unknown> | null | undefined): UsageTotals | null {
  if (!raw) return null;
  const num = (...keys: string[]) => {
    for (const k of keys) if (typeof raw[k] === "number") return raw[k] as number;
    return 0;
  };
  const prompt = num("prompt_tokens", "prompt");
  const completion = num("completion_tokens", "completion");
  const total = num("total_tokens", "total") || prompt + completion;
  if (!total) return null;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total, cost_usd: num("cost_usd") };
}

function toolStatus(m: HistoryMessage): ToolStatus {
  const s = (m.metadata?.status as string | undefined) ?? m.status;
  if (s === "error" || s === "denied" || s === "interrupted") return s;
  return "completed";
}
