// System diagnostics and telemetry: every value follows the configuration and the traffic of the running server.
import { beforeEach, describe, expect, test } from "bun:test";
import { get, openaiEnv, post, until, useChatApp } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import pkg from "../../package.json" with { type: "json" };

let up: Upstream;
let app: TestApp;
// The telemetry test routes work to agent "code-reviewer": declared, since an unknown agent_id is a 404.
useChatApp("openai", (started) => ({ up, app } = started), { toml: '[[agents]]\nid = "code-reviewer"\n' });
beforeEach(() => up.reset());

const mounted = (a: TestApp, method: string, path: string) => a.app.routes.some((r) => r.method === method && r.path === path);

describe("system info, status and capabilities", () => {
  test("with a usable model and checkpoints on, info reflects the model, tools and conversations", async () => {
    const before = await get(app, "/api/v1/system/info");
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      penguin_version: pkg.version,
      engine_available: true,
      checkpoints_enabled: true,
      current_model: { model: "openai/gpt-4o", provider: "openai", streaming_enabled: true, vision_enabled: true },
      conversation_manager: { active: true },
      tool_manager: { active: true, total_tools: app.core.tools.specs().length },
      memory_provider: { initialized: true, provider_type: "sqlite-fts5" },
    });
    expect(before.body.tool_manager.total_tools).toBeGreaterThan(3);

    up.script({ text: "hello" });
    const chat = await post(app, "/api/v1/chat/message", { text: "hi", session_id: "session-xyz" });
    const after = await get(app, "/api/v1/system/info");
    expect(after.body.conversation_manager.total_messages).toBe(before.body.conversation_manager.total_messages + 2);
    expect(after.body.conversation_manager.current_session_id).toBe("session-xyz");
    expect(chat.body.conversation_id).toBeTruthy();
  });

  test("capabilities are computed from configuration and the mounted routes", async () => {
    const res = await get(app, "/api/v1/capabilities");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      capabilities: {
        vision_enabled: true,
        streaming_enabled: true,
        checkpoint_management: true,
        model_switching: false, // one model configured
        file_upload: mounted(app, "POST", "/api/v1/upload"),
        websocket_support: true,
        task_execution: true,
        run_mode: true,
        multi_modal: mounted(app, "POST", "/api/v1/upload"),
        context_files: mounted(app, "GET", "/api/v1/context-files"),
      },
      current_model: { model: "openai/gpt-4o", provider: "openai", vision_enabled: true },
      api_version: "v1",
      penguin_version: pkg.version,
    });
    expect(res.body.capabilities.context_files).toBe(true);
  });

  test("no model, checkpoints off, two models: the values follow", async () => {
    const bare = await startTestApp({ toml: "[checkpoints]\nenabled = false\n" });
    const two = await startTestApp({
      env: openaiEnv(up),
      toml: '[[models]]\nid = "a"\nprovider = "openai"\nmodel = "gpt-4o-mini"\nvision = false\n\n[[models]]\nid = "b"\nprovider = "openai"\nmodel = "gpt-4o"\n',
    });
    try {
      const info = (await get(bare, "/api/v1/system/info")).body;
      expect(info).toMatchObject({ engine_available: false, checkpoints_enabled: false, current_model: null });
      const caps = (await get(bare, "/api/v1/capabilities")).body;
      expect(caps.current_model).toBeNull();
      expect(caps.capabilities).toMatchObject({
        vision_enabled: false,
        streaming_enabled: false,
        checkpoint_management: false,
        model_switching: false,
        task_execution: false,
        run_mode: false,
        multi_modal: false,
        websocket_support: true,
      });

      const twoCaps = (await get(two, "/api/v1/capabilities")).body;
      // PENGUIN_MODEL adds a third entry; the current model is it (gpt-4o, vision guessed from the family).
      expect(twoCaps.capabilities.model_switching).toBe(true);
      expect(twoCaps.capabilities.checkpoint_management).toBe(true);
      const loaded = await post(two, "/api/v1/models/load", { model_id: "a" });
      expect(loaded.status).toBe(200);
      const afterSwitch = (await get(two, "/api/v1/capabilities")).body;
      expect(afterSwitch.current_model).toEqual({ model: "openai/gpt-4o-mini", provider: "openai", vision_enabled: false });
      expect(afterSwitch.capabilities.vision_enabled).toBe(false);
    } finally {
      await bare.close();
      await two.close();
    }
  });

  test("status shows running turns and tasks, and token usage totals", async () => {
    const idle = (await get(app, "/api/v1/system/status")).body;
    expect(idle).toMatchObject({ status: "active", runmode_status: "RunMode idle.", continuous_mode: false, streaming_active: false, initialization: { core_initialized: true } });
    expect(new Date(idle.timestamp).toISOString()).toBe(idle.timestamp);

    up.script({ hang: true });
    const task = await post(app, "/api/v1/tasks/execute", { name: "Keep going", continuous: true, time_limit: 5 });
    await until(() => up.requests.length === 1, 3000, "the upstream call");
    const busy = (await get(app, "/api/v1/system/status")).body;
    expect(busy).toMatchObject({ runmode_status: "RunMode running 1 task.", continuous_mode: true, streaming_active: true, active_turns: 1, active_tasks: 1 });
    await post(app, `/api/v1/tasks/${task.body.task_id}/cancel`, undefined);

    up.reset();
    up.script({ text: "counted", usage: { input: 100, output: 20 } });
    const chat = await post(app, "/api/v1/chat/message", { text: "count my tokens" });
    const after = (await get(app, "/api/v1/system/status")).body;
    expect(after.streaming_active).toBe(false);
    expect(after.token_usage.total.input - idle.token_usage.total.input).toBe(100);
    expect(after.token_usage.total.output - idle.token_usage.total.output).toBe(20);
    expect(after.token_usage.session).toEqual({ input: 100, output: 20 });
    expect(after.current_session_id).toBe(chat.body.conversation_id);
  });

  test("GET /v1/system/status (PiSovereign) reports version, uptime, resources and request statistics", async () => {
    const first = await get(app, "/v1/system/status");
    expect(first.status).toBe(200);
    const b = first.body;
    expect(b.version).toBe(pkg.version);
    expect(b.environment).toBe("production");
    expect(Number.isInteger(b.uptime_seconds)).toBe(true);
    expect(b.resources.memory_used_mb).toBeGreaterThan(10);
    expect(b.resources.database_size_mb).toBeGreaterThan(0);
    expect(b.resources.cpu_percent).toBeGreaterThanOrEqual(0);

    up.script({ text: "one more inference" });
    await post(app, "/api/v1/chat/message", { text: "infer" });
    const second = (await get(app, "/v1/system/status")).body;
    expect(second.statistics.requests_total).toBeGreaterThanOrEqual(b.statistics.requests_total + 2);
    expect(second.statistics.inference_requests).toBe(b.statistics.inference_requests + 1);

    const staging = await startTestApp({ env: { PENGUIN_ENV: "staging" } });
    try {
      expect((await get(staging, "/v1/system/status")).body.environment).toBe("staging");
    } finally {
      await staging.close();
    }
  });
});

