// A2A (agent-to-agent, protocol v1.0): every agent over the official SDK's JSON-RPC and HTTP+JSON transports, wired
// into Elysia here (the SDK's Express adapter is not used). The protocol behind them is core.a2a (src/core/a2a/).
//   GET  /.well-known/agent-card.json                  the default agent's card (open: it says which keys to send)
//   GET  /a2a/{agent_id}/.well-known/agent-card.json    an agent's card
//   POST /a2a/{agent_id}/jsonrpc                        JSON-RPC: SendMessage, SendStreamingMessage, GetTask, …
//   …    /a2a/{agent_id}/rest/…                         HTTP+JSON: message:send, message:stream, tasks/{id}[:cancel|:subscribe]
// A missing or wrong key is the app's 401 and an unknown agent its 404 (the Penguin error envelope); everything the
// protocol itself refuses answers in the transport's own error shape.
import { A2A_CONTENT_TYPE, AgentCard, SendMessageRequest, SendMessageResponse, StreamResponse, Task, taskStateFromJSON, ListTasksResponse, TaskState } from "@a2a-js/sdk";
import { A2A_ERROR_CODE, ContentTypeNotSupportedError, RequestMalformedError, restStatusFor, toRestErrorBody } from "@a2a-js/sdk/errors";
import { JsonRpcTransportHandler, validateVersion, type A2ARequestHandler, type ServerCallContext } from "@a2a-js/sdk/server";
import { Elysia, type Static, type TSchema } from "elysia";
import type { OpenAPIV3 } from "openapi-types";
import type { Core } from "../src/core";
import {
  A2AAgentCard,
  A2AAgentParams,
  A2AGetTaskQuery,
  A2AJsonRpcRequest,
  A2AJsonRpcResponse,
  A2AListTasksQuery,
  A2AListTasksResponse,
  A2ARestError,
  A2ARestMessageParams,
  A2ARestTaskParams,
  A2ASendMessageRequest,
  A2ASendMessageResponse,
  A2AStreamEvents,
  A2ATask,
} from "../src/core/a2a/schema";
import { AppError } from "../src/core/kernel/errors";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, queryOf } from "../src/http/schemas";

const HEARTBEAT_MS = 15_000;
const JSON_TYPE = "application/json";

const originOf = (request: Request) => new URL(request.url).origin;
const json = (body: unknown, status = 200, type = JSON_TYPE) => new Response(JSON.stringify(body), { status, headers: { "content-type": type } });

/** A request body read as text (the transports answer malformed JSON in their own shape); undefined when empty. */
function parsedBody(body: unknown): unknown {
  if (typeof body !== "string") return body ?? undefined;
  return body.trim() === "" ? undefined : JSON.parse(body);
}

/** Refuses a body that is not JSON by its declared type (none declared is fine). */
function requireJsonType(request: Request, allowed: string[]): void {
  const type = request.headers.get("content-type")?.split(";", 1)[0]!.trim().toLowerCase();
  if (type && !allowed.includes(type)) throw new ContentTypeNotSupportedError(`Unsupported Content-Type "${type}"; expected ${allowed.join(" or ")}`);
}

/**
 * Server-Sent Events from an async iterator, one `data:` line per item. The first item is awaited before the headers
 * go out, so a refusal is still a plain error answer (`refuse`); a later failure is an `event: error` frame. The
 * iterator is only advanced as the client reads, and a comment line keeps quiet connections alive.
 */
async function sse<T>(events: AsyncIterator<T>, frame: (item: T) => unknown, refuse: (error: unknown) => Response, streamError: (error: unknown) => unknown): Promise<Response> {
  let first: IteratorResult<T>;
  try {
    first = await events.next();
  } catch (error) {
    return refuse(error);
  }
  const encoder = new TextEncoder();
  const data = (value: unknown) => encoder.encode(`data: ${JSON.stringify(value)}\n\n`);
  let pending: Promise<IteratorResult<T>> | undefined = Promise.resolve(first);
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      pending ??= events.next();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const beat = new Promise<"beat">((resolve) => (timer = setTimeout(() => resolve("beat"), HEARTBEAT_MS)));
      try {
        const next = await Promise.race([pending, beat]);
        if (next === "beat") return controller.enqueue(encoder.encode(": ping\n\n"));
        pending = undefined;
        if (next.done) return controller.close();
        controller.enqueue(data(frame(next.value)));
      } catch (error) {
        controller.enqueue(encoder.encode(`event: error\ndata: ${JSON.stringify(streamError(error))}\n\n`));
        controller.close();
      } finally {
        clearTimeout(timer);
      }
    },
    cancel() {
      // The task carries on (it belongs to the server); only this subscription ends.
      void events.return?.(undefined);
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" } });
}

