// The checkpoints drawer for the open conversation: list, create, roll back, branch; and its top-bar button.
import type { Api } from "../lib/api";
import { h } from "../lib/dom";
import { icon } from "../lib/icons";
import { relativeTime, toDate } from "../lib/format";
import type { Checkpoint } from "../lib/types";
import { confirmWithOption, promptDialog } from "./dialogs";
import type { Router } from "./routing";
import { conversationTitle, type Sidebar } from "./sidebar";
import { toast } from "./toast";

export interface CheckpointActions {
  list(): Promise<Checkpoint[]>;
  create(): Promise<boolean>;
  rollback(checkpoint: Checkpoint): Promise<void>;
  branch(checkpoint: Checkpoint): Promise<void>;
  onClose(): void;
}

export class CheckpointsPanel {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly createBtn: HTMLButtonElement;
  private hasConversation = false;
  private seq = 0;

  constructor(private readonly actions: CheckpointActions) {
    this.body = h("div", { class: "drawer-body" });
    this.createBtn = h("button", { type: "button", class: "btn btn-secondary btn-sm" }, icon("plus"), "Create checkpoint");
    this.createBtn.addEventListener("click", async () => {
      this.createBtn.disabled = true;
      try {
        if (await actions.create()) await this.refresh();
      } finally {
        this.createBtn.disabled = !this.hasConversation;
      }
    });
    const close = h("button", { type: "button", class: "icon-btn", "aria-label": "Close checkpoints", title: "Close" }, icon("x"));
    close.addEventListener("click", () => actions.onClose());
    this.el = h(
      "aside",
      { class: "drawer", "aria-label": "Checkpoints", hidden: true },
      h("div", { class: "drawer-head" }, h("h2", null, "Checkpoints"), close),
      h("p", { class: "drawer-lead" }, "One before each prompt, and the ones you create. Roll back to undo what came after, or branch to try another path in a new conversation."),
      h("div", { class: "drawer-actions" }, this.createBtn),
      this.body,
    );
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  setConversation(present: boolean): void {
    this.hasConversation = present;
    this.createBtn.disabled = !present;
    if (this.isOpen) void this.refresh();
  }

  async refresh(): Promise<void> {
    const seq = ++this.seq;
    if (!this.hasConversation) {
      this.body.replaceChildren(h("p", { class: "empty-note" }, "Start a conversation to create checkpoints."));
      return;
    }
    this.body.replaceChildren(h("p", { class: "empty-note" }, "Loading…"));
    let items: Checkpoint[];
    try {
      items = await this.actions.list();
    } catch (e) {
      if (seq === this.seq) this.body.replaceChildren(h("p", { class: "empty-note error" }, (e as Error).message));
      return;
    }
    if (seq !== this.seq) return;
    if (!items.length) {
      this.body.replaceChildren(h("p", { class: "empty-note" }, "No checkpoints yet."));
      return;
    }
    this.body.replaceChildren(h("ol", { class: "cp-list" }, items.map((c) => this.item(c))));
  }

  private item(c: Checkpoint): HTMLElement {
    const auto = c.type === "auto";
    const name = checkpointName(c);
    const rollback = h("button", { type: "button", class: "btn btn-ghost btn-sm", "aria-label": `Roll back to ${name}` }, icon("history"), "Roll back");
    const branch = h("button", { type: "button", class: "btn btn-ghost btn-sm", "aria-label": `Branch from ${name}` }, icon("branch"), "Branch");
    const run = (btn: HTMLButtonElement, fn: () => Promise<void>) =>
      btn.addEventListener("click", async () => {
        rollback.disabled = branch.disabled = true;
        try {
          await fn();
        } finally {
          rollback.disabled = branch.disabled = false;
        }
      });
    run(rollback, () => this.actions.rollback(c));
    run(branch, () => this.actions.branch(c));
    const when = toDate(c.created_at ?? null);
    // An automatic checkpoint's description is its prompt at more length: shown only when the name cut it short.
    const preview = c.description && (!auto || c.description !== c.name) ? h("p", { class: "cp-desc" }, c.description) : null;
    return h(
      "li",
      { class: `cp-item${c.type === "manual" ? " cp-item-manual" : ""}`, "data-checkpoint-id": c.id, "data-type": c.type ?? "" },
      h("div", { class: "cp-top" }, h("span", { class: "cp-name" }, name), c.type && !auto ? h("span", { class: `cp-type cp-${c.type}` }, c.type) : null),
      preview,
      h(
        "div",
        { class: "cp-meta" },
        h("time", { datetime: when?.toISOString() ?? "", title: when?.toLocaleString() ?? "" }, relativeTime(when)),
        c.message_count !== undefined ? ` · ${c.message_count} ${c.message_count === 1 ? "message" : "messages"}` : "",
        auto ? " · before this prompt" : "",
      ),
      h("div", { class: "cp-actions" }, rollback, branch),
    );
  }
}

export const checkpointName = (c: Checkpoint) => (c.name && c.name.trim()) || (c.type === "auto" ? "Automatic checkpoint" : "Checkpoint");

export interface CheckpointsHost {
  api: Api;
  router: Router;
  sidebar: Sidebar;
  /** The drawer opened or closed (the layout makes room for it). */
  onToggle(open: boolean): void;
  /** A prompt a rollback took out of the conversation, for the composer (unless something is being typed there). */
  offerPrompt(text: string): void;
}

/** The drawer and its top-bar button, acting on the conversation on screen. The button shows only when the
 *  server has checkpoints. */
export class Checkpoints {
  readonly panel: CheckpointsPanel;
  readonly button: HTMLButtonElement;

