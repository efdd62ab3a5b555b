// Rendering of the thread: user bubbles and assistant turns (reasoning, text, tool cards, approvals, errors).
// A live turn is fed stream events; a stored one is rebuilt from history with the same pieces.
import { h } from "../lib/dom";
import { icon, logo } from "../lib/icons";
import { copyButton, renderMarkdown } from "../lib/markdown";
import { compactNumber, duration } from "../lib/format";
import type { ApprovalCardData, TurnUsage } from "../lib/types";
import { approvalCard, type ApprovalCard, type ApprovalView, type Decision } from "./approvals";
import { ToolCard, type ToolStatus } from "./toolcard";

export interface AttachmentView {
  name: string;
  isImage: boolean;
  previewUrl?: string;
}

export function userMessage(text: string, attachments: AttachmentView[] = []): HTMLElement {
  return h(
    "div",
    { class: "msg msg-user" },
    h("h2", { class: "sr-only" }, "You said:"),
    attachments.length
      ? h(
          "div",
          { class: "msg-attachments" },
          attachments.map((a) =>
            h("span", { class: "chip" }, a.isImage && a.previewUrl ? h("img", { src: a.previewUrl, alt: "", class: "chip-thumb" }) : icon(a.isImage ? "image" : "file"), h("span", { class: "chip-name" }, a.name)),
          ),
        )
      : null,
    text ? longTextBubble(text) : null,
  );
}

/** Past this many characters or lines a message starts collapsed, with "Show all". */
const COLLAPSE_CHARS = 3000;
const COLLAPSE_LINES = 40;

function longTextBubble(text: string): HTMLElement {
  const bubble = h("div", { class: "bubble" }, text);
  const lines = text.split("\n").length;
  if (text.length <= COLLAPSE_CHARS && lines <= COLLAPSE_LINES) return bubble;
  bubble.classList.add("msg-collapsed");
  const toggle = h("button", { type: "button", class: "btn btn-ghost btn-sm show-all", "aria-expanded": "false" }, `Show all (${lines.toLocaleString("en-US")} lines, ${text.length.toLocaleString("en-US")} characters)`);
  toggle.addEventListener("click", () => {
    const open = bubble.classList.toggle("msg-collapsed") === false;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Show less" : `Show all (${lines.toLocaleString("en-US")} lines, ${text.length.toLocaleString("en-US")} characters)`;
  });
  return h("div", { class: "bubble-wrap" }, bubble, toggle);
}

interface TextBlock {
  kind: "text";
  el: HTMLElement;
  text: string;
}
interface ReasoningBlock {
  kind: "reasoning";
  el: HTMLDetailsElement;
  body: HTMLElement;
  label: HTMLElement;
  text: string;
  started: number;
}

export interface TurnCallbacks {
  /** The turn's content changed (keep the thread pinned to the bottom). */
  onChange?: () => void;
  onRetry?: () => void;
  onDecide?: (approval: ApprovalCardData, decision: Decision) => Promise<void>;
}

export class AssistantTurn {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly footer: HTMLElement;
  private textBlock: TextBlock | null = null;
  private reasoningBlock: ReasoningBlock | null = null;
  private readonly texts: TextBlock[] = [];
  private readonly tools = new Map<string, ToolCard>();
  private readonly approvals = new Map<string, ApprovalCard>();
  private dirty = new Set<TextBlock | ReasoningBlock>();
  private frame = 0;
  private progressText = "";
  live: boolean;
  finished = false;

  constructor(private readonly callbacks: TurnCallbacks = {}, live = false) {
    this.live = live;
    this.body = h("div", { class: "msg-body" });
    this.statusEl = h("div", { class: "turn-status", "aria-hidden": "true" });
    this.footer = h("div", { class: "msg-footer" });
    this.el = h(
      "div",
      { class: "msg msg-assistant" + (live ? " streaming appear" : ""), "aria-busy": live ? "true" : "false" },
      h("div", { class: "msg-avatar" }, logo(22)),
      h("div", { class: "msg-main" }, h("h2", { class: "sr-only" }, "Penguin said:"), this.body, this.statusEl, this.footer),
    );
    if (live) this.setStatus("typing");
  }

  // ── streamed pieces ────────────────────────────────────────────────────────────────────────────
  appendText(token: string): void {
    this.closeReasoning();
    if (!this.textBlock) {
      this.textBlock = { kind: "text", el: h("div", { class: "md" }), text: "" };
      this.texts.push(this.textBlock);
      this.body.append(this.textBlock.el);
    }
    this.textBlock.text += token;
    this.markDirty(this.textBlock);
    if (this.live) this.setStatus(null);
  }

  appendReasoning(token: string): void {
    if (!this.reasoningBlock) {
      const label = h("span", null, "Thinking…");
      const body = h("div", { class: "reasoning-body" });
      const el = h("details", { class: "reasoning" }, h("summary", null, icon("sparkle"), label, icon("chevronRight", "chev")), body);
      this.reasoningBlock = { kind: "reasoning", el, body, label, text: "", started: Date.now() };
      this.textBlock = null;
      this.body.append(el);
      if (this.live) el.classList.add("active");
    }
    this.reasoningBlock.text += token;
    this.markDirty(this.reasoningBlock);
    if (this.live) this.setStatus(null);
  }