// ── JSON-RPC ─────────────────────────────────────────────────────────────────────────────────────────────────────

type RpcResponse = { jsonrpc: string; id: string | number | null; result?: unknown; error?: { code: number } };
const rpcError = (id: unknown, error: unknown) => ({ jsonrpc: "2.0", id: typeof id === "string" || typeof id === "number" ? id : null, error: JsonRpcTransportHandler.mapToJSONRPCError(error) });

async function jsonRpc(handler: A2ARequestHandler, context: ServerCallContext, request: Request, body: unknown): Promise<Response> {
  let rpc: unknown;
  try {
    requireJsonType(request, [JSON_TYPE]);
    rpc = parsedBody(body);
  } catch (error) {
    const parseError = error instanceof SyntaxError ? { code: A2A_ERROR_CODE.PARSE_ERROR, message: "Invalid JSON payload." } : undefined;
    return json(parseError ? { jsonrpc: "2.0", id: null, error: parseError } : rpcError(null, error));
  }
  const id = (rpc as { id?: unknown } | undefined)?.id;
  try {
    validateVersion(context.requestedVersion, await handler.getAgentCard(), "JSONRPC");
  } catch (error) {
    return json(rpcError(id, error));
  }
  const answer = await new JsonRpcTransportHandler(handler).handle((rpc ?? "") as Record<string, unknown>, context);
  if (Symbol.asyncIterator in answer) {
    return sse(answer, (item) => item, (error) => json(rpcError(id, error)), (error) => rpcError(id, error));
  }
  return json(answer, (answer as RpcResponse).error?.code === A2A_ERROR_CODE.INTERNAL_ERROR ? 500 : 200);
}

// ── HTTP+JSON ────────────────────────────────────────────────────────────────────────────────────────────────────

const restError = (error: unknown) => {
  const status = restStatusFor(error);
  return json(toRestErrorBody(error, status), status, A2A_CONTENT_TYPE);
};
const restJson = (body: unknown) => json(body, 200, A2A_CONTENT_TYPE);
const restStream = (events: AsyncGenerator<Parameters<typeof StreamResponse.toJSON>[0]>) =>
  sse(events, (item) => StreamResponse.toJSON(item), restError, (error) => toRestErrorBody(error, restStatusFor(error)));

/** Runs one HTTP+JSON call: the version check, then `call`; what the protocol refuses answers as a REST error. */
async function rest(handler: A2ARequestHandler, context: ServerCallContext, call: () => Promise<Response>): Promise<Response> {
  try {
    validateVersion(context.requestedVersion, await handler.getAgentCard(), "HTTP+JSON");
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    return restError(error);
  }
}

function sendRequestOf(request: Request, body: unknown) {
  requireJsonType(request, [JSON_TYPE, A2A_CONTENT_TYPE]);
  let parsed: unknown;
  try {
    parsed = parsedBody(body);
  } catch {
    throw new RequestMalformedError("Invalid JSON payload.");
  }
  const params = SendMessageRequest.fromJSON(parsed ?? {});
  if (!params.message?.messageId) throw new RequestMalformedError("message.messageId is required");
  return params;
}

/** `{id}`, `{id}:cancel` or `{id}:subscribe`. */
function taskCall(segment: string): { id: string; action?: "cancel" | "subscribe" } {
  const match = /^(.+):(cancel|subscribe)$/.exec(segment);
  return match ? { id: match[1]!, action: match[2] as "cancel" | "subscribe" } : { id: segment };
}

function listRequestOf(query: Static<typeof A2AListTasksQuery>) {
  const status = query.status ? taskStateFromJSON(query.status) : TaskState.TASK_STATE_UNSPECIFIED;
  if (status === TaskState.UNRECOGNIZED) throw new RequestMalformedError(`Invalid status filter: ${query.status}`);
  return {
    tenant: "",
    contextId: query.contextId ?? "",
    status,
    pageSize: query.pageSize,
    pageToken: query.pageToken ?? "",
    historyLength: query.historyLength,
    statusTimestampAfter: query.statusTimestampAfter,
    includeArtifacts: query.includeArtifacts ?? false,
  };
}

// ── Routes ───────────────────────────────────────────────────────────────────────────────────────────────────────

