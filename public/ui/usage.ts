// The usage view (sidebar foot → Usage): tokens or cost per day as stacked bars, split per model or per agent, from
// GET /api/v1/usage/daily. Plain SVG (no chart library); every bar has a tooltip and the numbers are in a table too.
import type { DailyUsage, UsageDay } from "../../src/core/system/schema";
import type { Api } from "../lib/api";
import { h } from "../lib/dom";
import { icon } from "../lib/icons";
import { compactNumber } from "../lib/format";

type Metric = "tokens" | "cost";
type Split = "models" | "agents";

/** Distinct in light and dark themes; series past the palette share the last colour as "other". */
const PALETTE = ["#2f6fdf", "#d9822b", "#2e9e6a", "#b04fc9", "#d64545", "#1f9fb5", "#8c7a2a", "#7a7a74"];
const MAX_SERIES = PALETTE.length - 1;
const SVG = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** Dollars with as many decimals as small amounts need (never in exponent notation). */
function money(usd: number): string {
  if (usd <= 0) return "$0";
  if (usd >= 100) return `$${usd.toFixed(0)}`;
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  return `$${Number(usd.toFixed(Math.min(8, 1 - Math.floor(Math.log10(usd)))))}`;
}
const dayLabel = (date: string) => new Date(`${date}T00:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

export class UsageView {
  private readonly dialog: HTMLDialogElement;
  private readonly body: HTMLElement;
  private data: DailyUsage | null = null;
  private days = 30;
  private metric: Metric = "tokens";
  private split: Split = "models";

  constructor(private readonly api: Api) {
    const close = h("button", { type: "button", class: "icon-btn", "aria-label": "Close usage", title: "Close" }, icon("x"));
    close.addEventListener("click", () => this.dialog.close());
    this.body = h("div", { class: "usage-body" });
    this.dialog = h(
      "dialog",
      { class: "dialog usage-dialog", "aria-labelledby": "usage-title" },
      h("div", { class: "usage-head" }, h("h2", { id: "usage-title", class: "dialog-title" }, "Usage"), close),
      h(
        "div",
        { class: "usage-controls" },
        this.choice("Range", [["7", "7 days"], ["30", "30 days"], ["90", "90 days"]], String(this.days), (v) => {
          this.days = Number(v);
          void this.load();
        }),
        this.choice("Show", [["tokens", "Tokens"], ["cost", "Cost"]], this.metric, (v) => {
          this.metric = v as Metric;
          this.render();
        }),
        this.choice("Split by", [["models", "Model"], ["agents", "Agent"]], this.split, (v) => {
          this.split = v as Split;
          this.render();
        }),
      ),
      this.body,
    );
    this.dialog.addEventListener("click", (e) => {
      if (e.target === this.dialog) this.dialog.close();
    });
    this.dialog.addEventListener("close", () => this.dialog.remove());
  }

  async open(): Promise<void> {
    document.body.append(this.dialog);
    this.dialog.showModal();
    await this.load();
  }

  /** A small segmented radio group. */
  private choice(label: string, options: [string, string][], current: string, onChange: (value: string) => void): HTMLElement {
    const name = "usage-" + label.toLowerCase().replace(/\s+/g, "-");
    const group = h("div", { class: "seg", role: "radiogroup", "aria-label": label });
    for (const [value, text] of options) {
      const input = h("input", { type: "radio", name, value, checked: value === current });
      input.addEventListener("change", () => input.checked && onChange(value));
      group.append(h("label", { class: "seg-option" }, input, h("span", null, text)));
    }
    return h("div", { class: "usage-choice" }, h("span", { class: "usage-choice-label", "aria-hidden": "true" }, label), group);
  }

  private async load(): Promise<void> {
    this.body.replaceChildren(h("p", { class: "empty-note" }, "Loading…"));
    try {
      this.data = await this.api.get<DailyUsage>(`/api/v1/usage/daily?days=${this.days}`);
      this.render();
    } catch (e) {
      this.body.replaceChildren(h("p", { class: "empty-note error" }, `Could not load usage: ${(e as Error).message}`));
    }
  }

  private value(day: UsageDay, key?: string): number {
    const t = key === undefined ? day.total : day[this.split][key];
    if (!t) return 0;
    return this.metric === "tokens" ? t.total : t.cost_usd;
  }

  private format(n: number): string {
    return this.metric === "tokens" ? `${compactNumber(n)} tokens` : money(n);
  }

  private render(): void {
    const data = this.data;
    if (!data) return;
    const keys = data[this.split];
    const shown = keys.slice(0, MAX_SERIES);
    const other = keys.slice(MAX_SERIES);
    const series = [...shown.map((k, i) => ({ name: k, keys: [k], color: PALETTE[i]! })), ...(other.length ? [{ name: "Other", keys: other, color: PALETTE[MAX_SERIES]! }] : [])];
    const total = data.total;
    const summary = h(
      "div",
      { class: "usage-summary" },
      h("div", null, h("strong", null, compactNumber(total.total)), h("span", null, " tokens")),
      h("div", null, h("strong", null, money(total.cost_usd)), h("span", null, " cost")),
      h("div", null, h("strong", null, String(total.requests)), h("span", null, " model calls")),
    );
    if (!total.requests) {
      this.body.replaceChildren(summary, h("p", { class: "empty-note" }, `No model calls in the last ${this.days} days.`));
      return;
    }
    if (this.metric === "cost" && total.cost_usd === 0) {
      this.body.replaceChildren(summary, h("p", { class: "empty-note" }, "No cost recorded: these models have no prices (set price_input and price_output in a [[models]] entry)."));
      return;
    }
    const legend = h(
      "ul",
      { class: "usage-legend", "aria-label": this.split === "models" ? "Models" : "Agents" },
      series.map((s) => h("li", null, h("span", { class: "usage-swatch", style: `background:${s.color}` }), s.name)),
    );
    this.body.replaceChildren(summary, this.chart(data.days, series), legend, this.table(data.days, series));
  }

  private chart(days: UsageDay[], series: { name: string; keys: string[]; color: string }[]): SVGSVGElement {
    const W = 640;
    const H = 220;
    const pad = { left: 56, right: 8, top: 10, bottom: 26 };
    const plotW = W - pad.left - pad.right;
    const plotH = H - pad.top - pad.bottom;
    // Four grid steps of a round size (1, 2, 2.5 or 5 × 10ⁿ), so the axis reads 0, 500, 1k… rather than 393.5.
    const step = roundStep(Math.max(...days.map((d) => this.value(d)), this.metric === "tokens" ? 4 : 0.000004) / 4);
    const max = step * 4;
    const slot = plotW / days.length;
    const barW = Math.max(2, Math.min(28, slot * 0.72));
    const y = (v: number) => pad.top + plotH - (v / max) * plotH;
    const nonEmpty = days.filter((d) => this.value(d) > 0).length;
    const chart = svg("svg", {
      class: "usage-chart",
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-label": `${this.metric === "tokens" ? "Tokens" : "Cost"} per day over ${days.length} days, split by ${this.split === "models" ? "model" : "agent"}; ${nonEmpty} days with use. The table below has the numbers.`,
    });
    // grid and y labels
    for (let i = 0; i <= 4; i++) {
      const v = step * i;
      const yy = y(v);
      chart.append(svg("line", { x1: pad.left, x2: W - pad.right, y1: yy, y2: yy, class: "usage-grid" }));
      chart.append(svg("text", { x: pad.left - 6, y: yy + 4, "text-anchor": "end", class: "usage-axis" }, this.metric === "tokens" ? compactNumber(v) : money(v)));
    }
    // x labels: about six across the range
    const every = Math.max(1, Math.ceil(days.length / 6));
    days.forEach((d, i) => {
      const x = pad.left + slot * i + slot / 2;
      if ((days.length - 1 - i) % every === 0) chart.append(svg("text", { x, y: H - 8, "text-anchor": "middle", class: "usage-axis" }, dayLabel(d.date)));
      let base = 0;
      for (const s of series) {
        const v = s.keys.reduce((n, k) => n + this.value(d, k), 0);
        if (v <= 0) continue;
        const top = y(base + v);
        const rect = svg("rect", { x: x - barW / 2, y: top, width: barW, height: Math.max(1, y(base) - top), fill: s.color, "data-series": s.name, "data-date": d.date });
        rect.append(svg("title", {}, `${dayLabel(d.date)} · ${s.name}: ${this.format(v)}`));
        chart.append(rect);
        base += v;
      }
    });
    return chart;
  }

  private table(days: UsageDay[], series: { name: string; keys: string[] }[]): HTMLElement {
    const used = days.filter((d) => d.total.requests > 0).reverse();
    return h(
      "details",
      { class: "usage-table" },
      h("summary", null, "Numbers per day"),
      h(
        "table",
        null,
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Day"), series.map((s) => h("th", { scope: "col" }, s.name)), h("th", { scope: "col" }, "Total"))),
        h(
          "tbody",
          null,
          used.map((d) =>
            h(
              "tr",
              null,
              h("th", { scope: "row" }, dayLabel(d.date)),
              series.map((s) => h("td", null, this.format(s.keys.reduce((n, k) => n + this.value(d, k), 0)))),
              h("td", null, this.format(this.value(d))),
            ),
          ),
        ),
      ),
    );
  }
}

/** The smallest round number (1, 2, 2.5 or 5 × 10ⁿ) at least `raw`. */
function roundStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw * (1 - 1e-9)) ?? 10) * magnitude;
}
