// A2A end to end with the official SDK's client (ClientFactory from @a2a-js/sdk/client) against the app on port 0 and
// the scripted upstream: card discovery (with the API-key scheme), a message answered over JSON-RPC, a streamed one
// over HTTP+JSON, a cancelled long turn, and a task that waits in INPUT_REQUIRED for an approval answered through the
// approvals API. Tasks are turns of the server's own conversations, seen only by the key's user.
import { beforeEach, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Role, TaskState, type Message, type Part, type SendMessageRequest, type StreamResponse, type Task } from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
  createAuthenticatingFetchWithRetry,
  type Client,
} from "@a2a-js/sdk/client";
import { post, until, useChatApp } from "../support/chat";
import { TEST_KEY, type TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

const ALICE = "alice-key-0123456789";
const BOB = "bob-key-0123456789";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), {
  toml: '[[agents]]\nid = "reviewer"\npersona = "Reviewer"\nsystem_prompt = "You are the reviewer agent."\n',
  env: { PENGUIN_API_KEYS: `${TEST_KEY},${ALICE}:alice:user,${BOB}:bob:user` },
});
beforeEach(() => up.reset());

type Binding = "JSONRPC" | "HTTP+JSON";

/** The SDK's client factory, sending `key` as a bearer token (none: plain fetch) and preferring `binding`. */
function factory(key: string | undefined, binding: Binding = "JSONRPC"): ClientFactory {
  const fetchImpl = key ? createAuthenticatingFetchWithRetry(fetch, { headers: async () => ({ Authorization: `Bearer ${key}` }), shouldRetryWithHeaders: async () => undefined }) : fetch;
  return new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
      preferredTransports: [binding],
    }),
  );
}

/** A client of the default agent (well-known card) or of `/a2a/{agent}/`. */
const clientFor = (options: { key?: string; binding?: Binding; agent?: string } = {}): Promise<Client> =>
  factory(options.key === undefined ? TEST_KEY : options.key, options.binding).createFromUrl(options.agent ? `${app.url}/a2a/${options.agent}/` : app.url);

const text = (value: string): Part => ({ content: { $case: "text", value }, metadata: undefined, filename: "", mediaType: "text/plain" });

function ask(value: string, extra: Partial<Message> = {}, configuration?: SendMessageRequest["configuration"]): SendMessageRequest {
  const message: Message = { messageId: randomUUID(), contextId: "", taskId: "", role: Role.ROLE_USER, parts: [text(value)], metadata: undefined, extensions: [], referenceTaskIds: [], ...extra };
  return { tenant: "", message, configuration, metadata: undefined };
}

const textsOf = (parts: Part[] | undefined) => (parts ?? []).flatMap((p) => (p.content?.$case === "text" ? [p.content.value] : []));
const answerOf = (task: Task) => textsOf(task.artifacts.find((a) => a.artifactId === "response")?.parts).join("");
const asTask = (result: unknown): Task => {
  expect(result).toHaveProperty("status");
  return result as Task;
};

describe("agent cards", () => {
  test("the well-known card is open and declares the endpoints and the API-key schemes; the SDK resolves it", async () => {
    const raw = await app.request("/.well-known/agent-card.json", { auth: false });
    expect(raw.status).toBe(200);
    const json = await raw.json();
    expect(json.securitySchemes.apiKey.apiKeySecurityScheme).toMatchObject({ location: "header", name: "X-API-Key" });
    expect(json.securitySchemes.bearer.httpAuthSecurityScheme).toMatchObject({ scheme: "Bearer" });

    const card = await new DefaultAgentCardResolver().resolve(app.url);
    expect(card.name).toBe("Penguin");
    expect(card.capabilities?.streaming).toBe(true);
    expect(card.supportedInterfaces.map((i) => [i.protocolBinding, i.url, i.protocolVersion])).toEqual([
      ["JSONRPC", `${app.url}/a2a/default/jsonrpc`, "1.0"],
      ["HTTP+JSON", `${app.url}/a2a/default/rest`, "1.0"],
    ]);
    expect(card.securitySchemes.apiKey?.scheme).toEqual({ $case: "apiKeySecurityScheme", value: expect.objectContaining({ location: "header", name: "X-API-Key" }) });
    expect(card.securitySchemes.bearer?.scheme?.$case).toBe("httpAuthSecurityScheme");
    expect(card.securityRequirements.map((r) => Object.keys(r.schemes))).toEqual([["apiKey"], ["bearer"]]);
  });

  test("each agent has its card under /a2a/{agent_id}/ (with a key); an unknown agent is a 404", async () => {
    const card = await factory(TEST_KEY).createFromUrl(`${app.url}/a2a/reviewer/`).then((c) => c.getAgentCard());
    expect(card.name).toContain("Reviewer");
    expect(card.supportedInterfaces[0]!.url).toBe(`${app.url}/a2a/reviewer/jsonrpc`);
    expect((await app.request("/a2a/reviewer/.well-known/agent-card.json", { auth: false })).status).toBe(401);
    const unknown = await app.request("/a2a/nobody/.well-known/agent-card.json");
    expect(unknown.status).toBe(404);
    expect((await app.request("/a2a/nobody/jsonrpc", { method: "POST", json: { jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } } })).status).toBe(404);
  });

  test("the endpoints require the same keys: without one the SDK client's call fails with 401", async () => {
    const anonymous = await clientFor({ key: "" });
    await expect(anonymous.sendMessage(ask("hello"))).rejects.toThrow(/401/);
    const wrong = await clientFor({ key: "not-a-key-0123456789" });
    await expect(wrong.sendMessage(ask("hello"))).rejects.toThrow(/401/);
    expect(up.requests).toHaveLength(0);
  });
});

