// The agents view: a top-bar button opening a dialog with every agent as a parent/child tree and its state (working,
// idle, paused), one agent's details, actions (pause, resume, delete) and recent history, and a form to create an
// agent. Refreshed every 2 s while open, so sub-agents appear and go idle as the model works with them; a live feed from
// the event stream (WS /api/v1/events/ws) lists delegations and agents' state changes as they happen.
import type { Api } from "../lib/api";
import { ApiError } from "../lib/api";
import { h } from "../lib/dom";
import { relativeTime, toDate, truncate } from "../lib/format";
import { icon } from "../lib/icons";
import type { AgentInfo, HistoryMessage, ModelInfo } from "../lib/types";
import { confirmWithOption } from "./dialogs";
import { toast } from "./toast";

const POLL_MS = 2000;
const HISTORY_LIMIT = 30;

// The few styles of this part live with it; the rest comes from the shared dialog, field and button classes.
const STYLE = `
.agents-dialog { width: min(980px, calc(100vw - 24px)); max-height: calc(100vh - 48px); }
.agents-shell { display: grid; grid-template-rows: auto 1fr; height: min(640px, calc(100vh - 50px)); }
.agents-head { display: flex; align-items: center; gap: 8px; padding: 16px 18px 12px; border-bottom: 1px solid var(--border); }
.agents-head h2 { margin: 0; font-size: 17px; margin-right: auto; }
.agents-body { display: grid; grid-template-columns: minmax(220px, 300px) 1fr; min-height: 0; overflow: hidden; }
.agents-tree { overflow: auto; padding: 10px 8px; border-right: 1px solid var(--border); }
.agents-tree ul { list-style: none; margin: 0; padding: 0; }
.agents-tree ul ul { margin-left: 14px; padding-left: 8px; border-left: 1px dashed var(--border-strong); }
.agent-row { display: flex; align-items: center; gap: 8px; width: 100%; padding: 7px 8px; border: 0; border-radius: 9px; background: none; text-align: left; color: var(--text); }
.agent-row:hover { background: var(--bg-hover); }
.agent-row[aria-current="true"] { background: var(--accent-soft); }
.agent-row .agent-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.agent-row .agent-persona { color: var(--text-3); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.agent-row .agent-text { display: grid; min-width: 0; flex: 1; }
.agent-state { flex: none; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; background: var(--bg-subtle); color: var(--text-2); }
.agent-state[data-state="working"] { background: var(--accent-soft); color: var(--accent); }
.agent-state[data-state="working"]::before { content: ""; display: inline-block; width: 6px; height: 6px; margin-right: 5px; border-radius: 50%; background: currentColor; vertical-align: 1px; animation: agent-pulse 1.2s ease-in-out infinite; }
.agent-state[data-state="paused"] { background: var(--warn-soft); color: var(--warn); }
@keyframes agent-pulse { 50% { opacity: 0.3; } }
.agent-detail { overflow: auto; padding: 16px 18px 20px; display: grid; gap: 14px; align-content: start; }
.agent-title { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.agent-title h3 { margin: 0; font-size: 18px; }
.agent-facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; font-size: 13.5px; }
.agent-facts dt { color: var(--text-3); }
.agent-facts dd { margin: 0; overflow-wrap: anywhere; }
.agent-tools { display: flex; flex-wrap: wrap; gap: 4px; }
.agent-tools code { font-size: 12px; padding: 1px 6px; border-radius: 6px; background: var(--bg-subtle); }
.agent-actions { display: flex; gap: 8px; flex-wrap: wrap; }
.agent-history { display: grid; gap: 8px; margin: 0; padding: 0; list-style: none; }
.agent-history li { padding: 8px 10px; border: 1px solid var(--border); border-radius: 10px; font-size: 13.5px; white-space: pre-wrap; overflow-wrap: anywhere; }
.agent-history .role { display: block; font-size: 11.5px; font-weight: 650; color: var(--text-3); text-transform: uppercase; letter-spacing: 0.04em; margin-bottom: 2px; }
.agent-history li[data-role="assistant"] { background: var(--bg-subtle); }
.agent-form { display: grid; gap: 12px; }
.agent-form textarea.input { height: auto; min-height: 64px; padding: 8px 12px; resize: vertical; }
.agent-form .row { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; align-items: start; }
.agent-form-error { margin: 0; color: var(--danger); font-size: 13.5px; }
.agents-section-title { margin: 4px 0 0; font-size: 14px; }
.agents-side { display: grid; grid-template-rows: 1fr auto; min-height: 0; border-right: 1px solid var(--border); }
.agents-side .agents-tree { border-right: 0; }
.agents-feed { margin: 0; padding: 8px 10px; list-style: none; max-height: 180px; overflow: auto; border-top: 1px solid var(--border); font-size: 12.5px; display: grid; gap: 4px; align-content: start; }
.agents-feed li { color: var(--text-2); overflow-wrap: anywhere; }
.agents-feed time { color: var(--text-3); margin-right: 6px; font-variant-numeric: tabular-nums; }
@media (max-width: 700px) {
  .agents-body { grid-template-columns: 1fr; overflow: auto; }
  .agents-tree { border-right: 0; border-bottom: 1px solid var(--border); max-height: 40vh; }
  .agents-side { border-right: 0; }
  .agent-form .row { grid-template-columns: 1fr; }
}
`;

