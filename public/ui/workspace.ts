// The chat workspace: sidebar, thread, composer, top bar, drawers; routing (#/c/<id>), live turns, and the
// optional features (models, agents, approvals, checkpoints) shown only when the server offers them.
import { Api, ApiError, isMissingRoute } from "../lib/api";
import { h } from "../lib/dom";
import { icon, logo } from "../lib/icons";
import { compactNumber } from "../lib/format";
import { ChatStream, type ChatPayload } from "../lib/stream";
import type {
  AgentInfo,
  Checkpoint,
  ConversationDetail,
  ConversationSummary,
  HistoryMessage,
  ModelInfo,
  PendingApproval,
  TurnEvent,
  UploadResult,
  UsageTotals,
} from "../lib/types";
import type { Decision } from "./approvals";
import { ApprovalsBadge } from "./approvals";
import { CheckpointsPanel } from "./checkpoints";
import { Composer, type Attachment } from "./composer";
import { confirmDialog, confirmWithOption, promptDialog } from "./dialogs";
import { AssistantTurn, userMessage } from "./messages";
import { Sidebar, conversationTitle } from "./sidebar";
import { toast } from "./toast";
import type { ToolStatus } from "./toolcard";

interface LiveTurn {
  stream: ChatStream;
  view: AssistantTurn;
}

interface ConversationView {
  id: string | null;
  sessionId?: string;
  el: HTMLElement;
  hero?: HTMLElement;
  turn?: LiveTurn;
  usage: UsageTotals;
  state: "loading" | "ready" | "missing" | "failed";
}

const emptyUsage = (): UsageTotals => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0 });
const DIR_KEY = (id: string) => `penguin.dir.${id}`;
const AGENT_KEY = "penguin.agent";
const SUGGESTIONS = [
  "Summarize what this project does",
  "Find TODO comments in the code",
  "Explain how the tests are organised",
  "Review the most recent changes",
];

