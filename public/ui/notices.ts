// Notices above the thread that a user needs before the first message: the model is not ready (with what to set,
// from /ready), or the agent works in Penguin's own files/ folder because no project was chosen. Rechecked when the
// tab comes back, so a fixed configuration clears the notice without a reload.
import type { Api } from "../lib/api";
import { h } from "../lib/dom";
import { icon } from "../lib/icons";

interface Readiness {
  status: string;
  inference?: { healthy: boolean; detail?: string; model?: string };
}
interface RootsConfig {
  config: { project_root: string; workspace_root: string; active_root: string };
}

export class Notices {
  readonly el: HTMLElement;
  private readonly model: HTMLElement;
  private readonly root: HTMLElement;

  constructor(
    private readonly api: Api,
    private readonly onRoot: (root: string) => void = () => {},
  ) {
    this.model = h("div", { class: "notice-bar", role: "alert", hidden: true, "data-notice": "model" });
    this.root = h("div", { class: "notice-bar", role: "status", hidden: true, "data-notice": "root" });
    this.el = h("div", { class: "notices" }, this.model, this.root);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") void this.checkModel();
    });
  }

  async start(): Promise<void> {
    await Promise.allSettled([this.checkModel(), this.checkRoot()]);
  }

  async checkModel(): Promise<void> {
    let body: Readiness | undefined;
    try {
      // an open probe: its 503 carries the reason, so it is read directly rather than as an API error
      const res = await fetch("/ready", { headers: { accept: "application/json" } });
      body = (await res.json()) as Readiness;
    } catch {
      return; // the server itself is unreachable: the API calls say so
    }
    const inference = body?.inference;
    if (!inference || inference.healthy) {
      this.model.hidden = true;
      return;
    }
    this.model.replaceChildren(
      icon("alert"),
      h("div", null, h("strong", null, "The model is not ready, so messages cannot be answered yet. "), h("span", null, sentence(inference.detail ?? "the provider is not configured"))),
    );
    this.model.hidden = false;
  }

  private async checkRoot(): Promise<void> {
    let roots: RootsConfig["config"];
    try {
      roots = (await this.api.get<RootsConfig>("/api/v1/system/config", { silent401: true })).config;
    } catch {
      return; // not offered to this key
    }
    this.onRoot(roots.active_root);
    if (roots.project_root !== roots.workspace_root) return; // a project was chosen
    this.root.replaceChildren(
      icon("folder"),
      h(
        "div",
        null,
        "The agent works in Penguin's own files folder ",
        h("code", null, roots.active_root),
        ". To work on a project, start Penguin with ",
        h("code", null, "--project-root <folder>"),
        " or choose a directory for this chat below.",
      ),
    );
    this.root.hidden = false;
  }
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".");
