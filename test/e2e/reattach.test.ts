// The chat page and turns that belong to the server, in a real browser (Debian's Chromium through playwright-core):
// reloading mid-answer reattaches to the running turn and the answer arrives whole, once; closing the tab while an
// approval waits leaves it pending, and a new tab shows it in the turn and can answer it. Screenshots in
// test/e2e/screenshots/ (reattach-*.png).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { BROWSER_TEST, launchChromium, signIn, typeAndSend as send } from "../support/browser";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

const SHOTS = join(import.meta.dir, "screenshots");
const T = { ...BROWSER_TEST, timeout: 40_000 };

let up: Upstream;
let app: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  up = await startUpstream();
  app = await startTestApp({
    env: { PENGUIN_MODEL: "openai/test-model", OPENAI_API_KEY: "x", OPENAI_BASE_URL: up.openaiBaseUrl, PENGUIN_RETRY_BASE_MS: "5" },
    configure: (c) => void (c.permissions.approvalTimeoutSeconds = 120),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await up?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, deviceScaleFactor: 1 });
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  return page;
}

/** Signed in, then at `hash` (a conversation's address) if given. */
async function openAt(page: Page, hash = ""): Promise<void> {
  await signIn(page, app);
  if (hash) await page.evaluate((h) => (location.hash = h), hash);
}

/** A screenshot once the newest message's fade-in has finished. */
const shot = async (page: Page, name: string) => {
  await page.waitForTimeout(350);
  await page.screenshot({ path: join(SHOTS, `reattach-${name}.png`) });
};

const ANSWER = "This answer keeps streaming while the page reloads, and it arrives whole, exactly once, after the page comes back.";

describe("the chat page reattaches to running turns", () => {
  test("a reload mid-answer: the page follows the running turn and the answer arrives whole, once", async () => {
    up.script({ key: "[reload]", chunkDelayMs: 60, chunkSize: 3, text: ANSWER });
    const page = await newPage();
    await signIn(page, app);
    await send(page, "Answer slowly [reload]");
    const streaming = page.locator(".msg-assistant.streaming .md");
    await streaming.waitFor();
    await page.waitForFunction(() => (document.querySelector(".msg-assistant.streaming .md")?.textContent ?? "").length > 20);
    await shot(page, "1-before-reload");
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toMatch(/^#\/c\//);

    await page.reload();
    // Back on the same conversation, still streaming: the turn was not interrupted by the reload.
    await page.locator(".msg-assistant.streaming").waitFor({ timeout: 10_000 });
    await shot(page, "2-after-reload-streaming");
    const answer = page.locator(".msg-assistant").last();
    await answer.and(page.locator(":not(.streaming)")).waitFor({ timeout: 20_000 });
    expect((await answer.locator(".md").textContent())?.trim()).toBe(ANSWER);
    expect(await page.locator(".msg-user").count()).toBe(1);
    expect(await page.locator(".msg-assistant").count()).toBe(1);
    expect(await answer.textContent()).not.toContain("Interrupted");
    await shot(page, "3-after-reload-complete");

    // The stored conversation agrees.
    const id = decodeURIComponent(hash.slice("#/c/".length));
    const stored = await (await app.request(`/api/v1/conversations/${encodeURIComponent(id)}`)).json();
    expect(stored.messages.find((m: any) => m.role === "assistant")).toMatchObject({ status: "complete", content: ANSWER });
  }, T);

  test("closing the tab while an approval waits: it stays pending, a new tab shows it in the turn and answers it", async () => {
    writeFileSync(join(app.projectRoot, "stale.log"), "stale\n");
    up.script(
      { key: "[tab]", toolCalls: [{ name: "delete_file", arguments: { path: "stale.log" } }] },
      { key: "[tab]", text: "Deleted the stale log after you approved." },
    );
    const first = await newPage();
    await openAt(first);
    await send(first, "Remove the stale log [tab]");
    await first.getByRole("group", { name: "Approval required for delete_file" }).first().waitFor();
    const hash = await first.evaluate(() => location.hash);
    await shot(first, "4-approval-first-tab");
    await first.context().close();

    await Bun.sleep(500);
    const pending = (await (await app.request("/api/v1/approvals")).json()).pending;
    expect(pending.map((p: any) => p.tool_name)).toContain("delete_file");
    expect(existsSync(join(app.projectRoot, "stale.log"))).toBe(true);

    const second = await newPage();
    await openAt(second, hash);
    const prompt = second.getByRole("group", { name: "Approval required for delete_file" }).first();
    await prompt.waitFor({ timeout: 10_000 });
    expect(await prompt.textContent()).toContain("stale.log");
    await shot(second, "5-approval-new-tab");
    await prompt.getByRole("button", { name: "Approve once" }).click();
    const answer = second.locator(".msg-assistant").last();
    await answer.locator(".md").filter({ hasText: "Deleted the stale log after you approved." }).waitFor({ timeout: 15_000 });
    expect(existsSync(join(app.projectRoot, "stale.log"))).toBe(false);
    expect(await answer.locator(".tool").getAttribute("data-status")).toBe("completed");
    await shot(second, "6-approved-new-tab");
  }, T);

  test("no page error occurred", () => {
    expect(pageErrors).toEqual([]);
  });
});
