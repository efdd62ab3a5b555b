// The OpenAI API, driven by the official `openai` npm client against the app on port 0 and the scripted upstream:
// models, completions (history, conversations, the server's tools), streaming, the client's function tools across
// requests, and errors as the SDK's own error classes.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { startChatApp, systemTextOf, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
let client: OpenAI;

const toml = (baseUrl: string) => `
default_model = "gpt"
[[models]]
id = "gpt"
provider = "openai"
model = "gpt-4o"
base_url = "${baseUrl}"
[[models]]
id = "cheap"
provider = "openai"
model = "gpt-4o-mini"
base_url = "${baseUrl}"
[[agents]]
id = "reviewer"
persona = "A meticulous code reviewer."
`;

useChatApp(
  "openai",
  (started) => {
    ({ up, app } = started);
    client = new OpenAI({ apiKey: app.key, baseURL: `${app.url}/v1`, maxRetries: 0 });
  },
  ({ openaiBaseUrl }) => ({ toml: toml(openaiBaseUrl), env: { PENGUIN_MODEL: undefined } }),
);
beforeEach(() => up.reset());

/** The error a request fails with (the SDK's promises are thenables that Bun's `rejects` cannot inspect). */
async function failure(request: PromiseLike<unknown>): Promise<unknown> {
  try {
    await request;
  } catch (error) {
    return error;
  }
  throw new Error("the request succeeded");
}

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("models", () => {
  test("every agent is a model, then the configured models; one can be retrieved", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(["default", "reviewer", "gpt", "cheap"]);
    const reviewer = await client.models.retrieve("reviewer");
    expect(reviewer).toMatchObject({ id: "reviewer", object: "model", owned_by: "penguin" });
    const cheap = await client.models.retrieve("cheap");
    expect(cheap.owned_by).toBe("openai");
  });
});