  constructor(private readonly host: CheckpointsHost) {
    this.panel = new CheckpointsPanel({
      list: () => this.list(),
      create: () => this.create(),
      rollback: (c) => this.rollback(c),
      branch: (c) => this.branch(c),
      onClose: () => this.toggle(false),
    });
    this.button = h("button", { type: "button", class: "icon-btn", "aria-label": "Checkpoints", title: "Checkpoints", "aria-expanded": "false", hidden: true }, icon("history"));
    this.button.addEventListener("click", () => this.toggle());
  }

  /** The feature probe's answer. */
  setAvailable(available: boolean): void {
    this.button.hidden = !available;
  }

  toggle(open = !this.panel.isOpen): void {
    this.panel.el.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    this.host.onToggle(open);
    if (open) void this.panel.refresh();
  }

  private async list(): Promise<Checkpoint[]> {
    const view = this.host.router.current;
    if (!view.id) return [];
    const q = new URLSearchParams({ limit: "50", conversation_id: view.id });
    if (view.sessionId) q.set("session_id", view.sessionId);
    const r = await this.host.api.get<{ checkpoints: Checkpoint[] }>(`/api/v1/checkpoints?${q}`);
    return (r.checkpoints ?? []).filter((c) => !c.conversation_id || c.conversation_id === view.id);
  }

  private async create(): Promise<boolean> {
    const view = this.host.router.current;
    if (!view.id) return false;
    const name = await promptDialog({ title: "Create checkpoint", label: "Name", value: "", placeholder: "Before refactoring", confirmLabel: "Create" });
    if (name === null) return false;
    try {
      await this.host.api.post("/api/v1/checkpoints/create", { name: name.trim() || "Checkpoint", conversation_id: view.id, session_id: view.sessionId });
      toast("Checkpoint created", "success", 2500);
      return true;
    } catch (e) {
      toast(`Could not create checkpoint: ${(e as Error).message}`, "error");
      return false;
    }
  }

  private async rollback(c: Checkpoint): Promise<void> {
    const { api, router } = this.host;
    const view = router.current;
    if (!view.id) return;
    const answer = await confirmWithOption({
      title: "Roll back to this checkpoint?",
      message: "Messages after this checkpoint leave the conversation and are no longer sent to the model. A copy of the conversation as it is now is kept.",
      option: "Also undo file changes",
      optionHint: "Restore the files the agent's tools changed after this checkpoint.",
      confirmLabel: "Roll back",
      danger: true,
    });
    if (!answer) return;
    try {
      const r = await api.post<{ restored_files?: { action: string }[]; archived_conversation_id?: string | null }>(`/api/v1/checkpoints/${encodeURIComponent(c.id)}/rollback`, {
        restore_files: answer.option,
      });
      // The checkpoint by its name (the API's message names it by id).
      const files = r?.restored_files;
      const restored = files?.filter((f) => f.action !== "skipped").length ?? 0;
      const note = files ? ` · ${restored} ${restored === 1 ? "file" : "files"} restored` : "";
      toast(`Rolled back to “${checkpointName(c)}”${note}`, "success", 3500);
      // Undoing a turn gives its prompt back, whole, from the archived copy, ready to edit and send again.
      let prompt: { role: string; content: string } | undefined;
      if (c.type === "auto" && r?.archived_conversation_id && c.message_count !== undefined) {
        const archived = await api.get<{ messages: { role: string; content: string }[] }>(`/api/v1/conversations/${encodeURIComponent(r.archived_conversation_id)}`).catch(() => null);
        prompt = archived?.messages[c.message_count];
      }
      await router.load(view.id);
      if (prompt?.role === "user") this.host.offerPrompt(prompt.content);
      void this.panel.refresh();
      void router.refreshList();
    } catch (e) {
      toast(`Could not roll back: ${(e as Error).message}`, "error");
    }
  }

  private async branch(c: Checkpoint): Promise<void> {
    const { api, router, sidebar } = this.host;
    const view = router.current;
    const base = view.id ? conversationTitle(sidebar.get(view.id) ?? {}) : "conversation";
    const name = await promptDialog({ title: "Branch from this checkpoint", message: "A new conversation starts from this point; this one stays as it is.", label: "Name of the branch", value: `Branch of ${base}`, confirmLabel: "Create branch" });
    if (name === null) return;
    try {
      const r = await api.post<{ branch_id: string }>(`/api/v1/checkpoints/${encodeURIComponent(c.id)}/branch`, { name: name.trim() || undefined });
      toast("Branch created", "success", 2500);
      await router.refreshList();
      if (r?.branch_id) router.navigate(r.branch_id);
    } catch (e) {
      toast(`Could not branch: ${(e as Error).message}`, "error");
    }
  }
}
