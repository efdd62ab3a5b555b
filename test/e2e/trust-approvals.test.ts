// Approvals people can judge, in Debian's Chromium: a write approval shows the red/green diff against the file as it
// is now (long ones collapsed with a line count), a command's shows its folder and why it asks, the buttons say exactly
// what they grant, and a patch_file card shows its change coloured (its collapsed preview the changed lines, not the
// --- a/ +++ b/ headers). Screenshots: test/e2e/screenshots/trust-*.png.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { BROWSER_TEST, launchChromium, signIn, typeAndSend as send } from "../support/browser";
import { startChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

const SHOTS = join(import.meta.dir, "screenshots");
const T = { ...BROWSER_TEST, timeout: 40_000 };
let up: Upstream;
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  up = await startUpstream();
  app = await startChatApp(up, "openai", { configure: (c) => void (c.permissions.writes = "ask") });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await up?.close();
});

async function open(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, app);
  return page;
}

test("a patch_file approval shows the coloured diff; after approval the card shows the change, not the headers", async () => {
  writeFileSync(join(app.projectRoot, "greet.ts"), "export function greet() {\n  return 'hello';\n}\n");
  up.script(
    { key: "[patch]", toolCalls: [{ id: "c1", name: "patch_file", arguments: { path: "greet.ts", edits: [{ search: "'hello'", replace: "'hello, world'" }] } }] },
    { key: "[patch]", text: "Updated the greeting." },
  );
  const page = await open();
  await send(page, "make it greet the world [patch]");
  const prompt = page.getByRole("group", { name: "Approval required for patch_file" }).first();
  await prompt.waitFor();
  const diff = prompt.locator(".diff");
  await diff.waitFor();
  expect(await diff.locator(".diff-del").allTextContents()).toEqual(["-  return 'hello';"]);
  expect(await diff.locator(".diff-add").allTextContents()).toEqual(["+  return 'hello, world';"]);
  expect(await diff.textContent()).not.toContain("+++ b/");
  // red and green, not the text colour
  const bg = await diff.locator(".diff-add").evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(bg).not.toBe("rgba(0, 0, 0, 0)");
  expect(await prompt.getByRole("button", { name: "Approve “write greet.ts” for this session" }).count()).toBe(1);
  await page.screenshot({ path: join(SHOTS, "trust-approval-diff.png") });

  await prompt.getByRole("button", { name: "Approve once" }).click();
  const card = page.locator(".tool").last();
  await card.and(page.locator('[data-status="completed"]')).waitFor();
  expect(readFileSync(join(app.projectRoot, "greet.ts"), "utf8")).toContain("hello, world");
  const preview = card.locator(".tool-preview");
  expect(await preview.textContent()).not.toContain("--- a/");
  expect(await preview.locator(".diff-add").count()).toBe(1);
  await card.getByRole("button", { name: /patch_file/ }).click();
  expect(await card.locator(".tool-details .diff-add").count()).toBe(1);
  await page.screenshot({ path: join(SHOTS, "trust-toolcard-diff.png") });

  // after a reload the decision is still in the thread, after the call it was about
  await page.reload();
  const record = page.locator('.approval[data-state="approved"]');
  await record.waitFor();
  expect(await record.locator(".approval-head").textContent()).toContain("Approved once");
  expect(await record.evaluate((el) => (el.previousElementSibling as HTMLElement | null)?.dataset.toolName)).toBe("patch_file");
  await page.screenshot({ path: join(SHOTS, "trust-approval-after-reload.png") });
  await page.close();
}, T);

test("a new file is all added lines, collapsed with its line count; a command shows its folder and exact scopes", async () => {
  const content = Array.from({ length: 80 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
  up.script(
    { key: "[create]", toolCalls: [{ id: "c2", name: "create_file", arguments: { path: "big.txt", content } }] },
    { key: "[create]", toolCalls: [{ id: "c3", name: "execute_command", arguments: { command: "rm -rf build" } }] },
    { key: "[create]", text: "ok" },
  );
  const page = await open();
  await send(page, "create a big file [create]");
  const prompt = page.getByRole("group", { name: "Approval required for create_file" }).first();
  await prompt.locator(".diff").waitFor();
  expect(await prompt.locator(".diff-summary").textContent()).toContain("+80");
  expect(await prompt.locator(".diff-del").count()).toBe(0);
  expect(await prompt.locator(".diff-add").count()).toBe(29); // the first 30 lines: the hunk header and 29 added lines
  await prompt.getByRole("button", { name: "Show all 81 lines" }).click();
  expect(await prompt.locator(".diff-add").count()).toBe(80);
  await prompt.getByRole("button", { name: "Deny" }).click();

  const cmd = page.getByRole("group", { name: "Approval required for execute_command" }).first();
  await cmd.waitFor();
  expect(await cmd.locator(".approval-cwd").textContent()).toBe(`Runs in ${app.projectRoot}`);
  expect(await cmd.locator(".approval-reason").textContent()).toContain("Destructive");
  await cmd.getByRole("button", { name: "Approve “rm -rf build” for this session" }).waitFor();
  await cmd.getByRole("button", { name: "Approve “rm *” for this session" }).waitFor();
  await page.screenshot({ path: join(SHOTS, "trust-approval-command.png") });
  await cmd.getByRole("button", { name: "Approve “rm -rf build” for this session" }).click();
  await cmd.locator(".approval-head").filter({ hasText: "Approved “rm -rf build” for this session" }).waitFor();
  await page.locator(".msg-assistant").last().and(page.locator(":not(.streaming)")).waitFor();
  // the denial and the session grant survive a reload, in words
  await page.reload();
  await page.locator('.approval[data-state="denied"]').waitFor();
  await page.locator(".approval-head").filter({ hasText: "Approved “rm -rf build” for this session" }).waitFor();
  await page.close();
}, T);

test("a request from another session waits behind the badge with its diff and is answered from this tab", async () => {
  writeFileSync(join(app.projectRoot, "other.txt"), "alpha\n");
  up.script(
    { key: "[elsewhere]", toolCalls: [{ id: "c9", name: "write_file", arguments: { path: "other.txt", content: "beta\n" } }] },
    { key: "[elsewhere]", text: "Rewrote it." },
  );
  // a turn started by a script over REST, in a session no page has open
  const reply = app.request("/api/v1/chat/message", { method: "POST", json: { text: "rewrite other.txt [elsewhere]", session_id: "script-session" } });
  const page = await open();
  const badge = page.getByRole("button", { name: "Pending approvals (1)" });
  await badge.waitFor({ timeout: 15_000 });
  await badge.click();
  const panel = page.getByRole("dialog", { name: "Pending approvals" });
  const prompt = panel.getByRole("group", { name: "Approval required for write_file" });
  await prompt.locator(".diff-del").filter({ hasText: "-alpha" }).waitFor();
  await prompt.locator(".diff-add").filter({ hasText: "+beta" }).waitFor();
  await panel.getByRole("link", { name: "Open its conversation" }).waitFor();
  await page.screenshot({ path: join(SHOTS, "trust-pending-elsewhere.png") });
  await prompt.getByRole("button", { name: "Approve once" }).click();
  const res = await reply;
  expect(res.status).toBe(200);
  expect(((await res.json()) as { response: string }).response).toBe("Rewrote it.");
  expect(readFileSync(join(app.projectRoot, "other.txt"), "utf8")).toBe("beta\n");
  await page.getByRole("button", { name: "Pending approvals (none)" }).waitFor();
  await page.close();
}, T);
