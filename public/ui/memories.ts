// The memory drawer: what the assistant remembers about the signed-in user across conversations (/v1/memories).
// Search (text and, when configured, meaning), add, change a memory's importance and tags, delete. Its top-bar button
// shows only when the server has the memory API.
import { ApiError, type Api } from "../lib/api";
import { h } from "../lib/dom";
import { relativeTime, toDate } from "../lib/format";
import { icon } from "../lib/icons";
import type { Memory, MemoryCreated, MemoryHit, MemoryStats, MemoryType } from "../../src/core/memory/schema";
import { confirmDialog, promptDialog } from "./dialogs";
import { toast } from "./toast";

const TYPES: MemoryType[] = ["fact", "preference", "correction", "tool_result", "context"];
const TYPE_LABEL: Record<MemoryType, string> = { fact: "Fact", preference: "Preference", correction: "Correction", tool_result: "Tool result", context: "Context" };
const SEARCH_DELAY_MS = 300;

// The few styles of this part live with it; the drawer itself uses the shared drawer classes.
const STYLE = `
.mem-tools { display: grid; gap: 8px; padding: 0 18px 10px; }
.mem-form { display: grid; gap: 8px; padding: 12px; border: 1px solid var(--border); border-radius: 12px; background: var(--bg); }
.mem-form textarea { width: 100%; min-height: 72px; padding: 8px 10px; border: 1px solid var(--border-strong); border-radius: 10px; background: var(--bg); font: inherit; resize: vertical; }
.mem-form-row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.mem-form-row .input { height: 34px; flex: 1; min-width: 120px; }
.mem-form select { height: 34px; border: 1px solid var(--border-strong); border-radius: 8px; background: var(--bg); padding: 0 8px; }
.mem-stats { color: var(--text-3); font-size: 12.5px; }
.mem-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
.mem-item { min-width: 0; padding: 10px 12px 8px; border: 1px solid var(--border); border-radius: 12px; background: var(--bg); display: grid; gap: 6px; }
.mem-top { display: flex; align-items: center; gap: 8px; }
.mem-type { padding: 1px 8px; border-radius: 999px; background: var(--bg-subtle); color: var(--text-2); font-size: 11.5px; }
.mem-type[data-type="preference"] { background: var(--accent-soft); color: var(--accent); }
.mem-type[data-type="correction"] { background: var(--warn-soft); color: var(--warn); }
.mem-score { margin-left: auto; color: var(--text-3); font-size: 12px; }
.mem-content { margin: 0; font-size: 14px; line-height: 1.45; overflow-wrap: anywhere; }
.mem-tags { display: flex; flex-wrap: wrap; gap: 4px; }
.mem-tag { font-size: 12px; padding: 0 6px; border-radius: 6px; background: var(--bg-subtle); color: var(--text-2); }
.mem-meta { color: var(--text-3); font-size: 12px; }
.mem-actions { display: flex; align-items: center; gap: 4px; }
.mem-importance { display: flex; align-items: center; gap: 6px; flex: 1; min-width: 0; font-size: 12px; color: var(--text-2); }
.mem-importance input { flex: 1; width: 0; min-width: 60px; accent-color: var(--accent); }
.mem-importance output { width: 2.4em; text-align: right; font-variant-numeric: tabular-nums; }
`;

const tagsFrom = (text: string) => [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];

export class MemoriesPanel {
  readonly el: HTMLElement;
  readonly button: HTMLButtonElement;
  private readonly list: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly form: HTMLFormElement;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;

