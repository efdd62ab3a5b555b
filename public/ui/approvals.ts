// Approval prompts: inline in the turn that is waiting, and in the pending-approvals popover behind the badge,
// which follows the server's pending list.
import type { Api } from "../lib/api";
import { h } from "../lib/dom";
import { icon } from "../lib/icons";
import type { ApprovalCardData, PendingApproval } from "../lib/types";
import { diffView } from "./diffview";

export type Decision = "once" | "session" | "pattern" | "deny";

/** A prompt with what it is about: the proposed diff of a file tool, a command's folder, the pattern it may grant. */
export type ApprovalView = ApprovalCardData &
  Partial<Pick<PendingApproval, "diff" | "diff_truncated" | "new_file" | "deletes_entries" | "cwd" | "suggested_pattern" | "conversation_id" | "session_id">>;

export interface ApprovalCard {
  el: HTMLElement;
  resolve(status: string, scope?: string): void;
  /** Adds the preview when the prompt arrived without it (a stream frame from an older server, a list refresh). */
  setPreview(approval: ApprovalView): void;
  readonly resolved: boolean;
}

/** Inline prompts still open, so a refresh of the pending list can complete their preview. */
const openCards = new Map<string, ApprovalCard>();

function expiryText(expiresAt?: string): string {
  if (!expiresAt) return "";
  const ms = new Date(expiresAt).getTime() - Date.now();
  if (!Number.isFinite(ms)) return "";
  if (ms <= 0) return "expiring";
  const s = Math.round(ms / 1000);
  return `expires in ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const isCommand = (a: ApprovalCardData) => a.operation === "process.execute";
const fileName = (path: string) => path.split("/").filter(Boolean).at(-1) ?? path;

/** Exactly what each button grants: "session" is this exact command or path, "pattern" the pattern shown. */
export function scopeLabel(a: ApprovalView, decision: Decision): string {
  const what = isCommand(a) ? a.resource : a.operation?.startsWith("filesystem.") ? `${a.operation.slice("filesystem.".length)} ${fileName(a.resource)}` : `${a.operation} ${a.resource}`;
  if (decision === "once") return "Approve once";
  if (decision === "session") return `Approve “${what}” for this session`;
  if (decision === "pattern") {
    const folder = a.operation?.startsWith("filesystem.") && a.suggested_pattern?.endsWith("/**") ? a.suggested_pattern.slice(0, -3) : undefined;
    if (folder) return `Approve every ${a.operation.slice("filesystem.".length)} in “${fileName(folder)}/” and below for this session`;
    return `Approve “${a.suggested_pattern}” for this session`;
  }
  return "Deny";
}

export function resolutionText(status: string, scope?: string, a?: ApprovalView): string {
  if (status === "approved") {
    if (a && (scope === "session" || scope === "pattern")) return scopeLabel(a, scope).replace(/^Approve/, "Approved");
    return scope === "session" ? "Approved for this session" : scope === "pattern" ? "Approved for matching operations" : "Approved once";
  }
  if (status === "denied") return "Denied";
  if (status === "expired") return "Expired without an answer (denied)";
  if (status === "cancelled") return "No longer needed: the turn ended";
  return status;
}

function previewOf(a: ApprovalView): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (a.diff) {
    const label = a.new_file ? " new file" : a.operation === "filesystem.delete" ? " file deleted" : "";
    out.push(diffView(a.diff, { collapseAt: 30, truncated: a.diff_truncated, label }));
  }
  if (a.deletes_entries !== undefined) out.push(h("p", { class: "approval-cwd" }, `The folder and the ${a.deletes_entries} files and folders inside it would be deleted.`));
  if (a.cwd) out.push(h("p", { class: "approval-cwd" }, "Runs in ", h("code", null, a.cwd)));
  return out;
}

export function approvalCard(approval: ApprovalView, decide: (decision: Decision) => Promise<void>, compact = false): ApprovalCard {
  const status = h("div", { class: "approval-status", role: "status" });
  const expiry = h("span", { class: "approval-expiry" }, expiryText(approval.expires_at));
  const buttons: HTMLButtonElement[] = [];
  const make = (decision: Decision, cls: string) => {
    const b = h("button", { type: "button", class: `btn ${cls}`, "data-decision": decision }, scopeLabel(approval, decision));
    b.addEventListener("click", async () => {
      for (const x of buttons) x.disabled = true;
      status.textContent = "Sending…";
      try {
        await decide(decision);
        card.resolve(decision === "deny" ? "denied" : "approved", decision === "deny" ? undefined : decision);
      } catch (e) {
        status.textContent = (e as Error).message;
        for (const x of buttons) x.disabled = false;
      }
    });
    buttons.push(b);
    return b;
  };
  const patternButton = () => (approval.suggested_pattern ? make("pattern", "btn-secondary btn-sm") : null);
  const actions = h(
    "div",
    { class: "approval-actions" },
    make("once", "btn-primary btn-sm"),
    make("session", "btn-secondary btn-sm"),
    patternButton(),
    make("deny", "btn-ghost btn-sm btn-danger-text"),
    expiry,
  );
  const headLabel = h("span", null, "Approval needed");
  const preview = h("div", { class: "approval-preview" }, ...previewOf(approval));
  const el = h(
    "div",
    { class: "approval" + (compact ? " compact" : ""), role: "group", "aria-label": `Approval required for ${approval.tool_name}`, "data-approval-id": approval.id },
    h("div", { class: "approval-head" }, icon("shield"), headLabel, h("span", { class: "approval-tool" }, approval.tool_name), approval.operation ? h("span", { class: "approval-op" }, approval.operation) : null),
    approval.resource ? h("pre", { class: "approval-resource" }, approval.resource) : null,
    approval.reason ? h("p", { class: "approval-reason" }, approval.reason) : null,
    preview,
    actions,
    status,
  );
  // The countdown stops by itself at expiry, so a prompt nobody answers never keeps a timer alive.
  const timer = approval.expires_at
    ? setInterval(() => {
        expiry.textContent = expiryText(approval.expires_at);
        if (new Date(approval.expires_at!).getTime() <= Date.now()) clearInterval(timer);
      }, 1000)
    : undefined;
  const card: ApprovalCard = {
    el,
    get resolved() {
      return el.dataset.state !== undefined;
    },
    resolve(result, scope) {
      if (timer) clearInterval(timer);
      openCards.delete(approval.id);
      el.dataset.state = result;
      actions.remove();
      preview.remove();
      // Once answered the prompt shrinks to one line: what was decided, for which tool and resource.
      headLabel.textContent = resolutionText(result, scope, approval);
      status.textContent = "";
    },
    setPreview(full) {
      if (card.resolved || preview.childElementCount || !(full.diff || full.cwd || full.deletes_entries !== undefined)) return;
      Object.assign(approval, full);
      preview.replaceChildren(...previewOf(approval));
      if (approval.suggested_pattern && !actions.querySelector('[data-decision="pattern"]')) actions.insertBefore(patternButton()!, buttons.find((b) => b.dataset.decision === "deny")!);
    },
  };
  if (!compact) openCards.set(approval.id, card);
  return card;
}

/** The badge in the top bar and its popover listing every pending approval. */
export class ApprovalsBadge {
  readonly el: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly count: HTMLElement;
  private readonly popover: HTMLElement;
  private readonly list: HTMLElement;
  private pending: PendingApproval[] = [];

  constructor(private readonly decide: (approval: PendingApproval, decision: Decision) => Promise<void>) {
    this.count = h("span", { class: "badge-count", hidden: true });
    this.button = h(
      "button",
      { type: "button", class: "icon-btn badge-btn", "aria-label": "Pending approvals", "aria-haspopup": "true", "aria-expanded": "false", title: "Pending approvals" },
      icon("shield"),
      this.count,
    );
    this.list = h("div", { class: "popover-list" });
    this.popover = h("div", { class: "popover", role: "dialog", "aria-label": "Pending approvals", hidden: true }, h("div", { class: "popover-title" }, "Pending approvals"), this.list);
    this.el = h("div", { class: "popover-anchor" }, this.button, this.popover);
    this.button.addEventListener("click", () => this.toggle());
    document.addEventListener("click", (e) => {
      if (!this.popover.hidden && !this.el.contains(e.target as Node)) this.toggle(false);
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !this.popover.hidden) {
        e.preventDefault(); // closing the popover must not also stop the running turn
        this.toggle(false);
        this.button.focus();
      }
    });
    this.render();
  }

  toggle(open = this.popover.hidden): void {
    this.popover.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) this.render();
  }

  update(pending: PendingApproval[]): void {
    const changed = JSON.stringify(pending.map((p) => p.id)) !== JSON.stringify(this.pending.map((p) => p.id));
    this.pending = pending;
    this.count.textContent = String(pending.length);
    this.count.hidden = pending.length === 0;
    this.button.classList.toggle("has-pending", pending.length > 0);
    this.button.setAttribute("aria-label", pending.length ? `Pending approvals (${pending.length})` : "Pending approvals (none)");
    if (changed) this.render();
  }

  private render(): void {
    if (!this.pending.length) {
      this.list.replaceChildren(h("p", { class: "empty-note" }, "Nothing is waiting for your approval."));
      return;
    }
    this.list.replaceChildren(
      ...this.pending.map((p) => {
        const card = approvalCard(p, (decision) => this.decide(p, decision), true).el;
        if (p.conversation_id) card.append(h("a", { class: "approval-link", href: `#/c/${encodeURIComponent(p.conversation_id)}` }, "Open its conversation"));
        return card;
      }),
    );
  }
}

