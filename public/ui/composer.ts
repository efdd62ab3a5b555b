// The message box: text, attachments (upload on pick/drop/paste), working directory, agent and model pickers,
// and the send/stop button. Enter sends, Shift+Enter adds a line.
import { h } from "../lib/dom";
import { icon } from "../lib/icons";
import { basename, truncate } from "../lib/format";
import type { AgentInfo, ModelInfo, UploadResult } from "../lib/types";
import { MAX_MESSAGE_CHARS } from "../../src/core/engine/limits";

/** Why a message cannot be sent as it is, in words; undefined when it can. */
export function messageLimitProblem(text: string): string | undefined {
  if (text.length <= MAX_MESSAGE_CHARS) return undefined;
  const n = (x: number) => x.toLocaleString("en-US");
  return `This message is ${n(text.length)} characters long; the limit is ${n(MAX_MESSAGE_CHARS)}. Shorten it, or attach the text as a file. Nothing was sent; your text is still here.`;
}

export interface Attachment {
  key: string;
  name: string;
  isImage: boolean;
  previewUrl?: string;
  status: "uploading" | "ready" | "error";
  path?: string;
  error?: string;
  /** Shown on the chip, e.g. an image for a model without vision. */
  warning?: string;
}

export interface ComposerActions {
  onSend(text: string, attachments: Attachment[]): void;
  onStop(): void;
  upload(file: File): Promise<UploadResult>;
  onDirectory(): void;
  onModel(id: string): Promise<boolean>;
  onAgent(id: string): void;
}

export class Composer {
  readonly el: HTMLFormElement;
  readonly textarea: HTMLTextAreaElement;
  private readonly chips: HTMLElement;
  private readonly limitNote: HTMLElement;
  private readonly send: HTMLButtonElement;
  private readonly fileInput: HTMLInputElement;
  private readonly dirButton: HTMLButtonElement;
  private readonly dirLabel: HTMLElement;
  private readonly modelSelect: HTMLSelectElement;
  private readonly agentSelect: HTMLSelectElement;
  private readonly modelWrap: HTMLElement;
  private readonly agentWrap: HTMLElement;
  private attachments: Attachment[] = [];
  private models: ModelInfo[] = [];
  private busy = false;
  private directory: string | null = null;
  private defaultRoot: string | null = null;

