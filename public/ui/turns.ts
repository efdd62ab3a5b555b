// The turn controller: sending a message, the chat WebSocket stream of each turn (one socket per turn, so turns in
// several conversations run side by side), stop and retry, and what each stream event changes on the page. A turn
// belongs to the server: a page loaded while one runs in its conversation (a reload, another tab) reattaches to it
// and replays it from its start, pending approvals included.
import type { Api } from "../lib/api";
import { h } from "../lib/dom";
import { ChatStream, type ChatPayload } from "../lib/stream";
import type { ConversationDetail, RunningTurnView, TurnEvent } from "../lib/types";
import type { Approvals } from "./approvals";
import type { Checkpoints } from "./checkpoints";
import type { Attachment, Composer } from "./composer";
import { addUsage, type ConversationView } from "./conversation";
import { AssistantTurn, userMessage, type TurnCallbacks } from "./messages";
import type { Router } from "./routing";
import type { Sidebar } from "./sidebar";
import type { ToolStatus } from "./toolcard";
import type { WorkingDirectories } from "./uploads";

export interface TurnHost {
  api: Api;
  router: Router;
  sidebar: Sidebar;
  composer: Composer;
  approvals: Approvals;
  checkpoints: Checkpoints;
  directories: WorkingDirectories;
  /** The agent picked in the composer, when the server has agents. */
  agentId(): string | undefined;
  turnCallbacks(view: ConversationView): TurnCallbacks;
  updateHeader(): void;
  scrollToBottom(): void;
}

export class TurnController {
  /** Screen-reader announcements of turn outcomes (the streaming text itself is not read out token by token). */
  readonly announcer: HTMLElement;

  constructor(private readonly host: TurnHost) {
    this.announcer = h("div", { class: "sr-only", role: "status", "aria-live": "polite" });
  }

  send(text: string, attachments: Attachment[]): void {
    const view = this.host.router.current;
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
    this.start(view, payload);
  }

  /** Stops the turn of the conversation on screen. */
  stop(): void {
    this.host.router.current.turn?.stream.stop();
  }

  /**
   * After a conversation's history is on screen: a turn still running there is followed from its start, in place of
   * the partial answer the history shows. Returns once that is decided.
   */
  async reattach(view: ConversationView, detail: ConversationDetail): Promise<void> {
    const id = view.id;
    if (!id || view.turn) return;
    let running: RunningTurnView | undefined;
    try {
      running = (await this.host.api.get<{ turns: RunningTurnView[] }>(`/api/v1/chat/turns?conversation_id=${encodeURIComponent(id)}`)).turns[0];
    } catch {
      return; // an older server: the history is all there is
    }
    if (view.turn || this.host.router.views.get(id) !== view) return;
    if (!running) {
      // It ended between the two requests: the history may show a partial answer; load it once more.
      if (detail.messages?.at(-1)?.status === "streaming" && !this.reloaded.has(id)) {
        this.reloaded.add(id);
        void this.host.router.load(id);
      }
      return;
    }
    // The history ends with the turn's question; its answer so far is replayed from the turn's first event.
    const questions = view.el.querySelectorAll(".msg-user");
    const question = questions[questions.length - 1];
    while (question?.nextSibling) question.nextSibling.remove();
    this.attach(view, undefined, { turnId: running.turn_id, since: running.since });
  }

  /** Closes every live stream: the workspace is going away. */
  dispose(): void {
    const { views, current } = this.host.router;
    for (const v of views.values()) v.turn?.stream.close();
    current.turn?.stream.close();
  }

  /** Conversations loaded again because a turn ended while they loaded (once each). */
  private readonly reloaded = new Set<string>();

  private start(view: ConversationView, payload: ChatPayload): void {
    // Fields that may have changed since a failed attempt (the conversation id arrives with `start`).
    if (view.id) payload.conversation_id = view.id;
    const directory = this.host.directories.of(view);
    if (directory) {
      // The binding belongs to a session: a new chat gets a fresh session key so it never joins another one.
      payload.directory = directory;
      payload.session_id = view.sessionId ??= newId();
    } else {
      delete payload.directory;
      delete payload.session_id;
    }
    const agentId = this.host.agentId();
    if (agentId) payload.agent_id = agentId;
    this.attach(view, payload);
  }

  /** A live turn on the page: a new one (`payload`), or one already running at the server (`resume`). */
  private attach(view: ConversationView, payload: ChatPayload | undefined, resume?: { turnId: string; since: number }): void {
    const { api, sidebar, composer } = this.host;
    const turn = new AssistantTurn(
      {
        ...this.host.turnCallbacks(view),
        onRetry: payload
          ? () => {
              if (view.turn) return;
              turn.el.remove();
              this.start(view, payload);
            }
          : undefined,
      },
      true,
    );
    view.el.append(turn.el);
    const stream = new ChatStream(
      api.wsUrl("/api/v1/chat/stream"),
      payload,
      {
        onEvent: (event) => this.onEvent(view, turn, stream, event),
        onLost: (reason) => {
          if (stream.stopRequested) turn.stopped();
          else turn.error(reason);
          this.end(view);
        },
        stopTurn: (turnId) => api.post(`/api/v1/chat/turns/${encodeURIComponent(turnId)}/stop`),
      },
      resume,
    );
    view.turn = { stream, view: turn };
    if (view.id) sidebar.busy.add(view.id);
    if (this.host.router.current === view) {
      composer.setBusy(true);
      this.host.scrollToBottom();
    }
  }

  private onEvent(view: ConversationView, turn: AssistantTurn, stream: ChatStream, event: TurnEvent): void {
    const { router, sidebar, approvals } = this.host;
    switch (event.event) {
      case "start": {
        const { conversation_id: id, session_id } = event.data;
        if (session_id) view.sessionId = session_id;
        if (id && view.id !== id) {
          const wasDraft = view.id === null;
          sidebar.busy.add(id);
          router.adopt(view, id);
          if (wasDraft) this.host.directories.adoptDraft(id);
          if (router.current === view) this.host.checkpoints.panel.setConversation(true);
          void router.refreshList();
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
        turn.approvalRequired({ ...d, id: d.request_id }); // with its preview: the proposed diff, a command's folder
        void approvals.refresh();
        break;
      }
      case "approval_resolved":
        turn.approvalResolved(event.data.request_id, event.data.status, event.data.scope);
        void approvals.refresh();
        break;
      case "complete": {
        const d = event.data;
        turn.ensureText(d.response ?? "");
        if (d.usage) addUsage(view.usage, d.usage);
        if (stream.stopRequested) turn.stopped();
        else turn.complete(d.usage);
        this.announce(stream.stopRequested ? "Stopped" : "Penguin answered");
        this.end(view);
        break;
      }
      case "error":
        if (stream.stopRequested) turn.stopped();
        else turn.error(event.data.message || "The turn failed.", event.data.recoverable !== false); // Retry only when it can help
        this.announce(stream.stopRequested ? "Stopped" : `Error: ${event.data.message}`);
        this.end(view);
        break;
    }
  }

  private end(view: ConversationView): void {
    view.turn = undefined;
    view.state = "ready";
    if (view.id) this.host.sidebar.busy.delete(view.id);
    if (this.host.router.current === view) {
      this.host.composer.setBusy(false);
      this.host.updateHeader();
      this.host.checkpoints.panel.setConversation(view.id !== null);
    }
    void this.host.router.refreshList();
  }

  private announce(text: string): void {
    this.announcer.textContent = text;
  }
}

function newId(): string {
  if (typeof crypto.randomUUID === "function" && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
