// Edit the last message, regenerate the last answer: each starts a branch (a new conversation holding the history
// before that message, from the checkpoint there) and sends the prompt again, edited or not. The original
// conversation stays as it was, so nothing is lost. The buttons sit on the last user message and the last answer.
import type { ConversationDetail } from "../../src/core/conversation/schema";
import type { Api } from "../lib/api";
import type { Checkpoint } from "../lib/types";
import { h } from "../lib/dom";
import { icon } from "../lib/icons";
import type { Router } from "./routing";
import { toast } from "./toast";

export interface BranchingHost {
  api: Api;
  router: Router;
  /** The element the conversation views are rendered into. */
  thread: HTMLElement;
  /** Sends a message in the conversation on screen (as the composer does). */
  send(text: string): void;
}

export class Branching {
  private pending = false;
  private busy = false;

  constructor(private readonly host: BranchingHost) {
    new MutationObserver(() => this.schedule()).observe(host.thread, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.decorate();
    });
  }

  /** Puts Edit on the last user message and Regenerate on the last finished answer, and nowhere else. */
  private decorate(): void {
    const view = this.host.router.current;
    const root = view.el;
    const users = root.querySelectorAll<HTMLElement>(".msg-user");
    const answers = root.querySelectorAll<HTMLElement>(".msg-assistant");
    const lastUser = users[users.length - 1];
    const lastAnswer = answers[answers.length - 1];
    const usable = Boolean(view.id) && !view.turn && view.state === "ready" && !this.busy;
    const wantEdit = usable && lastUser ? lastUser : null;
    const wantRegen = usable && lastAnswer && !lastAnswer.classList.contains("streaming") && lastUser && lastUser.compareDocumentPosition(lastAnswer) & Node.DOCUMENT_POSITION_FOLLOWING ? lastAnswer : null;
    for (const el of Array.from(root.querySelectorAll<HTMLElement>(".branch-btn"))) {
      const owner = el.closest(".msg");
      if (owner !== wantEdit && owner !== wantRegen) el.remove();
    }
    if (wantEdit && !wantEdit.querySelector(".branch-btn")) {
      const edit = h("button", { type: "button", class: "btn btn-ghost btn-sm branch-btn", "aria-label": "Edit your last message (as a branch)", title: "Edit and send again as a branch" }, icon("pencil"), "Edit");
      edit.addEventListener("click", () => void this.edit(wantEdit));
      wantEdit.append(h("div", { class: "msg-user-actions branch-btn" }, edit));
    }
    if (wantRegen) {
      const footer = wantRegen.querySelector<HTMLElement>(".msg-footer");
      if (footer && !footer.querySelector(".branch-btn")) {
        const regen = h("button", { type: "button", class: "btn btn-ghost btn-sm branch-btn", "aria-label": "Regenerate the answer (as a branch)", title: "Answer again in a branch" }, icon("retry"), "Regenerate");
        regen.addEventListener("click", () => void this.regenerate());
        footer.append(regen);
      }
    }
  }

  private async lastPrompt(id: string): Promise<{ text: string; before: number; title: string } | null> {
    const detail = await this.host.api.get<ConversationDetail>(`/api/v1/conversations/${encodeURIComponent(id)}`);
    const index = detail.messages.map((m) => m.role).lastIndexOf("user");
    if (index < 0) return null;
    return { text: detail.messages[index]!.content, before: index, title: detail.title };
  }

  private async regenerate(): Promise<void> {
    const id = this.host.router.current.id;
    if (!id) return;
    const prompt = await this.lastPrompt(id);
    if (prompt) await this.branchAndSend(id, prompt.before, prompt.text, branchName(prompt.title, "regenerated"), "Regenerating in a branch");
  }

  private async edit(message: HTMLElement): Promise<void> {
    const id = this.host.router.current.id;
    if (!id) return;
    const prompt = await this.lastPrompt(id);
    if (!prompt) return;
    const text = await editDialog(prompt.text);
    if (text === null || !text.trim()) return;
    message.classList.add("branch-source");
    await this.branchAndSend(id, prompt.before, text, branchName(prompt.title, "edited"), "Sending the edited message in a branch");
  }

  /** A branch with the `before` messages that came before the last prompt (a new chat when there were none), then the prompt. */
  private async branchAndSend(id: string, before: number, text: string, name: string, note: string): Promise<void> {
    const { api, router } = this.host;
    this.busy = true;
    try {
      // Each turn's automatic checkpoint sits just before its prompt; a first prompt without one starts a new chat.
      const list = await api.get<{ checkpoints: Checkpoint[] }>(`/api/v1/checkpoints?conversation_id=${encodeURIComponent(id)}&limit=1000`);
      const at = (list.checkpoints ?? []).find((c) => c.conversation_id === id && c.message_count === before);
      if (!at && before > 0) {
        toast("There is no checkpoint just before that message, so it cannot be branched.", "error");
        return;
      }
      let target: string | null = null;
      if (at) {
        const r = await api.post<{ branch_id: string }>(`/api/v1/checkpoints/${encodeURIComponent(at.id)}/branch`, { name });
        target = r.branch_id;
        await router.refreshList();
      }
      toast(`${note}; the original conversation is kept.`, "success", 3000);
      router.navigate(target);
      await until(() => router.current.id === target && router.current.state === "ready" && !router.current.turn);
      this.host.send(text);
    } catch (e) {
      toast(`Could not branch: ${(e as Error).message}`, "error");
    } finally {
      this.busy = false;
      this.schedule();
    }
  }
}

/** "Title (edited)": one marker, however many branches of branches came before. */
export function branchName(title: string, kind: "edited" | "regenerated"): string {
  const base = title.replace(/(\s\((branch|edited|regenerated)\))+$/, "").trim() || "Conversation";
  return `${base} (${kind})`;
}

async function until(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("the branch did not open in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A dialog with the message in a text area; the edited text, or null when cancelled. */
function editDialog(text: string): Promise<string | null> {
  return new Promise((resolve) => {
    const area = h("textarea", { class: "edit-area", rows: "6", "aria-label": "Message" });
    area.value = text;
    const cancel = h("button", { type: "button", class: "btn btn-ghost" }, "Cancel");
    const ok = h("button", { type: "submit", class: "btn btn-primary" }, "Send as a branch");
    const form = h(
      "form",
      { method: "dialog", class: "dialog-form" },
      h("h2", { id: "edit-title", class: "dialog-title" }, "Edit your message"),
      h("p", { class: "dialog-message" }, "The edited message starts a new branch; this conversation stays as it is."),
      area,
      h("div", { class: "dialog-actions" }, cancel, ok),
    );
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "edit-title" }, form);
    let result: string | null = null;
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      result = area.value;
      dialog.close();
    });
    area.addEventListener("keydown", (e: KeyboardEvent) => {
      if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) form.requestSubmit();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    area.focus();
  });
}