  constructor(private readonly actions: ComposerActions) {
    this.textarea = h("textarea", { class: "composer-input", rows: 1, placeholder: "Message Penguin…", "aria-label": "Message", enterkeyhint: "send" });
    this.chips = h("div", { class: "composer-attachments", hidden: true });
    this.limitNote = h("p", { class: "composer-limit", role: "alert", hidden: true });
    this.fileInput = h("input", { type: "file", multiple: true, hidden: true, tabindex: "-1", "aria-hidden": "true" });
    const attach = h("button", { type: "button", class: "icon-btn", "aria-label": "Attach files", title: "Attach files or an image" }, icon("paperclip"));
    attach.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      for (const f of Array.from(this.fileInput.files ?? [])) void this.addFile(f);
      this.fileInput.value = "";
    });
    this.dirLabel = h("span", { class: "pill-label" }, "Directory");
    this.dirButton = h("button", { type: "button", class: "pill", title: "Working directory for this chat" }, icon("folder"), this.dirLabel);
    this.dirButton.addEventListener("click", () => actions.onDirectory());
    this.agentSelect = h("select", { class: "pill-select", "aria-label": "Agent" });
    this.agentSelect.addEventListener("change", () => actions.onAgent(this.agentSelect.value));
    this.agentWrap = h("label", { class: "pill select-pill", hidden: true, title: "Agent" }, icon("user"), this.agentSelect, icon("chevronDown", "select-chev"));
    this.modelSelect = h("select", { class: "pill-select", "aria-label": "Model" });
    let previousModel = "";
    this.modelSelect.addEventListener("focus", () => (previousModel = this.modelSelect.value));
    this.modelSelect.addEventListener("change", async () => {
      const ok = await actions.onModel(this.modelSelect.value);
      if (!ok && previousModel) this.modelSelect.value = previousModel;
      else previousModel = this.modelSelect.value;
    });
    this.modelWrap = h("label", { class: "pill select-pill", hidden: true, title: "Model" }, icon("cpu"), this.modelSelect, icon("chevronDown", "select-chev"));
    this.send = h("button", { type: "submit", class: "send-btn", "aria-label": "Send message", title: "Send (Enter)" }, icon("send"));
    this.el = h(
      "form",
      { class: "composer", "aria-label": "Send a message" },
      h(
        "div",
        { class: "composer-box" },
        this.chips,
        this.textarea,
        h("div", { class: "composer-bar" }, attach, this.fileInput, this.dirButton, this.agentWrap, h("span", { class: "spacer" }), this.modelWrap, this.send),
      ),
      this.limitNote,
      h("p", { class: "composer-hint" }, "Enter to send · Shift+Enter for a new line · Esc to stop"),
    );
    this.el.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.busy) actions.onStop();
      else this.submit();
    });
    this.textarea.addEventListener("keydown", (e: KeyboardEvent) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && !e.altKey) {
        e.preventDefault();
        if (!this.busy) this.submit();
      }
    });
    this.textarea.addEventListener("input", () => {
      if (!this.limitNote.hidden && !messageLimitProblem(this.textarea.value.trim())) this.limitNote.hidden = true;
      this.autosize();
      this.updateSend();
    });
    this.textarea.addEventListener("paste", (e: ClipboardEvent) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (files.length) {
        e.preventDefault();
        for (const f of files) void this.addFile(f);
      }
    });
    this.updateSend();
  }

  /** Files dropped anywhere on the chat. */
  acceptDrop(files: File[]): void {
    for (const f of files) void this.addFile(f);
  }

  focus(): void {
    this.textarea.focus();
  }

  setText(text: string): void {
    this.textarea.value = text;
    this.autosize();
    this.updateSend();
    this.focus();
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    this.send.replaceChildren(icon(busy ? "stop" : "send"));
    this.send.setAttribute("aria-label", busy ? "Stop generating" : "Send message");
    this.send.title = busy ? "Stop (Esc)" : "Send (Enter)";
    this.send.classList.toggle("stop", busy);
    this.updateSend();
  }

  setDirectory(directory: string | null): void {
    this.directory = directory;
    const root = this.defaultRoot;
    // Whole names (CSS cuts them short): the button's accessible name then contains what it shows (WCAG 2.5.3).
    this.dirLabel.textContent = directory ? basename(directory) : root ? basename(root) || root : "Directory";
    this.dirButton.classList.toggle("set", Boolean(directory));
    this.dirButton.setAttribute("aria-label", directory ? `Working directory: ${directory}` : root ? `Set working directory (now the project root ${root}), current folder ${this.dirLabel.textContent}` : "Set working directory");
    this.dirButton.title = directory ?? (root ? `Project root: ${root}. Choose another folder for this chat.` : "Working directory for this chat (default: the server's project root)");
  }

  /** The server's active project root, shown while the chat has no folder of its own. */
  setDefaultRoot(root: string): void {
    this.defaultRoot = root;
    this.setDirectory(this.directory);
  }

  setModels(models: ModelInfo[] | null): void {
    this.models = models ?? [];
    if (!models || !models.length) {
      this.modelWrap.hidden = true;
      return;
    }
    this.modelSelect.replaceChildren(...models.map((m) => h("option", { value: m.id, selected: Boolean(m.current), title: m.name ?? m.id }, m.id)));
    const current = models.find((m) => m.current);
    if (current) this.modelSelect.value = current.id;
    this.modelWrap.hidden = false;
  }

  setAgents(agents: AgentInfo[] | null, selected: string): void {
    if (!agents || agents.length < 2) {
      this.agentWrap.hidden = true;
      return;
    }
    this.agentSelect.replaceChildren(...agents.map((a) => h("option", { value: a.id }, a.id + (a.paused ? " (paused)" : ""))));
    this.agentSelect.value = agents.some((a) => a.id === selected) ? selected : agents[0]!.id;
    this.agentWrap.hidden = false;
  }

  private submit(): void {
    const text = this.textarea.value.trim();
    if (this.attachments.some((a) => a.status === "uploading")) return;
    const ready = this.attachments.filter((a) => a.status === "ready");
    if (!text && !ready.length) return;
    // refused here, before anything is sent, so the text is never lost to a rejected request
    const problem = messageLimitProblem(text);
    this.limitNote.textContent = problem ?? "";
    this.limitNote.hidden = !problem;
    if (problem) return;
    this.actions.onSend(text, ready);
    this.textarea.value = "";
    this.attachments = [];
    this.renderChips();
    this.autosize();
    this.updateSend();
  }

  private updateSend(): void {
    const uploading = this.attachments.some((a) => a.status === "uploading");
    const hasContent = this.textarea.value.trim() !== "" || this.attachments.some((a) => a.status === "ready");
    this.send.disabled = !this.busy && (!hasContent || uploading);
  }

  private autosize(): void {
    this.textarea.style.height = "auto";
    this.textarea.style.height = Math.min(this.textarea.scrollHeight, Math.round(window.innerHeight * 0.4)) + "px";
  }

  private async addFile(file: File): Promise<void> {
    const isImage = file.type.startsWith("image/");
    if (isImage) {
      // One image per message (the API takes a single image_path): a new image replaces the previous one.
      for (const a of this.attachments.filter((x) => x.isImage)) this.remove(a);
    }
    const attachment: Attachment = {
      key: Math.random().toString(36).slice(2),
      name: file.name || (isImage ? "pasted-image.png" : "file"),
      isImage,
      previewUrl: isImage ? URL.createObjectURL(file) : undefined,
      status: "uploading",
    };
    const model = this.models.find((m) => m.id === this.modelSelect.value);
    if (isImage && model && model.vision_enabled === false) attachment.warning = `${model.id} does not accept images; pick a vision model`;
    this.attachments.push(attachment);
    this.renderChips();
    this.updateSend();
    try {
      const result = await this.actions.upload(file);
      attachment.status = "ready";
      attachment.path = result.path;
    } catch (e) {
      attachment.status = "error";
      attachment.error = (e as Error).message;
    }
    this.renderChips();
    this.updateSend();
  }

  private remove(a: Attachment): void {
    this.attachments = this.attachments.filter((x) => x !== a);
    this.renderChips();
    this.updateSend();
  }

  private renderChips(): void {
    this.chips.hidden = this.attachments.length === 0;
    this.chips.replaceChildren(
      ...this.attachments.map((a) => {
        const remove = h("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${a.name}`, title: "Remove" }, icon("x"));
        remove.addEventListener("click", () => this.remove(a));
        return h(
          "span",
          { class: `chip chip-${a.status}` + (a.warning ? " chip-warn" : ""), title: a.error ?? a.warning ?? a.name },
          a.status === "uploading" ? icon("spinner", "spin") : a.isImage && a.previewUrl ? h("img", { src: a.previewUrl, alt: "", class: "chip-thumb" }) : icon(a.status === "error" ? "alert" : "file"),
          h("span", { class: "chip-name" }, truncate(a.name, 40)),
          a.status === "error" ? h("span", { class: "chip-error" }, "upload failed") : a.warning ? h("span", { class: "chip-error" }, "no vision") : null,
          remove,
        );
      }),
    );
  }
}