type Selection = { kind: "agent"; id: string } | { kind: "new" };

const stateOf = (a: AgentInfo) => (a.paused ? "paused" : a.active ? "working" : "idle");
const STATE_TEXT = { paused: "Paused", working: "Working", idle: "Idle" } as const;

export interface AgentsViewOptions {
  /** The list changed (an agent created or deleted): e.g. the composer's agent picker follows. */
  onChange(agents: AgentInfo[]): void;
  /** Opens a conversation in the thread (the agent's own). */
  openConversation(id: string): void;
}

export class AgentsView {
  /** The top-bar button; hidden until the server lists agents. */
  readonly button: HTMLButtonElement;
  private readonly dialog: HTMLDialogElement;
  private readonly tree: HTMLElement;
  private readonly detail: HTMLElement;
  private agents: AgentInfo[] = [];
  private models: ModelInfo[] = [];
  private selection: Selection = { kind: "agent", id: "default" };
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly feed: HTMLElement;
  private events: WebSocket | undefined;
  /** The detail pane shows this agent's history; refreshed with the list. */
  private history: HistoryMessage[] = [];

  constructor(
    private readonly api: Api,
    private readonly options: AgentsViewOptions,
  ) {
    if (!document.getElementById("agents-style")) document.head.append(h("style", { id: "agents-style" }, STYLE));
    this.button = h("button", { type: "button", class: "icon-btn agents-btn", "aria-label": "Agents", title: "Agents", hidden: true }, icon("cpu"));
    this.button.addEventListener("click", () => this.open());

    const add = h("button", { type: "button", class: "btn btn-sm btn-secondary" }, icon("plus"), "New agent");
    add.addEventListener("click", () => this.select({ kind: "new" }));
    const close = h("button", { type: "button", class: "icon-btn small", "aria-label": "Close agents" }, icon("x"));
    close.addEventListener("click", () => this.dialog.close());
    this.tree = h("nav", { class: "agents-tree", "aria-label": "Agents" });
    this.feed = h("ol", { class: "agents-feed", "aria-label": "Agent activity", "aria-live": "polite" });
    this.detail = h("section", { class: "agent-detail", "aria-live": "polite" });
    this.dialog = h(
      "dialog",
      { class: "dialog agents-dialog", "aria-label": "Agents" },
      h("div", { class: "agents-shell" }, h("header", { class: "agents-head" }, h("h2", null, "Agents"), add, close), h("div", { class: "agents-body" }, h("div", { class: "agents-side" }, this.tree, this.feed), this.detail)),
    );
    this.dialog.addEventListener("click", (e) => {
      if (e.target === this.dialog) this.dialog.close();
    });
    this.dialog.addEventListener("close", () => this.stopPolling());
  }

