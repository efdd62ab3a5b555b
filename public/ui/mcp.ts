// The MCP servers of this server (GET /api/v1/mcp): a top-bar button whose dot says whether every server is connected,
// and a popover listing each server with its status, its tools and its last error. Shown only when servers are
// configured; polled every 10 s while the page is visible (servers connect and reconnect in the background).
import type { Api } from "../lib/api";
import { h } from "../lib/dom";
import { icon } from "../lib/icons";
import type { McpServerList, McpServerView } from "../../src/core/mcp/schema";

const POLL_MS = 10_000;

// The few styles of this part live with it; the rest comes from the shared popover and badge classes.
const STYLE = `
.mcp-btn .mcp-dot { position: absolute; top: 6px; right: 5px; width: 8px; height: 8px; border-radius: 50%; background: var(--ok); box-shadow: 0 0 0 2px var(--bg); }
.mcp-btn[data-health="waiting"] .mcp-dot { background: var(--warn); }
.mcp-btn[data-health="failing"] .mcp-dot { background: var(--danger); }
.mcp-server { padding: 10px 12px; border: 1px solid var(--border); border-radius: 12px; display: grid; gap: 6px; }
.mcp-head { display: flex; align-items: center; gap: 8px; }
.mcp-name { font-weight: 650; }
.mcp-transport { color: var(--text-3); font-size: 12px; }
.mcp-status { margin-left: auto; padding: 2px 8px; border-radius: 999px; font-size: 12px; background: var(--bg-subtle); color: var(--text-2); }
.mcp-status[data-status="connected"] { color: var(--ok); }
.mcp-status[data-status="retrying"], .mcp-status[data-status="connecting"] { background: var(--warn-soft); color: var(--warn); }
.mcp-status[data-status="failed"] { background: var(--danger-soft); color: var(--danger); }
.mcp-meta { color: var(--text-3); font-size: 12.5px; }
.mcp-tools { display: flex; flex-wrap: wrap; gap: 4px; margin: 0; padding: 0; list-style: none; }
.mcp-tools li { font-family: var(--mono); font-size: 12px; padding: 1px 6px; border-radius: 6px; background: var(--bg-subtle); }
.mcp-error { margin: 0; font-size: 12.5px; color: var(--danger); overflow-wrap: anywhere; }
`;

const STATUS_TEXT: Record<McpServerView["status"], string> = {
  connected: "Connected",
  connecting: "Connecting…",
  retrying: "Retrying",
  failed: "Failed",
  disabled: "Disabled",
  stopped: "Stopped",
};

/** One server as the popover shows it. */
function serverCard(s: McpServerView): HTMLElement {
  const meta: string[] = [];
  if (s.server_info) meta.push(`${s.server_info.name} ${s.server_info.version}`);
  if (s.transport === "stdio") meta.push(s.sandboxed ? "sandboxed" : "not sandboxed");
  if (s.status === "retrying" && s.retry_at) meta.push(`next attempt in ${Math.max(1, Math.round((Date.parse(s.retry_at) - Date.now()) / 1000))} s`);
  if (s.attempts > 1) meta.push(`${s.attempts} attempts`);
  return h(
    "div",
    { class: "mcp-server", "data-server": s.name },
    h(
      "div",
      { class: "mcp-head" },
      h("span", { class: "mcp-name" }, s.name),
      h("span", { class: "mcp-transport" }, s.transport === "http" ? "HTTP" : "stdio"),
      h("span", { class: "mcp-status", "data-status": s.status, role: "status" }, STATUS_TEXT[s.status]),
    ),
    meta.length ? h("div", { class: "mcp-meta" }, meta.join(" · ")) : null,
    s.tools.length
      ? h("ul", { class: "mcp-tools", "aria-label": `Tools of ${s.name}` }, s.tools.map((t) => h("li", { title: t.description }, t.name)))
      : s.status === "connected"
        ? h("div", { class: "mcp-meta" }, "No tools")
        : null,
    s.last_error ? h("p", { class: "mcp-error" }, s.last_error) : null,
  );
}

export class McpServers {
  readonly el: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly popover: HTMLElement;
  private readonly list: HTMLElement;
  private servers: McpServerView[] = [];
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private readonly onDocumentClick = (e: MouseEvent) => {
    if (!this.popover.hidden && !this.el.contains(e.target as Node)) this.toggle(false);
  };
  private readonly onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape" && !this.popover.hidden) {
      e.preventDefault(); // closing the popover must not also stop the running turn
      this.toggle(false);
      this.button.focus();
    }
  };

  constructor(private readonly api: Api) {
    if (!document.getElementById("mcp-style")) document.head.append(h("style", { id: "mcp-style" }, STYLE));
    this.button = h(
      "button",
      { type: "button", class: "icon-btn badge-btn mcp-btn", "aria-label": "MCP servers", "aria-haspopup": "true", "aria-expanded": "false", title: "MCP servers" },
      icon("tool"),
      h("span", { class: "mcp-dot", "aria-hidden": "true" }),
    );
    this.list = h("div", { class: "popover-list" });
    this.popover = h("div", { class: "popover", role: "dialog", "aria-label": "MCP servers", hidden: true }, h("div", { class: "popover-title" }, "MCP servers"), this.list);
    this.el = h("div", { class: "popover-anchor", hidden: true }, this.button, this.popover);
    this.button.addEventListener("click", () => this.toggle());
    document.addEventListener("click", this.onDocumentClick);
    document.addEventListener("keydown", this.onKeyDown);
  }

  /** The feature probe's answer: null when this server has no MCP route; nothing shows without servers. */
  start(answer: McpServerList | null): void {
    if (!answer) return;
    this.update(answer.servers);
    this.pollTimer = setInterval(() => {
      if (document.visibilityState === "visible") void this.refresh();
    }, POLL_MS);
  }

  dispose(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    document.removeEventListener("click", this.onDocumentClick);
    document.removeEventListener("keydown", this.onKeyDown);
  }

  toggle(open = this.popover.hidden): void {
    this.popover.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) void this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      this.update((await this.api.get<McpServerList>("/api/v1/mcp")).servers);
    } catch {
      /* next poll */
    }
  }

  private update(servers: McpServerView[]): void {
    this.servers = servers;
    this.el.hidden = servers.length === 0;
    const active = servers.filter((s) => s.enabled);
    const health = active.some((s) => s.status === "failed") ? "failing" : active.some((s) => s.status !== "connected") ? "waiting" : "ok";
    const up = active.filter((s) => s.status === "connected").length;
    this.button.dataset.health = health;
    const summary = `MCP servers: ${up} of ${active.length} connected`;
    this.button.title = summary;
    this.button.setAttribute("aria-label", summary);
    this.list.replaceChildren(...this.servers.map(serverCard));
  }
}
