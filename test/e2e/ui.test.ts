// The web UI in a real browser: Debian's Chromium driven by playwright-core against the real server and the
// scripted upstream. Screenshots of the main states land in test/e2e/screenshots/ (git-ignored) for review.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { BROWSER_TEST, launchChromium, signIn, typeAndSend as send } from "../support/browser";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

const SHOTS = join(import.meta.dir, "screenshots");
const DESKTOP = { width: 1280, height: 820 };
const PHONE = { width: 390, height: 844 };
/** Per test: a real browser on a shared 2-core machine, a fresh page, one retry on a fresh page (see BROWSER_TEST). */
const T = { ...BROWSER_TEST, timeout: 30_000 };

let up: Upstream;
let app: TestApp;
let browser: Browser;
/** Every request any page made to a host other than this machine. */
const external: string[] = [];
/** alert/confirm/prompt dialogs (model output must never open one). */
const dialogs: string[] = [];
const pageErrors: string[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  up = await startUpstream();
  app = await startTestApp({
    env: { PENGUIN_MODEL: "openai/test-model", OPENAI_API_KEY: "x", OPENAI_BASE_URL: up.openaiBaseUrl, PENGUIN_RETRY_BASE_MS: "5" },
    // A second model, with vision, for the model picker and image attachments.
    toml: `[[models]]\nid = "vision-model"\nprovider = "openai"\nmodel = "test-vision"\nbase_url = "${up.openaiBaseUrl}"\napi_key_env = "OPENAI_API_KEY"\nvision = true\n`,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await up?.close();
});

async function newPage(options: { viewport?: { width: number; height: number }; dark?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP, colorScheme: options.dark ? "dark" : "light", deviceScaleFactor: 1 });
  contexts.push(context);
  const page = await context.newPage();
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol === "data:" || url.protocol === "blob:") return;
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") external.push(r.url());
  });
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  return page;
}