describe("transports", () => {
  test("every A2A route is in the OpenAPI document", async () => {
    const paths = (await (await app.request("/api/docs/json")).json()).paths;
    const documented = Object.entries(paths as Record<string, Record<string, { tags?: string[] }>>).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, op]) => (op.tags?.includes("a2a") ? [`${method.toUpperCase()} ${path}`] : [])),
    );
    expect(documented.sort()).toEqual([
      "GET /.well-known/agent-card.json",
      "GET /a2a/{agent_id}/.well-known/agent-card.json",
      "GET /a2a/{agent_id}/rest/tasks",
      "GET /a2a/{agent_id}/rest/tasks/{task}",
      "POST /a2a/{agent_id}/jsonrpc",
      "POST /a2a/{agent_id}/rest/tasks/{task}",
      "POST /a2a/{agent_id}/rest/{method}",
    ]);
    expect(paths["/.well-known/agent-card.json"].get.security).toEqual([]);
  });

  test("what the protocol refuses answers in the transport's own error shape", async () => {
    const rpc = (body: string, headers: Record<string, string> = { "a2a-version": "1.0" }) =>
      app.request("/a2a/default/jsonrpc", { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
    const malformed = await rpc("{not json");
    expect(malformed.status).toBe(200);
    expect((await malformed.json()).error.code).toBe(-32700);
    const noVersion = await (await rpc(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "GetTask", params: { id: "x" } }), {})).json();
    expect(noVersion).toMatchObject({ jsonrpc: "2.0", id: 7, error: { message: expect.stringMatching(/version/i) } });
    const missing = await (await rpc(JSON.stringify({ jsonrpc: "2.0", id: 8, method: "GetTask", params: { id: "no-such-task" } }))).json();
    expect(missing).toMatchObject({ id: 8, error: { code: -32001 } });

    const rest = await app.request("/a2a/default/rest/tasks/no-such-task", { headers: { "a2a-version": "1.0" } });
    expect(rest.status).toBe(404);
    expect(rest.headers.get("content-type")).toContain("application/a2a+json");
    expect((await rest.json()).error).toMatchObject({ code: 404, status: "NOT_FOUND" });
    const badSize = await app.request("/a2a/default/rest/tasks?pageSize=1e308", { headers: { "a2a-version": "1.0" } });
    expect(badSize.status).toBe(422);
  });

  test("a browser client may send the A2A headers (CORS preflight)", async () => {
    const preflight = await app.request("/a2a/default/jsonrpc", {
      method: "OPTIONS",
      auth: false,
      headers: { origin: "https://inspector.example", "access-control-request-method": "POST", "access-control-request-headers": "a2a-version, a2a-extensions, authorization, content-type" },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("a2a-version");
  });
});

