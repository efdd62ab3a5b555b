// The conversation sidebar: new chat, search, the list grouped by recency, rename and delete in place.
import { h } from "../lib/dom";
import { icon, logo } from "../lib/icons";
import { dateGroup, toDate } from "../lib/format";
import type { ConversationSummary } from "../lib/types";
import { themeSwitch } from "./theme";

export interface SidebarActions {
  onNew(): void;
  onOpen(id: string): void;
  onRename(id: string, title: string): Promise<void>;
  onDelete(conversation: ConversationSummary): void;
  onSignOut(): void;
  onClose(): void;
  /** Opens the usage view (tokens and cost over time). */
  onUsage?(): void;
  /** The list should be fetched again (a new conversation's title is being written by the model). */
  onStale?(): void;
}

export const conversationTitle = (c: Partial<Pick<ConversationSummary, "title">>) => (c.title && c.title.trim()) || "New conversation";

export class Sidebar {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly search: HTMLInputElement;
  private conversations: ConversationSummary[] = [];
  private current: string | null = null;
  private editing: string | null = null;
  private loaded = false;
  private error = "";
  /** Conversations with a turn running right now (shown with a live dot). */
  busy = new Set<string>();

  constructor(private readonly actions: SidebarActions) {
    this.search = h("input", { type: "search", class: "search-input", placeholder: "Search chats", "aria-label": "Search conversations", autocomplete: "off" });
    this.search.addEventListener("input", () => this.render());
    this.search.addEventListener("keydown", (e: KeyboardEvent) => {
      if (e.key === "Escape" && this.search.value) {
        e.stopPropagation();
        this.search.value = "";
        this.render();
      }
    });
    this.list = h("nav", { class: "conv-list", "aria-label": "Conversations" });
    const close = h("button", { type: "button", class: "icon-btn sidebar-close", "aria-label": "Close sidebar", title: "Close sidebar" }, icon("sidebar"));
    close.addEventListener("click", () => actions.onClose());
    const newChat = h("button", { type: "button", class: "new-chat" }, icon("plus"), h("span", null, "New chat"));
    newChat.addEventListener("click", () => actions.onNew());
    const signOut = h("button", { type: "button", class: "sidebar-link" }, icon("logout"), h("span", null, "Sign out"));
    signOut.addEventListener("click", () => actions.onSignOut());
    this.el = h(
      "aside",
      { class: "sidebar", "aria-label": "Sidebar" },
      h("div", { class: "sidebar-head" }, h("div", { class: "brand" }, logo(26), h("span", null, "Penguin")), close),
      newChat,
      h("div", { class: "search" }, icon("search"), this.search),
      this.list,
      h("div", { class: "sidebar-foot" }, themeSwitch(), ...this.footLinks(), signOut),
    );
    this.render();
  }

  /** Extra links for the foot (the usage view), added by whoever owns them. */
  private footLinks(): HTMLElement[] {
    if (!this.actions.onUsage) return [];
    const usage = h("button", { type: "button", class: "sidebar-link" }, icon("cpu"), h("span", null, "Usage"));
    usage.addEventListener("click", () => this.actions.onUsage?.());
    return [usage];
  }

  focusSearch(): void {
    this.search.focus();
  }

  /** New conversations already watched for their model-written title. */
  private readonly titleWatch = new Set<string>();

  /**
   * After a conversation's first exchange the server asks the model for a title in the background: fetch the list
   * again a little later, once per new conversation, so the title appears without a reload.
   */
  private watchTitles(list: ConversationSummary[]): void {
    if (!this.actions.onStale) return;
    const fresh = list.filter((c) => c.message_count >= 2 && c.message_count <= 8 && !c.archived && !this.titleWatch.has(c.conversation_id) && Date.now() - (toDate(c.created_at)?.getTime() ?? 0) < 120_000);
    if (!fresh.length) return;
    for (const c of fresh) this.titleWatch.add(c.conversation_id);
    for (const delay of [1500, 4000]) setTimeout(() => this.actions.onStale?.(), delay);
  }

  setConversations(list: ConversationSummary[]): void {
    this.watchTitles(list);
    this.loaded = true;
    this.error = "";
    this.conversations = [...list].sort((a, b) => (toDate(b.last_active ?? b.created_at)?.getTime() ?? 0) - (toDate(a.last_active ?? a.created_at)?.getTime() ?? 0));
    this.render();
  }

  setError(message: string): void {
    this.loaded = true;
    this.error = message;
    this.render();
  }

