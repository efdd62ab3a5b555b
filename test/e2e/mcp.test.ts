// The MCP servers in the web workspace: the top-bar button appears when servers are configured, and its popover lists
// each server with its status, its tools and its last error (a real server-everything over stdio, and a broken one).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { BROWSER_TEST, launchChromium, signIn } from "../support/browser";
import { until } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";

const NODE_MODULES = realpathSync(resolve(import.meta.dir, "../../node_modules"));
const EVERYTHING = join(NODE_MODULES, "@modelcontextprotocol/server-everything/dist/index.js");
const q = (text: string) => JSON.stringify(text);

let app: TestApp;
let plain: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp({
    toml: `
[mcp.everything]
command = [${q(process.execPath)}, ${q(EVERYTHING)}, "stdio"]
network = false
read_only_roots = [${q(NODE_MODULES)}, ${q(dirname(process.execPath))}]

[mcp.broken]
command = ["/nonexistent/penguin-mcp-server"]
`,
  });
  plain = await startTestApp();
  browser = await launchChromium();
  await until(async () => {
    const { servers } = await (await app.request("/api/v1/mcp")).json();
    return servers[0].status === "connected" && servers[1].last_error;
  }, 20_000, "everything connected, broken reported");
}, 40_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await plain?.close();
});

test("the MCP button lists the servers, their status, tools and last error", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, app);
  const button = page.getByRole("button", { name: /^MCP servers/ });
  await button.waitFor({ state: "visible", timeout: 15_000 });
  expect(await button.getAttribute("aria-label")).toBe("MCP servers: 1 of 2 connected");
  expect(await button.getAttribute("data-health")).toBe("waiting");
  await button.click();
  const popover = page.getByRole("dialog", { name: "MCP servers" });
  await popover.waitFor({ state: "visible" });

  const everything = popover.locator('[data-server="everything"]');
  expect(await everything.locator(".mcp-status").textContent()).toBe("Connected");
  expect(await everything.getByRole("list", { name: "Tools of everything" }).getByText("everything_echo", { exact: true }).count()).toBe(1);
  const broken = popover.locator('[data-server="broken"]');
  expect(await broken.locator(".mcp-status").textContent()).toMatch(/Retrying|Connecting/);
  expect(await broken.locator(".mcp-error").textContent()).toContain("/nonexistent/penguin-mcp-server");
  await page.screenshot({ path: join(import.meta.dir, "screenshots", "mcp-servers.png") });

  await page.keyboard.press("Escape");
  await popover.waitFor({ state: "hidden" });
}, { ...BROWSER_TEST, timeout: 40_000 });

test("without MCP servers the button stays hidden", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, plain);
  await page.getByRole("button", { name: "New chat" }).first().waitFor({ state: "visible", timeout: 15_000 });
  // the probes have answered once the sandbox badge shows
  await page.locator(".sandbox-badge").waitFor({ state: "visible", timeout: 15_000 });
  expect(await page.getByRole("button", { name: /^MCP servers/ }).count()).toBe(0);
}, { ...BROWSER_TEST, timeout: 40_000 });
