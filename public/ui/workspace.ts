// The chat workspace: lays out sidebar, top bar, thread, composer and drawers, and wires the controllers
// together: routing (routing.ts), turns (turns.ts), approvals, checkpoints, uploads and the working directory.
// The optional features (models, agents, approvals, checkpoints) show only when the server offers them.
import { isMissingRoute, type Api } from "../lib/api";
import { h } from "../lib/dom";
import { compactNumber } from "../lib/format";
import { icon } from "../lib/icons";
import { readStored, writeStored } from "../lib/storage";
import type { AgentInfo, Checkpoint, ModelInfo, PendingApproval, SystemInfo } from "../lib/types";
import type { McpServerList } from "../../src/core/mcp/schema";
import { AgentsView } from "./agents";
import { Approvals } from "./approvals";
import { Notices } from "./notices";
import { directoryProblem } from "./directory-check";
import { Checkpoints } from "./checkpoints";
import { McpServers } from "./mcp";
import { MemoriesPanel } from "./memories";
import { UsageView } from "./usage";
import { Branching } from "./branching";
import { Composer } from "./composer";
import { draftView, type ConversationView } from "./conversation";
import type { TurnCallbacks } from "./messages";
import { Router } from "./routing";
import { Sidebar, conversationTitle } from "./sidebar";
import { toast } from "./toast";
import { TurnController } from "./turns";
import { WorkingDirectories, acceptDroppedFiles, uploadFile } from "./uploads";

const AGENT_KEY = "penguin.agent";
/** Wide screens keep the sidebar beside the thread; narrow ones show it as an overlay. */
const isWide = () => window.matchMedia("(min-width: 900px)").matches;

export class Workspace {
  readonly el: HTMLElement;
  private readonly sidebar: Sidebar;
  private readonly composer: Composer;
  private readonly approvals: Approvals;
  private readonly notices: Notices;
  private readonly checkpoints: Checkpoints;
  private readonly directories: WorkingDirectories;
  private readonly router: Router;
  private readonly turns: TurnController;
  private readonly thread: HTMLElement;
  private readonly threadInner: HTMLElement;
  private readonly titleEl: HTMLElement;
  private readonly usageEl: HTMLElement;
  private readonly sandboxEl: HTMLElement;
  private readonly mcp: McpServers;
  private readonly memories: MemoriesPanel;
  private readonly agentsView: AgentsView;
  private readonly jumpBtn: HTMLButtonElement;
  private agentId = readStored(AGENT_KEY) ?? "default";
  private hasAgents = false;
  /** The thread follows new content while the reader is at the bottom. */
  private stick = true;
  private readonly onKeyDown = (e: KeyboardEvent) => this.keydown(e);