describe("messages", () => {
  test("JSON-RPC SendMessage: the task completes with the answer; it is a turn of a stored conversation that the context continues", async () => {
    up.script({ key: "[first]", text: "Hello from Penguin." }, { key: "[second]", text: "Still here." });
    const client = await clientFor();
    expect(client.transport.protocolName).toBe("JSONRPC");

    const task = asTask(await client.sendMessage(ask("say hello [first]")));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(task)).toBe("Hello from Penguin.");
    expect(textsOf(task.status?.message?.parts)).toEqual(["Hello from Penguin."]);

    const history = await (await app.request(`/api/v1/conversations/${task.contextId}/history`)).json();
    expect(history.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["user", "say hello [first]"],
      ["assistant", "Hello from Penguin."],
    ]);

    // The same context is the same conversation: the model sees the first exchange.
    const next = asTask(await client.sendMessage(ask("again [second]", { contextId: task.contextId })));
    expect(answerOf(next)).toBe("Still here.");
    expect(JSON.stringify(up.requests.at(-1)!.body)).toContain("Hello from Penguin.");

    const listed = await client.listTasks({ tenant: "", contextId: task.contextId, status: TaskState.TASK_STATE_UNSPECIFIED, pageSize: undefined, pageToken: "", historyLength: undefined, statusTimestampAfter: undefined, includeArtifacts: false });
    expect(listed.tasks.map((t) => t.id).sort()).toEqual([task.id, next.id].sort());
    expect(listed.totalSize).toBe(2);

    const fetched = await client.getTask({ tenant: "", id: task.id, historyLength: undefined });
    expect(fetched.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(fetched.history.map((m) => [m.role, textsOf(m.parts).join("")])).toEqual([
      [Role.ROLE_USER, "say hello [first]"],
      [Role.ROLE_AGENT, "Hello from Penguin."],
    ]);
  });

  test("another agent answers with its own settings; its tasks are not reachable through another agent", async () => {
    up.script({ key: "[review]", text: "Looks good." });
    const reviewer = await clientFor({ agent: "reviewer" });
    const task = asTask(await reviewer.sendMessage(ask("review this [review]")));
    expect(answerOf(task)).toBe("Looks good.");
    expect(JSON.stringify(up.requests.at(-1)!.body)).toContain("You are the reviewer agent.");
    const other = await clientFor();
    await expect(other.getTask({ tenant: "", id: task.id, historyLength: undefined })).rejects.toThrow(/not found/i);
  });

  test("HTTP+JSON SendStreamingMessage: the task, WORKING, the answer in appended chunks, then COMPLETED", async () => {
    up.script({ key: "[stream]", text: "Streaming works over A2A.", chunkSize: 5 });
    const client = await clientFor({ binding: "HTTP+JSON" });
    expect(client.transport.protocolName).toBe("HTTP+JSON");

    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(ask("stream please [stream]"))) events.push(event);
    const kinds = events.map((e) => e.payload?.$case);
    expect(kinds[0]).toBe("task");
    const states = events.flatMap((e) => (e.payload?.$case === "statusUpdate" ? [e.payload.value.status?.state] : []));
    expect(states[0]).toBe(TaskState.TASK_STATE_WORKING);
    expect(states.at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
    const chunks = events.flatMap((e) => (e.payload?.$case === "artifactUpdate" && !e.payload.value.lastChunk ? [e.payload.value] : []));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.slice(1).every((c) => c.append)).toBe(true);
    expect(chunks.flatMap((c) => textsOf(c.artifact?.parts)).join("")).toBe("Streaming works over A2A.");

    const taskId = events[0]!.payload?.$case === "task" ? events[0]!.payload.value.id : "";
    const done = await client.getTask({ tenant: "", id: taskId, historyLength: 0 });
    expect(answerOf(done)).toBe("Streaming works over A2A.");
    expect(done.history).toEqual([]);
  });

  test("a message without text is refused before any turn runs", async () => {
    const client = await clientFor();
    const empty = ask("");
    empty.message!.parts = [];
    await expect(client.sendMessage(empty)).rejects.toThrow(/no text/);
    expect(up.requests).toHaveLength(0);
  });
});