// Described by hand: these routes read their bodies as text (each transport answers malformed JSON in its own shape)
// and answer in more than one media type (JSON, or SSE for the streaming calls).
const content = (types: Record<string, TSchema>): Record<string, OpenAPIV3.MediaTypeObject> =>
  Object.fromEntries(Object.entries(types).map(([type, schema]) => [type, { schema: schema as unknown as OpenAPIV3.SchemaObject }]));
const jsonBody = (description: string, types: Record<string, TSchema>): OpenAPIV3.RequestBodyObject => ({ description, required: true, content: content(types) });
const answer = (description: string, types: Record<string, TSchema>): OpenAPIV3.ResponseObject => ({ description, content: content(types) });
const SSE = { "text/event-stream": A2AStreamEvents };
const REFUSALS = {
  401: answer("Missing or wrong API key (the Penguin error envelope)", { [JSON_TYPE]: ErrorEnvelope }),
  404: answer("Unknown agent (the Penguin error envelope); an unknown task is an A2A error", { [JSON_TYPE]: ErrorEnvelope, [A2A_CONTENT_TYPE]: A2ARestError }),
  422: answer("A path or query parameter out of bounds", { [JSON_TYPE]: ErrorEnvelope }),
};
const REST_ERROR = answer("What the protocol refuses (A2A HTTP+JSON error): e.g. a malformed request, a task that cannot be cancelled", { [A2A_CONTENT_TYPE]: A2ARestError });

/** The card routes by hand: the OpenAPI generator leaves out every path with a dot (it takes them for static files). */
export const A2A_CARD_PATHS: OpenAPIV3.PathsObject = {
  "/.well-known/agent-card.json": {
    get: {
      tags: ["a2a"],
      summary: "The default agent's A2A card",
      description: "Open without a key: it names the endpoints (JSON-RPC and HTTP+JSON under /a2a/default/) and the keys they require (X-API-Key or Bearer).",
      security: [],
      responses: { 200: answer("An A2A v1.0 agent card", { [JSON_TYPE]: A2AAgentCard }) },
    },
  },
  "/a2a/{agent_id}/.well-known/agent-card.json": {
    get: {
      tags: ["a2a"],
      summary: "An agent's A2A card",
      parameters: [{ name: "agent_id", in: "path", required: true, schema: A2AAgentParams.properties.agent_id as unknown as OpenAPIV3.SchemaObject }],
      responses: { 200: answer("An A2A v1.0 agent card", { [JSON_TYPE]: A2AAgentCard }), 401: REFUSALS[401], 404: answer("Unknown agent", { [JSON_TYPE]: ErrorEnvelope }) },
    },
  },
};