/** The server's pending approvals behind the badge, and the decisions sent from any prompt. The badge shows only
 *  when the server has approvals; the list is polled every 5 s while the page is visible and refreshed whenever a
 *  turn reports an approval. */
export class Approvals {
  readonly badge: ApprovalsBadge;
  private available = false;
  private disposed = false;
  private pollTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly api: Api) {
    this.badge = new ApprovalsBadge((approval, decision) => this.decide(approval, decision));
    this.badge.el.hidden = true;
  }

  /** The feature probe's answer: null when this server has no approvals. */
  start(answer: { pending: PendingApproval[] } | null): void {
    this.available = Boolean(answer);
    this.badge.el.hidden = !answer;
    if (!answer) return;
    this.badge.update(answer.pending ?? []);
    this.pollTimer = setInterval(() => {
      if (document.visibilityState === "visible") void this.refresh();
    }, 5000);
  }

  dispose(): void {
    this.disposed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
  }

  async refresh(): Promise<void> {
    if (!this.available || this.disposed) return;
    try {
      const r = await this.api.get<{ pending: PendingApproval[] }>("/api/v1/approvals");
      this.badge.update(r.pending ?? []);
      for (const p of r.pending ?? []) openCards.get(p.id)?.setPreview(p);
    } catch {
      /* next poll */
    }
  }

  async decide(approval: ApprovalCardData, decision: Decision): Promise<void> {
    const id = encodeURIComponent(approval.id);
    if (decision === "deny") await this.api.post(`/api/v1/approvals/${id}/deny`, {});
    else if (decision === "pattern") await this.api.post(`/api/v1/approvals/${id}/approve`, { scope: "pattern", pattern: (approval as ApprovalView).suggested_pattern });
    else await this.api.post(`/api/v1/approvals/${id}/approve`, { scope: decision });
    void this.refresh();
  }
}

