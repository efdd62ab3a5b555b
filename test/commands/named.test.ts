// POST /v1/commands and /v1/commands/parse against the scripted upstream: `help` lists what the server answers,
// `briefing` reports the workspace's real numbers (conversations, pending approvals, tasks, the active root's git
// status read in the sandbox), a [[commands]] saved prompt runs as a turn of its agent, catalog commands run by id or
// name, integrations the server lacks answer 501 naming what to configure, and `parse` maps free text to a command
// with the model's JSON answer (validated: an invalid answer is a clear 502), executing nothing.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { runGit, tempRepo } from "../support/git";
import { post, until, useChatApp } from "../support/chat";

const KEYS = { admin: "adminkey", bob: "userkey1" } as const;
const repo = tempRepo("penguin-commands-root-");
runGit(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "start");
afterAll(() => rmSync(repo, { recursive: true, force: true }));

let app: TestApp;
let up: Upstream;
useChatApp("openai", (started) => ({ up, app } = started), {
  projectRoot: repo,
  env: { PENGUIN_API_KEYS: `${KEYS.admin}:alice:admin,${KEYS.bob}:bob:user` },
  toml: `
[[commands]]
name = "standup"
description = "Summarise a topic for the standup"
prompt = "Summarise {{topic}} for the standup [cmd-standup]"

[[commands]]
name = "weather"
prompt = "What is the weather in {{location}}? [cmd-weather]"
`,
});

async function as(who: keyof typeof KEYS, path: string, json: unknown) {
  return post(app, path, json, { headers: { "x-api-key": KEYS[who] } });
}

