// The provider seam: the engine speaks only these types; adapters translate to and from each wire format
// (OpenAI chat completions, Anthropic messages) through the official SDKs.
import type { ModelEntry } from "../../config";

export interface ToolCall {
  /** Provider-issued call id (tool_call id / tool_use id). */
  id: string;
  name: string;
  /** JSON text of the arguments exactly as the model produced it. */
  arguments: string;
}

export type ContentPart = { type: "text"; text: string } | { type: "image"; mediaType: string; base64: string };

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | ContentPart[] }
  | {
      role: "assistant";
      content: string;
      toolCalls?: ToolCall[];
      reasoning?: string;
      /** Anthropic thinking signature (from a `reasoning` event's `signature`); lets thinking continue across a tool loop. */
      reasoningSignature?: string;
    }
  | { role: "tool"; toolCallId: string; name: string; content: string };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments (a TypeBox schema is one). */
  parameters: Record<string, unknown>;
}

export interface CompletionRequest {
  model: ModelEntry;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for reasoning/thinking where the model supports it. */
  reasoning?: boolean;
  signal?: AbortSignal;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** What a streaming completion yields, in order. Exactly one `done` ends a successful stream. */
export type ProviderEvent =
  | { type: "text"; delta: string }
  /** `signature` (Anthropic) arrives once per thinking block, with an empty delta; keep it on the assistant message. */
  | { type: "reasoning"; delta: string; signature?: string }
  | { type: "tool_call"; call: ToolCall }
  | { type: "done"; finishReason: "stop" | "tool_calls" | "length" | "other"; usage: Usage };

export interface Provider {
  readonly name: string;
  /** Streams one completion. Throws ProviderError on failure (after the adapter's own retries). */
  stream(request: CompletionRequest): AsyncIterable<ProviderEvent>;
}

/** What went wrong, for callers that react differently (e.g. a cancelled turn is not an upstream failure). */
export type ProviderFailure = "http" | "network" | "connect_timeout" | "idle_timeout" | "truncated" | "invalid_tool_json" | "cancelled" | "other";

/** An upstream failure, already classified; the engine turns it into UPSTREAM_ERROR / an `error` event. */
export class ProviderError extends Error {
  override name = "ProviderError";
  constructor(
    message: string,
    readonly status?: number,
    readonly retryable = false,
    readonly kind: ProviderFailure = "other",
  ) {
    super(message);
  }
}
