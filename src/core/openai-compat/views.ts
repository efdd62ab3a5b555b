// A Segment as the OpenAI API shows it: one chat.completion object (JSON), or the chat.completion.chunk objects of a
// stream. Usage goes on the chunk that ends the choice; with stream_options.include_usage it comes, as OpenAI sends
// it, in a chunk of its own with no choices.
import type { ChatCompletion, ChatCompletionChunk } from "./schema";
import type { Segment, SegmentEnd } from "./segment";

export function toCompletionView(model: string, segment: Segment, end: SegmentEnd): ChatCompletion {
  return {
    id: segment.id,
    object: "chat.completion",
    created: segment.created,
    model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          // OpenAI sends null content beside tool calls when the model wrote no text
          content: end.toolCalls.length && !end.content ? null : end.content,
          refusal: null,
          ...(end.toolCalls.length ? { tool_calls: end.toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: end.finishReason,
      },
    ],
    usage: end.usage,
    penguin: end.penguin,
  };
}

/** Builds the chunks of one streamed Segment. */
export class ChunkViews {
  constructor(
    private readonly model: string,
    private readonly segment: Segment,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(delta: ChatCompletionChunk["choices"][number]["delta"], finishReason: ChatCompletionChunk["choices"][number]["finish_reason"] = null): ChatCompletionChunk {
    return {
      id: this.segment.id,
      object: "chat.completion.chunk",
      created: this.segment.created,
      model: this.model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
  }

  first(): ChatCompletionChunk {
    return this.chunk({ role: "assistant", content: "" });
  }

  text(text: string): ChatCompletionChunk {
    return this.chunk({ content: text });
  }

  /** The chunks that end the stream's choice (before `data: [DONE]`). */
  last(end: SegmentEnd): ChatCompletionChunk[] {
    const chunks: ChatCompletionChunk[] = [];
    if (end.toolCalls.length) chunks.push(this.chunk({ tool_calls: end.toolCalls.map((call, index) => ({ index, ...call })) }));
    chunks.push({ ...this.chunk({}, end.finishReason), usage: this.includeUsage ? null : end.usage, penguin: end.penguin });
    if (this.includeUsage) chunks.push({ ...this.chunk({}), choices: [], usage: end.usage });
    return chunks;
  }
}
