// The agent loop of one prepared turn: persist the user message → call the model with the tool specs → run the
// requested tool calls through the tool runtime (permissions, approvals, audit) → feed the results back → repeat
// until the model stops calling tools or max_iterations is reached. Everything is written as it happens; a cancelled
// turn keeps what was streamed, marked `interrupted`.
import { AppError } from "../kernel/errors";
import type { ChatMessage, ContentPart, ToolCall } from "../providers/types";
import { iso } from "../store/values";
import { parseToolArguments } from "../tools/runtime";
import type { ToolCallRecord, ToolContext } from "../tools/types";
import { callModel } from "./call-model";
import { Interrupted, type EngineHost, type PreparedTurn, type TurnState } from "./host";
import { ModelInput } from "./prepare";
import type { TurnUsage } from "./schema";
import type { TurnResult } from "./turn";
import { isFirstExchange, writeTitle } from "./titles";

export async function runPreparedTurn(host: EngineHost, turn: PreparedTurn, signal: AbortSignal): Promise<TurnResult> {
  const { conversations } = host;
  const state: TurnState = { texts: [], reasonings: [], actions: [], promptTokens: 0, completionTokens: 0, cost: 0, iterations: 0, lastMessageId: "", interrupted: false };
  const createdAt = new Date().toISOString();
  if (signal.aborted) {
    state.interrupted = true;
    return finish(host, turn, state, createdAt);
  }

  const metadata: Record<string, unknown> = {};
  if (turn.request.context && Object.keys(turn.request.context).length) metadata.context = turn.request.context;
  if (turn.files.length) metadata.context_files = turn.files.map((f) => f.path);
  if (turn.image) metadata.image_path = turn.image.path;
  if (turn.image?.name) metadata.image_name = turn.image.name;
  // One commit for a new conversation and its first message.
  const userRow = conversations.atomically(() => {
    if (!conversations.find(turn.conversationId)) conversations.create({ id: turn.conversationId, sessionId: turn.sessionId, agentId: turn.agentId, owner: turn.request.viewer?.user });
    return conversations.append(turn.conversationId, { role: "user", content: turn.text, agentId: turn.agentId, channel: turn.request.channel, metadata });
  });
  state.lastMessageId = userRow.id;

  try {
    const input = new ModelInput(host, turn, userRow, state);
    for (let iteration = 1; iteration <= turn.maxIterations; iteration++) {
      state.iterations = iteration;
      turn.emit({ event: "progress", data: { iteration, max_iterations: turn.maxIterations } });
      const answer = await callModel(host, turn, await input.messages(signal), state, signal);
      input.current.push({
        role: "assistant",
        content: answer.content,
        ...(answer.calls.length ? { toolCalls: answer.calls } : {}),
        ...(answer.reasoning ? { reasoning: answer.reasoning } : {}),
        ...(answer.signature ? { reasoningSignature: answer.signature } : {}),
      });
      if (answer.calls.length === 0) break;
      await runTools(host, turn, answer.calls, input.current, state, signal);
      if (signal.aborted) throw new Interrupted();
    }
  } catch (error) {
    // A conversation deleted under a cancelled turn has nowhere left to write: that is an interruption too.
    const deleted = signal.aborted && error instanceof AppError && error.errorCode === "NOT_FOUND";
    if (!(error instanceof Interrupted) && !deleted) throw error;
    state.interrupted = true;
  }
  return finish(host, turn, state, createdAt);
}