describe("cancel", () => {
  test("CancelTask stops a long turn: the task is CANCELED and the conversation keeps what was streamed, marked interrupted", async () => {
    up.script({ key: "[long]", times: 2, text: "This answer takes a very long time to arrive, chunk by chunk.", chunkSize: 2, chunkDelayMs: 150 });
    for (const binding of ["JSONRPC", "HTTP+JSON"] as const) {
      const client = await clientFor({ binding });
      const started = asTask(await client.sendMessage(ask(`a long one [long] over ${binding}`, {}, { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: true })));
      expect(started.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
      // Wait until the turn is under way (the model has started answering).
      await until(async () => answerOf(await client.getTask({ tenant: "", id: started.id, historyLength: undefined })).length > 0, 5000, "streamed text");

      const cancelled = await client.cancelTask({ tenant: "", id: started.id, metadata: {} });
      expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      expect((await client.getTask({ tenant: "", id: started.id, historyLength: undefined })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      const history = await (await app.request(`/api/v1/conversations/${started.contextId}/history`)).json();
      const answer = history.messages.find((m: { role: string }) => m.role === "assistant");
      expect(answer.status).toBe("interrupted");
      expect(answer.content.length).toBeLessThan("This answer takes a very long time to arrive, chunk by chunk.".length);

      // A task that has ended cannot be cancelled again.
      await expect(client.cancelTask({ tenant: "", id: started.id, metadata: {} })).resolves.toMatchObject({ status: expect.objectContaining({ state: TaskState.TASK_STATE_CANCELED }) });
    }
  });

  test("a completed task is not cancelable", async () => {
    up.script({ key: "[quick]", text: "Done." });
    const client = await clientFor();
    const task = asTask(await client.sendMessage(ask("quick [quick]")));
    await expect(client.cancelTask({ tenant: "", id: task.id, metadata: {} })).rejects.toThrow(/not cancelable/i);
  });
});

describe("approvals", () => {
  beforeEach(() => {
    mkdirSync(join(app.projectRoot, "build", "out"), { recursive: true });
    writeFileSync(join(app.projectRoot, "build", "out", "app.js"), "compiled");
  });

  test("a turn that needs an approval puts the task in INPUT_REQUIRED; approving it through the approvals API resumes it to COMPLETED", async () => {
    up.script({ key: "[clean]", toolCalls: [{ id: "call_clean", name: "execute_command", arguments: { command: "rm -rf build" } }] }, { key: "[clean]", text: "The build folder is gone." });
    const client = await clientFor({ key: ALICE });
    const waiting = asTask(await client.sendMessage(ask("clean the build [clean]")));
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const parts = waiting.status?.message?.parts ?? [];
    expect(textsOf(parts).join("")).toContain("Approval needed: execute_command");
    const data = parts.find((p) => p.content?.$case === "data")?.content;
    const approval = (data?.$case === "data" ? data.value : {}).approval;
    expect(approval).toMatchObject({ tool_name: "execute_command", operation: "process.execute", resource: "rm -rf build", approve: `/api/v1/approvals/${approval.request_id}/approve` });
    expect(existsSync(join(app.projectRoot, "build"))).toBe(true);

    // The approval belongs to the key's user: Bob cannot see it, nor the task.
    const bob = await clientFor({ key: BOB });
    await expect(bob.getTask({ tenant: "", id: waiting.id, historyLength: undefined })).rejects.toThrow(/not found/i);
    expect((await app.request(`/api/v1/approvals/${approval.request_id}`, { headers: { "x-api-key": BOB } })).status).toBe(404);

    // A message to the waiting task is refused with the way out.
    await expect(client.sendMessage(ask("yes, go ahead", { taskId: waiting.id, contextId: waiting.contextId }))).rejects.toThrow(/waits for an approval/);

    const approved = await post(app, `/api/v1/approvals/${approval.request_id}/approve`, { scope: "once" }, { headers: { "x-api-key": ALICE } });
    expect(approved.status).toBe(200);
    const done = (await until(async () => {
      const task = await client.getTask({ tenant: "", id: waiting.id, historyLength: undefined });
      return task.status?.state === TaskState.TASK_STATE_COMPLETED ? task : undefined;
    }, 10_000, "the resumed task to complete"))!;
    expect(answerOf(done)).toBe("The build folder is gone.");
    expect(existsSync(join(app.projectRoot, "build"))).toBe(false);
    expect(done.metadata?.actions).toEqual([{ name: "execute_command", status: "completed" }]);
  });

  test("streamed: the stream ends at INPUT_REQUIRED and SubscribeToTask follows the task to its end after the answer", async () => {
    up.script({ key: "[deny]", toolCalls: [{ id: "call_deny", name: "execute_command", arguments: { command: "rm -rf build" } }] }, { key: "[deny]", text: "Left it alone." });
    const client = await clientFor({ key: ALICE, binding: "HTTP+JSON" });
    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(ask("clean up [deny]"))) events.push(event);
    const last = events.at(-1)!.payload;
    expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const taskId = last?.$case === "statusUpdate" ? last.value.taskId : "";

    const followed: StreamResponse[] = [];
    const following = (async () => {
      for await (const event of client.resubscribeTask({ tenant: "", id: taskId })) followed.push(event);
    })();
    await until(() => followed.length > 0, 5000, "the subscription's first event");
    const pending = (await (await app.request("/api/v1/approvals", { headers: { "x-api-key": ALICE } })).json()).pending;
    expect((await post(app, `/api/v1/approvals/${pending[0].id}/deny`, undefined, { headers: { "x-api-key": ALICE } })).status).toBe(200);
    await following;
    const states = followed.flatMap((e) => (e.payload?.$case === "statusUpdate" ? [e.payload.value.status?.state] : []));
    expect(states.at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(existsSync(join(app.projectRoot, "build", "out", "app.js"))).toBe(true);
    expect(answerOf(await client.getTask({ tenant: "", id: taskId, historyLength: undefined }))).toBe("Left it alone.");
  });
});
