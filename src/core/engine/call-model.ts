// One model call of a turn: streams the answer out (tokens and reasoning, coalesced, published on the bus) and into the
// database as it arrives, collects the tool calls, and settles the assistant message as complete, interrupted or
// error. Retries and backoff live in the providers; a failure here ends the turn.
import { AppError, type ErrorGuidance } from "../kernel/errors";
import type { MessageRow } from "../conversation/conversations";
import { ProviderError, type ChatMessage, type ProviderEvent, type ToolCall } from "../providers/types";
import { TokenCoalescer } from "./coalescer";
import { Interrupted, type EngineHost, type PreparedTurn, type TurnState } from "./host";

/** How often a streaming answer nobody watches live is written to the database. */
const STREAM_PERSIST_MS = 250;

export interface ModelAnswer {
  content: string;
  reasoning: string;
  signature?: string;
  calls: ToolCall[];
}

/** One model call: streams into the bus and the database; returns the answer or throws (Interrupted when cancelled). */
export async function callModel(host: EngineHost, turn: PreparedTurn, messages: ChatMessage[], state: TurnState, signal: AbortSignal): Promise<ModelAnswer> {
  const { conversations } = host;
  let row: MessageRow | undefined;
  let content = "";
  let reasoning = "";
  let flushedContent = "";
  let flushedReasoning = "";
  let signature: string | undefined;
  const calls: ToolCall[] = [];
  let done: Extract<ProviderEvent, { type: "done" }> | undefined;
  // Later iterations' text is separated from earlier text so that the streamed tokens add up to `response`.
  const separate = state.texts.some(Boolean);
  let separated = false;

  const ensureRow = () =>
    (row ??= conversations.append(turn.conversationId, {
      role: "assistant",
      status: "streaming",
      agentId: turn.agentId,
      channel: turn.request.channel,
      model: turn.model.id,
      content: flushedContent,
      reasoning: flushedReasoning || null,
    }));
  // Watched live (WS, SSE), every batch is written before it is published: whatever a client has seen is on disk.
  // Otherwise (a REST caller sees only the final answer) the partial message is written at most every
  // STREAM_PERSIST_MS, which keeps crash recovery close to the stream without a commit per batch.
  const live = turn.request.live === true;
  let persistedAt = 0;
  const coalescer = new TokenCoalescer((text, thought) => {
    flushedContent += text;
    flushedReasoning += thought;
    if (!row) {
      ensureRow();
      persistedAt = performance.now();
    } else if (live || performance.now() - persistedAt >= STREAM_PERSIST_MS) {
      conversations.writeStreamed(row.id, flushedContent, flushedReasoning || null);
      persistedAt = performance.now();
    }
    if (thought && turn.request.includeReasoning) turn.emit({ event: "reasoning", data: { token: thought } });
    if (text) {
      const prefix = separate && !separated ? "\n\n" : "";
      separated = true;
      turn.emit({ event: "token", data: { token: prefix + text } });
    }
  });

  const settle = (status: "complete" | "interrupted" | "error") => {
    coalescer.dispose();
    if (!row && status === "complete") row = ensureRow();
    if (!row) return;
    const usage = done?.usage ?? { promptTokens: 0, completionTokens: 0 };
    const cost = host.models.costOf(turn.model, usage);
    conversations.finish(row.id, turn.conversationId, {
      content,
      reasoning: reasoning || null,
      toolCalls: calls.length ? calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })) : null,
      status,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: cost,
      metadata: { turn_id: turn.id, ...(done ? { finish_reason: done.finishReason } : {}), ...(signature ? { reasoning_signature: signature } : {}), ...(state.memoriesUsed?.length ? { memories_used: state.memoriesUsed } : {}) },
    });
    state.promptTokens += usage.promptTokens;
    state.completionTokens += usage.completionTokens;
    state.cost += cost;
    state.lastMessageId = row.id;
    state.texts.push(content);
    state.reasonings.push(reasoning);
  };

  try {
    const stream = turn.provider.stream({
      model: turn.model,
      messages,
      tools: turn.tools.length ? turn.tools : undefined,
      temperature: turn.request.temperature ?? turn.model.temperature,
      maxTokens: turn.request.maxTokens ?? turn.model.max_tokens,
      reasoning: turn.model.reasoning === true,
      signal,
    });
    for await (const event of stream) {
      if (signal.aborted) break;
      switch (event.type) {
        case "text":
          content += event.delta;
          coalescer.pushText(event.delta);
          break;
        case "reasoning":
          reasoning += event.delta;
          if (event.signature) signature = event.signature;
          coalescer.pushReasoning(event.delta);
          break;
        case "tool_call":
          coalescer.flush();
          ensureRow();
          calls.push(event.call);
          break;
        case "done":
          coalescer.flush();
          done = event;
          break;
      }
    }
  } catch (error) {
    coalescer.flush();
    if (signal.aborted || (error instanceof ProviderError && error.kind === "cancelled")) {
      settle("interrupted");
      throw new Interrupted();
    }
    settle("error");
    if (error instanceof AppError) throw error;
    const message = error instanceof ProviderError ? error.message : `model call failed: ${(error as Error)?.message ?? String(error)}`;
    throw new AppError(
      "UPSTREAM_ERROR",
      message,
      { model: turn.model.id, ...(error instanceof ProviderError ? { kind: error.kind, ...(error.status !== undefined ? { status: error.status } : {}) } : {}) },
      error instanceof ProviderError ? providerGuidance(error) : {},
    );
  }
  coalescer.flush();
  if (signal.aborted) {
    settle("interrupted");
    throw new Interrupted();
  }
  if (!done) {
    settle("error");
    throw new AppError("UPSTREAM_ERROR", "the model's answer ended before it was complete (the stream was cut off); what arrived is kept in the conversation", {
      model: turn.model.id,
      kind: "truncated",
    });
  }
  settle("complete");
  return { content, reasoning, signature, calls };
}

/** Whether trying again can help: a refused key or an unknown model fails the same way until the configuration
 *  changes. Other failures may pass on another try (a provider's 400 is sometimes about the moment, e.g. load). */
function providerGuidance(error: ProviderError): ErrorGuidance {
  if (error.status === 401 || error.status === 403 || error.status === 404) return { recoverable: false, suggestedAction: "configure_provider" };
  return { recoverable: true, suggestedAction: "retry_later" };
}
