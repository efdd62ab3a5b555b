// Debian's Chromium driven by playwright-core, for the browser suites. No browser download: CI installs the
// `chromium` package (see .ci/run); PENGUIN_CHROMIUM points elsewhere.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.PENGUIN_CHROMIUM ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Install it with "apt-get install -y chromium" (or set PENGUIN_CHROMIUM to its path); the browser tests cannot run without it.`);
  }
  // The background-networking flags keep Chromium from calling home (this machine has no network beyond localhost).
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/**
 * playwright-core under Bun now and then loses a protocol race on a fresh page ("Object with guid response@… was not
 * bound in the connection"), which breaks that page only. Browser tests each use a fresh page, so one retry on a fresh
 * page tells this apart from a real failure (which fails every attempt).
 */
export const BROWSER_TEST = { retry: 2 } as const;

/** Opens `server`'s web page signed in with its key (the #token= hash the README's links use), once the composer shows. */
export async function signIn(page: Page, server: { url: string; key: string }): Promise<void> {
  await page.goto(`${server.url}/#token=${encodeURIComponent(server.key)}`);
  await page.getByRole("textbox", { name: "Message" }).waitFor();
}

/** Types `text` into the composer and sends it (Enter). */
export async function typeAndSend(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}