/** Whether a stored decision is about this tool card's call (the path or command the card shows). */
function decisionMatches(card: HTMLElement, decision: PendingApproval): boolean {
  if (card.dataset.toolName !== decision.tool_name) return false;
  const target = (card.dataset.toolTarget ?? "").replace(/^\.\//, "");
  if (!target) return false;
  return decision.resource === target || decision.resource.endsWith("/" + target);
}

/** After a reload: each decided approval of the conversation shown again, resolved, after the call it was about. */
export async function restoreDecisions(api: Api, thread: HTMLElement, conversationId: string): Promise<void> {
  let decided: (PendingApproval & { status: string; scope: string | null })[];
  try {
    decided = (await api.get<{ approvals: typeof decided }>(`/api/v1/approvals/decided?conversation_id=${encodeURIComponent(conversationId)}`, { silent401: true })).approvals;
  } catch {
    return; // an older server: the thread shows the calls' outcomes only
  }
  const used = new Set<Element>();
  for (const decision of decided) {
    if (thread.querySelector(`[data-approval-id="${CSS.escape(decision.id)}"]`)) continue; // already shown live
    const cards = [...thread.querySelectorAll<HTMLElement>(".tool[data-tool-name]")];
    const card = cards.find((c) => !used.has(c) && decisionMatches(c, decision));
    if (!card) continue;
    used.add(card);
    const shown = approvalCard(decision, async () => {});
    shown.resolve(decision.status, decision.scope ?? undefined);
    card.after(shown.el);
  }
}
