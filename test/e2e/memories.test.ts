// The memory drawer in the web workspace (Debian's Chromium): list, search, add, change importance and tags, delete —
// every change checked against the API. Screenshots in test/e2e/screenshots/ (memories-*.png).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { BROWSER_TEST, launchChromium, signIn } from "../support/browser";
import { until } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";

const SHOTS = join(import.meta.dir, "screenshots");
const T = { ...BROWSER_TEST, timeout: 30_000 };

let app: TestApp;
let browser: Browser;

const api = async (method: string, path: string, json?: unknown) => {
  const res = await app.request(path, { method, ...(json !== undefined ? { json } : {}) });
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
};

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  for (const memory of [
    { content: "The user prefers dark mode in every editor and terminal.", memory_type: "preference", importance: 0.8, tags: ["ui"] },
    { content: "Deployments go out on Tuesdays after the standup.", memory_type: "fact", importance: 0.6 },
    { content: "Use pnpm, not npm, in the frontend repository.", memory_type: "correction", importance: 0.9, tags: ["frontend", "tooling"] },
  ]) {
    await api("POST", "/v1/memories", memory);
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function openDrawer(page: Page) {
  await signIn(page, app);
  const button = page.getByRole("button", { name: "Memory", exact: true });
  await button.waitFor({ state: "visible", timeout: 15_000 });
  await button.click();
  const drawer = page.getByRole("complementary", { name: "Memory" });
  await drawer.locator(".mem-item").first().waitFor();
  return drawer;
}

test(
  "the drawer lists, searches, adds, re-weights, re-tags and deletes memories",
  async () => {
    // a retry starts from the same three memories: what an earlier attempt added goes first
    for (const m of await api("GET", "/v1/memories")) if (m.content === "The user's cat is called Miso.") await app.request(`/v1/memories/${m.id}`, { method: "DELETE" });
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const drawer = await openDrawer(page);
    expect(await drawer.locator(".mem-item").count()).toBe(3);
    expect(await drawer.locator(".mem-stats").textContent()).toBe("3 memories");

    // search: the matching memory first, with its rank
    await drawer.getByRole("searchbox", { name: "Search memories" }).fill("dark editor");
    await until(async () => (await drawer.getByRole("list", { name: "Search results" }).count()) === 1, 5000, "search results");
    const first = drawer.locator(".mem-item").first();
    expect(await first.locator(".mem-content").textContent()).toBe("The user prefers dark mode in every editor and terminal.");
    expect(await first.locator(".mem-score").textContent()).toMatch(/^\d+%$/);
    await page.screenshot({ path: join(SHOTS, "memories-search.png") });
    await drawer.getByRole("searchbox", { name: "Search memories" }).fill("");
    await until(async () => (await drawer.getByRole("list", { name: "Memories" }).count()) === 1, 5000, "the full list");

    // add
    await drawer.getByRole("button", { name: "Add memory" }).click();
    const form = drawer.getByRole("form", { name: "Add memory" });
    await form.getByRole("textbox", { name: "Memory content" }).fill("The user's cat is called Miso.");
    await form.getByRole("combobox", { name: "Type" }).selectOption("fact");
    await form.getByRole("spinbutton", { name: "Importance (0 to 1)" }).fill("0.7");
    await form.getByRole("textbox", { name: "Tags" }).fill("pets, home");
    await form.getByRole("button", { name: "Save" }).click();
    await until(async () => (await drawer.locator(".mem-item").count()) === 4, 5000, "the new memory in the list");
    const stored = (await api("GET", "/v1/memories")).find((m: any) => m.content === "The user's cat is called Miso.");
    expect(stored).toMatchObject({ memory_type: "fact", importance: 0.7, tags: ["pets", "home"] });

    // importance: moving the slider saves it
    const cat = drawer.locator(`[data-memory-id="${stored.id}"]`);
    await cat.getByRole("slider").evaluate((el: HTMLInputElement) => {
      el.value = "0.25";
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await until(async () => (await api("GET", `/v1/memories/${stored.id}`)).importance === 0.25, 5000, "importance saved");

    // tags: the pencil opens a dialog
    await drawer.locator(`[data-memory-id="${stored.id}"]`).getByRole("button", { name: /^Edit tags/ }).click();
    const dialog = page.getByRole("dialog", { name: "Tags" });
    await dialog.getByRole("textbox").fill("pets, cats");
    await dialog.getByRole("button", { name: "Save" }).click();
    await until(async () => (await api("GET", `/v1/memories/${stored.id}`)).tags.join() === "pets,cats", 5000, "tags saved");
    // the list redraws after the save: wait for the new tags, not for any two tags (the old ones were two as well)
    const tags = drawer.locator(`[data-memory-id="${stored.id}"] .mem-tag`);
    await until(async () => (await tags.allTextContents()).join() === "pets,cats", 5000, "the new tags shown");
    await page.screenshot({ path: join(SHOTS, "memories-drawer.png") });

    // delete, after confirming
    await drawer.locator(`[data-memory-id="${stored.id}"]`).getByRole("button", { name: /^Delete/ }).click();
    await page.getByRole("dialog", { name: "Delete this memory?" }).getByRole("button", { name: "Delete" }).click();
    await until(async () => (await drawer.locator(".mem-item").count()) === 3, 5000, "the memory gone from the list");
    expect((await app.request(`/v1/memories/${stored.id}`)).status).toBe(404);
    expect(errors).toEqual([]);
    await page.close();
  },
  T,
);

test(
  "on a phone the drawer covers the thread",
  async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const drawer = await openDrawer(page);
    const box = (await drawer.boundingBox())!;
    expect(box.width).toBeGreaterThan(340);
    await page.screenshot({ path: join(SHOTS, "memories-phone.png") });
    await page.close();
  },
  T,
);