  constructor(
    private readonly api: Api,
    onSignOut: () => void,
  ) {
    this.sidebar = new Sidebar({
      onNew: () => this.router.navigate(null),
      onOpen: (id) => this.router.navigate(id),
      onRename: (id, title) => this.router.rename(id, title),
      onDelete: (c) => void this.router.remove(c),
      onSignOut,
      onClose: () => this.setSidebar(false),
      onUsage: () => void new UsageView(api).open(),
      onStale: () => void this.router.refreshList(),
    });
    this.composer = new Composer({
      onSend: (text, attachments) => this.turns.send(text, attachments),
      onStop: () => this.turns.stop(),
      upload: (file) => uploadFile(api, file),
      onDirectory: () => void this.directories.edit(),
      onModel: (id) => this.loadModel(id),
      onAgent: (id) => {
        this.agentId = id;
        writeStored(AGENT_KEY, id);
      },
    });
    this.approvals = new Approvals(api);
    this.directories = new WorkingDirectories(this.composer, () => this.router.current, (dir) => directoryProblem(api, dir));
    const { sidebar, composer, approvals, directories } = this;
    this.router = new Router({
      api,
      sidebar,
      directories,
      newDraft: () => draftView((text) => composer.setText(text)),
      mount: (view) => this.mount(view),
      updateHeader: () => this.updateHeader(),
      turnCallbacks: (view) => this.turnCallbacks(view),
      reattach: (view, detail) => this.turns.reattach(view, detail),
      beforeNavigate: () => {
        if (!isWide()) this.setSidebar(false);
      },
      focusComposer: () => composer.focus(),
    });
    const router = this.router;
    this.checkpoints = new Checkpoints({
      api,
      router,
      sidebar,
      onToggle: (open) => this.el.classList.toggle("drawer-open", open),
      offerPrompt: (text) => composer.textarea.value.trim() === "" && composer.setText(text),
    });
    this.turns = new TurnController({
      api,
      router,
      sidebar,
      composer,
      approvals,
      directories,
      checkpoints: this.checkpoints,
      agentId: () => (this.hasAgents && this.agentId) || undefined,
      turnCallbacks: (view) => this.turnCallbacks(view),
      updateHeader: () => this.updateHeader(),
      scrollToBottom: () => this.scrollToBottom(false),
    });

    const toggle = h("button", { type: "button", class: "icon-btn sidebar-toggle", "aria-label": "Open sidebar", title: "Conversations" }, icon("sidebar"));
    toggle.addEventListener("click", () => this.setSidebar(true));
    const newChat = h("button", { type: "button", class: "icon-btn topbar-new", "aria-label": "New chat", title: "New chat" }, icon("plus"));
    newChat.addEventListener("click", () => router.navigate(null));
    this.titleEl = h("h1", { class: "topbar-title" }, "New chat");
    this.usageEl = h("span", { class: "usage", hidden: true });
    this.sandboxEl = h("span", { class: "sandbox-badge", role: "status", hidden: true });
    this.mcp = new McpServers(api);
    this.agentsView = new AgentsView(api, {
      onChange: (agents) => this.composer.setAgents(agents.filter((a) => !a.is_sub_agent), this.agentId),
      openConversation: (id) => router.navigate(id),
    });
    // one drawer at a time: opening the memory drawer closes the checkpoints
    this.memories = new MemoriesPanel(api, (open) => open && this.checkpoints.panel.isOpen && this.checkpoints.toggle(false));
    const topbar = h("header", { class: "topbar" }, toggle, newChat, this.titleEl, h("span", { class: "spacer" }), this.sandboxEl, this.usageEl, this.agentsView.button, this.mcp.el, this.memories.button, this.checkpoints.button, approvals.badge.el);

    this.threadInner = h("div", { class: "thread-inner" });
    this.thread = h("section", { class: "thread", "aria-label": "Messages", tabindex: "-1" }, this.threadInner);
    this.thread.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.jumpBtn = h("button", { type: "button", class: "jump-btn", "aria-label": "Scroll to latest message", hidden: true }, icon("arrowDown"));
    this.jumpBtn.addEventListener("click", () => this.scrollToBottom(true));

    const scrim = h("div", { class: "scrim", "aria-hidden": "true" });
    scrim.addEventListener("click", () => this.setSidebar(false));
    this.notices = new Notices(api, (root) => this.composer.setDefaultRoot(root));
    const main = h("main", { class: "main" }, topbar, this.notices.el, this.thread, h("div", { class: "composer-wrap" }, this.jumpBtn, composer.el));
    acceptDroppedFiles(main, (files) => composer.acceptDrop(files));
    this.el = h("div", { class: "app", "data-sidebar": isWide() ? "open" : "closed" }, sidebar.el, scrim, main, this.checkpoints.panel.el, this.memories.el, this.turns.announcer);
    new Branching({ api, router: this.router, thread: this.threadInner, send: (text) => this.turns.send(text, []) });
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────────
  start(): void {
    document.addEventListener("keydown", this.onKeyDown);
    this.router.start();
    void this.probeFeatures();
    void this.notices.start();
  }

  dispose(): void {
    this.router.dispose();
    document.removeEventListener("keydown", this.onKeyDown);
    this.approvals.dispose();
    this.turns.dispose();
    this.mcp.dispose();
    this.agentsView.dispose();
  }

  /** Asks the server which optional features it has: a 404/405 means no, and that part of the page stays hidden. */
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
      probe<{ models: ModelInfo[] }>("/api/v1/models").then((r) => this.composer.setModels(r?.models ?? null)),
      probe<AgentInfo[] | { agents: AgentInfo[] }>("/api/v1/agents").then((r) => {
        const agents = Array.isArray(r) ? r : r?.agents ?? null;
        this.hasAgents = Boolean(agents);
        this.agentsView.start(agents);
        this.composer.setAgents(agents, this.agentId);
        if (agents && !agents.some((a) => a.id === this.agentId)) this.agentId = agents[0]?.id ?? "default";
      }),
      probe<{ pending: PendingApproval[] }>("/api/v1/approvals").then((r) => this.approvals.start(r)),
      probe<{ checkpoints: Checkpoint[] }>("/api/v1/checkpoints?limit=1").then((r) => this.checkpoints.setAvailable(Boolean(r))),
      probe<SystemInfo>("/api/v1/system/info").then((r) => this.showSandbox(r?.sandbox)),
      probe<McpServerList>("/api/v1/mcp").then((r) => this.mcp.start(r)),
      probe<unknown>("/v1/memories/stats").then((r) => this.memories.setAvailable(Boolean(r))),
    ]);
  }

  /** Whether the agent's commands are contained: quiet when they are, a warning when they are not. */
  private showSandbox(sandbox: SystemInfo["sandbox"] | undefined): void {
    if (!sandbox) return;
    const contained = sandbox.mode === "bubblewrap";
    this.sandboxEl.hidden = false;
    this.sandboxEl.dataset.mode = sandbox.mode;
    this.sandboxEl.textContent = contained ? "Sandboxed" : "Not sandboxed";
    this.sandboxEl.title = contained
      ? "Commands run in a bubblewrap sandbox: only the project folder, no network unless you approve it, none of the server's secrets."
      : `Commands run without a sandbox: ${sandbox.reason}. Every command that is not read-only asks first.${sandbox.installHint ? ` ${sandbox.installHint}` : ""}`;
  }

  // ── what is on screen ────────────────────────────────────────────────────────────────────────────
  private mount(view: ConversationView): void {
    this.threadInner.replaceChildren(view.el);
    this.sidebar.setCurrent(view.id);
    this.updateHeader();
    this.composer.setBusy(Boolean(view.turn));
    this.composer.setDirectory(this.directories.of(view));
    this.checkpoints.panel.setConversation(view.id !== null && view.state === "ready");
    this.scrollToBottom(false);
  }

  private updateHeader(): void {
    const view = this.router.current;
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

  /** For every assistant turn of a view, live or rebuilt from history. */
  private turnCallbacks(view: ConversationView): TurnCallbacks {
    return {
      onChange: () => {
        if (this.router.current === view) this.followScroll();
      },
      onDecide: (approval, decision) => this.approvals.decide(approval, decision),
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

  // ── chrome ───────────────────────────────────────────────────────────────────────────────────────
  private setSidebar(open: boolean): void {
    this.el.dataset.sidebar = open ? "open" : "closed";
  }

  private keydown(e: KeyboardEvent): void {
    if (document.querySelector("dialog[open]")) return;
    if (e.key === "Escape" && !e.defaultPrevented) {
      if (this.router.current.turn) {
        e.preventDefault();
        this.turns.stop();
      } else if (this.checkpoints.panel.isOpen) this.checkpoints.toggle(false);
      else if (this.el.dataset.sidebar === "open" && !isWide()) this.setSidebar(false);
    } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "k") {
      e.preventDefault();
      this.setSidebar(true);
      this.sidebar.focusSearch();
    } else if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === "o") {
      e.preventDefault();
      this.router.navigate(null);
    }
  }
}