describe("POST /v1/commands", () => {
  test("help lists the built-ins, the saved prompts and the integrations with what they need", async () => {
    const r = await as("bob", "/v1/commands", { command: "help" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ command: "help", status: "completed" });
    expect(r.body.executed_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const byName = Object.fromEntries(r.body.result.commands.map((c: any) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(["help", "briefing", "standup", "weather", "calendar", "emails"]);
    expect(byName.standup).toEqual({ name: "standup", description: "Summarise a topic for the standup", kind: "saved_prompt", arguments: ["topic"], available: true });
    // a saved command named weather takes the integration's place
    expect(byName.weather.kind).toBe("saved_prompt");
    expect(byName.calendar).toMatchObject({ kind: "integration", available: false });
    expect(byName.calendar.needs).toContain("calendar provider");
    expect(r.body.result.catalog.count).toBe(32);
  });

  test("an integration the server lacks is a 501 naming what to configure", async () => {
    const r = await as("bob", "/v1/commands", { command: "emails" });
    expect(r.status).toBe(501);
    expect(r.body.error.code).toBe("NOT_IMPLEMENTED");
    expect(r.body.error.message).toContain("email provider");
    expect(r.body.error.message).toContain("[[commands]]");
    expect(r.body.error.details.command).toBe("emails");
    const unknown = await as("bob", "/v1/commands", { command: "make-coffee" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details.available).toContain("briefing");
  });

  test("a saved prompt runs as a turn of its agent with the arguments filled in", async () => {
    up.script({ key: "[cmd-standup]", text: "Releases are on track." });
    const r = await as("bob", "/v1/commands", { command: "StandUp", args: { topic: "the releases" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ command: "standup", status: "completed", result: { agent_id: "default", response: "Releases are on track.", interrupted: false } });
    expect(up.requests.at(-1)!.lastUserText).toBe("Summarise the releases for the standup [cmd-standup]");
    // the turn is an ordinary conversation of the caller
    const conversation = await app.request(`/api/v1/conversations/${r.body.result.conversation_id}`, { headers: { "x-api-key": KEYS.bob } });
    expect(conversation.status).toBe(200);

    const missing = await as("bob", "/v1/commands", { command: "standup" });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details.fields[0].field).toBe("args.topic");
  });

  test("catalog commands run by id or name, 202 while one waits for approval", async () => {
    const byName = await as("bob", "/v1/commands", { command: "disk free space" });
    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({ command: "Disk Free Space", status: "completed", result: { execution: { command_id: "default-disk-free", exit_code: 0 } } });
    expect(byName.body.result.execution.output).toContain("Filesystem");
    const waiting = await as("bob", "/v1/commands", { command: "default-routes" });
    expect(waiting.status).toBe(202);
    expect(waiting.body.status).toBe("awaiting_approval");
    expect(typeof waiting.body.result.execution.approval_request_id).toBe("string");
  });

  test("briefing summarises the workspace with real numbers", async () => {
    // the previous test left one pending approval (bob's) and the saved prompt one conversation (bob's); a task runs
    up.script({ key: "[task-hang]", hang: true });
    const task = await as("bob", "/api/v1/tasks/execute", { name: "Long job [task-hang]" });
    await until(async () => (await app.request(`/api/v1/tasks/${task.body.task_id}`, { headers: { "x-api-key": KEYS.bob } }).then((res) => res.json())).status === "running");
    writeFileSync(join(repo, "notes.md"), "draft");
    const r = await as("bob", "/v1/commands", { command: "briefing" });
    expect(r.status).toBe(200);
    const b = r.body.result;
    expect(b.approvals.pending).toBe(1);
    expect(b.approvals.requests[0]).toMatchObject({ operation: "process.execute", resource: "ip route", tool_name: "command_catalog" });
    // the saved prompt's conversation and the task's
    expect(b.conversations.total).toBe(2);
    expect(b.conversations.recent).toHaveLength(2);
    expect(b.tasks).toMatchObject({ running: 1, total: 1 });
    expect(b.tasks.running_tasks).toEqual([{ id: task.body.task_id, name: "Long job [task-hang]", agent_id: "default", started_at: expect.any(String) }]);
    expect(b.tasks.recent[0]).toMatchObject({ id: task.body.task_id, status: "running" });
    expect(b.repository).toMatchObject({ root: repo, git: true, branch: "main", changed: 1, files: ["?? notes.md"] });
    expect(b.sandbox).toBe("bubblewrap");
    expect(b.summary).toBe("1 running task, 1 pending approval, 2 conversations, main: 1 changed file");
    await as("bob", `/api/v1/tasks/${task.body.task_id}/cancel`, {});

    // once the file is gone the repository is clean
    rmSync(join(repo, "notes.md"));
    const clean = await as("admin", "/v1/commands", { command: "briefing" });
    expect(clean.body.result.repository).toMatchObject({ git: true, changed: 0 });
    expect(clean.body.result.summary).toEndWith("main: clean");
  });
});

describe("POST /v1/commands/parse", () => {
  test("free text becomes a structured command from the model's JSON, and nothing runs", async () => {
    up.script({ key: "[parse-disk]", text: '{"command": {"type": "default-disk-free", "args": {}}, "confidence": 0.93}' });
    const r = await as("bob", "/v1/commands/parse", { input: "how full are my disks? [parse-disk]" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ parsed: true, command: { type: "default-disk-free", kind: "catalog", args: {} }, confidence: 0.93, requires_approval: false });
    const sent = up.requests.at(-1)!;
    expect(sent.lastUserText).toContain("default-disk-free");
    expect(sent.lastUserText).toContain("standup");

    up.script({ key: "[parse-route]", text: '```json\n{"command": {"type": "default-routes"}, "confidence": 0.7}\n```' });
    const fenced = await as("bob", "/v1/commands/parse", { input: "show routes [parse-route]" });
    expect(fenced.body).toEqual({ parsed: true, command: { type: "default-routes", kind: "catalog", args: {} }, confidence: 0.7, requires_approval: true });

    up.script({ key: "[parse-standup]", text: '{"command": {"type": "standup", "args": {"topic": "CI"}}, "confidence": 0.8}' });
    const saved = await as("bob", "/v1/commands/parse", { input: "standup about CI [parse-standup]" });
    expect(saved.body).toEqual({ parsed: true, command: { type: "standup", kind: "saved_prompt", args: { topic: "CI" } }, confidence: 0.8, requires_approval: false });

    up.script({ key: "[parse-none]", text: '{"command": {"type": "CreateCalendarEvent", "args": {"title": "meeting"}}, "confidence": 0.4}' });
    const unknown = await as("bob", "/v1/commands/parse", { input: "create meeting tomorrow at 3pm [parse-none]" });
    expect(unknown.body).toEqual({ parsed: false, command: { type: "CreateCalendarEvent", args: { title: "meeting" } }, confidence: 0.4, requires_approval: true });
    // parse never executes: the saved prompt's agent was not asked
    expect(up.requests.filter((q) => q.lastUserText?.includes("[cmd-standup]"))).toHaveLength(1);
  });

  test("an answer that is not the expected JSON is a clear 502", async () => {
    up.script({ key: "[parse-bad]", text: "You probably want df -h." });
    const prose = await as("bob", "/v1/commands/parse", { input: "disk? [parse-bad]" });
    expect(prose.status).toBe(502);
    expect(prose.body.error.code).toBe("UPSTREAM_ERROR");
    expect(prose.body.error.message).toBe("the model's answer is not a valid structured command: it is not JSON");
    expect(prose.body.error.details.answer).toBe("You probably want df -h.");

    up.script({ key: "[parse-range]", text: '{"command": {"type": "help"}, "confidence": 7}' });
    const range = await as("bob", "/v1/commands/parse", { input: "help [parse-range]" });
    expect(range.status).toBe(502);
    expect(range.body.error.message).toContain("/confidence");
    expect((await as("bob", "/v1/commands/parse", {})).status).toBe(422);
  });
});
