// The workspace's chat-app polish in Debian's Chromium, against the real server and the scripted upstream:
// checkpoints one per turn named by the prompt (manual ones marked), rollback archives under "Archived",
// the theme switch, and axe-core (no serious or critical violations) on the main screens. Screenshots land in
// test/e2e/screenshots/ for review.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { BROWSER_TEST, launchChromium, signIn, typeAndSend } from "../support/browser";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

const SHOTS = join(import.meta.dir, "screenshots");
const DESKTOP = { width: 1280, height: 820 };
const T = { ...BROWSER_TEST, timeout: 40_000 };
const AXE = readFileSync(join(import.meta.dir, "../../node_modules/axe-core/axe.min.js"), "utf8");

let up: Upstream;
let app: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  up = await startUpstream();
  app = await startTestApp({ env: { PENGUIN_MODEL: "openai/test-model", OPENAI_API_KEY: "x", OPENAI_BASE_URL: up.openaiBaseUrl, PENGUIN_RETRY_BASE_MS: "5" } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await up?.close();
});

async function newPage(options: { dark?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP, colorScheme: options.dark ? "dark" : "light", deviceScaleFactor: 1, bypassCSP: true }); // bypassCSP: axe-core goes in as an inline script
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  return page;
}

async function closeContexts(): Promise<void> {
  for (const c of contexts.splice(0)) await c.close().catch(() => {});
}