describe("telemetry", () => {
  test("per-agent messages, completed tasks and tokens change with traffic; agent_id narrows it", async () => {
    const before = (await get(app, "/api/v1/telemetry")).body;
    expect(before.agents.default).toBeDefined();
    expect(typeof before.uptime_seconds).toBe("number");

    up.script({ text: "review done", usage: { input: 30, output: 7 } }, { text: "task done", usage: { input: 11, output: 4 } });
    await post(app, "/api/v1/chat/message", { text: "review this", agent_id: "code-reviewer" });
    await post(app, "/api/v1/tasks/execute-sync", { name: "Tiny task", agent_id: "code-reviewer" });

    const after = (await get(app, "/api/v1/telemetry")).body;
    const was = before.agents["code-reviewer"] ?? { messages_sent: 0, tasks_completed: 0 };
    expect(after.agents["code-reviewer"]).toEqual({ messages_sent: was.messages_sent + 2, tasks_completed: was.tasks_completed + 1 });
    const tokensWas = before.tokens.per_agent["code-reviewer"] ?? { prompt: 0, completion: 0 };
    expect(after.tokens.per_agent["code-reviewer"]).toEqual({ prompt: tokensWas.prompt + 41, completion: tokensWas.completion + 11 });
    expect(after.tokens.total.prompt - before.tokens.total.prompt).toBe(41);
    expect(after.tokens.total.completion - before.tokens.total.completion).toBe(11);

    const one = (await get(app, "/api/v1/telemetry?agent_id=code-reviewer")).body;
    expect(Object.keys(one.agents)).toEqual(["code-reviewer"]);
    expect(one.tokens.total).toEqual(after.tokens.per_agent["code-reviewer"]);
    expect(Object.keys(one.tokens.per_agent)).toEqual(["code-reviewer"]);
  });

  test("WS /api/v1/ws/telemetry pushes every interval, filters by agent, and stops its timer on close", async () => {
    expect(app.core.telemetry.activeStreams).toBe(0);
    const frames: any[] = [];
    const ws = new WebSocket(app.wsUrl("/api/v1/ws/telemetry?interval=0.1&agent_id=default"));
    ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
    await until(() => frames.length >= 1, 2000, "the first push");
    const firstAt = Date.now();
    expect(app.core.telemetry.activeStreams).toBe(1);
    expect(Object.keys(frames[0].agents)).toEqual(["default"]);

    up.script({ text: "traffic", usage: { input: 5, output: 3 } });
    const prompt0 = frames.at(-1).tokens.total.prompt;
    await post(app, "/api/v1/chat/message", { text: "make some traffic" });
    await until(() => frames.at(-1).tokens.total.prompt === prompt0 + 5, 2000, "a push with the new tokens");
    await until(() => frames.length >= 4, 2000, "several pushes");
    expect(Date.now() - firstAt).toBeLessThan(1500);

    const closed = new Promise((resolve) => (ws.onclose = resolve));
    ws.close();
    await closed;
    await until(() => app.core.telemetry.activeStreams === 0, 2000, "the timer to stop");
  });

  test("the numbers are counted from the bus events: no store query for any push or change after start", async () => {
    // completedByAgent is read when the numbers are computed from the store: count how often that happens.
    const tasks = app.core.tasks;
    const original = tasks.completedByAgent;
    let computed = 0;
    tasks.completedByAgent = function (this: typeof tasks) {
      computed++;
      return original.call(this);
    };
    try {
      const frames: any[] = [];
      const ws = new WebSocket(app.wsUrl("/api/v1/ws/telemetry?interval=0.1"));
      ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
      await until(() => frames.length >= 5, 3000, "five pushes");
      expect(new Set(frames.map((f) => f.timestamp)).size).toBeGreaterThan(1); // every push still says when it was taken

      up.script({ text: "a change", usage: { input: 2, output: 1 } }, { text: "a task", usage: { input: 3, output: 1 } });
      const prompt0 = frames.at(-1).tokens.total.prompt;
      const sent0 = frames.at(-1).agents.default.messages_sent;
      const tasks0 = frames.at(-1).agents.default.tasks_completed;
      await post(app, "/api/v1/chat/message", { text: "change the numbers" });
      await post(app, "/api/v1/tasks/execute-sync", { name: "Counted task" });
      await until(() => frames.at(-1).tokens.total.prompt === prompt0 + 5, 2000, "a push with the new tokens");
      expect(frames.at(-1).agents.default).toEqual({ messages_sent: sent0 + 2, tasks_completed: tasks0 + 1 });
      const seen = frames.length;
      await until(() => frames.length >= seen + 4, 3000, "four more pushes");
      expect(computed).toBe(0);
      // The same numbers as the store holds, computed afresh by a server that starts now.
      expect(app.core.usage.tokensBy("agent").default).toEqual(frames.at(-1).tokens.per_agent.default);

      const closed = new Promise((resolve) => (ws.onclose = resolve));
      ws.close();
      await closed;
    } finally {
      tasks.completedByAgent = original;
    }
  });

  test("an interval outside the bounds is refused", async () => {
    const res = await app.request("/api/v1/ws/telemetry?interval=0", { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } });
    expect(res.status).toBe(422);
    expect((await res.json()).error.code).toBe("VALIDATION_ERROR");
    expect(app.core.telemetry.activeStreams).toBe(0);
  });
});