  private closeReasoning(): void {
    const r = this.reasoningBlock;
    if (!r) return;
    this.reasoningBlock = null;
    r.el.classList.remove("active");
    const ms = Date.now() - r.started;
    // the same label live and after a reload (the duration is not stored); live, the time is in the tooltip
    r.label.textContent = "Thought process";
    if (this.live) r.el.title = ms < 1000 ? "Thought for a moment" : `Thought for ${duration(ms)}`;
  }

  progress(iteration: number, max: number): void {
    this.progressText = max > 1 && iteration > 1 ? `Step ${iteration} of ${max}` : "";
    if (this.live && !this.textBlock && !this.reasoningBlock) this.setStatus("typing");
  }

  toolStart(id: string, name: string, args: unknown): ToolCard {
    this.closeReasoning();
    this.textBlock = null;
    const card = new ToolCard(id, name, args);
    this.tools.set(id, card);
    this.body.append(card.el);
    if (this.live) this.setStatus(null);
    this.changed();
    return card;
  }

  toolResult(id: string, name: string, status: ToolStatus, output: string, durationMs?: number): void {
    const card = this.tools.get(id) ?? this.toolStart(id, name, {});
    card.setResult(status, output, durationMs);
    if (this.live) this.setStatus("typing");
    this.changed();
  }

  approvalRequired(approval: ApprovalView): void {
    if (this.approvals.has(approval.id)) return;
    for (const card of this.tools.values()) if (card.status === "running") card.setStatus("waiting");
    const card = approvalCard(approval, (d) => this.callbacks.onDecide?.(approval, d) ?? Promise.resolve());
    this.approvals.set(approval.id, card);
    this.textBlock = null;
    this.body.append(card.el);
    this.setStatus(null);
    this.changed();
  }

  approvalResolved(id: string, status: string, scope?: string): void {
    this.approvals.get(id)?.resolve(status, scope);
    for (const card of this.tools.values()) if (card.status === "waiting") card.setStatus(status === "approved" ? "running" : "denied");
    if (this.live && status === "approved") this.setStatus("typing");
    this.changed();
  }

  /** A final answer that did not stream (or a stored message's text). */
  ensureText(text: string): void {
    if (!text || this.texts.some((t) => t.text.trim())) return;
    this.appendText(text);
  }

  complete(usage?: Partial<TurnUsage> | null): void {
    this.finish();
    const tokens = usage?.total_tokens ?? (usage ? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0) : 0);
    this.showFooter(tokens ? `${compactNumber(tokens)} tokens` : "");
  }

  stopped(): void {
    this.finish();
    this.body.append(h("div", { class: "note" }, icon("stop"), "Stopped"));
    this.showFooter("");
  }

  interrupted(label = "Interrupted before it finished"): void {
    this.body.append(h("div", { class: "note" }, icon("alert"), label));
  }

  error(message: string, retry = true): void {
    this.finish();
    const retryBtn = retry && this.callbacks.onRetry ? h("button", { type: "button", class: "btn btn-secondary btn-sm" }, icon("retry"), "Retry") : null;
    retryBtn?.addEventListener("click", () => this.callbacks.onRetry?.());
    this.body.append(
      h(
        "div",
        { class: "error-block", role: "alert" },
        icon("alert"),
        h("div", { class: "error-text" }, h("strong", null, "Something went wrong"), h("span", null, message)),
        retryBtn,
      ),
    );
    this.showFooter(""); // what did arrive can still be copied
  }

  get text(): string {
    return this.texts.map((t) => t.text).join("\n\n");
  }

  private finish(): void {
    this.flush();
    for (const card of this.approvals.values()) if (!card.resolved) card.resolve("cancelled");
    this.closeReasoning();
    this.finished = true;
    this.live = false;
    this.el.classList.remove("streaming");
    this.el.setAttribute("aria-busy", "false");
    this.setStatus(null);
    // Tool calls still open when the turn ends did not finish.
    for (const card of this.tools.values()) if (card.status === "running" || card.status === "waiting") card.setResult("interrupted", "", undefined);
  }

  private showFooter(meta: string): void {
    this.footer.replaceChildren();
    if (this.text.trim()) this.footer.append(copyButton(() => this.text, "Copy answer", false));
    if (meta) this.footer.append(h("span", { class: "msg-meta" }, meta));
    this.changed();
  }

  private setStatus(state: "typing" | null): void {
    if (!state || !this.live) {
      this.statusEl.replaceChildren();
      this.statusEl.hidden = true;
      return;
    }
    this.statusEl.hidden = false;
    this.statusEl.replaceChildren(h("span", { class: "dots" }, h("i"), h("i"), h("i")));
    if (this.progressText) this.statusEl.append(h("span", { class: "turn-progress" }, this.progressText));
    this.changed();
  }

  // ── rendering, batched per animation frame so long streams stay smooth ─────────────────────────
  private markDirty(block: TextBlock | ReasoningBlock): void {
    this.dirty.add(block);
    if (!this.live) {
      this.flush();
      return;
    }
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    for (const block of this.dirty) {
      if (block.kind === "text") renderMarkdown(block.el, block.text);
      else block.body.textContent = block.text;
    }
    this.dirty.clear();
    this.changed();
  }

  private changed(): void {
    this.callbacks.onChange?.();
  }
}
