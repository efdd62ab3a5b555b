// One tool call as a compact card: status, name, the argument that matters, timing; expands to the full
// arguments and output. Everything here is text (model-chosen arguments and tool output are never markup).
import { h } from "../lib/dom";
import { icon } from "../lib/icons";
import { duration, truncate } from "../lib/format";
import { diffPreview, diffView, looksLikeDiff } from "./diffview";

export type ToolStatus = "running" | "completed" | "error" | "denied" | "waiting" | "interrupted";

const STATUS_LABEL: Record<ToolStatus, string> = {
  running: "Running",
  waiting: "Waiting for approval",
  completed: "Done",
  error: "Failed",
  denied: "Denied",
  interrupted: "Interrupted",
};

const SUMMARY_KEYS = ["command", "cmd", "path", "file_path", "pattern", "query", "url", "directory", "dir", "name"];

export function parseArguments(args: unknown): Record<string, unknown> {
  if (args && typeof args === "object") return args as Record<string, unknown>;
  if (typeof args === "string" && args.trim()) {
    try {
      const parsed = JSON.parse(args);
      return parsed && typeof parsed === "object" ? parsed : { value: parsed };
    } catch {
      return { raw: args };
    }
  }
  return {};
}

function summarize(args: Record<string, unknown>): string {
  for (const key of SUMMARY_KEYS) {
    const v = args[key];
    if (typeof v === "string" && v) return v;
  }
  const entries = Object.entries(args);
  if (!entries.length) return "";
  return entries.map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ");
}

export class ToolCard {
  readonly el: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly metaEl: HTMLElement;
  private readonly previewEl: HTMLElement;
  private outputEl: HTMLElement;
  private readonly outputLabel: HTMLElement;
  private readonly head: HTMLButtonElement;
  private readonly details: HTMLElement;
  status: ToolStatus = "running";

  constructor(readonly id: string, readonly name: string, args: unknown) {
    const parsed = parseArguments(args);
    const summary = summarize(parsed).replace(/\s+/g, " ");
    const detailsId = "tool-" + Math.random().toString(36).slice(2);
    this.statusEl = h("span", { class: "tool-status" });
    this.metaEl = h("span", { class: "tool-meta" });
    this.head = h(
      "button",
      { type: "button", class: "tool-head", "aria-expanded": "false", "aria-controls": detailsId },
      this.statusEl,
      h("span", { class: "tool-name" }, name),
      h("span", { class: "tool-summary", title: summary }, truncate(summary, 160)),
      this.metaEl,
      icon("chevronRight", "tool-chevron"),
    );
    this.previewEl = h("pre", { class: "tool-preview", hidden: true });
    this.outputEl = h("pre", { class: "tool-pre" });
    this.outputLabel = h("div", { class: "tool-label", hidden: true }, "Output");
    this.outputEl.hidden = true;
    this.details = h(
      "div",
      { class: "tool-details", id: detailsId, hidden: true },
      h("div", { class: "tool-label" }, "Arguments"),
      h("pre", { class: "tool-pre" }, Object.keys(parsed).length ? JSON.stringify(parsed, null, 2) : "(none)"),
      this.outputLabel,
      this.outputEl,
    );
    // name and target let a stored approval decision find its call again after a reload
    this.el = h("div", { class: "tool", "data-tool-id": id, "data-tool-name": name, "data-tool-target": summarize(parsed) }, this.head, this.previewEl, this.details);
    this.head.addEventListener("click", () => this.toggle());
    this.setStatus("running");
  }

  toggle(open: boolean = this.details.hidden === true): void {
    this.details.hidden = !open;
    this.head.setAttribute("aria-expanded", String(open));
    this.el.classList.toggle("open", open);
    this.previewEl.hidden = open || !this.previewEl.textContent;
  }

  setStatus(status: ToolStatus): void {
    this.status = status;
    this.el.dataset.status = status;
    const iconName = status === "completed" ? "check" : status === "error" ? "alert" : status === "denied" ? "ban" : status === "waiting" ? "shield" : status === "interrupted" ? "stop" : "spinner";
    // The status as text in the button (not an aria-label): the button's name then contains what it shows (WCAG 2.5.3).
    this.statusEl.replaceChildren(icon(iconName, status === "running" ? "spin" : ""), h("span", { class: "sr-only" }, `${STATUS_LABEL[status]}: `));
    this.statusEl.setAttribute("title", STATUS_LABEL[status]);
  }

  setResult(status: ToolStatus, output: string, durationMs?: number): void {
    this.setStatus(status);
    if (durationMs !== undefined && Number.isFinite(durationMs)) this.metaEl.textContent = duration(durationMs);
    else if (status !== "completed") this.metaEl.textContent = STATUS_LABEL[status];
    const text = output ?? "";
    const diffAt = looksLikeDiff(text) ? text.search(/^(--- |@@ )/m) : -1;
    if (diffAt >= 0) {
      // an edit's result: its message, then the change coloured; the collapsed card previews the changed lines
      const message = text.slice(0, diffAt).trim();
      const diff = text.slice(diffAt);
      const rendered = h("div", { class: "tool-output-diff" }, message ? h("pre", { class: "tool-pre" }, message) : null, diffView(diff));
      this.outputEl.replaceWith(rendered);
      this.outputEl = rendered;
      this.outputLabel.hidden = false;
      this.previewEl.replaceChildren(...diffPreview(diff));
      this.previewEl.hidden = !this.details.hidden;
      return;
    }
    this.outputEl.textContent = text || "(no output)";
    this.outputEl.hidden = false;
    this.outputLabel.hidden = false;
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    const preview = lines.slice(0, 3).map((l) => truncate(l, 200)).join("\n") + (lines.length > 3 ? `\n… ${lines.length - 3} more lines` : "");
    this.previewEl.textContent = preview;
    this.previewEl.hidden = !preview || !this.details.hidden;
  }
}