/** The last assistant turn once it has finished streaming. */
async function lastAnswer(page: Page, timeout = 10_000) {
  const turn = page.locator(".msg-assistant").last();
  await turn.and(page.locator(":not(.streaming)")).waitFor({ timeout });
  return turn;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

async function closeContexts(): Promise<void> {
  for (const c of contexts.splice(0)) await c.close();
}

describe("web UI", () => {
  test("sign-in: a wrong key is refused, the token from the URL is kept and removed from the address bar", async () => {
    const page = await newPage();
    await page.goto(`${app.url}/`);
    await expect(page.getByRole("heading", { name: "Sign in to Penguin" }).isVisible()).resolves.toBe(true);
    await shot(page, "01-sign-in");

    await page.getByLabel("API key or startup token").fill("not-the-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor();

    await signIn(page, app);
    expect(page.url()).not.toContain("token");
    expect(await page.evaluate(() => localStorage.getItem("penguin.token"))).toBe(app.key);
    await page.getByRole("heading", { name: "What can I help with?" }).waitFor();
    // the page says whether the agent's commands are contained (this machine has bubblewrap)
    const sandbox = page.locator(".sandbox-badge");
    await sandbox.filter({ hasText: "Sandboxed" }).waitFor();
    expect(await sandbox.getAttribute("title")).toContain("bubblewrap");
    await shot(page, "02-empty-state");

    await page.reload();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    expect(await page.getByRole("heading", { name: "Sign in to Penguin" }).count()).toBe(0);

    // A key the server stops accepting sends the page back to the sign-in screen.
    await page.evaluate(() => localStorage.setItem("penguin.token", "revoked"));
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to Penguin" }).waitFor();
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor();
    await closeContexts();
  }, T);

  test("a message streams in, with Markdown, highlighted code, a table and collapsed reasoning", async () => {
    up.script({
      key: "[stream]",
      chunkDelayMs: 20,
      chunkSize: 12,
      reasoning: "The user greets me; answer briefly with an example.",
      text:
        "Hello! Here is **bold** text and a [safe link](https://example.com/docs).\n\n" +
        "```ts\nconst answer: number = 42;\nfunction greet(name: string) {\n  return `hi ${name}`;\n}\n```\n\n" +
        "| Tool | Purpose |\n|---|---|\n| read_file | reads a file |\n| execute_command | runs a command |\n\n" +
        "- first point\n- second point\n\nThat is all for now, thanks for asking.",
      usage: { input: 120, output: 80 },
    });
    const page = await newPage();
    await signIn(page, app);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("Say hi");
    await box.press("Shift+Enter");
    await box.pressSequentially("with an example [stream]");
    expect(await box.inputValue()).toBe("Say hi\nwith an example [stream]");
    await box.press("Enter");

    // Part of the answer is on screen while the turn is still streaming.
    const streaming = page.locator(".msg-assistant.streaming .md");
    await streaming.first().waitFor();
    const partial = (await streaming.first().textContent()) ?? "";
    expect(partial.length).toBeGreaterThan(0);
    expect(partial).not.toContain("thanks for asking");
    await expect(page.getByRole("button", { name: "Stop generating" }).isVisible()).resolves.toBe(true);
    await shot(page, "03-streaming");

    const answer = await lastAnswer(page);
    await expect(answer.locator(".md").textContent()).resolves.toContain("thanks for asking");
    expect(await answer.locator("strong").first().textContent()).toBe("bold");
    expect(await answer.locator(".hljs-keyword").count()).toBeGreaterThan(0);
    // The copy button puts the code (and only the code) on the clipboard.
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    await answer.locator(".codeblock").getByRole("button", { name: "Copy code" }).click();
    await answer.locator(".codeblock .copy-btn.done").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("const answer: number = 42;\nfunction greet(name: string) {\n  return `hi ${name}`;\n}");
    expect(await answer.locator("table td").first().textContent()).toBe("read_file");
    const link = answer.getByRole("link", { name: "safe link" });
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    // Reasoning: present, collapsed.
    const reasoning = answer.locator("details.reasoning");
    expect(await reasoning.getAttribute("open")).toBeNull();
    // the same label as after a reload; the live duration is in the tooltip
    expect(await reasoning.locator("summary").textContent()).toContain("Thought process");
    expect(await reasoning.getAttribute("title")).toMatch(/^Thought for/);
    // User message kept its line break; the URL names the conversation; usage is shown.
    expect(await page.locator(".msg-user .bubble").last().textContent()).toBe("Say hi\nwith an example [stream]");
    expect(page.url()).toMatch(/#\/c\/[^/]+$/);
    await page.locator(".usage").filter({ hasText: "200" }).waitFor();
    await page.getByRole("button", { name: "Send message" }).waitFor();
    await shot(page, "04-answer");
    await closeContexts();
  }, T);

  test("a tool call shows as a compact card that expands to its arguments and output", async () => {
    writeFileSync(join(app.projectRoot, "notes.txt"), "hello from the notes file\nsecond line\n");
    up.script(
      { key: "[tool]", toolCalls: [{ name: "read_file", arguments: { path: "notes.txt" } }] },
      { key: "[tool]", text: "The notes say **hello**." },
    );
    const page = await newPage();
    await signIn(page, app);
    await send(page, "Read my notes [tool]");
    const answer = await lastAnswer(page);
    const card = answer.locator(".tool");
    await expect(card.getAttribute("data-status")).resolves.toBe("completed");
    expect(await card.locator(".tool-name").textContent()).toBe("read_file");
    expect(await card.locator(".tool-summary").textContent()).toBe("notes.txt");
    expect(await card.locator(".tool-preview").textContent()).toContain("hello from the notes file");
    await shot(page, "05-tool-card");
    const head = card.getByRole("button", { name: /read_file/ });
    expect(await head.getAttribute("aria-expanded")).toBe("false");
    await head.click();
    expect(await head.getAttribute("aria-expanded")).toBe("true");
    expect(await card.locator(".tool-details").textContent()).toContain('"path": "notes.txt"');
    expect(await answer.locator(".md").last().textContent()).toContain("The notes say hello.");
    await shot(page, "06-tool-card-expanded");

    // The stored conversation rebuilds the same card after a reload.
    await page.reload();
    const stored = page.locator(".msg-assistant .tool").last();
    await stored.waitFor();
    expect(await stored.getAttribute("data-status")).toBe("completed");
    expect(await stored.locator(".tool-preview").textContent()).toContain("hello from the notes file");
    await shot(page, "06-tool-card-reloaded");
    await closeContexts();
  }, T);

  test("the working directory set for a new chat binds its session: tools run in that folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "penguin-e2e-dir-"));
    writeFileSync(join(dir, "where.txt"), "inside the bound directory\n");
    try {
      up.script(
        { key: "[dir]", toolCalls: [{ name: "read_file", arguments: { path: "where.txt" } }] },
        { key: "[dir]", text: "Found it." },
      );
      const page = await newPage();
      await signIn(page, app);
      await page.getByRole("button", { name: "Set working directory" }).click();
      const dialog = page.getByRole("dialog", { name: "Working directory" });
      await dialog.getByRole("textbox").fill(dir);
      await shot(page, "17-directory-dialog");
      await dialog.getByRole("button", { name: "Save" }).click();
      await page.getByRole("button", { name: `Working directory: ${dir}` }).waitFor();
      await send(page, "Where am I? [dir]");
      const answer = await lastAnswer(page);
      expect(await answer.locator(".tool").getAttribute("data-status")).toBe("completed");
      expect(await answer.locator(".tool-preview").textContent()).toContain("inside the bound directory");
      const id = decodeURIComponent(page.url().split("#/c/")[1]!);
      const detail = await (await app.request(`/api/v1/conversations/${id}`)).json();
      expect(detail.directory).toBe(dir);
      // The setting stays with the conversation after a reload.
      await page.reload();
      await page.getByRole("button", { name: `Working directory: ${dir}` }).waitFor();
      await closeContexts();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, T);

  test("an approval prompt in the turn and behind the badge; approving from the page lets the tool run", async () => {
    writeFileSync(join(app.projectRoot, "old.log"), "stale\n");
    up.script(
      { key: "[approve]", toolCalls: [{ name: "delete_file", arguments: { path: "old.log" } }] },
      { key: "[approve]", text: "Deleted the old log." },
    );
    const page = await newPage();
    await signIn(page, app);
    await send(page, "Clean up the old log [approve]");
    const prompt = page.getByRole("group", { name: "Approval required for delete_file" }).first();
    await prompt.waitFor();
    expect(await prompt.textContent()).toContain("old.log");
    expect(await page.locator(".tool").last().getAttribute("data-status")).toBe("waiting");
    // The badge lists it too.
    const badge = page.getByRole("button", { name: "Pending approvals (1)" });
    await badge.waitFor();
    await badge.click();
    await page.getByRole("dialog", { name: "Pending approvals" }).getByRole("group", { name: "Approval required for delete_file" }).waitFor();
    await shot(page, "18-approval");
    await page.keyboard.press("Escape");
    expect(existsSync(join(app.projectRoot, "old.log"))).toBe(true);

    await prompt.getByRole("button", { name: "Approve once" }).click();
    const answer = await lastAnswer(page);
    await answer.locator(".md").filter({ hasText: "Deleted the old log." }).waitFor();
    expect(await answer.locator(".tool").getAttribute("data-status")).toBe("completed");
    expect(await prompt.locator(".approval-head").textContent()).toContain("Approved once");
    expect(existsSync(join(app.projectRoot, "old.log"))).toBe(false);
    await page.getByRole("button", { name: "Pending approvals (none)" }).waitFor();
    await shot(page, "19-approved");
    await closeContexts();
  }, T);

  test("attachments upload, show their (inert) file names and reach the model as context", async () => {
    up.script({ key: "[attach]", text: "I read the attached file." });
    const page = await newPage();
    await signIn(page, app);
    const name = '<img src=x onerror="alert(8)">notes.txt';
    await page.locator(".composer input[type=file]").setInputFiles({ name, mimeType: "text/plain", buffer: Buffer.from("attached context line: penguins waddle\n") });
    const chip = page.locator(".composer .chip");
    await chip.and(page.locator(".chip-ready")).waitFor();
    expect(await chip.locator(".chip-name").textContent()).toContain("<img src=x");
    await shot(page, "20-attachment");
    await send(page, "Summarise the attachment [attach]");
    await page.locator(".msg-assistant .md").filter({ hasText: "I read the attached file." }).waitFor();
    expect(await page.locator(".msg-user .chip-name").last().textContent()).toContain("notes.txt");
    expect(await page.locator(".composer .chip").count()).toBe(0);
    const request = up.requests.findLast((r) => r.lastUserText.includes("[attach]"))!;
    expect(JSON.stringify(request.body)).toContain("penguins waddle");
    await closeContexts();
  }, T);

  test("the model picker switches the model; an attached image goes to the vision model", async () => {
    const page = await newPage();
    await signIn(page, app);
    const picker = page.getByRole("combobox", { name: "Model" });
    await expect(picker.inputValue()).resolves.toBe("openai/test-model");
    await picker.selectOption("vision-model");
    await page.locator(".toast").filter({ hasText: "vision-model" }).waitFor();
    const current = await (await app.request("/api/v1/models/current")).json();
    expect(current.model).toContain("test-vision");
    try {
      up.script({ key: "[image]", text: "A tiny picture." });
      const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
      await page.locator(".composer input[type=file]").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: png });
      await page.locator(".composer .chip-ready img.chip-thumb").waitFor();
      await send(page, "What is in this image? [image]");
      await page.locator(".msg-assistant .md").filter({ hasText: "A tiny picture." }).waitFor();
      const request = up.requests.findLast((r) => r.lastUserText.includes("[image]"))!;
      expect(request.body.model).toBe("test-vision");
      expect(JSON.stringify(request.body)).toContain("data:image/png;base64,");
      await shot(page, "21-image-vision-model");
    } finally {
      await picker.selectOption("openai/test-model");
      await page.locator(".toast").filter({ hasText: "test-model" }).waitFor();
      await closeContexts();
    }
  }, T);

  test("Escape stops a running turn; an upstream error shows inline and Retry recovers", async () => {
    up.script({ key: "[slow]", chunkDelayMs: 120, chunkSize: 3, text: "This answer takes a long time to arrive, word by word, on purpose." });
    const page = await newPage();
    await signIn(page, app);
    await send(page, "Tell me slowly [slow]");
    await page.locator(".msg-assistant.streaming .md").waitFor();
    await page.keyboard.press("Escape");
    const stopped = await lastAnswer(page);
    await stopped.locator(".note").filter({ hasText: "Stopped" }).waitFor();
    await page.getByRole("button", { name: "Send message" }).waitFor();

    up.script({ key: "[flaky]", error: { status: 400, message: "scripted upstream failure" } }, { key: "[flaky]", text: "Recovered after retry." });
    await send(page, "This fails once [flaky]");
    const failed = await lastAnswer(page);
    await failed.getByRole("alert").waitFor();
    await shot(page, "07-error-retry");
    await failed.getByRole("button", { name: "Retry" }).click();
    await page.locator(".msg-assistant .md").filter({ hasText: "Recovered after retry." }).waitFor();
    expect(await page.locator(".msg-assistant [role=alert]").count()).toBe(0);
    await closeContexts();
  }, T);

  test("conversations: create, switch, back/forward and reload, search, rename, delete", async () => {
    const page = await newPage();
    await signIn(page, app);
    up.script({ key: "[alpha]", text: "Alpha answer." }, { key: "[beta]", text: "Beta answer." });
    await page.getByRole("button", { name: "New chat" }).first().click();
    await send(page, "Alpha question [alpha]");
    await lastAnswer(page);
    const alphaUrl = page.url();
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.getByRole("heading", { name: "What can I help with?" }).waitFor();
    await send(page, "Beta question [beta]");
    await page.locator(".msg-assistant .md").filter({ hasText: "Beta answer." }).waitFor();
    const betaUrl = page.url();
    expect(betaUrl).not.toBe(alphaUrl);

    const nav = page.getByRole("navigation", { name: "Conversations" });
    const alphaLink = nav.getByRole("link", { name: /Alpha question/ });
    await alphaLink.waitFor();
    // Newest first.
    const titles = await nav.locator(".conv-title").allTextContents();
    expect(titles.findIndex((t) => t.includes("Beta"))).toBeLessThan(titles.findIndex((t) => t.includes("Alpha")));

    await alphaLink.click();
    await page.locator(".msg-assistant .md").filter({ hasText: "Alpha answer." }).waitFor();
    expect(page.url()).toBe(alphaUrl);
    expect(await alphaLink.getAttribute("aria-current")).toBe("page");
    await page.goBack();
    await page.locator(".msg-assistant .md").filter({ hasText: "Beta answer." }).waitFor();
    expect(page.url()).toBe(betaUrl);
    await page.goForward();
    await page.locator(".msg-assistant .md").filter({ hasText: "Alpha answer." }).waitFor();
    await page.reload();
    await page.locator(".msg-assistant .md").filter({ hasText: "Alpha answer." }).waitFor();
    await shot(page, "08-conversations");

    // Search filters the list.
    await page.getByRole("searchbox", { name: "Search conversations" }).fill("beta");
    await expect(nav.locator(".conv-title").allTextContents()).resolves.toEqual([expect.stringContaining("Beta question")]);
    await page.getByRole("searchbox", { name: "Search conversations" }).fill("");

    // Rename in place.
    const alphaId = decodeURIComponent(alphaUrl.split("#/c/")[1]!);
    await nav.getByRole("button", { name: /Rename “Alpha question/ }).click();
    const input = nav.getByRole("textbox", { name: "Conversation title" });
    await input.fill("Renamed alpha");
    await input.press("Enter");
    await nav.getByRole("link", { name: "Renamed alpha" }).waitFor();
    await page.getByRole("heading", { name: "Renamed alpha", level: 1 }).waitFor();
    const detail = await (await app.request(`/api/v1/conversations/${alphaId}`)).json();
    expect(detail.title).toBe("Renamed alpha");

    // Delete after confirming in a dialog; the open conversation goes back to a new chat.
    await nav.getByRole("button", { name: "Delete “Renamed alpha”" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete conversation?" });
    await dialog.waitFor();
    await shot(page, "09-delete-dialog");
    await dialog.getByRole("button", { name: "Delete" }).click();
    await nav.getByRole("link", { name: "Renamed alpha" }).waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "What can I help with?" }).waitFor();
    expect((await app.request(`/api/v1/conversations/${alphaId}`)).status).toBe(404);
    await closeContexts();
  }, T);

  test("checkpoints: roll back drops the later messages; branch opens a new conversation from that point", async () => {
    up.script({ key: "[cp-1]", text: "First answer." }, { key: "[cp-2]", text: "Second answer." });
    const page = await newPage();
    await signIn(page, app);
    await send(page, "First question [cp-1]");
    await page.locator(".msg-assistant .md").filter({ hasText: "First answer." }).waitFor();
    await page.getByRole("button", { name: "Send message" }).waitFor();
    await send(page, "Second question [cp-2]");
    await page.locator(".msg-assistant .md").filter({ hasText: "Second answer." }).waitFor();
    await page.getByRole("button", { name: "Send message" }).waitFor();
    const id = decodeURIComponent(page.url().split("#/c/")[1]!);

    await page.getByRole("button", { name: "Checkpoints" }).click();
    const drawer = page.getByRole("complementary", { name: "Checkpoints" });
    // The second turn's checkpoint: just before its prompt, the first exchange (2 messages) in its history.
    const afterFirst = drawer.locator(".cp-item").filter({ hasText: "· 2 messages" });
    await afterFirst.waitFor();
    await shot(page, "15-checkpoints");
    await afterFirst.getByRole("button", { name: /^Roll back/ }).click();
    const dialog = page.getByRole("dialog", { name: "Roll back to this checkpoint?" });
    await dialog.waitFor();
    await shot(page, "16-rollback-dialog");
    await dialog.getByRole("button", { name: "Roll back" }).click();
    await page.locator(".msg-user .bubble").filter({ hasText: "Second question" }).waitFor({ state: "detached" });
    await page.locator(".msg-assistant .md").filter({ hasText: "First answer." }).waitFor();
    const detail = await (await app.request(`/api/v1/conversations/${id}`)).json();
    expect(detail.messages.map((m: { content: string }) => m.content)).toEqual(["First question [cp-1]", "First answer."]);

    // Branch from the same point: a new conversation opens with that history; the source stays as it is.
    const again = drawer.locator(".cp-item").filter({ hasText: "· 2 messages" }).first();
    await again.getByRole("button", { name: /^Branch/ }).click();
    const branchDialog = page.getByRole("dialog", { name: "Branch from this checkpoint" });
    await branchDialog.getByRole("textbox").fill("Alternative path");
    await branchDialog.getByRole("button", { name: "Create branch" }).click();
    await page.waitForURL((url) => url.hash.startsWith("#/c/") && !url.hash.endsWith(encodeURIComponent(id)));
    await page.getByRole("heading", { name: "Alternative path", level: 1 }).waitFor();
    await page.locator(".msg-user .bubble").filter({ hasText: "First question [cp-1]" }).waitFor();
    await closeContexts();
  }, T);

  test("model output and titles are rendered inert: no script runs, no dialog opens", async () => {
    up.script({
      key: "[xss]",
      text:
        'Look: <img src=x onerror="window.__pwned=1;alert(1)"> and [click me](javascript:alert(2)) ' +
        "and <script>window.__pwned=2;alert(3)</script> <a href=\"javascript:alert(4)\" onclick=\"alert(5)\">raw link</a> " +
        "![tracker](http://evil.example/pixel.png)\n\n<svg onload=alert(6)></svg>",
    });
    const page = await newPage();
    await signIn(page, app);
    await send(page, '<img src=x onerror="alert(7)"> title [xss]');
    const answer = await lastAnswer(page);
    const md = answer.locator(".md");
    // Raw HTML is shown as text, never parsed.
    await expect(md.textContent()).resolves.toContain("<img src=x onerror=");
    expect(await page.locator("img[onerror], [onload], [onclick], script:not([src]), svg[onload]").count()).toBe(0);
    const clickMe = md.locator("a", { hasText: "click me" });
    expect(await clickMe.getAttribute("href")).toBeNull();
    await clickMe.click();
    expect(await md.locator('a[href^="javascript"]').count()).toBe(0);
    // The title derived from the message is text in the sidebar.
    await page.getByRole("navigation", { name: "Conversations" }).getByRole("link", { name: /<img src=x/ }).waitFor();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await shot(page, "10-injection-inert");
    await closeContexts();
  }, T);

  test("phone width, dark theme: the sidebar opens as an overlay and the composer stays usable", async () => {
    up.script(
      { key: "[dark]", toolCalls: [{ name: "list_files", arguments: { path: "." } }] },
      {
        key: "[dark]",
        reasoning: "List first, then explain.",
        text: "Two files here. Example:\n\n```python\ndef greet(name: str) -> str:\n    # say hello\n    return f\"hi {name}\"\n```\n\n| File | Kind |\n|---|---|\n| notes.txt | text |\n\n> Tip: ask me to open one.",
      },
    );
    const page = await newPage({ viewport: PHONE, dark: true });
    await signIn(page, app);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).not.toBe("rgb(255, 255, 255)");
    await shot(page, "11-phone-dark-empty");
    await send(page, "What is in this folder? [dark]");
    await lastAnswer(page);
    const box = await page.getByRole("textbox", { name: "Message" }).boundingBox();
    expect(box!.width).toBeGreaterThan(250);
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, "13-phone-dark-conversation");

    await page.getByRole("button", { name: "Open sidebar" }).click();
    const link = page.getByRole("navigation", { name: "Conversations" }).getByRole("link", { name: /What is in this folder/ });
    await link.waitFor();
    await page.waitForTimeout(300); // let the slide-in finish for the screenshot
    await shot(page, "12-phone-dark-sidebar");
    await link.click();
    // Choosing a conversation closes the overlay.
    await page.locator(".app[data-sidebar=closed]").waitFor();

    // Desktop, dark: code highlighting and cards keep their contrast.
    const desk = await newPage({ dark: true });
    await desk.goto(page.url().replace(/#.*/, "") + "#token=" + encodeURIComponent(app.key));
    await desk.getByRole("navigation", { name: "Conversations" }).getByRole("link", { name: /What is in this folder/ }).click();
    await desk.locator(".msg-assistant .codeblock").waitFor();
    await shot(desk, "14-desktop-dark-conversation");
    await closeContexts();
  }, T);

  test("no request left this machine and no page error occurred", () => {
    expect(external).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
