// web_fetch: GET a web page and return it as readable text (HTML as markdown). Judged as `network.fetch` on its URL:
// hosts in [tools] fetch_allow run at once, others ask. It runs in the server, not the sandbox, so the guard in
// src/core/web/fetch.ts (addresses judged on every hop, connections pinned to them, size and time caps) is its
// boundary.
import type { Config } from "../../config";
import { VERSION } from "../kernel/version";
import { checkUrl, FetchRefused, guardedFetch, type FetchPolicy } from "../web/fetch";
import { readableOf } from "../web/readable";
import { WebFetchArguments, type WebFetchData } from "../web/schema";
import { defineTool, fail, ok } from "./define";
import type { ToolDefinition } from "./types";

const DEFAULT_CHARS = 20_000;

/** `resolve` replaces name resolution (tests); the configuration is read on every call. */
export function webFetchTool(config: Config, resolve?: FetchPolicy["resolve"]): ToolDefinition {
  return defineTool({
    name: "web_fetch",
    description:
      "Fetch a web page or text file over http(s) and return it as readable text (HTML converted to markdown, links absolute). " +
      "Use it to read documentation or references the user points to. GET only; large pages are cut. " +
      "Loopback, private and link-local addresses are refused, and a redirect to another site is reported rather than followed.",
    parameters: WebFetchArguments,
    category: "network",
    operation: "fetch",
    resource: (args) => checkUrl(args.url).href,
    timeoutMs: config.tools.fetchTimeoutSeconds * 1000 + 5000,
    timeoutHint: "The site is slow; try a smaller page.",
    async run(args, ctx) {
      const { tools } = config;
      const policy: FetchPolicy = {
        allow: tools.fetchAllow,
        allowPrivate: () => tools.fetchAllowPrivate,
        maxBytes: tools.fetchMaxBytes,
        timeoutMs: tools.fetchTimeoutSeconds * 1000,
        userAgent: `Penguin/${VERSION} (web_fetch)`,
        resolve,
      };
      let page;
      try {
        page = await guardedFetch(args.url, policy, ctx.signal);
      } catch (error) {
        if (error instanceof FetchRefused) return fail(`Not fetched: ${error.message}.`);
        if ((error as Error).name === "TimeoutError") return fail(`Fetching ${args.url} timed out after ${tools.fetchTimeoutSeconds} s.`);
        if (ctx.signal.aborted) throw error;
        return fail(`Fetching ${args.url} failed: ${(error as Error).message}`);
      }
      const data: WebFetchData = {
        url: page.url,
        final_url: page.finalUrl,
        status: page.status,
        content_type: page.contentType,
        bytes: page.body.byteLength,
        truncated: page.truncated,
        redirects: page.redirects,
      };
      if (page.redirectNotFollowed) {
        return fail(
          `${page.finalUrl} redirects (HTTP ${page.status}) to ${page.redirectNotFollowed}, another site, which was not followed. ` +
            "Call web_fetch with that URL if you need it.",
          { ...data, redirect_not_followed: page.redirectNotFollowed },
        );
      }
      const readable = readableOf(page.body, page.contentType, page.finalUrl);
      const max = args.max_chars ?? DEFAULT_CHARS;
      const cut = readable.text.length > max;
      const header = [
        `URL: ${page.finalUrl}`,
        ...(readable.title ? [`Title: ${readable.title}`] : []),
        `Status: ${page.status} ${page.statusText}`.trim() + ` · ${page.contentType || "no content type"} · ${page.body.byteLength} bytes`,
        ...(page.redirects.length ? [`Redirected from ${page.url}`] : []),
      ];
      const notes = [
        ...(page.truncated ? [`[… the page was cut at ${tools.fetchMaxBytes} bytes]`] : []),
        ...(cut ? [`[… ${readable.text.length - max} more characters not shown; call again with a larger max_chars]`] : []),
      ];
      const output = [header.join("\n"), "", cut ? readable.text.slice(0, max) : readable.text, ...notes].join("\n");
      return page.status < 400 ? ok(output, data) : fail(output, data);
    },
  });
}