function finish(host: EngineHost, turn: PreparedTurn, state: TurnState, createdAt: string): TurnResult {
  const usage: TurnUsage = {
    prompt_tokens: state.promptTokens,
    completion_tokens: state.completionTokens,
    total_tokens: state.promptTokens + state.completionTokens,
    cost_usd: Math.round(state.cost * 1e8) / 1e8,
  };
  const response = state.texts.filter(Boolean).join("\n\n");
  const reasoning = state.reasonings.filter(Boolean).join("\n\n");
  host.log.debug("turn finished", { turn_id: turn.id, iterations: state.iterations, tools: state.actions.length, ...usage, interrupted: state.interrupted });
  // After the first exchange the model names the conversation, in the background.
  if (host.config.engine.autoTitle && !state.interrupted && response.trim() && isFirstExchange(turn)) void writeTitle(host, turn, response);
  turn.emit({
    event: "complete",
    data: {
      response,
      action_results: state.actions,
      reasoning: turn.request.includeReasoning ? reasoning : "",
      conversation_id: turn.conversationId,
      usage,
      ...(state.interrupted ? { interrupted: true } : {}),
      ...(state.contextNote ? { context_note: state.contextNote } : {}),
      ...(state.memoriesUsed?.length ? { memories_used: state.memoriesUsed } : {}),
    },
  });
  return {
    turnId: turn.id,
    conversationId: turn.conversationId,
    sessionId: turn.sessionId,
    messageId: state.lastMessageId,
    response,
    reasoning,
    actionResults: state.actions,
    usage,
    iterations: state.iterations,
    model: turn.model.id,
    interrupted: state.interrupted,
    contextNote: state.contextNote,
    memoriesUsed: state.memoriesUsed,
    createdAt,
  };
}

async function runTools(host: EngineHost, turn: PreparedTurn, calls: ToolCall[], current: ChatMessage[], state: TurnState, signal: AbortSignal): Promise<void> {
  const images: ContentPart[] = [];
  const ctx: ToolContext = { root: turn.root, sessionId: turn.sessionId, conversationId: turn.conversationId, agentId: turn.agentId, signal, turnId: turn.id, owner: turn.request.viewer?.user, viewer: turn.request.viewer, restricted: turn.request.restricted };
  for (const call of calls) {
    // Calls the turn never got to are left without a result; history repair gives them a placeholder.
    if (signal.aborted) break;
    // Parsed once: the runtime reads the same parse when it validates the call.
    const args = parseToolArguments(call).shown;
    turn.emit({ event: "tool_start", data: { id: call.id, name: call.name, arguments: args } });
    const extra = turn.extraTools.get(call.name);
    const record = await host.tools.execute(call, ctx, extra ? { extraTools: [extra] } : undefined);
    recordToolResult(host, turn, call, args, record, current, state);
    if (record.images?.length && host.models.visionEnabled(turn.model)) {
      for (const image of record.images) images.push({ type: "image", mediaType: image.mediaType, base64: image.base64 });
    }
  }
  // Images a tool returned (e.g. reading a picture) reach a vision model as a user message after the results.
  if (images.length) current.push({ role: "user", content: [{ type: "text", text: "Image(s) returned by the tool calls above:" }, ...images] });
}

function recordToolResult(
  host: EngineHost,
  turn: PreparedTurn,
  call: ToolCall,
  args: Record<string, unknown>,
  record: Pick<ToolCallRecord, "status" | "output" | "duration_ms" | "started_at"> & { data?: Record<string, unknown> },
  current: ChatMessage[],
  state: TurnState,
): void {
  host.log.debug("tool call", { turn_id: turn.id, tool: call.name, status: record.status, ms: record.duration_ms });
  const row = host.conversations.append(turn.conversationId, {
    role: "tool",
    content: record.output,
    toolCallId: call.id,
    name: call.name,
    agentId: turn.agentId,
    channel: turn.request.channel,
    messageType: "tool_result",
    metadata: { turn_id: turn.id, status: record.status, duration_ms: record.duration_ms, ...(record.data ? { data: record.data } : {}) },
  });
  state.lastMessageId = row.id;
  current.push({ role: "tool", toolCallId: call.id, name: call.name, content: record.output });
  state.actions.push({
    action: call.name,
    result: record.output,
    status: record.status,
    id: call.id,
    arguments: args,
    started_at: iso(record.started_at),
    duration_ms: record.duration_ms,
  });
  turn.emit({ event: "tool_result", data: { id: call.id, name: call.name, status: record.status, result: record.output, duration_ms: record.duration_ms } });
}
