// The checkpoints drawer for the open conversation: list, create, roll back, branch.
import { h } from "../lib/dom";
import { icon } from "../lib/icons";
import { relativeTime, toDate } from "../lib/format";
import type { Checkpoint } from "../lib/types";

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
      h("p", { class: "drawer-lead" }, "Snapshots of this conversation. Roll back to undo later messages, or branch to try another path in a new conversation."),
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
    const name = (c.name && c.name.trim()) || (c.type === "auto" ? "Automatic checkpoint" : "Checkpoint");
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
    return h(
      "li",
      { class: "cp-item", "data-checkpoint-id": c.id },
      h("div", { class: "cp-top" }, h("span", { class: "cp-name" }, name), c.type ? h("span", { class: `cp-type cp-${c.type}` }, c.type) : null),
      // Automatic checkpoints describe themselves in their name already.
      c.description && c.type !== "auto" ? h("p", { class: "cp-desc" }, c.description) : null,
      h(
        "div",
        { class: "cp-meta" },
        h("time", { datetime: when?.toISOString() ?? "", title: when?.toLocaleString() ?? "" }, relativeTime(when)),
        c.message_count !== undefined ? ` · ${c.message_count} ${c.message_count === 1 ? "message" : "messages"}` : "",
      ),
      h("div", { class: "cp-actions" }, rollback, branch),
    );
  }
}
