// A2A shapes declared once (TypeBox): the route parameters and queries plugins/a2a.ts validates, and the wire objects
// it documents. The wire objects themselves are the official SDK's (@a2a-js/sdk, protocol v1.0, ProtoJSON); these
// schemas describe them for the OpenAPI document and are never used to reshape what the SDK reads or writes.
import { Type as T } from "@sinclair/typebox";
import { Id } from "../kernel/shapes";

export const A2AAgentParams = T.Object({ agent_id: T.String({ ...Id, description: "An agent id (`default`, or one from GET /api/v1/agents)" }) });

/** HTTP+JSON binding: `POST /message:send` and `POST /message:stream`, below the agent's REST base. */
export const A2ARestMessageParams = T.Object({
  agent_id: A2AAgentParams.properties.agent_id,
  method: T.Union([T.Literal("message:send"), T.Literal("message:stream")], { description: "`message:send` (SendMessage) or `message:stream` (SendStreamingMessage, SSE)" }),
});

/** HTTP+JSON binding: `/tasks/{id}`, `/tasks/{id}:cancel`, `/tasks/{id}:subscribe` share one path segment. */
export const A2ARestTaskParams = T.Object({
  agent_id: A2AAgentParams.properties.agent_id,
  task: T.String({
    minLength: 1,
    maxLength: 220,
    description: "`{task_id}` (GET: GetTask), `{task_id}:cancel` (POST: CancelTask) or `{task_id}:subscribe` (GET or POST: SubscribeToTask, SSE)",
  }),
});

export const A2AGetTaskQuery = T.Object({
  historyLength: T.Optional(T.Integer({ minimum: 0, maximum: 1000, description: "At most this many of the latest history messages (0: none)" })),
});

export const A2AListTasksQuery = T.Object({
  contextId: T.Optional(T.String({ maxLength: 200, description: "Only the tasks of this context (a Penguin conversation id)" })),
  status: T.Optional(T.String({ maxLength: 40, description: "Only tasks in this state, e.g. TASK_STATE_COMPLETED" })),
  pageSize: T.Optional(T.Integer({ minimum: 1, maximum: 100, description: "Tasks per page (default 50)" })),
  pageToken: T.Optional(T.String({ maxLength: 40, description: "nextPageToken of the previous page" })),
  historyLength: T.Optional(T.Integer({ minimum: 0, maximum: 1000 })),
  statusTimestampAfter: T.Optional(T.String({ maxLength: 40, description: "ISO 8601: only tasks whose status changed after this" })),
  includeArtifacts: T.Optional(T.Boolean()),
});

// ---- Wire objects, for the OpenAPI document (ProtoJSON of A2A v1.0; unlisted fields are allowed) ----

const Open = { additionalProperties: true } as const;

export const A2APart = T.Object(
  {
    text: T.Optional(T.String()),
    data: T.Optional(T.Unknown({ description: "Any JSON value (given to the agent as a JSON block)" })),
    mediaType: T.Optional(T.String()),
    metadata: T.Optional(T.Record(T.String(), T.Unknown())),
  },
  { ...Open, description: "A text or data part; file parts (url/raw) are refused" },
);

export const A2AMessage = T.Object(
  {
    messageId: T.String(),
    role: T.Union([T.Literal("ROLE_USER"), T.Literal("ROLE_AGENT")]),
    parts: T.Array(A2APart),
    contextId: T.Optional(T.String({ description: "The Penguin conversation this message continues (new when omitted)" })),
    taskId: T.Optional(T.String()),
    metadata: T.Optional(T.Record(T.String(), T.Unknown())),
  },
  Open,
);

export const A2ATaskState = T.Union(
  ["TASK_STATE_SUBMITTED", "TASK_STATE_WORKING", "TASK_STATE_INPUT_REQUIRED", "TASK_STATE_COMPLETED", "TASK_STATE_FAILED", "TASK_STATE_CANCELED"].map((s) => T.Literal(s)),
  { description: "INPUT_REQUIRED: a tool call waits for a human approval (answer it with POST /api/v1/approvals/{id}/approve or /deny)" },
);