/** Sends and waits for the whole answer. */
async function send(page: Page, text: string): Promise<void> {
  await typeAndSend(page, text);
  await page.locator(".msg-assistant").last().and(page.locator(":not(.streaming)")).waitFor({ timeout: 10_000 });
  await page.getByRole("button", { name: "Send message" }).waitFor();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

/** axe-core's serious and critical violations on the page as it is, one line each. */
async function axeViolations(page: Page): Promise<string[]> {
  // Messages fade in: judge colours once the (finite) animations have ended, not halfway through.
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished.catch(() => {}))));
  await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, options: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[]; html: string }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 4).map((n) => `${n.target.join(" ")} (${n.html.slice(0, 160)})`) }));
  });
  return found.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.impact} ${v.id}: ${v.targets.join(", ")}`);
}

describe("checkpoints in the drawer", () => {
  test("one checkpoint per turn named by its prompt, a manual one marked; rollback undoes the turn, names the checkpoint, gives the prompt back and archives apart", async () => {
    writeFileSync(join(app.projectRoot, "plan.txt"), "the plan\n");
    up.script(
      { key: "[cp1]", text: "First answer." },
      { key: "[cp2]", toolCalls: [{ name: "read_file", arguments: { path: "plan.txt" } }] },
      { key: "[cp2]", text: "The plan is read." },
    );
    const page = await newPage();
    await signIn(page, app);
    await send(page, "Sketch the layout of the settings page [cp1]");
    const longPrompt = "Read the plan file and then tell me, in a lot of detail, what each of its steps would change in the repository and why [cp2]";
    await send(page, longPrompt);

    await page.getByRole("button", { name: "Checkpoints", exact: true }).click();
    const drawer = page.getByRole("complementary", { name: "Checkpoints" });
    const items = drawer.locator(".cp-list > .cp-item");
    await items.first().waitFor();
    // Two turns: two checkpoints (not one per message: the second turn has four messages), each just before its prompt.
    expect(await items.count()).toBe(2);
    expect(await items.nth(0).locator(".cp-name").textContent()).toStartWith("Read the plan file and then tell me");
    expect(await items.nth(1).locator(".cp-name").textContent()).toBe("Sketch the layout of the settings page [cp1]");
    expect(await items.nth(0).locator(".cp-meta").textContent()).toBe("just now · 2 messages · before this prompt");
    expect(await items.nth(1).locator(".cp-meta").textContent()).toBe("just now · 0 messages · before this prompt");
    // The long prompt is previewed in full under its shortened name; the short one needs no preview.
    expect(await items.nth(0).locator(".cp-desc").textContent()).toBe(longPrompt);
    expect(await items.nth(1).locator(".cp-desc").count()).toBe(0);
    // The long name wraps inside the drawer instead of running out of it.
    const drawerBox = (await drawer.boundingBox())!;
    const nameBox = (await items.nth(0).locator(".cp-name").boundingBox())!;
    expect(nameBox.x + nameBox.width).toBeLessThanOrEqual(drawerBox.x + drawerBox.width);
    expect(nameBox.height).toBeGreaterThan(30);

    // A manual checkpoint stands out.
    await drawer.getByRole("button", { name: "Create checkpoint" }).click();
    await page.getByRole("textbox", { name: "Name" }).fill("Before the big refactor");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    const manual = drawer.locator(".cp-item-manual");
    await manual.waitFor();
    expect(await manual.locator(".cp-name").textContent()).toBe("Before the big refactor");
    expect(await manual.evaluate((el) => getComputedStyle(el).borderColor)).not.toBe(await items.last().evaluate((el) => getComputedStyle(el).borderColor));
    expect(await items.count()).toBe(3);
    await shot(page, "h18-01-checkpoints-per-turn");
    expect(await axeViolations(page)).toEqual([]);

    // Undo the second turn: the toast names its checkpoint, the thread keeps the first exchange only, and the prompt is
    // back in the composer to edit; the dropped history is kept under "Archived", same title.
    const second = drawer.locator(".cp-list > .cp-item", { hasText: "Read the plan" });
    await second.getByRole("button", { name: /^Roll back to Read the plan/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
    const toastEl = page.locator(".toast").filter({ hasText: "Rolled back to" });
    await toastEl.waitFor();
    expect(await toastEl.textContent()).toContain("Rolled back to “Read the plan file and then tell me");
    expect(await toastEl.textContent()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    const composer = page.getByRole("textbox", { name: "Message" });
    await page.waitForFunction((text) => (document.querySelector("textarea.composer-input") as HTMLTextAreaElement | null)?.value === text, longPrompt);
    expect(await composer.inputValue()).toBe(longPrompt);
    await page.waitForFunction(() => !document.querySelector(".conversation:not([hidden])")?.textContent?.includes("The plan is read."));
    const thread = await page.locator(".conversation:not([hidden]) .msg").allTextContents();
    expect(thread.filter((t) => t.includes("First answer.")).length).toBe(1);
    expect(thread.filter((t) => t.includes("Read the plan file")).length).toBe(0);
    await shot(page, "h18-02-rollback-toast");

    const nav = page.getByRole("navigation", { name: "Conversations" });
    const archived = nav.locator("details.conv-archived");
    await archived.waitFor();
    expect(await archived.locator("summary").textContent()).toBe("Archived (1)");
    // Live conversations: only the one rolled back; the archive is not among them.
    expect(await nav.locator(".conv-group:not(.conv-archived) .conv-item").count()).toBe(1);
    await archived.locator("summary").click();
    const archivedTitle = await archived.locator(".conv-title").first().textContent();
    expect(archivedTitle).not.toContain("before rollback");
    expect(archivedTitle).toBe(await nav.locator(".conv-group:not(.conv-archived) .conv-title").first().textContent());
    await shot(page, "h18-03-archived-section");
    expect(await axeViolations(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
    await closeContexts();
  }, T);
});

describe("theme and accessibility", () => {
  test("the theme switch overrides the system both ways and is kept across reloads", async () => {
    const page = await newPage({ dark: true });
    await signIn(page, app);
    const bodyBg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const systemDark = await bodyBg();
    expect(systemDark).not.toBe("rgb(255, 255, 255)");
    const theme = page.getByRole("radiogroup", { name: "Theme" });
    await theme.getByRole("radio", { name: "Light theme" }).check();
    expect(await bodyBg()).toBe("rgb(255, 255, 255)");
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
    await shot(page, "h18-04-theme-light-on-dark-system");
    await page.reload();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    expect(await bodyBg()).toBe("rgb(255, 255, 255)");
    expect(await theme.getByRole("radio", { name: "Light theme" }).isChecked()).toBe(true);
    await theme.getByRole("radio", { name: "System theme" }).check();
    expect(await bodyBg()).toBe(systemDark);
    expect(await page.evaluate(() => document.documentElement.hasAttribute("data-theme"))).toBe(false);
    await closeContexts();

    const light = await newPage();
    await signIn(light, app);
    await light.getByRole("radiogroup", { name: "Theme" }).getByRole("radio", { name: "Dark theme" }).check();
    expect(await light.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(systemDark);
    await shot(light, "h18-05-theme-dark-on-light-system");
    await closeContexts();
  }, T);

  for (const dark of [false, true]) {
    test(`axe-core finds no serious or critical violation on the empty and the answered chat (${dark ? "dark" : "light"})`, async () => {
      up.script({ key: "[axe]", text: "Here is an answer with `code` and a [link](https://example.org).\n\n- one\n- two" });
      const page = await newPage({ dark });
      await signIn(page, app);
      expect(await axeViolations(page)).toEqual([]);
      await send(page, "Say something with a list [axe]");
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, `h18-06-axe-${dark ? "dark" : "light"}`);
      await closeContexts();
    }, T);
  }
});

describe("usage view", () => {
  test("tokens per day as stacked bars, split by model or agent, tokens or cost, with the numbers in a table", async () => {
    up.script({ key: "[usage]", text: "Counted.", usage: { input: 1200, output: 300 } });
    const page = await newPage();
    await signIn(page, app);
    await send(page, "Count me [usage]");
    await page.getByRole("button", { name: "Usage", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Usage" });
    const chart = dialog.getByRole("img", { name: /Tokens per day over 30 days, split by model/ });
    await chart.waitFor();
    const today = new Date().toISOString().slice(0, 10);
    const bars = chart.locator(`rect[data-date="${today}"]`);
    expect(await bars.count()).toBeGreaterThanOrEqual(1);
    expect(await bars.first().locator("title").textContent()).toMatch(/tokens$/);
    // The summary counts at least this turn (other tests of this file add theirs).
    const tokens = Number((await dialog.locator(".usage-summary strong").first().textContent())!.replace(/[^0-9.]/g, ""));
    expect(tokens).toBeGreaterThan(0);
    expect(await dialog.getByRole("list", { name: "Models" }).textContent()).toContain("test-model");
    await shot(page, "h18-07-usage-tokens-by-model");
    expect(await axeViolations(page)).toEqual([]);

    await dialog.getByRole("radiogroup", { name: "Split by" }).getByRole("radio", { name: "Agent" }).check();
    await dialog.getByRole("radiogroup", { name: "Show" }).getByRole("radio", { name: "Cost" }).check();
    // The test model has no prices: said so, instead of an empty chart.
    await dialog.getByText(/No cost recorded: these models have no prices/).waitFor();
    await dialog.getByRole("radiogroup", { name: "Show" }).getByRole("radio", { name: "Tokens" }).check();
    await dialog.getByRole("img", { name: /Tokens per day over 30 days, split by agent/ }).waitFor();
    expect(await dialog.getByRole("list", { name: "Agents" }).textContent()).toContain("default");
    await dialog.getByText("Numbers per day").click();
    expect(await dialog.locator("table tbody tr").count()).toBeGreaterThanOrEqual(1);
    await dialog.getByRole("radiogroup", { name: "Range" }).getByRole("radio", { name: "7 days" }).check();
    await dialog.getByRole("img", { name: /over 7 days/ }).waitFor();
    await shot(page, "h18-08-usage-by-agent-7-days");
    // The same view in the dark theme: its chart colours and text keep their contrast.
    await page.evaluate(() => (document.documentElement.dataset.theme = "dark"));
    await dialog.getByRole("radiogroup", { name: "Split by" }).getByRole("radio", { name: "Model" }).check();
    await dialog.getByRole("img", { name: /split by model/ }).waitFor();
    await shot(page, "h18-08b-usage-dark");
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Close usage" }).click();
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await closeContexts();
  }, T);
});

describe("titles by the model", () => {
  test("the sidebar shows the first prompt, then the model's title without a reload; rename still works", async () => {
    const titled = await startTestApp({ env: { PENGUIN_MODEL: "openai/test-model", OPENAI_API_KEY: "x", OPENAI_BASE_URL: up.openaiBaseUrl, PENGUIN_RETRY_BASE_MS: "5", PENGUIN_AUTO_TITLE: "1" } });
    try {
      up.script(
        { key: "[title-ui]", match: (r) => !JSON.stringify(r.body?.messages?.[0] ?? "").includes("You name chat conversations"), text: "Start with the schema, then the API." },
        { match: (r) => JSON.stringify(r.body?.messages?.[0] ?? "").includes("You name chat conversations") && JSON.stringify(r.body).includes("title-ui"), text: "Planning the billing service", delayMs: 300 },
      );
      const page = await newPage();
      await signIn(page, titled);
      await send(page, "Where do I start with the new billing service? [title-ui]");
      const nav = page.getByRole("navigation", { name: "Conversations" });
      await nav.getByRole("link", { name: "Planning the billing service" }).waitFor({ timeout: 8000 });
      await shot(page, "h18-09-model-title");
      await nav.getByRole("button", { name: "Rename “Planning the billing service”" }).click();
      const input = page.getByRole("textbox", { name: "Conversation title" });
      await input.fill("Billing, step one");
      await input.press("Enter");
      await nav.getByRole("link", { name: "Billing, step one" }).waitFor();
      const id = (await nav.locator(".conv-item").first().getAttribute("data-id"))!;
      const stored = await titled.request(`/api/v1/conversations/${id}`).then((r) => r.json() as Promise<{ title: string }>);
      expect(stored.title).toBe("Billing, step one");
      await closeContexts();
    } finally {
      await titled.close();
    }
  }, T);
});

describe("edit and regenerate as branches", () => {
  test("regenerate answers the last prompt again in a branch; edit sends the changed prompt in another; the original is kept", async () => {
    up.script(
      { key: "[br-1]", text: "First turn answer." },
      { key: "[br-2]", text: "Original answer." },
      { key: "[br-2]", text: "Regenerated answer." },
      { key: "[br-edited]", text: "Answer to the edited prompt." },
    );
    const page = await newPage();
    await signIn(page, app);
    await send(page, "Warm up [br-1]");
    await send(page, "Write the release note [br-2]");
    const originalUrl = page.url();
    // Only the last prompt and the last answer carry the buttons.
    const regen = page.getByRole("button", { name: "Regenerate the answer (as a branch)" });
    await regen.waitFor();
    expect(await regen.count()).toBe(1);
    expect(await page.getByRole("button", { name: "Edit your last message (as a branch)" }).count()).toBe(1);
    await shot(page, "h18-10-edit-regenerate-buttons");
    await regen.click();
    await page.locator(".msg-assistant .md", { hasText: "Regenerated answer." }).waitFor({ timeout: 10_000 });
    await page.getByRole("button", { name: "Send message" }).waitFor();
    expect(page.url()).not.toBe(originalUrl);
    // the branch holds the earlier turn, the prompt once, and the new answer
    const texts = await page.locator(".conversation:not([hidden]) .msg").allTextContents();
    expect(texts.filter((t) => t.includes("Write the release note")).length).toBe(1);
    expect(texts.some((t) => t.includes("First turn answer."))).toBe(true);
    expect(texts.some((t) => t.includes("Original answer."))).toBe(false);
    await shot(page, "h18-11-regenerated-branch");

    await page.getByRole("button", { name: "Edit your last message (as a branch)" }).click();
    const area = page.getByRole("dialog", { name: "Edit your message" }).getByRole("textbox", { name: "Message" });
    expect(await area.inputValue()).toBe("Write the release note [br-2]");
    await area.fill("Write the release note, shorter [br-edited]");
    await page.getByRole("button", { name: "Send as a branch" }).click();
    await page.locator(".msg-assistant .md", { hasText: "Answer to the edited prompt." }).waitFor({ timeout: 10_000 });
    await shot(page, "h18-12-edited-branch");

    // Nothing lost: the original conversation still has its answer.
    const id = decodeURIComponent(originalUrl.split("#/c/")[1]!);
    const original = await app.request(`/api/v1/conversations/${id}`).then((r) => r.json() as Promise<{ messages: { role: string; content: string }[] }>);
    expect(original.messages.filter((m) => m.role === "assistant").map((m) => m.content)).toEqual(["First turn answer.", "Original answer."]);
    const list = await app.request("/api/v1/conversations?limit=500").then((r) => r.json() as Promise<{ conversations: { title: string }[] }>);
    // Named once each, no "(branch) (branch)" pile-up.
    expect(list.conversations.map((c) => c.title).filter((t) => t.startsWith("Warm up [br-1]")).sort()).toEqual(["Warm up [br-1]", "Warm up [br-1] (edited)", "Warm up [br-1] (regenerated)"]);
    expect(pageErrors).toEqual([]);
    await closeContexts();
  }, T);
});
