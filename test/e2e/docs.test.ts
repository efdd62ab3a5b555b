// The API docs pages render in a real browser from the server alone (no CDN), under their CSP.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { BROWSER_TEST, launchChromium } from "../support/browser";
import { startTestApp, type TestApp } from "../support/harness";

const SHOTS = join(import.meta.dir, "screenshots");

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function open(path: string): Promise<{ page: Page; external: string[]; violations: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const external: string[] = [];
  const violations: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (!["data:", "blob:"].includes(url.protocol) && url.hostname !== "127.0.0.1") external.push(r.url());
  });
  // ReDoc's attribution logo points at its CDN; the CSP blocks it before it leaves the browser, which is the point.
  page.on("requestfailed", (r) => {
    const i = external.indexOf(r.url());
    if (i >= 0 && r.failure()?.errorText === "csp") external.splice(i, 1);
  });
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text()) && !m.text().includes("cdn.redoc.ly")) violations.push(m.text());
  });
  await page.goto(app.url + path);
  return { page, external, violations };
}

test("Swagger UI at /api/docs lists the API, offline", async () => {
  const { page, external, violations } = await open("/api/docs");
  await page.waitForSelector(".swagger-ui .info .title", { timeout: 15_000 });
  expect(await page.textContent(".swagger-ui .info .title")).toContain("Penguin API");
  await page.waitForSelector(".opblock", { timeout: 15_000 });
  // Swagger UI renders only the operations in view (a long document is virtualised): count what it loaded, from
  // the UI itself, and compare with the document the server serves.
  const served = await (await app.request("/api/docs/json")).json();
  const operations = Object.values(served.paths as Record<string, object>).reduce((n, item) => n + Object.keys(item).length, 0);
  const loaded = await page.evaluate(() => {
    const ui = (window as unknown as { ui: { specSelectors: { operations(): { size: number }; taggedOperations(): { size: number } } } }).ui;
    return { operations: ui.specSelectors.operations().size, tags: ui.specSelectors.taggedOperations().size };
  });
  expect(loaded.operations).toBe(operations);
  expect(loaded.operations).toBeGreaterThan(100);
  expect(loaded.tags).toBeGreaterThan(20);
  await page.screenshot({ path: join(SHOTS, "docs-swagger.png") });
  expect(external).toEqual([]);
  expect(violations).toEqual([]);
}, { ...BROWSER_TEST, timeout: 30_000 });

test("ReDoc at /api/redoc renders the same document, offline", async () => {
  const { page, external, violations } = await open("/api/redoc");
  await page.waitForSelector("h1", { timeout: 20_000 });
  expect(await page.textContent("h1")).toContain("Penguin API");
  await page.screenshot({ path: join(SHOTS, "docs-redoc.png") });
  await Bun.sleep(300); // let the blocked attribution image report its failure
  expect(external).toEqual([]);
  expect(violations).toEqual([]);
}, { ...BROWSER_TEST, timeout: 30_000 });

test("the web UI runs under the strict CSP (no inline script allowed) without violations", async () => {
  const res = await app.request("/", { auth: false });
  const csp = res.headers.get("content-security-policy")!;
  expect(csp).toMatch(/script-src 'self';/);
  const { page, violations } = await open(`/#token=${app.key}`);
  await page.waitForSelector("textarea", { timeout: 15_000 });
  expect(violations).toEqual([]);
  // An inline script injected into the page is refused by the browser.
  const ran = await page.evaluate(() => {
    (window as unknown as { injected?: boolean }).injected = false;
    const s = document.createElement("script");
    s.textContent = "window.injected = true";
    document.body.appendChild(s);
    return (window as unknown as { injected?: boolean }).injected;
  });
  expect(ran).toBe(false);
}, { ...BROWSER_TEST, timeout: 30_000 });
