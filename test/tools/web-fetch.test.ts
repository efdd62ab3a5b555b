// web_fetch runs in the server, not the sandbox: its address guard is the boundary. Tested by attack through real
// chat turns (the scripted model asks for the URL, the tool result is what it got back): loopback by address and by
// DNS name, IPv4-mapped IPv6, metadata, the server's own port directly and through a redirect, a redirect to
// another host; then what it returns (markdown, caps, timeouts) and how the permission layer judges it
// (fetch_allow runs at once, anything else asks).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { classifyAddress } from "../../src/core/web/addresses";
import { FetchRefused, guardedFetch, type FetchPolicy } from "../../src/core/web/fetch";
import { ChatSocket, post, startChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

const PAGE = `<!doctype html><html><head><title>Penguin Docs</title><script>steal()</script><style>p{}</style></head>
<body><h1>Install</h1><p>Run <code>npm start</code> and read <a href="/guide">the guide</a>.</p><ul><li>one</li><li>two</li></ul></body></html>`;

let site: ReturnType<typeof Bun.serve>;
let up: Upstream;
const siteUrl = (path: string, host = "127.0.0.1") => `http://${host}:${site.port}${path}`;

beforeAll(async () => {
  up = await startUpstream();
  // 0.0.0.0, so 127.0.0.2 reaches it too (a second "host" for the redirect tests)
  site = Bun.serve({
    hostname: "0.0.0.0",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/page") return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
      if (url.pathname === "/redirect") return new Response(null, { status: 302, headers: { location: url.searchParams.get("to")! } });
      if (url.pathname === "/big") return new Response("x".repeat(50_000), { headers: { "content-type": "text/plain" } });
      if (url.pathname === "/slow") {
        await Bun.sleep(3000);
        return new Response("late");
      }
      if (url.pathname === "/image") return new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), { headers: { "content-type": "image/png" } });
      if (url.pathname === "/host") return new Response(`host header: ${req.headers.get("host")}`, { headers: { "content-type": "text/plain" } });
      return new Response("not here", { status: 404 });
    },
  });
});
afterAll(async () => {
  site.stop(true);
  await up.close();
});

/** One chat turn in which the model calls web_fetch(url); returns that call's action result. */
async function fetchThroughChat(app: TestApp, url: string, extra: Record<string, unknown> = {}) {
  const key = `[fetch-${crypto.randomUUID()}]`;
  up.script({ key, toolCalls: [{ name: "web_fetch", arguments: { url, ...extra } }] }, { key, text: "done" });
  const res = await post(app, "/api/v1/chat/message", { text: `read it ${key}` });
  expect(res.status).toBe(200);
  const action = res.body.action_results.find((a: { action: string }) => a.action === "web_fetch");
  expect(action).toBeDefined();
  return action as { status: string; result: string };
}

describe("the guard, by default (no private networks)", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startChatApp(up, "openai", { toml: `[tools]\nfetch_allow = ["127.0.0.1", "localhost", "169.254.169.254", "::ffff:7f00:1"]\n` });
  });
  afterAll(() => app.close());

  test("loopback by address is refused", async () => {
    const r = await fetchThroughChat(app, siteUrl("/page"));
    expect(r.status).toBe("error");
    expect(r.result).toContain("Not fetched: 127.0.0.1 resolves to 127.0.0.1, loopback");
    expect(r.result).not.toContain("Install");
  });

  test("a DNS name that resolves to loopback is refused", async () => {
    const r = await fetchThroughChat(app, siteUrl("/page", "localhost"));
    expect(r.status).toBe("error");
    expect(r.result).toMatch(/localhost resolves to (127\.0\.0\.1|::1), loopback/);
  });

  test("loopback written as IPv4-mapped IPv6 is refused", async () => {
    const r = await fetchThroughChat(app, siteUrl("/page", "[::ffff:127.0.0.1]"));
    expect(r.status).toBe("error");
    expect(r.result).toContain("loopback");
  });

  test("the metadata address is refused before any connection", async () => {
    const r = await fetchThroughChat(app, "http://169.254.169.254/latest/meta-data/");
    expect(r.status).toBe("error");
    expect(r.result).toContain("link-local");
  });

  test("only http and https", async () => {
    const r = await fetchThroughChat(app, "file:///etc/passwd");
    expect(r.status).toBe("error");
    expect(r.result).toContain("only http and https");
  });
});

