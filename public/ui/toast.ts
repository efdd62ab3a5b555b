// Short-lived notices at the bottom of the screen (announced politely to screen readers).
import { h } from "../lib/dom";
import { icon } from "../lib/icons";

let region: HTMLElement | null = null;

export function toast(message: string, kind: "info" | "error" | "success" = "info", ms = 4500): void {
  if (!region) {
    region = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const close = h("button", { type: "button", class: "icon-btn small", "aria-label": "Dismiss" }, icon("x"));
  const el = h("div", { class: `toast toast-${kind}` }, icon(kind === "error" ? "alert" : kind === "success" ? "check" : "sparkle"), h("span", null, message), close);
  const remove = () => {
    el.classList.add("leaving");
    setTimeout(() => el.remove(), 200);
  };
  close.addEventListener("click", remove);
  region.append(el);
  setTimeout(remove, ms);
}