export const a2aPlugin = (core: Core) => {
  const call = (agentId: string, request: Request) => {
    const viewer = callerOf(request);
    return { handler: core.a2a.handler(agentId, originOf(request), viewer), context: core.a2a.callContext(viewer, request.headers) };
  };
  const card = (agentId: string, request: Request) =>
    new Response(JSON.stringify(AgentCard.toJSON(core.a2a.card(agentId, originOf(request), callerOf(request)))), { headers: { "content-type": JSON_TYPE, "cache-control": "no-cache" } });

  return new Elysia({ name: "a2a", detail: { tags: ["a2a"] } })
    // Documented in A2A_CARD_PATHS.
    .get("/.well-known/agent-card.json", ({ request }) => card("default", request))
    .get("/a2a/:agent_id/.well-known/agent-card.json", ({ params, request }) => card(params.agent_id, request), { params: A2AAgentParams })
    .post(
      "/a2a/:agent_id/jsonrpc",
      ({ params, request, body }) => {
        const { handler, context } = call(params.agent_id, request);
        return jsonRpc(handler, context, request, body);
      },
      {
        parse: "text",
        params: A2AAgentParams,
        detail: {
          summary: "A2A JSON-RPC endpoint of an agent",
          description:
            "Methods: SendMessage (runs a turn; answers with the task once it is COMPLETED, FAILED, CANCELED or INPUT_REQUIRED), " +
            "SendStreamingMessage (the same as Server-Sent Events), GetTask, ListTasks, CancelTask, SubscribeToTask (SSE). Send `A2A-Version: 1.0`.",
          requestBody: jsonBody("A JSON-RPC 2.0 request", { [JSON_TYPE]: A2AJsonRpcRequest }),
          responses: {
            200: answer("A JSON-RPC response (A2A errors included), or Server-Sent Events of JSON-RPC responses for the streaming methods", { [JSON_TYPE]: A2AJsonRpcResponse, ...SSE }),
            401: REFUSALS[401],
            404: answer("Unknown agent", { [JSON_TYPE]: ErrorEnvelope }),
          },
        },
      },
    )
    .post(
      "/a2a/:agent_id/rest/:method",
      ({ params, request, body }) => {
        const { handler, context } = call(params.agent_id, request);
        return rest(handler, context, async () => {
          const send = sendRequestOf(request, body);
          if (params.method === "message:stream") return restStream(handler.sendMessageStream(send, context));
          const result = await handler.sendMessage(send, context);
          return restJson(SendMessageResponse.toJSON({ payload: "messageId" in result ? { $case: "message", value: result } : { $case: "task", value: result } }));
        });
      },
      {
        parse: "text",
        params: A2ARestMessageParams,
        detail: {
          summary: "A2A HTTP+JSON: send a message (message:send) or stream it (message:stream)",
          description: "SendMessage / SendStreamingMessage of the HTTP+JSON binding: the path ends in `/message:send` or `/message:stream`. Send `A2A-Version: 1.0`.",
          requestBody: jsonBody("SendMessageRequest", { [JSON_TYPE]: A2ASendMessageRequest, [A2A_CONTENT_TYPE]: A2ASendMessageRequest }),
          responses: { 200: answer("message:send → SendMessageResponse; message:stream → Server-Sent Events", { [A2A_CONTENT_TYPE]: A2ASendMessageResponse, ...SSE }), 400: REST_ERROR, ...REFUSALS },
        },
      },
    )
    .get(
      "/a2a/:agent_id/rest/tasks",
      ({ params, query, request }) => {
        const { handler, context } = call(params.agent_id, request);
        return rest(handler, context, async () => {
          const list = listRequestOf(query);
          return restJson(ListTasksResponse.toJSON(await handler.listTasks(list, context)));
        });
      },
      {
        params: A2AAgentParams,
        query: queryOf(A2AListTasksQuery),
        detail: {
          summary: "A2A HTTP+JSON: list the caller's tasks of an agent (ListTasks)",
          description: "Newest first; `nextPageToken` pages on.",
          responses: { 200: answer("ListTasksResponse: {tasks, nextPageToken, pageSize, totalSize}", { [A2A_CONTENT_TYPE]: A2AListTasksResponse }), 400: REST_ERROR, ...REFUSALS },
        },
      },
    )
    .get(
      "/a2a/:agent_id/rest/tasks/:task",
      ({ params, query, request }) => {
        const { handler, context } = call(params.agent_id, request);
        const { id, action } = taskCall(params.task);
        return rest(handler, context, async () => {
          if (action === "subscribe") return restStream(handler.resubscribe({ id, tenant: "" }, context));
          if (action) throw new AppError("METHOD_NOT_ALLOWED", `${action} is a POST`, { allowed: ["POST"] });
          return restJson(Task.toJSON(await handler.getTask({ id, tenant: "", historyLength: query.historyLength }, context)));
        });
      },
      {
        params: A2ARestTaskParams,
        query: queryOf(A2AGetTaskQuery),
        detail: {
          summary: "A2A HTTP+JSON: get a task (tasks/{id}) or follow it (tasks/{id}:subscribe, SSE)",
          description: "GetTask, or SubscribeToTask for a task that has not ended. Another user's task is not found.",
          responses: { 200: answer("A task, or Server-Sent Events for `:subscribe`", { [A2A_CONTENT_TYPE]: A2ATask, ...SSE }), 400: REST_ERROR, ...REFUSALS },
        },
      },
    )
    .post(
      "/a2a/:agent_id/rest/tasks/:task",
      ({ params, request }) => {
        const { handler, context } = call(params.agent_id, request);
        const { id, action } = taskCall(params.task);
        if (!action) throw new AppError("METHOD_NOT_ALLOWED", `POST needs tasks/${id}:cancel or tasks/${id}:subscribe`, { allowed: ["GET"] });
        return rest(handler, context, async () =>
          action === "cancel" ? restJson(Task.toJSON(await handler.cancelTask({ id, tenant: "", metadata: {} }, context))) : restStream(handler.resubscribe({ id, tenant: "" }, context)),
        );
      },
      {
        parse: "text",
        params: A2ARestTaskParams,
        detail: {
          summary: "A2A HTTP+JSON: cancel a task (tasks/{id}:cancel) or follow it (tasks/{id}:subscribe, SSE)",
          description: "CancelTask stops the turn (a task that already ended is not cancelable: 400); SubscribeToTask streams its updates.",
          responses: { 200: answer("The cancelled task, or Server-Sent Events for `:subscribe`", { [A2A_CONTENT_TYPE]: A2ATask, ...SSE }), 400: REST_ERROR, ...REFUSALS },
        },
      },
    );
};
