// The OpenAI API's shapes as this server speaks them, declared once (TypeBox): GET /v1/models, POST /v1/chat/completions
// (request, JSON response, stream chunks) and the error object the OpenAI SDKs read. Requests are lenient the way
// OpenAI's are about fields this server does not use (they are accepted and ignored); what it cannot honour is
// refused by name. Each response carries a `penguin` extension: what the server's own tools did during it.
import { Type as T, type Static } from "@sinclair/typebox";
import { Nullable } from "../kernel/shapes";

// ── requests ────────────────────────────────────────────────────────────────────────────────────────────────

const TextPart = T.Object({ type: T.Literal("text"), text: T.String() }, { additionalProperties: true });
/** Other parts (image_url, input_audio, file) are refused with a message that says so. */
const OtherPart = T.Object({ type: T.String() }, { additionalProperties: true });
export const MessageContent = Nullable(T.Union([T.String(), T.Array(T.Union([TextPart, OtherPart]))]));

export const ToolCall = T.Object({
  id: T.String({ minLength: 1, maxLength: 200 }),
  type: T.Literal("function"),
  function: T.Object({ name: T.String(), arguments: T.String({ description: "JSON text, as the model wrote it" }) }),
});
export type ToolCall = Static<typeof ToolCall>;

export const ChatMessage = T.Object(
  {
    role: T.Union([T.Literal("system"), T.Literal("developer"), T.Literal("user"), T.Literal("assistant"), T.Literal("tool")]),
    content: T.Optional(MessageContent),
    name: T.Optional(T.String()),
    tool_calls: T.Optional(T.Array(ToolCall)),
    tool_call_id: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: true },
);
export type ChatMessage = Static<typeof ChatMessage>;

