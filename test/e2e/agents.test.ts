// The agent picker in the browser: shown when the server lists several agents; the chosen agent's prompt reaches
// the model.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { BROWSER_TEST, launchChromium, signIn } from "../support/browser";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  up = await startUpstream();
  app = await startTestApp({
    env: { PENGUIN_MODEL: "openai/test-model", OPENAI_API_KEY: "x", OPENAI_BASE_URL: up.openaiBaseUrl },
    toml: '[[agents]]\nid = "reviewer"\nsystem_prompt = "You are the reviewer agent."\n',
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await up?.close();
});

test("picking an agent routes the next message to it", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, app);
  const picker = page.getByLabel("Agent", { exact: true });
  await picker.waitFor({ state: "visible", timeout: 15_000 });
  expect(await picker.locator("option").allTextContents()).toEqual(["default", "reviewer"]);
  await picker.selectOption("reviewer");
  up.script({ text: "Reviewed." });
  await page.fill("textarea", "Please review [agent-pick]");
  await page.keyboard.press("Enter");
  await page.getByText("Reviewed.").waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(import.meta.dir, "screenshots", "agent-picker.png") });
  const request = up.requests.find((r) => r.lastUserText.includes("[agent-pick]"))!;
  expect(JSON.stringify(request.body.messages[0])).toContain("You are the reviewer agent.");
}, { ...BROWSER_TEST, timeout: 40_000 });