  /** The feature probe's answer: null when this server has no agents route (the button stays hidden). */
  start(agents: AgentInfo[] | null): void {
    if (!agents) return;
    this.agents = agents;
    this.button.hidden = false;
  }

  dispose(): void {
    this.stopPolling();
    this.dialog.remove();
  }

  async open(): Promise<void> {
    if (!this.dialog.isConnected) document.body.append(this.dialog);
    if (!this.dialog.open) this.dialog.showModal();
    this.stopPolling();
    this.timer = setInterval(() => {
      if (document.visibilityState === "visible") void this.refresh();
    }, POLL_MS);
    this.follow();
    void this.api
      .get<{ models: ModelInfo[] }>("/api/v1/models")
      .then((r) => (this.models = r.models))
      .catch(() => {});
    await this.refresh();
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.events?.close();
    this.events = undefined;
  }

  /** The live feed: delegations and agents' state changes from the event stream, newest first; each also refreshes
   *  the tree at once rather than at the next poll. */
  private follow(): void {
    const ws = (this.events = new WebSocket(this.api.wsUrl("/api/v1/events/ws?include_bus=false")));
    const onFrame = (raw: MessageEvent) => {
      let frame: { event?: string; timestamp?: string; data?: Record<string, unknown> };
      try {
        frame = JSON.parse(String(raw.data));
      } catch {
        return;
      }
      const line = describeActivity(frame.event, frame.data ?? {});
      if (!line) return;
      const at = frame.timestamp ? new Date(frame.timestamp) : new Date();
      this.feed.prepend(h("li", null, h("time", { datetime: at.toISOString() }, at.toLocaleTimeString()), line));
      while (this.feed.childElementCount > 40) this.feed.lastElementChild?.remove();
      void this.refresh();
    };
    ws.addEventListener("message", onFrame);
  }

