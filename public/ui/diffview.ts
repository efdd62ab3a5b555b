// A unified diff as people read it: added lines green, removed lines red, hunk headers muted, the `--- a/ +++ b/`
// file headers left out; a long diff starts collapsed with its line count and a "Show all" button. Text only.
import { h } from "../lib/dom";

export interface DiffStats {
  added: number;
  removed: number;
}

/** The diff's body lines (no file headers). */
export function diffLines(diff: string): string[] {
  const lines = diff.replace(/\r\n/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.filter((l) => !l.startsWith("--- ") && !l.startsWith("+++ ") && !l.startsWith("diff --git") && !l.startsWith("index "));
}

export function diffStats(diff: string): DiffStats {
  let added = 0;
  let removed = 0;
  for (const l of diffLines(diff)) {
    if (l.startsWith("+")) added++;
    else if (l.startsWith("-")) removed++;
  }
  return { added, removed };
}

export const looksLikeDiff = (text: string): boolean => /^@@ -\d+(,\d+)? \+\d+(,\d+)? @@/m.test(text) && /^[-+]/m.test(text);

function lineEl(line: string): HTMLElement {
  const kind = line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@@") ? "hunk" : "ctx";
  return h("span", { class: `diff-line diff-${kind}` }, line || " ");
}

/** The coloured diff; more than `collapseAt` lines start collapsed to the first `collapseAt`. */
export function diffView(diff: string, options: { collapseAt?: number; truncated?: boolean; label?: string } = {}): HTMLElement {
  const lines = diffLines(diff);
  const collapseAt = options.collapseAt ?? 40;
  const stats = diffStats(diff);
  const body = h("pre", { class: "diff-body" });
  const render = (all: boolean) => body.replaceChildren(...(all ? lines : lines.slice(0, collapseAt)).map(lineEl));
  const summary = h("div", { class: "diff-summary" }, h("span", { class: "diff-count-add" }, `+${stats.added}`), h("span", { class: "diff-count-del" }, `−${stats.removed}`), options.label ?? "");
  const el = h("div", { class: "diff", role: "group", "aria-label": `Changes: ${stats.added} lines added, ${stats.removed} removed` }, summary, body);
  if (lines.length > collapseAt) {
    const more = h("button", { type: "button", class: "btn btn-ghost btn-sm diff-more" }, `Show all ${lines.length} lines`);
    more.addEventListener("click", () => {
      render(true);
      more.remove();
    });
    el.append(more);
    render(false);
  } else render(true);
  if (options.truncated) el.append(h("p", { class: "diff-note" }, "The change is larger than shown here."));
  return el;
}

/** A few changed lines for a collapsed card: the first added/removed lines, coloured. */
export function diffPreview(diff: string, max = 3): HTMLElement[] {
  const changed = diffLines(diff).filter((l) => (l.startsWith("+") || l.startsWith("-")) && !l.startsWith("+++") && !l.startsWith("---"));
  const shown = changed.slice(0, max).map(lineEl);
  if (changed.length > max) shown.push(h("span", { class: "diff-line diff-ctx" }, `… ${changed.length - max} more changed lines`));
  return shown;
}