export const FunctionTool = T.Object(
  {
    type: T.Literal("function"),
    function: T.Object(
      {
        name: T.String({ pattern: "^[a-zA-Z0-9_-]{1,64}$", description: "Letters, digits, _ and -, at most 64" }),
        description: T.Optional(T.String()),
        parameters: T.Optional(T.Record(T.String(), T.Unknown(), { description: "JSON Schema of the arguments" })),
        strict: T.Optional(Nullable(T.Boolean())),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);
export type FunctionTool = Static<typeof FunctionTool>;

export const ChatCompletionRequest = T.Object(
  {
    model: T.String({ minLength: 1, maxLength: 300, description: "`default`, an agent id, or a configured model id (GET /v1/models)" }),
    messages: T.Array(ChatMessage, { minItems: 1, maxItems: 10_000 }),
    stream: T.Optional(Nullable(T.Boolean())),
    stream_options: T.Optional(Nullable(T.Object({ include_usage: T.Optional(T.Boolean()) }, { additionalProperties: true }))),
    tools: T.Optional(Nullable(T.Array(FunctionTool, { maxItems: 128 }))),
    tool_choice: T.Optional(Nullable(T.Unknown({ description: '"none" offers the model none of the request\'s tools; other values are accepted and ignored' }))),
    temperature: T.Optional(Nullable(T.Number({ minimum: 0, maximum: 2 }))),
    max_tokens: T.Optional(Nullable(T.Integer({ minimum: 1, maximum: 1_000_000 }))),
    max_completion_tokens: T.Optional(Nullable(T.Integer({ minimum: 1, maximum: 1_000_000 }))),
    n: T.Optional(Nullable(T.Integer({ minimum: 1, maximum: 1, description: "Only 1" }))),
  },
  { additionalProperties: true },
);
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;

// ── responses ───────────────────────────────────────────────────────────────────────────────────────────────

export const FinishReason = T.Union([T.Literal("stop"), T.Literal("length"), T.Literal("tool_calls")]);
export type FinishReason = Static<typeof FinishReason>;

export const Usage = T.Object({ prompt_tokens: T.Integer(), completion_tokens: T.Integer(), total_tokens: T.Integer() });
export type Usage = Static<typeof Usage>;

/** What the server's own tools did while this response was produced (client tools are in `tool_calls`). */
export const ToolActivity = T.Object({
  id: T.String(),
  name: T.String(),
  arguments: T.Record(T.String(), T.Unknown()),
  status: T.Union([T.Literal("completed"), T.Literal("error"), T.Literal("denied")]),
  duration_ms: T.Number(),
  /** The start of what the tool returned to the model. */
  result_preview: T.String(),
});
export type ToolActivity = Static<typeof ToolActivity>;

export const PenguinExtension = T.Object(
  {
    conversation_id: T.String({ description: "Send it as X-Penguin-Conversation-Id to continue this conversation" }),
    turn_id: T.String(),
    agent_id: T.String(),
    tool_activity: T.Array(ToolActivity),
    /** Approval requests raised meanwhile (answer them at /api/v1/approvals/{id}). */
    approvals: T.Array(T.Object({ request_id: T.String(), tool_name: T.String(), operation: T.String(), resource: T.String() })),
    interrupted: T.Optional(T.Boolean()),
    context_note: T.Optional(T.String()),
  },
  { description: "Penguin's extension: what the agent did on the server while answering" },
);
export type PenguinExtension = Static<typeof PenguinExtension>;

export const ChatCompletion = T.Object({
  id: T.String(),
  object: T.Literal("chat.completion"),
  created: T.Integer(),
  model: T.String(),
  system_fingerprint: T.Null(),
  choices: T.Array(
    T.Object({
      index: T.Integer(),
      message: T.Object({
        role: T.Literal("assistant"),
        content: Nullable(T.String()),
        refusal: T.Null(),
        tool_calls: T.Optional(T.Array(ToolCall)),
      }),
      logprobs: T.Null(),
      finish_reason: FinishReason,
    }),
  ),
  usage: Usage,
  penguin: PenguinExtension,
});
export type ChatCompletion = Static<typeof ChatCompletion>;

export const ChunkToolCall = T.Object({ index: T.Integer(), id: T.String(), type: T.Literal("function"), function: T.Object({ name: T.String(), arguments: T.String() }) });

export const ChatCompletionChunk = T.Object({
  id: T.String(),
  object: T.Literal("chat.completion.chunk"),
  created: T.Integer(),
  model: T.String(),
  system_fingerprint: T.Null(),
  choices: T.Array(
    T.Object({
      index: T.Integer(),
      delta: T.Object({ role: T.Optional(T.Literal("assistant")), content: T.Optional(T.String()), tool_calls: T.Optional(T.Array(ChunkToolCall)) }),
      logprobs: T.Null(),
      finish_reason: Nullable(FinishReason),
    }),
  ),
  usage: T.Optional(Nullable(Usage)),
  penguin: T.Optional(PenguinExtension),
});
export type ChatCompletionChunk = Static<typeof ChatCompletionChunk>;

export const Model = T.Object({
  id: T.String(),
  object: T.Literal("model"),
  created: T.Integer({ description: "Unix seconds (when this server started)" }),
  owned_by: T.String({ description: "`penguin` for agents, the provider for a configured model" }),
  penguin: T.Object({ kind: T.Union([T.Literal("agent"), T.Literal("model")]), agent_id: T.String(), model: Nullable(T.String()) }),
});
export type Model = Static<typeof Model>;

export const ModelList = T.Object({ object: T.Literal("list"), data: T.Array(Model) });

export const ModelParams = T.Object({ model: T.String({ minLength: 1, maxLength: 300 }) });

/** The error object the OpenAI SDKs read (`error.message`, `error.type`, `error.code`), with the HTTP status. */
export const OpenAiError = T.Object({
  error: T.Object({ message: T.String(), type: T.String(), param: Nullable(T.String()), code: Nullable(T.String()) }),
});
export type OpenAiError = Static<typeof OpenAiError>;

/** The response header that names the conversation a completion ran in (and, sent, continues one). */
export const CONVERSATION_HEADER = "x-penguin-conversation-id";
