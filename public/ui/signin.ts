// The sign-in screen: shown when no key is stored or the server refused the one we have.
import { h } from "../lib/dom";
import { icon, logo } from "../lib/icons";

export function signInScreen(options: { reason?: string; onSubmit: (key: string) => Promise<string | null> }): HTMLElement {
  const input = h("input", {
    id: "signin-key",
    class: "input",
    type: "password",
    name: "api-key",
    autocomplete: "current-password",
    spellcheck: "false",
    placeholder: "Paste your key",
    required: true,
  });
  const error = h("p", { class: "signin-error", role: "alert" }, options.reason ?? "");
  const button = h("button", { type: "submit", class: "btn btn-primary btn-block" }, "Sign in");
  const form = h(
    "form",
    { class: "signin-form", "aria-labelledby": "signin-title" },
    h("label", { class: "field", for: "signin-key" }, h("span", { class: "field-label" }, "API key or startup token")),
    h("div", { class: "input-with-icon" }, icon("key"), input),
    error,
    button,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    button.disabled = true;
    button.textContent = "Checking…";
    const problem = await options.onSubmit(key);
    button.disabled = false;
    button.textContent = "Sign in";
    if (problem) {
      error.textContent = problem;
      input.select();
    }
  });
  const screen = h(
    "main",
    { class: "signin" },
    h(
      "div",
      { class: "signin-card" },
      h("div", { class: "signin-logo" }, logo(48)),
      h("h1", { id: "signin-title" }, "Sign in to Penguin"),
      h(
        "p",
        { class: "signin-lead" },
        "Paste an API key, or the startup token the server printed when it started. Opening the link it printed (",
        h("code", null, "…/#token=…"),
        ") signs you in directly.",
      ),
      form,
      h("p", { class: "signin-foot" }, "The key is kept in this browser only and sent to this server only."),
    ),
  );
  setTimeout(() => input.focus(), 0);
  return screen;
}