describe("with fetch_allow_private = true", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startChatApp(up, "openai", {
      toml: `[tools]\nfetch_allow = ["127.0.0.1", "localhost", "169.254.169.254"]\nfetch_allow_private = true\nfetch_max_bytes = 2048\nfetch_timeout_seconds = 1\n`,
    });
  });
  afterAll(() => app.close());

  test("a page comes back as markdown: title, headings, code, absolute links; no script", async () => {
    const r = await fetchThroughChat(app, siteUrl("/page"));
    expect(r.status).toBe("completed");
    expect(r.result).toContain("Title: Penguin Docs");
    expect(r.result).toContain("# Install");
    expect(r.result).toContain("`npm start`");
    expect(r.result).toContain(`[the guide](${siteUrl("/guide")})`);
    expect(r.result).not.toContain("steal()");
    // sent to the address that was checked, with the URL's host in the Host header
    expect((await fetchThroughChat(app, siteUrl("/host", "localhost"))).result).toContain(`host header: localhost:${site.port}`);
  });

  test("the server's own port is refused, directly and by name", async () => {
    for (const url of [`http://127.0.0.1:${app.port}/health`, `http://localhost:${app.port}/api/v1/health`]) {
      const r = await fetchThroughChat(app, url);
      expect(r.status).toBe("error");
      expect(r.result).toContain("is this server itself");
    }
  });

  test("redirects are checked on every hop: to the server itself, to metadata", async () => {
    const toSelf = await fetchThroughChat(app, siteUrl(`/redirect?to=${encodeURIComponent(`http://localhost:${app.port}/metrics`)}`));
    expect(toSelf.status).toBe("error");
    expect(toSelf.result).toContain("is this server itself");
    const toMetadata = await fetchThroughChat(app, siteUrl(`/redirect?to=${encodeURIComponent("http://169.254.169.254/latest/meta-data/")}`));
    expect(toMetadata.status).toBe("error");
    expect(toMetadata.result).toContain("link-local");
  });

  test("a redirect to another host outside fetch_allow is reported, not followed", async () => {
    const elsewhere = siteUrl("/page", "127.0.0.2");
    const r = await fetchThroughChat(app, siteUrl(`/redirect?to=${encodeURIComponent(elsewhere)}`));
    expect(r.status).toBe("error");
    expect(r.result).toContain(`redirects (HTTP 302) to ${elsewhere}, another site, which was not followed`);
    expect(r.result).not.toContain("Install");
  });

  test("a redirect within the host is followed", async () => {
    const r = await fetchThroughChat(app, siteUrl(`/redirect?to=/page`));
    expect(r.status).toBe("completed");
    expect(r.result).toContain("# Install");
    expect(r.result).toContain(`Redirected from ${siteUrl("/redirect?to=/page")}`);
  });

  test("size and time caps; binary content is described, not shown", async () => {
    const big = await fetchThroughChat(app, siteUrl("/big"));
    expect(big.status).toBe("completed");
    expect(big.result).toContain("[… the page was cut at 2048 bytes]");
    expect(big.result.length).toBeLessThan(2048 + 500);
    const slow = await fetchThroughChat(app, siteUrl("/slow"));
    expect(slow.status).toBe("error");
    expect(slow.result).toContain("timed out after 1 s");
    const image = await fetchThroughChat(app, siteUrl("/image"));
    expect(image.result).toContain("[image/png content, 7 bytes: not shown]");
  });
});

describe("permission: network.fetch", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startChatApp(up, "openai", { toml: `[tools]\nfetch_allow_private = true\n` });
  });
  afterAll(() => app.close());

  test("a host outside fetch_allow asks first; denied, nothing is fetched", async () => {
    const key = "[ask-fetch]";
    up.script({ key, toolCalls: [{ name: "web_fetch", arguments: { url: siteUrl("/page") } }] }, { key, text: "ok, not fetched" });
    const ws = await ChatSocket.open(app);
    ws.send({ text: `read the docs ${key}` });
    const required = await ws.next("approval_required");
    expect(required.data).toMatchObject({ tool_name: "web_fetch", operation: "network.fetch", resource: siteUrl("/page") });
    expect(required.data.reason).toContain("[tools] fetch_allow");
    await post(app, `/api/v1/approvals/${required.data.request_id}/deny`, undefined);
    const complete = await ws.next("complete", 1, 10_000);
    expect(complete.data.action_results[0]).toMatchObject({ action: "web_fetch", status: "denied" });
    ws.close();
  });
});

describe("guardedFetch", () => {
  const policy = (over: Partial<FetchPolicy> = {}): FetchPolicy => ({
    allow: [],
    allowPrivate: () => false,
    maxBytes: 10_000,
    timeoutMs: 2000,
    userAgent: "test",
    ...over,
  });

  test("every address a name resolves to is judged: one loopback address among public ones refuses it", async () => {
    const attempt = guardedFetch("http://mixed.example/", policy({ resolve: async () => ["93.184.216.34", "127.0.0.1"] }), new AbortController().signal);
    await expect(attempt).rejects.toThrow(FetchRefused);
    await expect(attempt).rejects.toThrow("mixed.example resolves to 127.0.0.1, loopback");
  });

  test("a redirect from a permitted address to 127.0.0.1 is refused", async () => {
    // 127.0.0.2 stands for a reachable public host: the only address this policy lets through
    const onlyTheSite = policy({ allow: ["127.0.0.1"], allowPrivate: (address) => address === "127.0.0.2" });
    const start = siteUrl(`/redirect?to=${encodeURIComponent(siteUrl("/page"))}`, "127.0.0.2");
    await expect(guardedFetch(start, onlyTheSite, new AbortController().signal)).rejects.toThrow("127.0.0.1 resolves to 127.0.0.1, loopback");
    // and the site itself was reachable
    const page = await guardedFetch(siteUrl("/page", "127.0.0.2"), onlyTheSite, new AbortController().signal);
    expect(page.status).toBe(200);
  });

  test("addresses: metadata, NAT64 and 6to4 forms of private addresses, public ones", () => {
    expect(classifyAddress("fd00:ec2::254").kind).toBe("forbidden");
    expect(classifyAddress("64:ff9b::a9fe:a9fe").kind).toBe("forbidden");
    expect(classifyAddress("2002:c0a8:0101::1").kind).toBe("private");
    expect(classifyAddress("0.0.0.0").kind).toBe("forbidden");
    expect(classifyAddress("8.8.8.8").kind).toBe("public");
    expect(classifyAddress("2606:4700::1111").kind).toBe("public");
  });
});
