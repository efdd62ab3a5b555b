// The agents view in the browser: the tree with each agent's state, creating an agent (it shows up working on its
// first task, then idle with its history), pausing and resuming, a sub-agent under its parent, deleting.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { BROWSER_TEST, launchChromium, signIn } from "../support/browser";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
let browser: Browser;
const shots = join(import.meta.dir, "screenshots");

beforeAll(async () => {
  up = await startUpstream();
  app = await startTestApp({
    env: { PENGUIN_MODEL: "openai/test-model", OPENAI_API_KEY: "x", OPENAI_BASE_URL: up.openaiBaseUrl },
    toml: '[[agents]]\nid = "reviewer"\npersona = "A meticulous code reviewer."\ndefault_tools = ["read_file", "grep_search"]\n',
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await up?.close();
});

test(
  "create, watch, pause, resume and delete agents; sub-agents sit under their parent",
  async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await signIn(page, app);
    const open = page.getByRole("button", { name: "Agents", exact: true });
    await open.waitFor({ state: "visible", timeout: 15_000 });
    await open.click();
    const dialog = page.getByRole("dialog", { name: "Agents" });
    await dialog.getByRole("treeitem", { name: "reviewer, Idle" }).waitFor();

    // a new agent with a first task: working while the (slow) model answers, then idle with its history
    up.script({ key: "[ui-task]", delayMs: 1500, text: "The build is green." });
    await dialog.getByRole("button", { name: "New agent" }).click();
    const form = dialog.getByRole("form", { name: "New agent" });
    await form.getByLabel("Id").fill("builder");
    await form.getByLabel("Persona").fill("Keeps the build green");
    await form.getByLabel("Instructions (system prompt)").fill("You run the build and report.");
    await form.getByLabel("First task").fill("Check the build [ui-task]");
    await page.screenshot({ path: join(shots, "agents-00-new-agent.png") });
    await form.getByRole("button", { name: "Create agent" }).click();
    await dialog.getByRole("treeitem", { name: "builder, Working" }).waitFor({ timeout: 5000 });
    await page.screenshot({ path: join(shots, "agents-01-working.png") });
    await dialog.getByRole("treeitem", { name: "builder, Idle" }).waitFor({ timeout: 10_000 });
    await dialog.getByText("The build is green.").waitFor({ timeout: 5000 });
    // the live feed saw it happen, from the event stream
    const feed = dialog.getByRole("list", { name: "Agent activity" });
    for (const line of ["builder was created", "builder started working", "builder is idle"]) await feed.getByText(line).first().waitFor({ timeout: 5000 });

    // a sub-agent (created through the API) appears under its parent on the next refresh
    const child = await app.request("/api/v1/agents", { method: "POST", json: { id: "builder-helper", parent: "builder", persona: "Runs the tests" } });
    expect(child.status).toBe(201);
    const nested = dialog.getByRole("treeitem", { name: "builder, Idle" }).getByRole("treeitem", { name: "builder-helper, Idle" });
    await nested.waitFor({ timeout: 5000 });
    await feed.getByText("builder-helper was created").waitFor({ timeout: 5000 });

    // pause and resume
    await dialog.getByRole("button", { name: "Pause" }).click();
    await dialog.getByRole("treeitem", { name: "builder, Paused" }).waitFor();
    expect((await (await app.request("/api/v1/agents/builder")).json()).paused).toBe(true);
    await page.screenshot({ path: join(shots, "agents-02-tree-paused.png") });
    await dialog.getByRole("button", { name: "Resume" }).click();
    await dialog.getByRole("treeitem", { name: "builder, Idle" }).waitFor();

    // config agents cannot be deleted; the new one can, with its sub-agent
    await dialog.getByRole("treeitem", { name: "reviewer, Idle" }).getByRole("button").first().click();
    expect(await dialog.getByRole("button", { name: "Delete" }).isDisabled()).toBe(true);
    await dialog.getByRole("treeitem", { name: "builder, Idle" }).getByRole("button").first().click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete builder?" });
    await confirm.getByRole("button", { name: "Delete" }).click();
    await dialog.getByRole("treeitem", { name: "builder, Idle" }).waitFor({ state: "detached" });
    expect((await app.request("/api/v1/agents/builder-helper")).status).toBe(404);

    // the composer's picker follows the list
    await dialog.getByRole("button", { name: "Close agents" }).click();
    expect(await page.getByLabel("Agent", { exact: true }).locator("option").allTextContents()).toEqual(["default", "reviewer"]);
    await page.close();
  },
  { ...BROWSER_TEST, timeout: 60_000 },
);