  constructor(
    private readonly api: Api,
    private readonly onToggle: (open: boolean) => void = () => {},
  ) {
    if (!document.getElementById("memories-style")) document.head.append(h("style", { id: "memories-style" }, STYLE));
    this.button = h("button", { type: "button", class: "icon-btn", "aria-label": "Memory", title: "Memory", "aria-expanded": "false", hidden: true }, icon("sparkle"));
    this.button.addEventListener("click", () => this.toggle());

    this.search = h("input", { type: "search", class: "input", placeholder: "Search memories", "aria-label": "Search memories", autocomplete: "off" });
    this.search.addEventListener("input", () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => void this.refresh(), SEARCH_DELAY_MS);
    });
    this.form = this.addForm();
    const add = h("button", { type: "button", class: "btn btn-secondary btn-sm" }, icon("plus"), "Add memory");
    add.addEventListener("click", () => {
      this.form.hidden = !this.form.hidden;
      if (!this.form.hidden) this.form.querySelector("textarea")?.focus();
    });
    this.stats = h("div", { class: "mem-stats", role: "status" });
    this.list = h("div", { class: "drawer-body" });
    const close = h("button", { type: "button", class: "icon-btn", "aria-label": "Close memory", title: "Close" }, icon("x"));
    close.addEventListener("click", () => this.toggle(false));
    this.el = h(
      "aside",
      { class: "drawer", "aria-label": "Memory", hidden: true },
      h("div", { class: "drawer-head" }, h("h2", null, "Memory"), close),
      h("p", { class: "drawer-lead" }, "What the assistant remembers about you across conversations. The most relevant memories are added to each message; unused ones fade over time."),
      h("div", { class: "mem-tools" }, h("div", { class: "input-with-icon" }, icon("search"), this.search), h("div", { class: "mem-form-row" }, add, this.stats), this.form),
      this.list,
    );
  }

  /** The feature probe's answer: the button shows only when the server has memories. */
  setAvailable(available: boolean): void {
    this.button.hidden = !available;
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  toggle(open = !this.isOpen): void {
    this.el.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    this.onToggle(open);
    if (open) void this.refresh();
  }

  async refresh(): Promise<void> {
    const seq = ++this.seq;
    const q = this.search.value.trim();
    let items: (Memory | MemoryHit)[];
    try {
      const [found, stats] = await Promise.all([
        q ? this.api.get<MemoryHit[]>(`/v1/memories/search?${new URLSearchParams({ q, limit: "50" })}`) : this.api.get<Memory[]>("/v1/memories?limit=200"),
        this.api.get<MemoryStats>("/v1/memories/stats"),
      ]);
      items = found;
      if (seq !== this.seq) return;
      this.stats.textContent = `${stats.total} ${stats.total === 1 ? "memory" : "memories"}${stats.provider_type.includes("embeddings") ? " · meaning search on" : ""}`;
    } catch (e) {
      if (seq === this.seq) this.list.replaceChildren(h("p", { class: "empty-note error" }, (e as Error).message));
      return;
    }
    if (!items.length) {
      this.list.replaceChildren(h("p", { class: "empty-note" }, q ? "No memory matches." : "Nothing remembered yet. Add a memory, or ask the assistant to remember something."));
      return;
    }
    this.list.replaceChildren(h("ol", { class: "mem-list", "aria-label": q ? "Search results" : "Memories" }, items.map((m) => this.item(m))));
  }

  private addForm(): HTMLFormElement {
    const content = h("textarea", { name: "content", required: true, maxlength: 20000, placeholder: "e.g. I prefer short answers with code first", "aria-label": "Memory content" });
    const type = h("select", { name: "memory_type", "aria-label": "Type" }, TYPES.map((t) => h("option", { value: t, selected: t === "fact" }, TYPE_LABEL[t])));
    const importance = h("input", { type: "number", class: "input", name: "importance", min: 0, max: 1, step: 0.05, value: "0.5", "aria-label": "Importance (0 to 1)", title: "Importance, 0 to 1" });
    const tags = h("input", { type: "text", class: "input", name: "tags", placeholder: "tags, comma separated", "aria-label": "Tags" });
    const save = h("button", { type: "submit", class: "btn btn-primary btn-sm" }, "Save");
    const form = h("form", { class: "mem-form", hidden: true, "aria-label": "Add memory" }, content, h("div", { class: "mem-form-row" }, type, importance), h("div", { class: "mem-form-row" }, tags, save));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      save.disabled = true;
      try {
        const created = await this.api.post<MemoryCreated>("/v1/memories", {
          content: content.value,
          memory_type: type.value as MemoryType,
          importance: Number(importance.value),
          tags: tagsFrom(tags.value),
        });
        toast(created.merged ? "Updated a memory that said nearly the same" : "Memory saved", "success", 2500);
        content.value = tags.value = "";
        form.hidden = true;
        await this.refresh();
      } catch (error) {
        toast(`Could not save: ${describe(error)}`, "error");
      } finally {
        save.disabled = false;
      }
    });
    return form;
  }

  private item(m: Memory | MemoryHit): HTMLElement {
    const label = m.summary || m.content.slice(0, 60);
    const slider = h("input", { type: "range", min: 0, max: 1, step: 0.05, value: String(m.importance), "aria-label": `Importance of "${label}"` });
    const shown = h("output", null, m.importance.toFixed(2));
    slider.addEventListener("input", () => (shown.textContent = Number(slider.value).toFixed(2)));
    slider.addEventListener("change", () => void this.change(m, { importance: Number(slider.value) }));
    const editTags = h("button", { type: "button", class: "icon-btn small", "aria-label": `Edit tags of "${label}"`, title: "Edit tags" }, icon("pencil"));
    editTags.addEventListener("click", async () => {
      const text = await promptDialog({ title: "Tags", label: "Tags, comma separated", value: m.tags.join(", "), confirmLabel: "Save" });
      if (text !== null) await this.change(m, { tags: tagsFrom(text) });
    });
    const remove = h("button", { type: "button", class: "icon-btn small", "aria-label": `Delete "${label}"`, title: "Delete" }, icon("trash"));
    remove.addEventListener("click", async () => {
      if (!(await confirmDialog({ title: "Delete this memory?", message: m.content, confirmLabel: "Delete", danger: true }))) return;
      try {
        await this.api.delete(`/v1/memories/${encodeURIComponent(m.id)}`);
        toast("Memory deleted", "success", 2000);
        await this.refresh();
      } catch (error) {
        toast(`Could not delete: ${describe(error)}`, "error");
      }
    });
    const used = toDate(m.last_accessed_at);
    const score = "score" in m ? h("span", { class: "mem-score", title: "Search rank" }, `${Math.round(m.score * 100)}%`) : null;
    return h(
      "li",
      { class: "mem-item", "data-memory-id": m.id },
      h("div", { class: "mem-top" }, h("span", { class: "mem-type", "data-type": m.memory_type }, TYPE_LABEL[m.memory_type]), score),
      h("p", { class: "mem-content" }, m.content),
      m.tags.length ? h("div", { class: "mem-tags", "aria-label": "Tags" }, m.tags.map((t) => h("span", { class: "mem-tag" }, t))) : null,
      h("div", { class: "mem-meta" }, `Used ${m.access_count} ${m.access_count === 1 ? "time" : "times"}${used ? `, last ${relativeTime(used)}` : ""} · changed ${relativeTime(toDate(m.updated_at))}`),
      h("div", { class: "mem-actions" }, h("label", { class: "mem-importance" }, "Importance", slider, shown), editTags, remove),
    );
  }

  private async change(m: Memory, patch: { importance?: number; tags?: string[] }): Promise<void> {
    try {
      await this.api.patch<Memory>(`/v1/memories/${encodeURIComponent(m.id)}`, patch);
      toast("Memory updated", "success", 2000);
    } catch (error) {
      toast(`Could not update: ${describe(error)}`, "error");
    }
    await this.refresh();
  }
}

/** An API error with the field it names (validation), else its message. */
function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = (error.details.fields as { field: string; error: string }[] | undefined) ?? [];
    if (fields.length) return fields.map((f) => `${f.field} ${f.error}`).join("; ");
  }
  return (error as Error).message;
}
