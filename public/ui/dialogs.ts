// Confirm and prompt as native <dialog>s (focus trapping, Escape to cancel, accessible by default),
// never window.confirm/prompt.
import { h } from "../lib/dom";

interface DialogOptions {
  title: string;
  message?: string;
  confirmLabel?: string;
  danger?: boolean;
}

function openDialog<T>(
  options: DialogOptions,
  body: HTMLElement | null,
  read: () => T,
  focus?: HTMLElement,
  /** Checked on submit: a problem keeps the dialog open and shows it. */
  check?: (value: T) => Promise<string | undefined>,
): Promise<T | null> {
  return new Promise((resolve) => {
    const titleId = "dlg-" + Math.random().toString(36).slice(2);
    const cancel = h("button", { type: "button", class: "btn btn-ghost" }, "Cancel");
    const ok = h("button", { type: "submit", class: options.danger ? "btn btn-danger" : "btn btn-primary" }, options.confirmLabel ?? "OK");
    const problem = h("p", { class: "dialog-problem", role: "alert", hidden: true });
    const form = h(
      "form",
      { method: "dialog", class: "dialog-form" },
      h("h2", { id: titleId, class: "dialog-title" }, options.title),
      options.message ? h("p", { class: "dialog-message" }, options.message) : null,
      body,
      problem,
      h("div", { class: "dialog-actions" }, cancel, ok),
    );
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId }, form);
    let result: T | null = null;
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = read();
      if (check) {
        ok.disabled = true;
        const why = await check(value);
        ok.disabled = false;
        problem.textContent = why ?? "";
        problem.hidden = !why;
        if (why) return;
      }
      result = value;
      dialog.close();
    });
    dialog.addEventListener("click", (e) => {
      if (e.target === dialog) dialog.close();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    (focus ?? ok).focus();
  });
}

export async function confirmDialog(options: DialogOptions): Promise<boolean> {
  return (await openDialog(options, null, () => true)) === true;
}

/** A confirmation with one option (a checkbox); null when cancelled. */
export function confirmWithOption(options: DialogOptions & { option: string; optionHint?: string; checked?: boolean }): Promise<{ option: boolean } | null> {
  const box = h("input", { type: "checkbox", checked: options.checked ?? false });
  const label = h(
    "label",
    { class: "check-field" },
    box,
    h("span", null, h("span", { class: "check-label" }, options.option), options.optionHint ? h("span", { class: "field-hint" }, options.optionHint) : null),
  );
  return openDialog(options, label, () => ({ option: box.checked }));
}

export function promptDialog(
  options: DialogOptions & { label: string; value?: string; placeholder?: string; hint?: string; check?: (value: string) => Promise<string | undefined> },
): Promise<string | null> {
  const input = h("input", { type: "text", class: "input", value: options.value ?? "", placeholder: options.placeholder ?? "", autocomplete: "off", spellcheck: "false" });
  const label = h("label", { class: "field" }, h("span", { class: "field-label" }, options.label), input, options.hint ? h("span", { class: "field-hint" }, options.hint) : null);
  setTimeout(() => input.select(), 0);
  return openDialog(options, label, () => input.value, input, options.check);
}