  private async refresh(): Promise<void> {
    try {
      const before = this.agents.map((a) => a.id).join();
      this.agents = await this.api.get<AgentInfo[]>("/api/v1/agents");
      if (this.agents.map((a) => a.id).join() !== before) this.options.onChange(this.agents);
      const selected = this.selection;
      if (selected.kind === "agent" && !this.agents.some((a) => a.id === selected.id)) this.selection = { kind: "agent", id: this.agents[0]?.id ?? "default" };
      if (this.selection.kind === "agent") {
        const answer = await this.api.get<{ messages: HistoryMessage[] }>(`/api/v1/agents/${encodeURIComponent(this.selection.id)}/history?limit=${HISTORY_LIMIT}&include_system=false`);
        this.history = answer.messages;
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.history = [];
      else return;
    }
    this.render();
  }

  private select(selection: Selection): void {
    this.selection = selection;
    this.history = [];
    this.render();
    if (selection.kind === "agent") void this.refresh();
  }

  // ── rendering ───────────────────────────────────────────────────────────────────────────────────────────────

  private render(): void {
    this.renderTree();
    // The form keeps what was typed: it is built once per visit, not on every refresh.
    if (this.selection.kind === "new") {
      if (!this.detail.querySelector(".agent-form")) this.detail.replaceChildren(this.form());
      return;
    }
    const selected = this.selection;
    const agent = this.agents.find((a) => a.id === selected.id);
    this.detail.replaceChildren(...(agent ? this.details(agent) : [h("p", { class: "empty-note" }, "No agent selected.")]));
  }

  private renderTree(): void {
    const byParent = new Map<string | null, AgentInfo[]>();
    for (const a of this.agents) {
      const parent = a.parent && this.agents.some((p) => p.id === a.parent) ? a.parent : null;
      byParent.set(parent, [...(byParent.get(parent) ?? []), a]);
    }
    const branch = (parent: string | null): HTMLElement | null => {
      const children = byParent.get(parent);
      if (!children?.length) return null;
      return h(
        "ul",
        parent === null ? { role: "tree" } : { role: "group" },
        children.map((a) => {
          const current = this.selection.kind === "agent" && this.selection.id === a.id;
          const state = stateOf(a);
          const row = h(
            "button",
            { type: "button", class: "agent-row", "aria-current": current ? "true" : "false", "data-agent": a.id },
            h("span", { class: "agent-text" }, h("span", { class: "agent-name" }, a.id), a.persona ? h("span", { class: "agent-persona" }, a.persona) : null),
            h("span", { class: "agent-state", "data-state": state }, STATE_TEXT[state]),
          );
          row.addEventListener("click", () => this.select({ kind: "agent", id: a.id }));
          return h("li", { role: "treeitem", "aria-label": `${a.id}, ${STATE_TEXT[state]}` }, row, branch(a.id));
        }),
      );
    };
    this.tree.replaceChildren(branch(null) ?? h("p", { class: "empty-note" }, "No agents."));
  }

  private details(a: AgentInfo): HTMLElement[] {
    const state = stateOf(a);
    const pause = h("button", { type: "button", class: "btn btn-sm btn-secondary" }, a.paused ? "Resume" : "Pause");
    pause.addEventListener("click", () => void this.setPaused(a, !a.paused));
    const remove = h("button", { type: "button", class: "btn btn-sm btn-ghost btn-danger-text", disabled: a.source === "builtin" || a.source === "config" }, icon("trash"), "Delete");
    remove.title = a.source === "builtin" ? "The default agent always exists" : a.source === "config" ? "Declared in the config file" : "Delete this agent and its sub-agents";
    remove.addEventListener("click", () => void this.remove(a));
    const openConversation = a.conversation_id ? h("button", { type: "button", class: "btn btn-sm btn-ghost" }, "Open conversation") : null;
    openConversation?.addEventListener("click", () => {
      this.dialog.close();
      this.options.openConversation(a.conversation_id!);
    });

    const fact = (label: string, value: HTMLElement | string | null) => (value ? [h("dt", null, label), h("dd", null, value)] : []);
    const tools = a.default_tools.length ? h("span", { class: "agent-tools" }, a.default_tools.map((t) => h("code", null, t))) : "all tools";
    return [
      h("div", { class: "agent-title" }, h("h3", null, a.id), h("span", { class: "agent-state", "data-state": state }, STATE_TEXT[state]), a.is_sub_agent ? h("span", { class: "agent-state" }, "sub-agent") : null),
      h(
        "dl",
        { class: "agent-facts" },
        fact("Persona", a.persona),
        fact("Model", a.model ? `${a.model.model} (${a.model.provider})` : "none configured"),
        fact("Tools", tools),
        fact("Parent", a.parent),
        fact("Sub-agents", a.children.length ? a.children.join(", ") : null),
        fact("Instructions", a.system_prompt ? truncate(a.system_prompt, 300) : null),
        fact("Created", relativeTime(toDate(a.created_at))),
      ),
      h("div", { class: "agent-actions" }, pause, openConversation, remove),
      h("h4", { class: "agents-section-title" }, "Recent history"),
      this.history.length
        ? h(
            "ol",
            { class: "agent-history", "aria-label": `History of ${a.id}` },
            this.history.map((m) => h("li", { "data-role": m.role }, h("span", { class: "role" }, m.role === "tool" ? `tool · ${m.name ?? ""}` : m.role), truncate(m.content || "(no text)", 600))),
          )
        : h("p", { class: "empty-note" }, "Nothing yet."),
    ];
  }

  private form(): HTMLElement {
    const input = (name: string, attrs: Record<string, string> = {}) => h("input", { class: "input", name, autocomplete: "off", spellcheck: "false", ...attrs });
    const area = (name: string, placeholder: string) => h("textarea", { class: "input", name, rows: "3", placeholder });
    const field = (label: string, control: HTMLElement, hint?: string) => h("label", { class: "field" }, h("span", { class: "field-label" }, label), control, hint ? h("span", { class: "field-hint" }, hint) : null);
    const id = input("id", { required: "true", pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]*", maxlength: "64", placeholder: "code-reviewer" });
    const model = h("select", { class: "input", name: "model" }, h("option", { value: "" }, "Current model"), this.models.map((m) => h("option", { value: m.id }, `${m.name} (${m.id})`)));
    const parent = h("select", { class: "input", name: "parent" }, h("option", { value: "" }, "None (top level)"), this.agents.map((a) => h("option", { value: a.id }, a.id)));
    const tools = input("tools", { placeholder: "read_file, grep_search" });
    const persona = input("persona", { placeholder: "A meticulous code reviewer" });
    const prompt = area("system_prompt", "You review code and answer with findings only.");
    const initial = area("initial_prompt", "Optional: a first task it starts on at once");
    const paused = h("input", { type: "checkbox", name: "paused" });
    const error = h("p", { class: "agent-form-error", role: "alert", hidden: true });
    const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Create agent");
    const form = h(
      "form",
      { class: "agent-form", "aria-label": "New agent" },
      h("h3", { class: "dialog-title" }, "New agent"),
      h("div", { class: "row" }, field("Id", id), field("Persona", persona)),
      field("Instructions (system prompt)", prompt),
      h("div", { class: "row" }, field("Model", model), field("Parent", parent, "A sub-agent gets at most its parent's tools")),
      field("Tools", tools, "Comma-separated tool names; empty: every tool"),
      field("First task", initial),
      h("label", { class: "check-field" }, paused, h("span", null, h("span", { class: "check-label" }, "Start paused"))),
      error,
      h("div", { class: "dialog-actions" }, submit),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      const list = tools.value.split(",").map((t) => t.trim()).filter(Boolean);
      try {
        const created = await this.api.post<AgentInfo>("/api/v1/agents", {
          id: id.value.trim(),
          persona: persona.value.trim() || null,
          system_prompt: prompt.value.trim() || null,
          model_config_id: model.value || null,
          parent: parent.value || null,
          default_tools: list.length ? list : null,
          initial_prompt: initial.value.trim() || null,
          activate: !paused.checked,
        });
        toast(`Agent ${created.id} created`, "success");
        this.select({ kind: "agent", id: created.id });
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    setTimeout(() => id.focus(), 0);
    return form;
  }

  // ── actions ─────────────────────────────────────────────────────────────────────────────────────────────────

  private async setPaused(a: AgentInfo, paused: boolean): Promise<void> {
    try {
      await this.api.patch(`/api/v1/agents/${encodeURIComponent(a.id)}`, { paused });
      toast(`${a.id} ${paused ? "paused" : "resumed"}`, "success");
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error), "error");
    }
    await this.refresh();
  }

  private async remove(a: AgentInfo): Promise<void> {
    const answer = await confirmWithOption({
      title: `Delete ${a.id}?`,
      message: a.children.length ? `Its sub-agents (${a.children.join(", ")}) are deleted with it; their running work is stopped.` : "Its running work is stopped.",
      option: "Also delete its conversations",
      confirmLabel: "Delete",
      danger: true,
    });
    if (!answer) return;
    try {
      await this.api.delete(`/api/v1/agents/${encodeURIComponent(a.id)}${answer.option ? "?preserve_conversation=false" : ""}`);
      toast(`${a.id} deleted`, "success");
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error), "error");
    }
    await this.refresh();
  }
}

/** One line of the activity feed, or null for events the feed does not show. */
function describeActivity(event: string | undefined, d: Record<string, unknown>): string | null {
  if (event === "delegation") {
    const content = truncate(String(d.content ?? ""), 120);
    const verb = { started: "handed work to", completed: "got an answer from", failed: "was told of a failure by", cancelled: "cancelled the work of" }[String(d.status)] ?? String(d.status);
    return `${d.agent_id} ${verb} ${d.child_id}${content ? `: ${content}` : ""}`;
  }
  if (event === "agent_state") {
    const change = { created: "was created", deleted: "was deleted", paused: "was paused", resumed: "was resumed", active: "started working", idle: "is idle" }[String(d.change)];
    return change ? `${d.agent_id} ${change}` : null;
  }
  return null;
}