function store(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage unavailable */
  }
}
function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function routeFromHash(hash = location.hash): string | null {
  const m = hash.match(/^#\/c\/([^/?&]+)/);
  return m ? decodeURIComponent(m[1]!) : null;
}

export class Workspace {
  readonly el: HTMLElement;
  private readonly sidebar: Sidebar;
  private readonly composer: Composer;
  private readonly checkpoints: CheckpointsPanel;
  private readonly badge: ApprovalsBadge;
  private readonly thread: HTMLElement;
  private readonly threadInner: HTMLElement;
  private readonly titleEl: HTMLElement;
  private readonly usageEl: HTMLElement;
  private readonly checkpointsBtn: HTMLButtonElement;
  private readonly jumpBtn: HTMLButtonElement;
  private readonly dropOverlay: HTMLElement;
  /** Screen-reader announcements of turn outcomes (the streaming text itself is not read out token by token). */
  private readonly announcer: HTMLElement;
  private readonly views = new Map<string, ConversationView>();
  private current: ConversationView;
  private draftDirectory: string | null = null;
  private agentId = read(AGENT_KEY) ?? "default";
  private stick = true;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private listSeq = 0;
  private readonly features = { models: false, agents: false, approvals: false, checkpoints: false };
  private readonly onHashChange = () => this.route();
  private readonly onKeyDown = (e: KeyboardEvent) => this.keydown(e);
  private disposed = false;

  constructor(
    private readonly api: Api,
    private readonly onSignOut: () => void,
  ) {
    this.sidebar = new Sidebar({
      onNew: () => this.navigate(null),
      onOpen: (id) => this.navigate(id),
      onRename: (id, title) => this.rename(id, title),
      onDelete: (c) => void this.remove(c),
      onSignOut: () => this.onSignOut(),
      onClose: () => this.setSidebar(false),
    });
    this.composer = new Composer({
      onSend: (text, attachments) => this.send(text, attachments),
      onStop: () => this.stop(),
      upload: (file) => this.upload(file),
      onDirectory: () => void this.editDirectory(),
      onModel: (id) => this.loadModel(id),
      onAgent: (id) => {
        this.agentId = id;
        store(AGENT_KEY, id);
      },
    });
    this.checkpoints = new CheckpointsPanel({
      list: () => this.listCheckpoints(),
      create: () => this.createCheckpoint(),
      rollback: (c) => this.rollback(c),
      branch: (c) => this.branch(c),
      onClose: () => this.toggleCheckpoints(false),
    });
    this.badge = new ApprovalsBadge((approval, decision) => this.decide(approval, decision));
    this.badge.el.hidden = true;

    const toggle = h("button", { type: "button", class: "icon-btn sidebar-toggle", "aria-label": "Open sidebar", title: "Conversations" }, icon("sidebar"));
    toggle.addEventListener("click", () => this.setSidebar(true));
    const newChat = h("button", { type: "button", class: "icon-btn topbar-new", "aria-label": "New chat", title: "New chat" }, icon("plus"));
    newChat.addEventListener("click", () => this.navigate(null));
    this.titleEl = h("h1", { class: "topbar-title" }, "New chat");
    this.usageEl = h("span", { class: "usage", hidden: true });
    this.checkpointsBtn = h("button", { type: "button", class: "icon-btn", "aria-label": "Checkpoints", title: "Checkpoints", "aria-expanded": "false", hidden: true }, icon("history"));
    this.checkpointsBtn.addEventListener("click", () => this.toggleCheckpoints());
    const topbar = h("header", { class: "topbar" }, toggle, newChat, this.titleEl, h("span", { class: "spacer" }), this.usageEl, this.checkpointsBtn, this.badge.el);

    this.threadInner = h("div", { class: "thread-inner" });
    this.thread = h("section", { class: "thread", "aria-label": "Messages", tabindex: "-1" }, this.threadInner);
    this.thread.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.jumpBtn = h("button", { type: "button", class: "jump-btn", "aria-label": "Scroll to latest message", hidden: true }, icon("arrowDown"));
    this.jumpBtn.addEventListener("click", () => this.scrollToBottom(true));
    this.dropOverlay = h("div", { class: "drop-overlay", hidden: true }, h("div", null, icon("paperclip"), h("span", null, "Drop files to attach")));

    this.announcer = h("div", { class: "sr-only", role: "status", "aria-live": "polite" });
    const scrim = h("div", { class: "scrim", "aria-hidden": "true" });
    scrim.addEventListener("click", () => this.setSidebar(false));
    const main = h("main", { class: "main" }, topbar, this.thread, h("div", { class: "composer-wrap" }, this.jumpBtn, this.composer.el), this.dropOverlay);
    this.el = h("div", { class: "app", "data-sidebar": window.matchMedia("(min-width: 900px)").matches ? "open" : "closed" }, this.sidebar.el, scrim, main, this.checkpoints.el, this.announcer);
    this.setupDrop(main);

    this.current = this.draftView();
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────────
  start(): void {
    window.addEventListener("hashchange", this.onHashChange);
    document.addEventListener("keydown", this.onKeyDown);
    this.route();
    void this.refreshList();
    void this.probeFeatures();
  }

  dispose(): void {
    this.disposed = true;
    window.removeEventListener("hashchange", this.onHashChange);
    document.removeEventListener("keydown", this.onKeyDown);
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const v of this.views.values()) v.turn?.stream.close();
    this.current.turn?.stream.close();
  }

  private async probeFeatures(): Promise<void> {
    const probe = async <T>(path: string): Promise<T | null> => {
      try {
        return await this.api.get<T>(path);
      } catch (e) {
        if (isMissingRoute(e)) return null;
        throw e;
      }
    };
    await Promise.allSettled([
      probe<{ models: ModelInfo[] }>("/api/v1/models").then((r) => {
        this.features.models = Boolean(r);
        this.composer.setModels(r?.models ?? null);
      }),
      probe<AgentInfo[] | { agents: AgentInfo[] }>("/api/v1/agents").then((r) => {
        const agents = Array.isArray(r) ? r : r?.agents ?? null;
        this.features.agents = Boolean(agents);
        this.composer.setAgents(agents, this.agentId);
        if (agents && !agents.some((a) => a.id === this.agentId)) this.agentId = agents[0]?.id ?? "default";
      }),
      probe<{ pending: PendingApproval[] }>("/api/v1/approvals").then((r) => {
        this.features.approvals = Boolean(r);
        this.badge.el.hidden = !r;
        if (r) {
          this.badge.update(r.pending ?? []);
          this.pollTimer = setInterval(() => {
            if (document.visibilityState === "visible") void this.refreshApprovals();
          }, 5000);
        }
      }),
      probe<{ checkpoints: Checkpoint[] }>("/api/v1/checkpoints?limit=1").then((r) => {
        this.features.checkpoints = Boolean(r);
        this.checkpointsBtn.hidden = !r;
      }),
    ]);
  }

  // ── routing ──────────────────────────────────────────────────────────────────────────────────────
  private navigate(id: string | null): void {
    const hash = id ? `#/c/${encodeURIComponent(id)}` : "#/";
    if (!window.matchMedia("(min-width: 900px)").matches) this.setSidebar(false);
    if (location.hash === hash || (!id && !location.hash)) this.route();
    else location.hash = hash;
  }

  private route(): void {
    const id = routeFromHash();
    if (!id) {
      if (this.current.id !== null || !this.current.el.isConnected) this.mount(this.current.id === null ? this.current : this.draftView());
      this.composer.focus();
      return;
    }
    if (this.current.id === id && this.current.el.isConnected && this.current.state !== "failed") return;
    const existing = this.views.get(id);
    if (existing?.turn) {
      this.mount(existing);
      return;
    }
    void this.load(id);
  }

  private draftView(): ConversationView {
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
          b.addEventListener("click", () => this.composer.setText(s));
          return b;
        }),
      ),
    );
    return { id: null, el: h("div", { class: "conversation" }, hero), hero, usage: emptyUsage(), state: "ready" };
  }

  private mount(view: ConversationView): void {
    this.current = view;
    this.threadInner.replaceChildren(view.el);
    this.sidebar.setCurrent(view.id);
    this.updateHeader();
    this.composer.setBusy(Boolean(view.turn));
    this.composer.setDirectory(this.directoryFor(view));
    this.checkpoints.setConversation(view.id !== null && view.state === "ready");
    this.stick = true;
    this.scrollToBottom(false);
  }

  private updateHeader(): void {
    const view = this.current;
    const summary = view.id ? this.sidebar.get(view.id) : undefined;
    const title = view.id ? (summary ? conversationTitle(summary) : view.state === "missing" ? "Not found" : "Conversation") : "New chat";
    this.titleEl.textContent = title;
    document.title = view.id ? `${title} · Penguin` : "Penguin";
    const u = view.usage;
    const total = u.total_tokens || u.prompt_tokens + u.completion_tokens;
    this.usageEl.hidden = !total;
    this.usageEl.replaceChildren(h("span", { class: "usage-num" }, compactNumber(total)), " tokens");
    const cost = u.cost_usd ? ` · $${u.cost_usd.toFixed(4)}` : "";
    this.usageEl.title = `Tokens in this conversation: ${u.prompt_tokens.toLocaleString()} prompt · ${u.completion_tokens.toLocaleString()} completion${cost}`;
    this.usageEl.setAttribute("aria-label", `${total} tokens used in this conversation`);
  }

  // ── conversations ────────────────────────────────────────────────────────────────────────────────
  private async refreshList(): Promise<void> {
    const seq = ++this.listSeq;
    try {
      const r = await this.api.get<{ conversations: ConversationSummary[] }>("/api/v1/conversations?limit=200");
      if (seq !== this.listSeq || this.disposed) return;
      this.sidebar.setConversations(r.conversations ?? []);
      this.sidebar.setCurrent(this.current.id);
      this.updateHeader();
    } catch (e) {
      if (seq !== this.listSeq || this.disposed) return;
      if (e instanceof ApiError && e.status === 401) return;
      this.sidebar.setError(isMissingRoute(e) ? "Conversations are not available on this server yet." : (e as Error).message);
    }
  }

  private async load(id: string): Promise<void> {
    const view: ConversationView = { id, el: h("div", { class: "conversation" }, h("div", { class: "thread-loading" }, h("span", { class: "dots" }, h("i"), h("i"), h("i")))), usage: emptyUsage(), state: "loading" };
    this.views.set(id, view);
    this.mount(view);
    try {
      const detail = await this.api.get<ConversationDetail>(`/api/v1/conversations/${encodeURIComponent(id)}`);
      if (view.turn) return;
      view.sessionId = detail.session_id;
      if (detail.directory && !read(DIR_KEY(id))) store(DIR_KEY(id), detail.directory);
      this.renderHistory(view, detail);
      view.state = "ready";
    } catch (e) {
      const missing = e instanceof ApiError && e.status === 404;
      view.state = missing ? "missing" : "failed";
      const retry = h("button", { type: "button", class: "btn btn-secondary btn-sm" }, icon("retry"), "Try again");
      retry.addEventListener("click", () => void this.load(id));
      const newChat = h("button", { type: "button", class: "btn btn-secondary btn-sm" }, icon("plus"), "New chat");
      newChat.addEventListener("click", () => this.navigate(null));
      view.el.replaceChildren(
        h(
          "div",
          { class: "thread-empty", role: "alert" },
          icon("alert"),
          h("h2", null, missing ? "This conversation does not exist" : "Could not load this conversation"),
          h("p", null, missing ? "It may have been deleted." : (e as Error).message),
          missing ? newChat : retry,
        ),
      );
    }
    if (this.current === view) this.mount(view);
  }

  private renderHistory(view: ConversationView, detail: ConversationDetail): void {
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
        turn = new AssistantTurn(this.turnCallbacks(view), false);
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
        const p = m.usage?.prompt_tokens ?? m.prompt_tokens ?? 0;
        const c = m.usage?.completion_tokens ?? m.completion_tokens ?? 0;
        const cost = m.usage?.cost_usd ?? m.cost_usd ?? 0;
        for (const u of [usage, turnUsage]) {
          u.prompt_tokens += p;
          u.completion_tokens += c;
          u.total_tokens += m.usage?.total_tokens ?? p + c;
          u.cost_usd += cost;
        }
        if (m.status === "interrupted") t.interrupted();
        else if (m.status === "error") t.interrupted("Ended with an error");
      } else if (m.role === "tool") {
        const meta = m.metadata ?? {};
        t.toolResult(m.tool_call_id ?? m.id ?? "", m.name ?? "tool", toolStatus(m), m.content ?? "", typeof meta.duration_ms === "number" ? meta.duration_ms : undefined);
      }
    }
    closeTurn();
    view.usage = usageFrom(detail.usage ?? detail.token_usage) ?? usage;
    if (!el.childElementCount) el.append(h("div", { class: "thread-empty" }, h("p", null, "No messages yet. Say hello below.")));
    view.el.replaceWith(el);
    view.el = el;
  }

  private async rename(id: string, title: string): Promise<void> {
    try {
      await this.api.patch(`/api/v1/conversations/${encodeURIComponent(id)}`, { title });
      this.updateHeader();
      void this.refreshList();
    } catch (e) {
      toast(`Could not rename: ${(e as Error).message}`, "error");
      throw e;
    }
  }

  private async remove(c: ConversationSummary): Promise<void> {
    const ok = await confirmDialog({
      title: "Delete conversation?",
      message: `“${conversationTitle(c)}” and all its messages will be deleted. This cannot be undone.`,
      confirmLabel: "Delete",
      danger: true,
    });
    if (!ok) return;
    try {
      const view = this.views.get(c.conversation_id);
      view?.turn?.stream.stop();
      await this.api.delete(`/api/v1/conversations/${encodeURIComponent(c.conversation_id)}`);
      this.views.delete(c.conversation_id);
      store(DIR_KEY(c.conversation_id), null);
      if (this.current.id === c.conversation_id) this.navigate(null);
      toast("Conversation deleted", "success", 2500);
    } catch (e) {
      toast(`Could not delete: ${(e as Error).message}`, "error");
    }
    void this.refreshList();
  }

  // ── sending and streaming ────────────────────────────────────────────────────────────────────────
  private send(text: string, attachments: Attachment[]): void {
    const view = this.current;
    if (view.turn || view.state === "loading") return;
    const image = attachments.find((a) => a.isImage && a.path);
    const files = attachments.filter((a) => !a.isImage && a.path).map((a) => a.path!);
    const payload: ChatPayload = {
      text: text || `Please look at the attached ${attachments.length === 1 ? "file" : "files"}: ${attachments.map((a) => a.name).join(", ")}`,
      include_reasoning: true,
    };
    if (view.id) payload.conversation_id = view.id;
    if (image) payload.image_path = image.path;
    if (files.length) payload.context_files = files;
    view.hero?.remove();
    view.hero = undefined;
    view.el.querySelector(".thread-empty")?.remove();
    const bubble = userMessage(text, attachments.map((a) => ({ name: a.name, isImage: a.isImage, previewUrl: a.previewUrl })));
    bubble.classList.add("appear");
    view.el.append(bubble);
    this.startTurn(view, payload);
  }

  private startTurn(view: ConversationView, payload: ChatPayload): void {
    // Fields that may have changed since a failed attempt (the conversation id arrives with `start`).
    if (view.id) payload.conversation_id = view.id;
    const directory = this.directoryFor(view);
    if (directory) {
      // The binding belongs to a session: a new chat gets a fresh session key so it never joins another one.
      payload.directory = directory;
      payload.session_id = view.sessionId ??= newId();
    } else {
      delete payload.directory;
      delete payload.session_id;
    }
    if (this.features.agents && this.agentId) payload.agent_id = this.agentId;
    const turn = new AssistantTurn(
      {
        ...this.turnCallbacks(view),
        onRetry: () => {
          if (view.turn) return;
          turn.el.remove();
          this.startTurn(view, payload);
        },
      },
      true,
    );
    view.el.append(turn.el);
    const stream = new ChatStream(this.api.wsUrl("/api/v1/chat/stream"), payload, {
      onEvent: (event) => this.onEvent(view, turn, stream, event),
      onLost: (reason) => {
        if (stream.stopRequested) turn.stopped();
        else turn.error(reason);
        this.endTurn(view);
      },
    });
    view.turn = { stream, view: turn };
    if (view.id) this.sidebar.busy.add(view.id);
    if (this.current === view) {
      this.composer.setBusy(true);
      this.stick = true;
      this.scrollToBottom(false);
    }
  }

  private onEvent(view: ConversationView, turn: AssistantTurn, stream: ChatStream, event: TurnEvent): void {
    switch (event.event) {
      case "start": {
        const { conversation_id: id, session_id } = event.data;
        if (session_id) view.sessionId = session_id;
        if (id && view.id !== id) {
          const wasDraft = view.id === null;
          view.id = id;
          this.views.set(id, view);
          this.sidebar.busy.add(id);
          if (wasDraft && this.draftDirectory) {
            store(DIR_KEY(id), this.draftDirectory);
            this.draftDirectory = null;
          }
          if (this.current === view) {
            history.replaceState(history.state, "", `${location.pathname}${location.search}#/c/${encodeURIComponent(id)}`);
            this.sidebar.setCurrent(id);
            this.checkpoints.setConversation(true);
          }
          void this.refreshList();
        }
        break;
      }
      case "token":
        turn.appendText(event.data.token ?? "");
        break;
      case "reasoning":
        turn.appendReasoning(event.data.token ?? "");
        break;
      case "progress":
        turn.progress(event.data.iteration, event.data.max_iterations);
        break;
      case "tool_start":
        turn.toolStart(event.data.id, event.data.name, event.data.arguments);
        break;
      case "tool_result":
        turn.toolResult(event.data.id, event.data.name, event.data.status as ToolStatus, event.data.result ?? "", event.data.duration_ms);
        break;
      case "approval_required": {
        const d = event.data;
        this.announce(`Approval needed: ${d.tool_name} ${d.resource}`);
        turn.approvalRequired({ id: d.request_id, tool_name: d.tool_name, operation: d.operation, resource: d.resource, reason: d.reason, expires_at: d.expires_at, session_id: view.sessionId });
        void this.refreshApprovals();
        break;
      }
      case "approval_resolved":
        turn.approvalResolved(event.data.request_id, event.data.status, event.data.scope);
        void this.refreshApprovals();
        break;
      case "complete": {
        const d = event.data;
        turn.ensureText(d.response ?? "");
        if (d.usage) {
          const u = view.usage;
          u.prompt_tokens += d.usage.prompt_tokens ?? 0;
          u.completion_tokens += d.usage.completion_tokens ?? 0;
          u.total_tokens += d.usage.total_tokens ?? (d.usage.prompt_tokens ?? 0) + (d.usage.completion_tokens ?? 0);
          u.cost_usd += d.usage.cost_usd ?? 0;
        }
        if (stream.stopRequested) turn.stopped();
        else turn.complete(d.usage);
        this.announce(stream.stopRequested ? "Stopped" : "Penguin answered");
        this.endTurn(view);
        break;
      }
      case "error":
        if (stream.stopRequested) turn.stopped();
        else turn.error(event.data.message || "The turn failed.");
        this.announce(stream.stopRequested ? "Stopped" : `Error: ${event.data.message}`);
        this.endTurn(view);
        break;
    }
  }

  private endTurn(view: ConversationView): void {
    view.turn = undefined;
    view.state = "ready";
    if (view.id) this.sidebar.busy.delete(view.id);
    if (this.current === view) {
      this.composer.setBusy(false);
      this.updateHeader();
      this.checkpoints.setConversation(view.id !== null);
    }
    void this.refreshList();
  }

  private announce(text: string): void {
    this.announcer.textContent = text;
  }

  private stop(): void {
    this.current.turn?.stream.stop();
  }

  private turnCallbacks(view: ConversationView) {
    return {
      onChange: () => {
        if (this.current === view) this.followScroll();
      },
      onDecide: (approval: PendingApproval, decision: Decision) => this.decide(approval, decision),
    };
  }

  // ── scrolling ────────────────────────────────────────────────────────────────────────────────────
  private onScroll(): void {
    const distance = this.thread.scrollHeight - this.thread.scrollTop - this.thread.clientHeight;
    this.stick = distance < 80;
    this.jumpBtn.hidden = this.stick;
  }

  private followScroll(): void {
    if (this.stick) this.thread.scrollTop = this.thread.scrollHeight;
    else this.jumpBtn.hidden = false;
  }

  private scrollToBottom(smooth: boolean): void {
    this.stick = true;
    this.jumpBtn.hidden = true;
    this.thread.scrollTo({ top: this.thread.scrollHeight, behavior: smooth ? "smooth" : "auto" });
  }

  // ── attachments and directory ────────────────────────────────────────────────────────────────────
  private async upload(file: File): Promise<UploadResult> {
    const form = new FormData();
    form.append("file", file, file.name || "upload");
    try {
      return await this.api.request<UploadResult>("POST", "/api/v1/upload", form);
    } catch (e) {
      toast(`Could not upload ${file.name}: ${(e as Error).message}`, "error");
      throw e;
    }
  }

  private setupDrop(target: HTMLElement): void {
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes("Files");
    target.addEventListener("dragenter", (e) => {
      if (!hasFiles(e)) return;
      depth++;
      this.dropOverlay.hidden = false;
    });
    target.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (!depth) this.dropOverlay.hidden = true;
    });
    target.addEventListener("dragover", (e) => {
      if (hasFiles(e)) e.preventDefault();
    });
    target.addEventListener("drop", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      this.dropOverlay.hidden = true;
      this.composer.acceptDrop(Array.from(e.dataTransfer?.files ?? []));
    });
  }

  private directoryFor(view: ConversationView): string | null {
    return view.id ? read(DIR_KEY(view.id)) : this.draftDirectory;
  }

  private async editDirectory(): Promise<void> {
    const view = this.current;
    const value = await promptDialog({
      title: "Working directory",
      message: "Tools in this chat read, write and run commands inside this folder on the server. Leave it empty to use the server's project root.",
      label: "Absolute path on the server",
      value: this.directoryFor(view) ?? "",
      placeholder: "/home/me/projects/my-app",
      hint: "A chat is bound to its folder by its first message; it cannot move to another folder afterwards.",
      confirmLabel: "Save",
    });
    if (value === null) return;
    const dir = value.trim() || null;
    if (view.id) store(DIR_KEY(view.id), dir);
    else this.draftDirectory = dir;
    if (this.current === view) this.composer.setDirectory(dir);
  }

  // ── models ───────────────────────────────────────────────────────────────────────────────────────
  private async loadModel(id: string): Promise<boolean> {
    try {
      const r = await this.api.post<{ current_model?: string; message?: string }>("/api/v1/models/load", { model_id: id });
      toast(r?.message ?? `Switched to ${id}`, "success", 2500);
      return true;
    } catch (e) {
      toast(`Could not switch model: ${(e as Error).message}`, "error");
      return false;
    }
  }

  // ── approvals ────────────────────────────────────────────────────────────────────────────────────
  private async refreshApprovals(): Promise<void> {
    if (!this.features.approvals || this.disposed) return;
    try {
      const r = await this.api.get<{ pending: PendingApproval[] }>("/api/v1/approvals");
      this.badge.update(r.pending ?? []);
    } catch {
      /* next poll */
    }
  }

  private async decide(approval: PendingApproval, decision: Decision): Promise<void> {
    const id = encodeURIComponent(approval.id);
    if (decision === "deny") await this.api.post(`/api/v1/approvals/${id}/deny`, {});
    else await this.api.post(`/api/v1/approvals/${id}/approve`, { scope: decision });
    void this.refreshApprovals();
  }

  // ── checkpoints ──────────────────────────────────────────────────────────────────────────────────
  private toggleCheckpoints(open = !this.checkpoints.isOpen): void {
    this.checkpoints.el.hidden = !open;
    this.checkpointsBtn.setAttribute("aria-expanded", String(open));
    this.el.classList.toggle("drawer-open", open);
    if (open) void this.checkpoints.refresh();
  }

  private async listCheckpoints(): Promise<Checkpoint[]> {
    const view = this.current;
    if (!view.id) return [];
    const q = new URLSearchParams({ limit: "50", conversation_id: view.id });
    if (view.sessionId) q.set("session_id", view.sessionId);
    const r = await this.api.get<{ checkpoints: Checkpoint[] }>(`/api/v1/checkpoints?${q}`);
    return (r.checkpoints ?? []).filter((c) => !c.conversation_id || c.conversation_id === view.id);
  }

  private async createCheckpoint(): Promise<boolean> {
    const view = this.current;
    if (!view.id) return false;
    const name = await promptDialog({ title: "Create checkpoint", label: "Name", value: "", placeholder: "Before refactoring", confirmLabel: "Create" });
    if (name === null) return false;
    try {
      await this.api.post("/api/v1/checkpoints/create", { name: name.trim() || "Checkpoint", conversation_id: view.id, session_id: view.sessionId });
      toast("Checkpoint created", "success", 2500);
      return true;
    } catch (e) {
      toast(`Could not create checkpoint: ${(e as Error).message}`, "error");
      return false;
    }
  }

  private async rollback(c: Checkpoint): Promise<void> {
    const view = this.current;
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
      const r = await this.api.post<{ message?: string }>(`/api/v1/checkpoints/${encodeURIComponent(c.id)}/rollback`, { restore_files: answer.option });
      toast(r?.message ?? "Rolled back", "success", 3000);
      await this.load(view.id);
      void this.checkpoints.refresh();
      void this.refreshList();
    } catch (e) {
      toast(`Could not roll back: ${(e as Error).message}`, "error");
    }
  }

  private async branch(c: Checkpoint): Promise<void> {
    const view = this.current;
    const base = view.id ? conversationTitle(this.sidebar.get(view.id) ?? {}) : "conversation";
    const name = await promptDialog({ title: "Branch from this checkpoint", message: "A new conversation starts from this point; this one stays as it is.", label: "Name of the branch", value: `Branch of ${base}`, confirmLabel: "Create branch" });
    if (name === null) return;
    try {
      const r = await this.api.post<{ branch_id: string }>(`/api/v1/checkpoints/${encodeURIComponent(c.id)}/branch`, { name: name.trim() || undefined });
      toast("Branch created", "success", 2500);
      await this.refreshList();
      if (r?.branch_id) this.navigate(r.branch_id);
    } catch (e) {
      toast(`Could not branch: ${(e as Error).message}`, "error");
    }
  }

  // ── chrome ───────────────────────────────────────────────────────────────────────────────────────
  private setSidebar(open: boolean): void {
    this.el.dataset.sidebar = open ? "open" : "closed";
  }

  private keydown(e: KeyboardEvent): void {
    if (document.querySelector("dialog[open]")) return;
    if (e.key === "Escape" && !e.defaultPrevented) {
      if (this.current.turn) {
        e.preventDefault();
        this.stop();
      } else if (this.checkpoints.isOpen) this.toggleCheckpoints(false);
      else if (this.el.dataset.sidebar === "open" && !window.matchMedia("(min-width: 900px)").matches) this.setSidebar(false);
    } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "k") {
      e.preventDefault();
      this.setSidebar(true);
      this.sidebar.focusSearch();
    } else if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === "o") {
      e.preventDefault();
      this.navigate(null);
    }
  }
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

function newId(): string {
  if (typeof crypto.randomUUID === "function" && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function toolStatus(m: HistoryMessage): ToolStatus {
  const s = (m.metadata?.status as string | undefined) ?? m.status;
  if (s === "error" || s === "denied" || s === "interrupted") return s;
  return "completed";
}
