// Anthropic messages API (streaming) through the official SDK: text, tool_use blocks assembled from
// input_json_delta pieces, thinking blocks surfaced as `reasoning`.
import Anthropic from "@anthropic-ai/sdk";
import type { ContentBlockParam, MessageCreateParamsStreaming, MessageParam, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import type { Metrics } from "../system/metrics";
import { checkedArguments, guardedStream, measured, truncated, type CallPolicy } from "./resilience";
import type { ChatMessage, CompletionRequest, Provider, ProviderEvent } from "./types";

export interface AnthropicProviderOptions {
  apiKey: string;
  baseUrl: string;
  policy: CallPolicy;
  metrics?: Metrics;
}

/** The API requires max_tokens; this is used when neither the request nor the model entry sets one. */
const DEFAULT_MAX_TOKENS = 4096;
const MIN_THINKING_BUDGET = 1024;

export class AnthropicProvider implements Provider {
  readonly name = "anthropic";
  private readonly client: Anthropic;

  constructor(private readonly options: AnthropicProviderOptions) {
    // Retries and timeouts are ours (resilience.ts), so the SDK gets none of its own.
    this.client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseUrl, maxRetries: 0 });
  }

  stream(request: CompletionRequest): AsyncIterable<ProviderEvent> {
    return measured(this.options.metrics, this.events(request));
  }

  private async *events(request: CompletionRequest): AsyncGenerator<ProviderEvent> {
    const label = `anthropic (${request.model.model})`;
    const params = paramsFor(request);
    const events = guardedStream<RawMessageStreamEvent>(label, this.options.policy, request.signal, (signal) => this.client.messages.create(params, { signal }));

    const blocks = new Map<number, { kind: string; id: string; name: string; json: string; signature: string }>();
    let usage = { promptTokens: 0, completionTokens: 0 };
    let stopReason: string | null = null;
    let finished = false;
    for await (const event of events) {
      switch (event.type) {
        case "message_start": {
          const u = event.message.usage;
          usage = { promptTokens: (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0), completionTokens: u.output_tokens ?? 0 };
          break;
        }
        case "content_block_start": {
          const block = event.content_block;
          blocks.set(event.index, { kind: block.type, id: block.type === "tool_use" ? block.id : "", name: block.type === "tool_use" ? block.name : "", json: "", signature: "" });
          if (block.type === "text" && block.text) yield { type: "text", delta: block.text };
          if (block.type === "thinking" && block.thinking) yield { type: "reasoning", delta: block.thinking };
          break;
        }
        case "content_block_delta": {
          const delta = event.delta;
          const block = blocks.get(event.index);
          if (delta.type === "text_delta" && delta.text) yield { type: "text", delta: delta.text };
          else if (delta.type === "thinking_delta" && delta.thinking) yield { type: "reasoning", delta: delta.thinking };
          else if (delta.type === "signature_delta" && block) block.signature += delta.signature;
          else if (delta.type === "input_json_delta" && block) block.json += delta.partial_json;
          break;
        }
        case "content_block_stop": {
          const block = blocks.get(event.index);
          if (block?.kind === "tool_use") yield { type: "tool_call", call: { id: block.id, name: block.name, arguments: checkedArguments(label, block.name, block.json) } };
          if (block?.kind === "thinking" && block.signature) yield { type: "reasoning", delta: "", signature: block.signature };
          break;
        }
        case "message_delta": {
          stopReason = event.delta.stop_reason ?? stopReason;
          const u = event.usage;
          // message_delta counts are cumulative; input may be restated there.
          if (u.input_tokens != null) usage.promptTokens = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
          if (u.output_tokens != null) usage.completionTokens = u.output_tokens;
          break;
        }
        case "message_stop":
          finished = true;
          break;
      }
    }
    if (!finished) throw truncated(label);
    const finishReason = stopReason === "tool_use" ? "tool_calls" : stopReason === "end_turn" || stopReason === "stop_sequence" ? "stop" : stopReason === "max_tokens" ? "length" : "other";
    yield { type: "done", finishReason, usage };
  }
}

function paramsFor(request: CompletionRequest): MessageCreateParamsStreaming {
  const { model } = request;
  const { system, messages } = toAnthropicMessages(request.messages);
  let maxTokens = request.maxTokens ?? model.max_tokens ?? DEFAULT_MAX_TOKENS;
  const params: Record<string, unknown> = { model: model.model, messages, stream: true };
  if (system) params.system = system;
  if (request.tools?.length) {
    params.tools = request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: "object", ...t.parameters } }));
  }
  if (request.reasoning && canThink(request.messages)) {
    // Thinking shares max_tokens with the answer and must stay below it; temperature is fixed by the API.
    const budget = Math.max(MIN_THINKING_BUDGET, Math.min(16_000, Math.floor(maxTokens / 2)));
    if (maxTokens <= budget) maxTokens = budget + maxTokens;
    params.thinking = { type: "enabled", budget_tokens: budget };
  } else {
    const temperature = request.temperature ?? model.temperature;
    if (temperature !== undefined) params.temperature = Math.min(1, temperature); // Anthropic's range is 0–1
  }
  params.max_tokens = maxTokens;
  return params as unknown as MessageCreateParamsStreaming;
}

/**
 * With thinking on, the API wants every assistant tool-use message of the current turn to start with its signed
 * thinking block. When we don't have the signature (the caller didn't keep it), asking without thinking is the
 * request that still works.
 */
function canThink(messages: ChatMessage[]): boolean {
  const lastUser = messages.findLastIndex((m) => m.role === "user");
  return messages.slice(lastUser + 1).every((m) => m.role !== "assistant" || !m.toolCalls?.length || !!m.reasoningSignature);
}

/** System prompts go to `system`; tool results become user `tool_result` blocks; same-role neighbours merge. */
export function toAnthropicMessages(chat: ChatMessage[]): { system: string; messages: MessageParam[] } {
  const system: string[] = [];
  const messages: { role: "user" | "assistant"; content: ContentBlockParam[] }[] = [];
  const push = (role: "user" | "assistant", content: ContentBlockParam[]) => {
    if (!content.length) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };
  for (const m of chat) {
    switch (m.role) {
      case "system":
        if (m.content) system.push(m.content);
        break;
      case "user": {
        const parts = typeof m.content === "string" ? [{ type: "text" as const, text: m.content }] : m.content;
        push(
          "user",
          parts
            .filter((p) => p.type !== "text" || p.text.trim() !== "")
            .map((p): ContentBlockParam =>
              p.type === "text"
                ? { type: "text", text: p.text }
                : { type: "image", source: { type: "base64", media_type: p.mediaType as "image/png", data: p.base64 } },
            ),
        );
        break;
      }
      case "assistant": {
        const content: ContentBlockParam[] = [];
        if (m.reasoningSignature) content.push({ type: "thinking", thinking: m.reasoning ?? "", signature: m.reasoningSignature });
        if (m.content.trim()) content.push({ type: "text", text: m.content });
        for (const call of m.toolCalls ?? []) content.push({ type: "tool_use", id: call.id, name: call.name, input: parseInput(call.arguments) });
        push("assistant", content);
        break;
      }
      case "tool":
        push("user", [{ type: "tool_result", tool_use_id: m.toolCallId, content: m.content || "(no output)" }]);
        break;
    }
  }
  return { system: system.join("\n\n"), messages };
}

function parseInput(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text || "{}");
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}