export const A2ATask = T.Object(
  {
    id: T.String({ description: "The task id, which is also the id of the Penguin turn that runs it" }),
    contextId: T.String({ description: "The Penguin conversation id" }),
    status: T.Object({ state: A2ATaskState, message: T.Optional(A2AMessage), timestamp: T.Optional(T.String()) }, Open),
    artifacts: T.Optional(T.Array(T.Object({ artifactId: T.String(), name: T.Optional(T.String()), parts: T.Array(A2APart) }, Open))),
    history: T.Optional(T.Array(A2AMessage)),
    metadata: T.Optional(T.Record(T.String(), T.Unknown())),
  },
  { ...Open, description: "An A2A task: one turn of a Penguin conversation" },
);

export const A2ASendMessageRequest = T.Object(
  {
    message: A2AMessage,
    configuration: T.Optional(T.Object({ returnImmediately: T.Optional(T.Boolean()), historyLength: T.Optional(T.Integer()) }, Open)),
    metadata: T.Optional(T.Record(T.String(), T.Unknown())),
  },
  Open,
);

export const A2ASendMessageResponse = T.Object({ task: T.Optional(A2ATask), message: T.Optional(A2AMessage) }, { description: "SendMessageResponse: `task` (Penguin always answers with a task)" });

export const A2AListTasksResponse = T.Object(
  { tasks: T.Array(A2ATask), nextPageToken: T.String(), pageSize: T.Integer(), totalSize: T.Integer() },
  { ...Open, description: "ListTasksResponse (artifacts only with includeArtifacts=true)" },
);

export const A2AStreamEvents = T.String({
  description:
    "Server-Sent Events, one `data:` line per StreamResponse ({task} first, then {statusUpdate} and {artifactUpdate}; the answer streams as " +
    "appended chunks of the `response` artifact); the stream ends after a final state or INPUT_REQUIRED. Comment lines are heartbeats.",
});

export const A2AJsonRpcRequest = T.Object(
  {
    jsonrpc: T.Literal("2.0"),
    id: T.Union([T.String(), T.Integer(), T.Null()]),
    method: T.String({ description: "SendMessage, SendStreamingMessage (SSE), GetTask, ListTasks, CancelTask or SubscribeToTask (SSE)" }),
    params: T.Optional(T.Record(T.String(), T.Unknown(), { description: "The method's request object, e.g. SendMessageRequest {message, configuration}" })),
  },
  Open,
);

export const A2AJsonRpcResponse = T.Object(
  {
    jsonrpc: T.Literal("2.0"),
    id: T.Union([T.String(), T.Integer(), T.Null()]),
    result: T.Optional(T.Unknown({ description: "SendMessage: {task}; GetTask / CancelTask: a task; ListTasks: {tasks, nextPageToken, pageSize, totalSize}" })),
    error: T.Optional(T.Object({ code: T.Integer(), message: T.String(), data: T.Optional(T.Unknown()) }, Open)),
  },
  { ...Open, description: "A JSON-RPC response (A2A errors travel with HTTP 200, as JSON-RPC prescribes)" },
);

export const A2ARestError = T.Object(
  { error: T.Object({ code: T.Integer(), status: T.String(), message: T.String(), details: T.Optional(T.Array(T.Unknown())) }, Open) },
  { description: "An A2A HTTP+JSON error (google.rpc.Status)" },
);

export const A2AAgentCard = T.Object(
  {
    name: T.String(),
    description: T.String(),
    version: T.String(),
    supportedInterfaces: T.Array(T.Object({ url: T.String(), protocolBinding: T.String(), protocolVersion: T.String() }, Open)),
    capabilities: T.Object({ streaming: T.Optional(T.Boolean()), pushNotifications: T.Optional(T.Boolean()) }, Open),
    securitySchemes: T.Optional(T.Record(T.String(), T.Unknown(), { description: "apiKey (X-API-Key header) and bearer: the server's API keys" })),
    securityRequirements: T.Optional(T.Array(T.Unknown())),
    defaultInputModes: T.Array(T.String()),
    defaultOutputModes: T.Array(T.String()),
    skills: T.Array(T.Object({ id: T.String(), name: T.String(), description: T.String() }, Open)),
  },
  { ...Open, description: "An A2A v1.0 agent card (ProtoJSON)" },
);
