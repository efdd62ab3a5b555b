// The OpenAI API over the agents: a chat completion is a turn of the agent the `model` names. The last user message is
// the turn's text; the messages before it become a new conversation's history (or X-Penguin-Conversation-Id continues a
// stored conversation, whose history is what counts). The turn runs with that agent's tools, sandbox and permissions,
// plus the request's function tools, which the client runs (./completion.ts). A request that ends in tool messages
// carries those results to the turn that waits for them.
import type { ModelEntry } from "../../config";
import type { Conversations } from "../conversation/conversations";
import type { TurnRequest, TurnResult } from "../engine/turn";
import type { Bus } from "../kernel/bus";
import { notFound } from "../kernel/errors";
import { newId } from "../kernel/ids";
import { canSee, type Viewer } from "../kernel/viewer";
import { RunningCompletion } from "./completion";
import { invalidRequest, readMessages, type HistoryEntry } from "./messages";
import { OpenAiModels } from "./models";
import type { ChatCompletionRequest, FunctionTool } from "./schema";
import { Segment } from "./segment";

export interface OpenAiSources {
  agents: { list(viewer?: Viewer): readonly { id: string }[]; runTurn(agentId: string, request: TurnRequest): Promise<TurnResult> };
  conversations: Conversations;
  models: { list(): readonly ModelEntry[] };
  bus: Bus;
  /** epoch ms the server started */
  startedAt: number;
}

export interface CompletionStart {
  /** The response: streamed text, then how it ended. */
  segment: Segment;
  conversationId: string;
}

export class OpenAiCompat {
  readonly models: OpenAiModels;
  /** Turns of this surface that are running or waiting for their client, by turn id. */
  private readonly running = new Map<string, RunningCompletion>();

  constructor(private readonly sources: OpenAiSources) {
    this.models = new OpenAiModels(sources);
  }

  /**
   * Starts a completion (or continues the turn that waits for the request's tool results). Resolves once the turn
   * has started, so that everything refused up front (unknown model, no provider, a bad conversation id) is an error
   * here, before any response is sent.
   */
  async complete(body: ChatCompletionRequest, options: { viewer?: Viewer; conversationId?: string; stream: boolean; signal: AbortSignal }): Promise<CompletionStart> {
    const { viewer } = options;
    const read = readMessages(body.messages);
    if (read.kind === "tool_results") {
      const waiting = this.waitingFor(read.results.map((r) => r.toolCallId), viewer, options.conversationId);
      return { segment: waiting.resume(read.results, options.signal), conversationId: waiting.conversationId };
    }

    const choice = this.models.resolve(body.model, viewer);
    const clientTools = body.tool_choice === "none" ? [] : (body.tools ?? []);
    checkToolNames(clientTools);
    const { conversations } = this.sources;
    let conversationId: string;
    let seeded = false;
    if (options.conversationId) {
      const stored = conversations.find(options.conversationId);
      if (!stored || !canSee(viewer, stored.owner)) throw notFound("conversation", options.conversationId);
      conversationId = stored.id;
      // A new message gives up a turn of this conversation still waiting for its client's tool results.
      for (const c of this.running.values()) if (c.conversationId === conversationId && c.awaitedCalls.length) c.cancel("a new message arrived in the conversation");
    } else {
      conversationId = newId();
      if (read.history.length) {
        this.seed(conversationId, choice.agentId, read.history, viewer);
        seeded = true;
      }
    }

    const turnId = newId();
    const completion = new RunningCompletion(
      { bus: this.sources.bus, conversations, ended: (c) => this.running.delete(c.turnId) },
      turnId,
      conversationId,
      choice.agentId,
      viewer,
      clientTools,
    );
    this.running.set(turnId, completion);
    const turn = this.sources.agents.runTurn(choice.agentId, {
      text: read.text,
      conversationId,
      turnId,
      viewer,
      signal: completion.controller.signal,
      live: options.stream,
      ...(choice.modelId ? { model: choice.modelId } : {}),
      ...(read.systemPrompt ? { systemPrompt: read.systemPrompt } : {}),
      ...(body.temperature != null ? { temperature: body.temperature } : {}),
      ...((body.max_completion_tokens ?? body.max_tokens) != null ? { maxTokens: (body.max_completion_tokens ?? body.max_tokens)! } : {}),
      ...(clientTools.length ? { extraTools: completion.toolDefinitions(clientTools) } : {}),
    });
    const segment = new Segment();
    completion.run(turn, segment, options.signal);
    try {
      await Promise.race([completion.whenStarted, turn]);
    } catch (error) {
      // Refused before it started: nothing of it stays, not even the history written for it.
      if (seeded) conversations.delete(conversationId);
      throw error;
    }
    return { segment, conversationId };
  }

  /** The turn waiting for these tool calls' results, as this caller may see it. */
  private waitingFor(callIds: string[], viewer: Viewer | undefined, conversationId: string | undefined): RunningCompletion {
    for (const c of this.running.values()) {
      if (!canSee(viewer, c.viewer?.user) || (conversationId && c.conversationId !== conversationId)) continue;
      if (callIds.some((id) => c.waitsFor(id))) return c;
    }
    throw invalidRequest(
      `no turn is waiting for the result of tool call '${callIds[0]}' (it finished, was given up, or the server restarted); send the conversation again ending in a user message`,
      "messages",
    );
  }

  /** A new conversation holding the request's earlier messages, as if they had happened here. */
  private seed(conversationId: string, agentId: string, history: HistoryEntry[], viewer: Viewer | undefined): void {
    const { conversations } = this.sources;
    conversations.atomically(() => {
      conversations.create({ id: conversationId, agentId, owner: viewer?.user ?? null, metadata: { source: "openai" } });
      for (const entry of history) {
        conversations.append(conversationId, {
          role: entry.role,
          content: entry.content,
          agentId,
          ...(entry.toolCalls ? { toolCalls: entry.toolCalls } : {}),
          ...(entry.toolCallId ? { toolCallId: entry.toolCallId, name: entry.name, messageType: "tool_result" } : {}),
          metadata: { source: "openai" },
        });
      }
    });
  }
}

function checkToolNames(tools: FunctionTool[]): void {
  const seen = new Set<string>();
  for (const [i, tool] of tools.entries()) {
    if (seen.has(tool.function.name)) throw invalidRequest(`tools[${i}]: the function name '${tool.function.name}' is used twice`, `tools[${i}].function.name`);
    seen.add(tool.function.name);
  }
}
