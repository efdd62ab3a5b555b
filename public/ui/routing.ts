// Routing: the URL fragment names the open conversation (#/c/<id>; #/ or nothing is a new chat), so links,
// back/forward and reload work. Views are kept per conversation, so leaving a running turn and coming back finds
// it still streaming. The sidebar's list of conversations (refresh, rename, delete) is kept here as well.
import { ApiError, isMissingRoute, type Api } from "../lib/api";
import { restoreDecisions } from "./approvals";
import type { ConversationDetail, ConversationSummary } from "../lib/types";
import { loadingView, renderHistory, showLoadFailure, type ConversationView } from "./conversation";
import { confirmDialog } from "./dialogs";
import type { TurnCallbacks } from "./messages";
import { conversationTitle, type Sidebar } from "./sidebar";
import { toast } from "./toast";
import type { WorkingDirectories } from "./uploads";

function routeFromHash(hash = location.hash): string | null {
  const m = hash.match(/^#\/c\/([^/?&]+)/);
  return m ? decodeURIComponent(m[1]!) : null;
}

const conversationHash = (id: string) => `#/c/${encodeURIComponent(id)}`;
const conversationPath = (id: string) => `/api/v1/conversations/${encodeURIComponent(id)}`;

export interface RouterHost {
  api: Api;
  sidebar: Sidebar;
  directories: WorkingDirectories;
  /** A fresh new-chat view. */
  newDraft(): ConversationView;
  /** Puts the (now current) view on screen: thread, header, composer, drawer. */
  mount(view: ConversationView): void;
  /** Titles may have changed. */
  updateHeader(): void;
  turnCallbacks(view: ConversationView): TurnCallbacks;
  /** After the history is shown: follow a turn still running in the conversation (turns.ts). */
  reattach(view: ConversationView, detail: ConversationDetail): Promise<void>;
  /** Called before following a link (a narrow screen closes the sidebar overlay). */
  beforeNavigate(): void;
  focusComposer(): void;
}

export class Router {
  /** Conversations opened on this page, by id; a new chat joins once the server names it. */
  readonly views = new Map<string, ConversationView>();
  /** The conversation on screen. */
  current: ConversationView;
  private listSeq = 0;
  private disposed = false;
  private readonly onHashChange = () => this.route();

  constructor(private readonly host: RouterHost) {
    this.current = host.newDraft();
  }

  start(): void {
    window.addEventListener("hashchange", this.onHashChange);
    this.route();
    void this.refreshList();
  }

  dispose(): void {
    this.disposed = true;
    window.removeEventListener("hashchange", this.onHashChange);
  }

  navigate(id: string | null): void {
    const hash = id ? conversationHash(id) : "#/";
    this.host.beforeNavigate();
    if (location.hash === hash || (!id && !location.hash)) this.route();
    else location.hash = hash;
  }

  private route(): void {
    const id = routeFromHash();
    if (!id) {
      if (this.current.id !== null || !this.current.el.isConnected) this.show(this.current.id === null ? this.current : this.host.newDraft());
      this.host.focusComposer();
      return;
    }
    if (this.current.id === id && this.current.el.isConnected && this.current.state !== "failed") return;
    const existing = this.views.get(id);
    // A view with a running turn is shown as it is; anything else is loaded fresh from the server.
    if (existing?.turn) {
      this.show(existing);
      return;
    }
    void this.load(id);
  }

  private show(view: ConversationView): void {
    this.current = view;
    this.host.mount(view);
  }

  async load(id: string): Promise<void> {
    const view = loadingView(id);
    this.views.set(id, view);
    this.show(view);
    try {
      const detail = await this.host.api.get<ConversationDetail>(conversationPath(id));
      if (view.turn) return;
      view.sessionId = detail.session_id;
      this.host.directories.remember(id, detail.directory);
      renderHistory(view, detail, this.host.turnCallbacks(view));
      void restoreDecisions(this.host.api, view.el, id); // approved/denied records stay in the thread
      view.state = "ready";
      await this.host.reattach(view, detail);
    } catch (e) {
      const missing = e instanceof ApiError && e.status === 404;
      view.state = missing ? "missing" : "failed";
      showLoadFailure(view, e, missing, { retry: () => void this.load(id), newChat: () => this.navigate(null) });
    }
    if (this.current === view) this.show(view);
  }

  /** The server named a new chat: keep its view under that id and, when it is on screen, show the id in the
   *  address bar without adding a history step. */
  adopt(view: ConversationView, id: string): void {
    view.id = id;
    this.views.set(id, view);
    if (this.current === view) {
      history.replaceState(history.state, "", `${location.pathname}${location.search}${conversationHash(id)}`);
      this.host.sidebar.setCurrent(id);
    }
  }

  // ── the conversation list ────────────────────────────────────────────────────────────────────────
  async refreshList(): Promise<void> {
    const { api, sidebar } = this.host;
    const seq = ++this.listSeq;
    try {
      const r = await api.get<{ conversations: ConversationSummary[] }>("/api/v1/conversations?limit=200");
      if (seq !== this.listSeq || this.disposed) return;
      sidebar.setConversations(r.conversations ?? []);
      sidebar.setCurrent(this.current.id);
      this.host.updateHeader();
    } catch (e) {
      if (seq !== this.listSeq || this.disposed) return;
      if (e instanceof ApiError && e.status === 401) return;
      sidebar.setError(isMissingRoute(e) ? "Conversations are not available on this server yet." : (e as Error).message);
    }
  }

  async rename(id: string, title: string): Promise<void> {
    try {
      await this.host.api.patch(conversationPath(id), { title });
      this.host.updateHeader();
      void this.refreshList();
    } catch (e) {
      toast(`Could not rename: ${(e as Error).message}`, "error");
      throw e;
    }
  }

  async remove(c: ConversationSummary): Promise<void> {
    const ok = await confirmDialog({
      title: "Delete conversation?",
      message: `“${conversationTitle(c)}” and all its messages will be deleted. This cannot be undone.`,
      confirmLabel: "Delete",
      danger: true,
    });
    if (!ok) return;
    const id = c.conversation_id;
    try {
      this.views.get(id)?.turn?.stream.stop();
      await this.host.api.delete(conversationPath(id));
      this.views.delete(id);
      this.host.directories.forget(id);
      if (this.current.id === id) this.navigate(null);
      toast("Conversation deleted", "success", 2500);
    } catch (e) {
      toast(`Could not delete: ${(e as Error).message}`, "error");
    }
    void this.refreshList();
  }
}