  setCurrent(id: string | null): void {
    this.current = id;
    for (const item of Array.from(this.list.querySelectorAll<HTMLElement>(".conv-item"))) {
      const active = item.dataset.id === id;
      item.classList.toggle("active", active);
      const link = item.querySelector("a");
      if (active) link?.setAttribute("aria-current", "page");
      else link?.removeAttribute("aria-current");
    }
  }

  get(id: string): ConversationSummary | undefined {
    return this.conversations.find((c) => c.conversation_id === id);
  }

  render(): void {
    const query = this.search.value.trim().toLowerCase();
    const shown = query ? this.conversations.filter((c) => conversationTitle(c).toLowerCase().includes(query)) : this.conversations;
    if (this.error) {
      this.list.replaceChildren(h("p", { class: "empty-note" }, this.error));
      return;
    }
    if (!this.loaded) {
      this.list.replaceChildren(h("div", { class: "conv-skeleton" }, h("i"), h("i"), h("i")));
      return;
    }
    if (!shown.length) {
      this.list.replaceChildren(h("p", { class: "empty-note" }, query ? "No conversation matches your search." : "No conversations yet. Start one with a message."));
      return;
    }
    // What a rollback kept of the dropped history is not a conversation of its own: it waits under "Archived".
    const live = shown.filter((c) => !c.archived);
    const archived = shown.filter((c) => c.archived);
    const groups = new Map<string, ConversationSummary[]>();
    for (const c of live) {
      const label = dateGroup(toDate(c.last_active ?? c.created_at));
      groups.set(label, [...(groups.get(label) ?? []), c]);
    }
    const archive = archived.length ? this.archivedSection(archived) : null;
    this.list.replaceChildren(
      ...[...groups].map(([label, items]) =>
        h("section", { class: "conv-group", "aria-label": label }, h("h3", { class: "conv-group-title" }, label), h("ul", { role: "list" }, items.map((c) => this.item(c)))),
      ),
      ...(archive ? [archive] : []),
    );
  }

  private archiveOpen = false;

  private archivedSection(items: ConversationSummary[]): HTMLElement {
    const details = h(
      "details",
      { class: "conv-group conv-archived", open: this.archiveOpen || items.some((c) => c.conversation_id === this.current) ? "" : null },
      h("summary", { class: "conv-group-title" }, `Archived (${items.length})`),
      h("p", { class: "conv-archived-note" }, "History kept by rollbacks: open one to read it or branch from it."),
      h("ul", { role: "list", "aria-label": "Archived conversations" }, items.map((c) => this.item(c))),
    );
    details.addEventListener("toggle", () => (this.archiveOpen = details.open));
    return details;
  }

  private item(c: ConversationSummary): HTMLElement {
    const id = c.conversation_id;
    const title = conversationTitle(c);
    const active = id === this.current;
    if (this.editing === id) return this.editor(c);
    const link = h("a", { href: `#/c/${encodeURIComponent(id)}`, class: "conv-link", title, "aria-current": active ? "page" : null }, this.busy.has(id) ? h("span", { class: "live-dot", "aria-label": "Running" }) : null, h("span", { class: "conv-title" }, title));
    link.addEventListener("click", (e: MouseEvent) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      this.actions.onOpen(id);
    });
    const rename = h("button", { type: "button", class: "icon-btn small", "aria-label": `Rename “${title}”`, title: "Rename" }, icon("pencil"));
    rename.addEventListener("click", () => {
      this.editing = id;
      this.render();
    });
    const del = h("button", { type: "button", class: "icon-btn small", "aria-label": `Delete “${title}”`, title: "Delete" }, icon("trash"));
    del.addEventListener("click", () => this.actions.onDelete(c));
    return h("li", { class: "conv-item" + (active ? " active" : ""), "data-id": id }, link, h("div", { class: "conv-actions" }, rename, del));
  }

  private editor(c: ConversationSummary): HTMLElement {
    const id = c.conversation_id;
    const input = h("input", { type: "text", class: "conv-rename", value: conversationTitle(c), "aria-label": "Conversation title", maxlength: "200" });
    let done = false;
    const finish = async (save: boolean) => {
      if (done) return;
      done = true;
      const title = input.value.trim();
      this.editing = null;
      if (save && title && title !== conversationTitle(c)) {
        const previous = c.title;
        c.title = title;
        this.render();
        try {
          await this.actions.onRename(id, title);
        } catch {
          c.title = previous;
        }
      }
      this.render();
    };
    input.addEventListener("keydown", (e: KeyboardEvent) => {
      if (e.key === "Enter") {
        e.preventDefault();
        void finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        void finish(false);
      }
    });
    input.addEventListener("blur", () => void finish(true));
    setTimeout(() => {
      input.focus();
      input.select();
    }, 0);
    return h("li", { class: "conv-item editing", "data-id": id }, input);
  }
}
