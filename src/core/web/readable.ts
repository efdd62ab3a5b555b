// A fetched body as text a model can read: HTML becomes markdown (node-html-markdown: scripts, styles and markup
// dropped, links kept and made absolute), text and JSON pass as they are, anything else is described, not shown.
import { NodeHtmlMarkdown } from "node-html-markdown";

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|ecmascript|x-yaml|yaml|toml|x-sh)|[^;]*\+(json|xml))/i;
const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)/i;

export interface Readable {
  /** markdown, text, or a sentence saying what the content is */
  text: string;
  title?: string;
  kind: "html" | "text" | "binary";
}

function decode(body: Uint8Array, contentType: string): string {
  const charset = /charset="?([\w.:-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? "utf-8").decode(body);
  } catch {
    return new TextDecoder("utf-8").decode(body);
  }
}

/** Content without a type is text when it decodes as UTF-8 without NUL bytes. */
function looksLikeText(body: Uint8Array): boolean {
  if (body.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(body.subarray(0, 4096));
    return true;
  } catch {
    return false;
  }
}

/** Relative link targets in the markdown resolved against the page's URL, so the model can fetch them next. */
function absoluteLinks(markdown: string, base: string): string {
  return markdown.replace(/\]\(([^)\s]+)/g, (whole, target: string) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) return whole;
    try {
      return `](${new URL(target, base).href}`;
    } catch {
      return whole;
    }
  });
}

export function readableOf(body: Uint8Array, contentType: string, url: string): Readable {
  const type = contentType.split(";", 1)[0]!.trim();
  if (HTML_TYPES.test(type) || (!type && looksLikeText(body) && /^\s*<(!doctype html|html)/i.test(decode(body.subarray(0, 512), "")))) {
    const html = decode(body, contentType);
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.replace(/\s+/g, " ").trim();
    return { kind: "html", text: absoluteLinks(NodeHtmlMarkdown.translate(html), url), ...(title ? { title } : {}) };
  }
  if (TEXT_TYPES.test(type) || (!type && looksLikeText(body))) return { kind: "text", text: decode(body, contentType) };
  return { kind: "binary", text: `[${type || "binary"} content, ${body.byteLength} bytes: not shown]` };
}
