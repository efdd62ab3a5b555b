// Model output → safe DOM. Markdown is parsed by marked with raw HTML escaped (shown as text, never parsed),
// highlighted by highlight.js, and the result is sanitised by DOMPurify before it touches the page: no
// scripts, no event handlers, no javascript: URLs, no remote images; links open in a new tab without an opener.
import DOMPurify from "dompurify";
import { Marked } from "marked";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import { h } from "./dom";
import { icon } from "./icons";

const LANGUAGES = { bash, diff, go, javascript, json, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);
hljs.registerAliases(["sh", "shell", "zsh", "console"], { languageName: "bash" });
hljs.registerAliases(["html", "svg"], { languageName: "xml" });
hljs.registerAliases(["ts", "tsx"], { languageName: "typescript" });
hljs.registerAliases(["js", "jsx", "mjs", "cjs"], { languageName: "javascript" });
hljs.registerAliases(["py"], { languageName: "python" });
hljs.registerAliases(["yml"], { languageName: "yaml" });
hljs.registerAliases(["rs"], { languageName: "rust" });
hljs.registerAliases(["patch"], { languageName: "diff" });

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const SAFE_LINK = /^(https?:|mailto:)/i;
const SAFE_IMAGE = /^(data:image\/(png|jpe?g|gif|webp);|blob:)/i;

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    // Raw HTML in model output is shown as text: a chat answer never needs live markup.
    html({ text }) {
      return escapeHtml(text);
    },
    code({ text, lang }) {
      const language = (lang ?? "").trim().split(/\s+/)[0]!.toLowerCase();
      const known = language !== "" && hljs.getLanguage(language) !== undefined;
      const body = known ? hljs.highlight(text, { language, ignoreIllegals: true }).value : escapeHtml(text);
      return `<pre data-lang="${escapeHtml(language)}"><code class="hljs">${body}</code></pre>\n`;
    },
    // Remote images would leave the machine (and the CSP blocks them anyway): show them as links instead.
    image({ href, text }) {
      if (SAFE_IMAGE.test(href)) return `<img src="${escapeHtml(href)}" alt="${escapeHtml(text)}">`;
      return `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`;
    },
  },
});

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "A") {
    const href = node.getAttribute("href") ?? "";
    if (SAFE_LINK.test(href.trim())) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    } else {
      node.removeAttribute("href");
    }
  } else if (node.nodeName === "IMG") {
    if (!SAFE_IMAGE.test(node.getAttribute("src") ?? "")) node.removeAttribute("src");
  }
});

const PURIFY_CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "option", "iframe", "object", "embed", "svg", "math", "video", "audio", "source"],
  FORBID_ATTR: ["style", "id", "name", "srcset"],
  ALLOW_DATA_ATTR: false,
  ADD_ATTR: ["data-lang", "target"],
};

export function sanitize(html: string): string {
  return DOMPurify.sanitize(html, PURIFY_CONFIG) as unknown as string;
}

export function markdownToSafeHtml(markdown: string): string {
  return sanitize(marked.parse(markdown, { async: false }) as string);
}

/** Renders Markdown into `target`, then adds copy buttons to code blocks and scroll wrappers to tables. */
export function renderMarkdown(target: HTMLElement, markdown: string): void {
  target.innerHTML = markdownToSafeHtml(markdown);
  for (const pre of Array.from(target.querySelectorAll("pre"))) {
    const lang = pre.getAttribute("data-lang") || "text";
    const wrap = h("div", { class: "codeblock" });
    const code = pre.querySelector("code");
    const copy = copyButton(() => code?.textContent ?? pre.textContent ?? "", "Copy code");
    const head = h("div", { class: "codeblock-head" }, h("span", { class: "codeblock-lang" }, lang), copy);
    pre.replaceWith(wrap);
    wrap.append(head, pre);
  }
  for (const table of Array.from(target.querySelectorAll("table"))) {
    const wrap = h("div", { class: "table-wrap" });
    table.replaceWith(wrap);
    wrap.append(table);
  }
}

export function copyButton(getText: () => string, label: string, withText = true): HTMLButtonElement {
  const text = h("span", null, "Copy");
  const btn = h("button", { type: "button", class: "copy-btn", "aria-label": label, title: label }, icon("copy"), withText ? text : null);
  btn.addEventListener("click", async () => {
    const ok = await copyText(getText());
    btn.replaceChildren(icon(ok ? "check" : "alert"), withText ? h("span", null, ok ? "Copied" : "Failed") : "");
    btn.classList.toggle("done", ok);
    setTimeout(() => {
      btn.replaceChildren(icon("copy"), withText ? h("span", null, "Copy") : "");
      btn.classList.remove("done");
    }, 1500);
  });
  return btn;
}

export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall back below */
  }
  // Plain-HTTP access from another machine has no clipboard API: use a hidden textarea.
  const area = h("textarea", { class: "sr-only", "aria-hidden": "true" });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}
