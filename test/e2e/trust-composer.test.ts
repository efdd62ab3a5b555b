// Nothing typed is lost, nothing misleads, in Debian's Chromium: a message over the limit is refused before sending
// with the limit in words and stays in the box; a very long message shows collapsed with "Show all"; Retry appears
// only when a retry can help; a dead provider and a root in Penguin's own files/ are announced before the first
// message. Screenshots: test/e2e/screenshots/trust-*.png.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { BROWSER_TEST, launchChromium, signIn } from "../support/browser";
import { startChatApp } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

const SHOTS = join(import.meta.dir, "screenshots");
const T = { ...BROWSER_TEST, timeout: 40_000 };
let up: Upstream;
let app: TestApp;
let dead: TestApp;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  up = await startUpstream();
  app = await startChatApp(up, "openai", { env: { PENGUIN_RETRY_BASE_MS: "5" } });
  // nothing listens on port 9; the project root is the workspace's own files/ folder
  dead = await startTestApp({
    env: { PENGUIN_MODEL: "openai/gpt-4o", OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" },
    configure: (c) => void (c.projectRoot = join(c.workspace, "files")),
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await dead?.close();
  await up?.close();
});

async function open(target: TestApp): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await signIn(page, target);
  return page;
}

test("a dead provider and Penguin's own files/ folder are announced before the first message", async () => {
  const page = await open(dead);
  const model = page.locator('[data-notice="model"]');
  await model.waitFor();
  expect(await model.textContent()).toContain("The model is not ready");
  expect(await model.textContent()).toContain("Cannot reach the provider at 127.0.0.1:9");
  expect(await model.textContent()).toContain("OPENAI_BASE_URL");
  const root = page.locator('[data-notice="root"]');
  await root.waitFor();
  expect(await root.textContent()).toContain("--project-root");
  // the directory button names the active root while the chat has none of its own
  await page.getByRole("button", { name: /Set working directory \(now the project root .*files\)/ }).waitFor();
  await page.screenshot({ path: join(SHOTS, "trust-not-ready.png") });
  await page.close();
}, T);

test("a ready provider shows no notice", async () => {
  const page = await open(app);
  await page.waitForTimeout(500);
  expect(await page.locator('[data-notice="model"]').isHidden()).toBe(true);
  await page.close();
}, T);

test("over the size limit: refused before sending, the limit in words, the text kept", async () => {
  const page = await open(app);
  const before = up.requests.length;
  const box = page.getByRole("textbox", { name: "Message" });
  const text = "x".repeat(500_001);
  await box.fill(text);
  await box.press("Enter");
  const alert = page.locator(".composer-limit");
  await alert.waitFor();
  expect(await alert.textContent()).toContain("500,001 characters long; the limit is 500,000");
  expect((await box.inputValue()).length).toBe(500_001);
  expect(await page.locator(".msg-user").count()).toBe(0);
  expect(up.requests.length).toBe(before);
  await page.screenshot({ path: join(SHOTS, "trust-over-limit.png") });
  // shortening it clears the note
  await box.fill("short now");
  expect(await alert.isHidden()).toBe(true);
  await page.close();
}, T);

test("a very long message shows collapsed with Show all", async () => {
  up.script({ key: "[long]", text: "Got it." });
  const page = await open(app);
  const lines = Array.from({ length: 120 }, (_, i) => `line ${i + 1} of a long paste`).join("\n");
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(`[long]\n${lines}`);
  await box.press("Enter");
  const bubble = page.locator(".msg-user .bubble").last();
  await bubble.waitFor();
  expect(await bubble.getAttribute("class")).toContain("msg-collapsed");
  const collapsedHeight = await bubble.evaluate((el) => el.getBoundingClientRect().height);
  const toggle = page.getByRole("button", { name: /^Show all \(121 lines/ });
  await page.locator(".msg-assistant .md").filter({ hasText: "Got it." }).waitFor();
  await page.screenshot({ path: join(SHOTS, "trust-long-message.png") });
  await toggle.click();
  expect(await bubble.evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThan(collapsedHeight * 2);
  await page.close();
}, T);

test("Retry only when a retry can help", async () => {
  up.script({ key: "[401]", times: 5, error: { status: 401, body: { error: { message: "Incorrect API key provided" } } } });
  up.script({ key: "[503]", times: 10, error: { status: 503 } });
  const page = await open(app);
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("hello [401]");
  await box.press("Enter");
  const refused = page.locator(".error-block").last();
  await refused.waitFor();
  expect(await refused.textContent()).toContain("Incorrect API key provided");
  expect(await refused.getByRole("button", { name: "Retry" }).count()).toBe(0);
  await page.screenshot({ path: join(SHOTS, "trust-error-no-retry.png") });

  await page.getByRole("button", { name: "Send message" }).waitFor();
  await box.fill("hello [503]");
  await box.press("Enter");
  await page.locator(".error-block").nth(1).waitFor();
  expect(await page.locator(".error-block").nth(1).getByRole("button", { name: "Retry" }).count()).toBe(1);
  await page.close();
}, T);

test("the directory dialog checks the folder when it is chosen", async () => {
  const page = await open(app);
  await page.getByRole("button", { name: /^Set working directory/ }).click();
  const dialog = page.getByRole("dialog", { name: "Working directory" });
  await dialog.getByRole("textbox").fill("/no/such/folder-here");
  await dialog.getByRole("button", { name: "Save" }).click();
  const problem = dialog.getByRole("alert");
  await problem.waitFor();
  expect(await problem.textContent()).toContain("/no/such/folder-here does not exist");
  expect(await dialog.isVisible()).toBe(true);
  await page.screenshot({ path: join(SHOTS, "trust-directory-invalid.png") });
  // a real folder is accepted and the dialog closes
  await dialog.getByRole("textbox").fill(app.projectRoot);
  await dialog.getByRole("button", { name: "Save" }).click();
  await page.getByRole("button", { name: `Working directory: ${app.projectRoot}` }).waitFor();
  expect(await dialog.count()).toBe(0);
  await page.close();
}, T);