describe("chat completions", () => {
  test("a turn: the last user message runs, earlier messages are the history, system messages the prompt", async () => {
    up.script({ text: "Paris, as you said.", usage: { input: 40, output: 5 } });
    const { data, response } = await client.chat.completions
      .create({
        model: "default",
        messages: [
          { role: "system", content: "Answer in one short sentence." },
          { role: "user", content: "Remember: the capital is Paris." },
          { role: "assistant", content: "Noted." },
          { role: "user", content: "What is the capital?" },
        ],
      })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0]!.message).toMatchObject({ role: "assistant", content: "Paris, as you said." });
    expect(data.choices[0]!.finish_reason).toBe("stop");
    expect(data.usage).toEqual({ prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 });
    expect(data.model).toBe("default");

    const sent = up.requests[0]!.body;
    expect(systemTextOf(sent)).toStartWith("Answer in one short sentence.");
    expect(sent.messages.slice(1)).toEqual([
      { role: "user", content: "Remember: the capital is Paris." },
      { role: "assistant", content: "Noted." },
      { role: "user", content: "What is the capital?" },
    ]);

    // the conversation is stored and named in a header; sending it back continues it
    const conversationId = response.headers.get("x-penguin-conversation-id")!;
    expect((data as unknown as { penguin: { conversation_id: string } }).penguin.conversation_id).toBe(conversationId);
    up.script({ text: "Still Paris." });
    const next = await client.chat.completions.create(
      { model: "default", messages: [{ role: "user", content: "And now?" }] },
      { headers: { "X-Penguin-Conversation-Id": conversationId } },
    );
    expect(next.choices[0]!.message.content).toBe("Still Paris.");
    expect(JSON.stringify(up.requests[1]!.body.messages)).toContain("Paris, as you said.");
    const stored = await (await app.request(`/api/v1/conversations/${conversationId}`)).json();
    expect(stored.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant"]);
  });

  test("an agent by id, or a configured model by id, is the model", async () => {
    up.script({ text: "reviewed" }, { text: "cheaply" });
    await client.chat.completions.create({ model: "reviewer", messages: [{ role: "user", content: "review this" }] });
    expect(systemTextOf(up.requests[0]!.body)).toContain("A meticulous code reviewer.");
    await client.chat.completions.create({ model: "cheap", messages: [{ role: "user", content: "hi" }] });
    expect(up.requests[1]!.body.model).toBe("gpt-4o-mini");
  });

  test("the server's own tools run in the turn and are summarised in `penguin`", async () => {
    writeFileSync(join(app.projectRoot, "notes.txt"), "the answer is 42");
    up.script({ toolCalls: [{ id: "call_read", name: "read_file", arguments: { path: "notes.txt" } }] }, { text: "The notes say 42." });
    const done = await client.chat.completions.create({ model: "default", messages: [{ role: "user", content: "read my notes" }] });
    expect(done.choices[0]!.message.content).toBe("The notes say 42.");
    expect(done.choices[0]!.finish_reason).toBe("stop");
    const penguin = (done as unknown as { penguin: { tool_activity: unknown[] } }).penguin;
    expect(penguin.tool_activity).toEqual([
      { id: "call_read", name: "read_file", arguments: { path: "notes.txt" }, status: "completed", duration_ms: expect.any(Number), result_preview: expect.stringContaining("the answer is 42") },
    ]);
  });

  test("stream: chunks with the text, finish_reason, usage, then [DONE]", async () => {
    up.script({ text: "Streaming works fine.", usage: { input: 12, output: 4 } });
    const stream = await client.chat.completions.create({
      model: "default",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    const finishes: (string | null)[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? "";
        finishes.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Streaming works fine.");
    expect(finishes.filter(Boolean)).toEqual(["stop"]);
    expect(usage).toEqual({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });

    // on the wire: SSE data lines ending in [DONE]
    up.script({ text: "raw" });
    const raw = await app.request("/v1/chat/completions", { method: "POST", json: { model: "default", stream: true, messages: [{ role: "user", content: "raw" }] } });
    expect(raw.headers.get("content-type")).toStartWith("text/event-stream");
    expect(raw.headers.get("x-penguin-conversation-id")).toBeString();
    const body = await raw.text();
    expect(body.trim().endsWith("data: [DONE]")).toBe(true);
    const last = JSON.parse(body.trim().split("\n\n").at(-2)!.slice("data: ".length));
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage.total_tokens).toBeGreaterThan(0);
  });
});

describe("the client's function tools", () => {
  test("round trip: the model calls the client's tool, finish_reason tool_calls; the tool message continues the same turn", async () => {
    up.script(
      { key: "[weather]", text: "Let me check.", toolCalls: [{ id: "call_w1", name: "get_weather", arguments: { city: "Oslo" } }] },
      { key: "[weather]", text: "It is 3 °C and snowing in Oslo." },
    );
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Oslo? [weather]" }];
    const first = await client.chat.completions.create({ model: "default", messages, tools: [weatherTool] });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("Let me check.");
    expect(choice.message.tool_calls).toEqual([{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }]);
    // the model saw the client's tool next to the server's own
    const offered = up.requests[0]!.body.tools.map((t: { function: { name: string } }) => t.function.name);
    expect(offered).toContain("get_weather");
    expect(offered).toContain("read_file");

    messages.push(choice.message, { role: "tool", tool_call_id: "call_w1", content: "3 °C, snow" });
    const second = await client.chat.completions.create({ model: "default", messages, tools: [weatherTool] });
    expect(second.choices[0]!.finish_reason).toBe("stop");
    expect(second.choices[0]!.message.content).toBe("It is 3 °C and snowing in Oslo.");
    const followUp = up.requests[1]!.body.messages;
    expect(followUp.at(-1)).toEqual({ role: "tool", tool_call_id: "call_w1", content: "3 °C, snow" });
    // one turn, one conversation: the second response continues the first's
    const ids = [first, second].map((r) => (r as unknown as { penguin: { conversation_id: string; turn_id: string } }).penguin);
    expect(ids[1]).toMatchObject({ conversation_id: ids[0]!.conversation_id, turn_id: ids[0]!.turn_id });
    expect(up.requests).toHaveLength(2);
  });

  test("streamed: the tool call arrives as tool_calls deltas", async () => {
    up.script(
      { key: "[stream-tool]", toolCalls: [{ id: "call_s1", name: "get_weather", arguments: { city: "Rome" } }] },
      { key: "[stream-tool]", text: "Sunny in Rome." },
    );
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "Rome? [stream-tool]" }];
    const stream = await client.chat.completions.create({ model: "default", messages, tools: [weatherTool], stream: true });
    const calls: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        calls.push(...(c.delta.tool_calls ?? []));
        finish = c.finish_reason ?? finish;
      }
    }
    expect(finish).toBe("tool_calls");
    expect(calls).toEqual([{ index: 0, id: "call_s1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }]);

    messages.push(
      { role: "assistant", content: null, tool_calls: [{ id: "call_s1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] },
      { role: "tool", tool_call_id: "call_s1", content: "sunny" },
    );
    let text = "";
    for await (const chunk of await client.chat.completions.create({ model: "default", messages, tools: [weatherTool], stream: true })) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("Sunny in Rome.");
  });

  test("tool results nobody waits for are a 400", async () => {
    const late = await failure(client.chat.completions.create({
      model: "default",
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_gone", type: "function", function: { name: "get_weather", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_gone", content: "too late" },
      ],
    }));
    expect(late).toBeInstanceOf(OpenAI.BadRequestError);
    expect(late).toMatchObject({ status: 400, type: "invalid_request_error", param: "messages" });
  });
});

describe("errors in the SDK's shape", () => {
  test("a wrong key is the SDK's AuthenticationError (401)", async () => {
    const stranger = new OpenAI({ apiKey: "sk-wrong-key-123", baseURL: `${app.url}/v1`, maxRetries: 0 });
    const attempt = await failure(stranger.chat.completions.create({ model: "default", messages: [{ role: "user", content: "hi" }] }));
    expect(attempt).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(attempt).toMatchObject({ status: 401, code: "invalid_api_key", type: "invalid_request_error" });
    expect(await failure(stranger.models.list())).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(up.requests).toHaveLength(0);
  });

  test("an unknown model is NotFoundError (model_not_found); an invalid request is BadRequestError naming the field", async () => {
    const unknown = await failure(client.chat.completions.create({ model: "gpt-9", messages: [{ role: "user", content: "hi" }] }));
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    expect(await failure(client.models.retrieve("gpt-9"))).toBeInstanceOf(OpenAI.NotFoundError);

    const hot = await failure(client.chat.completions.create({ model: "default", temperature: 3, messages: [{ role: "user", content: "hi" }] }));
    expect(hot).toBeInstanceOf(OpenAI.BadRequestError);
    expect(hot).toMatchObject({ status: 400, type: "invalid_request_error", param: "temperature" });

    const noUser = await failure(client.chat.completions.create({ model: "default", messages: [{ role: "assistant", content: "hello?" }] }));
    expect(noUser).toMatchObject({ status: 400, param: "messages" });

    // other routes keep the server's own envelope
    const elsewhere = await app.request("/api/v1/conversations/nope");
    expect((await elsewhere.json()).error.code).toBe("NOT_FOUND");
  });
});

test("the routes are in the OpenAPI document, with a key required", async () => {
  const doc = await (await app.request("/api/docs/json", { auth: false })).json();
  for (const [method, path] of [["get", "/v1/models"], ["get", "/v1/models/{model}"], ["post", "/v1/chat/completions"]] as const) {
    const op = doc.paths[path]?.[method];
    expect(op?.summary).toBeString();
    expect(op.security).toBeUndefined(); // the document's default: a key
  }
});

describe("users", () => {
  let up2: Upstream;
  let shared: TestApp;
  const as = (key: string) => new OpenAI({ apiKey: key, baseURL: `${shared.url}/v1`, maxRetries: 0 });
  beforeAll(async () => {
    up2 = await startUpstream();
    shared = await startChatApp(up2, "openai", { env: { PENGUIN_API_KEYS: "alice-key-123456:alice:user,bob-key-1234567:bob:user" } });
  });
  afterAll(async () => {
    await shared.close();
    await up2.close();
  });

  test("another user's conversation is a 404, and another user's waiting tool call is nobody's", async () => {
    up2.script({ key: "[alice]", toolCalls: [{ id: "call_alice", name: "get_weather", arguments: { city: "Bern" } }] }, { key: "[alice]", text: "Bern is fine." });
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "Bern? [alice]" }];
    const { data: first, response } = await as("alice-key-123456").chat.completions.create({ model: "default", messages, tools: [weatherTool] }).withResponse();
    const conversationId = response.headers.get("x-penguin-conversation-id")!;
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: "call_alice", content: "sunny" });

    const bob = as("bob-key-1234567");
    const stolen = await failure(bob.chat.completions.create({ model: "default", messages, tools: [weatherTool] }));
    expect(stolen).toMatchObject({ status: 400, param: "messages" });
    const peek = await failure(bob.chat.completions.create({ model: "default", messages: [{ role: "user", content: "hi" }] }, { headers: { "X-Penguin-Conversation-Id": conversationId } }));
    expect(peek).toBeInstanceOf(OpenAI.NotFoundError);

    const done = await as("alice-key-123456").chat.completions.create({ model: "default", messages, tools: [weatherTool] });
    expect(done.choices[0]!.message.content).toBe("Bern is fine.");
  });
});
