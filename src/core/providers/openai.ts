// OpenAI chat completions (streaming) through the official SDK: OpenAI itself and every server that speaks the same
// wire format by base URL (OpenRouter, Ollama, llama.cpp, vLLM, LM Studio).
import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { Metrics } from "../system/metrics";
import { checkedArguments, guardedStream, measured, truncated, type CallPolicy } from "./resilience";
import type { ChatMessage, CompletionRequest, Provider, ProviderEvent, ToolSpec } from "./types";

export interface OpenAIProviderOptions {
  /** Shown in errors and metrics: "openai", "openrouter", "openai-compatible". */
  name: string;
  apiKey: string;
  baseUrl: string;
  policy: CallPolicy;
  metrics?: Metrics;
  headers?: Record<string, string>;
  /** OpenAI proper wants max_completion_tokens; compatible servers know max_tokens. */
  maxTokensField: "max_tokens" | "max_completion_tokens";
  /** How to ask this server for reasoning, when the request wants it. */
  reasoningParams?: (request: CompletionRequest) => Record<string, unknown> | undefined;
}

export class OpenAIProvider implements Provider {
  readonly name: string;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAIProviderOptions) {
    this.name = options.name;
    // Retries and timeouts are ours (resilience.ts), so the SDK gets none of its own.
    this.client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseUrl, maxRetries: 0, defaultHeaders: options.headers });
  }

  stream(request: CompletionRequest): AsyncIterable<ProviderEvent> {
    return measured(this.options.metrics, this.events(request));
  }

  private async *events(request: CompletionRequest): AsyncGenerator<ProviderEvent> {
    const label = `${this.name} (${request.model.model})`;
    const params = this.paramsFor(request);
    const chunks = guardedStream<ChatCompletionChunk>(label, this.options.policy, request.signal, (signal) =>
      this.client.chat.completions.create(params, { signal }),
    );

    // Tool calls arrive as deltas keyed by index: the first carries id and name, the rest argument fragments.
    const calls = new Map<number, { id: string; name: string; args: string }>();
    let finish: string | null = null;
    let usage = { promptTokens: 0, completionTokens: 0 };
    for await (const chunk of chunks) {
      if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const delta = (choice.delta ?? {}) as ChatCompletionChunk.Choice.Delta & { reasoning_content?: string | null; reasoning?: string | null };
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === "string" && reasoning) yield { type: "reasoning", delta: reasoning };
      if (typeof delta.content === "string" && delta.content) yield { type: "text", delta: delta.content };
      delta.tool_calls?.forEach((piece, position) => {
        const index = piece.index ?? position;
        let slot = calls.get(index);
        if (!slot) calls.set(index, (slot = { id: "", name: "", args: "" }));
        if (piece.id) slot.id = piece.id;
        if (piece.function?.name && !slot.name) slot.name = piece.function.name;
        if (piece.function?.arguments) slot.args += piece.function.arguments;
      });
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    if (!finish) throw truncated(label);

    for (const [index, call] of [...calls].sort((a, b) => a[0] - b[0])) {
      yield {
        type: "tool_call",
        call: { id: call.id || `call_${index}_${crypto.randomUUID().slice(0, 8)}`, name: call.name, arguments: checkedArguments(label, call.name || "(unnamed)", call.args) },
      };
    }
    // Some compatible servers say "stop" even when they called tools.
    const finishReason = calls.size ? "tool_calls" : finish === "stop" ? "stop" : finish === "length" ? "length" : finish === "tool_calls" ? "tool_calls" : "other";
    yield { type: "done", finishReason, usage };
  }

  private paramsFor(request: CompletionRequest): ChatCompletionCreateParamsStreaming {
    const { model } = request;
    const params: Record<string, unknown> = {
      model: model.model,
      messages: toOpenAIMessages(request.messages),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.tools?.length) params.tools = request.tools.map(toOpenAITool);
    const temperature = request.temperature ?? model.temperature;
    if (temperature !== undefined) params.temperature = temperature;
    const maxTokens = request.maxTokens ?? model.max_tokens;
    if (maxTokens !== undefined) params[this.options.maxTokensField] = maxTokens;
    if (request.reasoning) Object.assign(params, this.options.reasoningParams?.(request));
    return params as unknown as ChatCompletionCreateParamsStreaming;
  }
}

function toOpenAITool(tool: ToolSpec) {
  return { type: "function" as const, function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}

export function toOpenAIMessages(messages: ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    switch (m.role) {
      case "system":
        return { role: "system", content: m.content };
      case "user":
        if (typeof m.content === "string") return { role: "user", content: m.content };
        return {
          role: "user",
          content: m.content.map((part) =>
            part.type === "text" ? { type: "text" as const, text: part.text } : { type: "image_url" as const, image_url: { url: `data:${part.mediaType};base64,${part.base64}` } },
          ),
        };
      case "assistant":
        return {
          role: "assistant",
          content: m.content || (m.toolCalls?.length ? null : ""),
          ...(m.toolCalls?.length ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) } : {}),
        };
      case "tool":
        return { role: "tool", tool_call_id: m.toolCallId, content: m.content };
    }
  });
}
