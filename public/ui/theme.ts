// The theme: the system's (default), or light or dark as chosen; kept in this browser. The choice is applied as
// html[data-theme], which the stylesheet lets win over prefers-color-scheme.
import { h } from "../lib/dom";
import { readStored, writeStored } from "../lib/storage";

export type ThemeChoice = "system" | "light" | "dark";
const KEY = "penguin.theme";
const CHOICES: { value: ThemeChoice; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export function storedTheme(): ThemeChoice {
  const v = readStored(KEY);
  return v === "light" || v === "dark" ? v : "system";
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === "system") root.removeAttribute("data-theme");
  else root.dataset.theme = choice;
  // The browser's own colours (scrollbars, form controls, the mobile address bar) follow too.
  for (const meta of Array.from(document.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"]'))) {
    const forScheme = meta.media.includes("dark") ? "dark" : "light";
    meta.content = choice === "system" ? (forScheme === "dark" ? "#171717" : "#ffffff") : choice === "dark" ? "#171717" : "#ffffff";
  }
}

/** Applied as soon as the UI loads, so a reload does not flash the other theme. */
applyTheme(storedTheme());

/** A three-way switch (radio group): System, Light, Dark. */
export function themeSwitch(): HTMLElement {
  const current = storedTheme();
  const group = h("div", { class: "theme-switch", role: "radiogroup", "aria-label": "Theme" });
  for (const { value, label } of CHOICES) {
    const input = h("input", { type: "radio", name: "penguin-theme", value, checked: value === current, "aria-label": `${label} theme` });
    input.addEventListener("change", () => {
      if (!input.checked) return;
      writeStored(KEY, value === "system" ? null : value);
      applyTheme(value);
    });
    group.append(h("label", { class: "theme-option", title: `${label} theme` }, input, h("span", null, label)));
  }
  return group;
}
