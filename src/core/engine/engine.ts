// The agent loop. One turn: resolve model, conversation, session root and context → persist the user message →
// call the model with the tool specs, streaming text and reasoning out (coalesced) and into the database as they
// arrive → run the requested tool calls through the tool runtime (permissions, approvals, audit) → feed the results
// back → repeat until the model stops calling tools or max_iterations is reached.
// Turns on one conversation are queued in order; different conversations run in parallel. Aborting the request's
// signal (stop, disconnect, shutdown) cancels the upstream call and running tools; what was streamed stays, marked
// `interrupted`.
import { extname } from "node:path";
import { readFileSync, statSync } from "node:fs";
import type { AgentEntry, Config, ModelEntry } from "../../config";
import type { Bus } from "../kernel/bus";
import { resolveInsideRoots, type ContextFiles } from "../conversation/context-files";
import type { Conversations, ConversationRow, MessageRow } from "../conversation/conversations";
import { TokenCoalescer } from "./coalescer";
import {
  buildSystemPrompt,
  DEFAULT_SYSTEM_PROMPT,
  estimateTokens,
  fitToWindow,
  historyUnits,
  type HistoryUnit,
  transcriptOf,
} from "./context";
import { KeyedQueue } from "../kernel/keyed-queue";
import { AppError, badRequest, conflict } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import type { ModelCatalog } from "../providers/models";
import { ProviderError, type ChatMessage, type ContentPart, type Provider, type ToolCall, type ToolSpec, type Usage } from "../providers/types";
import type { Roots } from "../fs/roots";
import type { ToolCallRecord, ToolContext, ToolDefinition, ToolRuntime } from "../tools/types";
import type { ActionResult, Engine, TurnEvent, TurnRequest, TurnResult, TurnUsage } from "./turn";
import { iso } from "../store/values";

/** What the engine reads from the core; read lazily, so areas built after the engine are seen. */
export interface EngineHost {
  readonly config: Config;
  readonly log: Logger;
  readonly bus: Bus;
  readonly roots: Roots;
  readonly conversations: Conversations;
  readonly contextFiles: ContextFiles;
  readonly models: ModelCatalog;
  readonly tools: ToolRuntime;
}

const IMAGE_TYPES: Record<string, string> = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp" };
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const SUMMARY_MAX_TOKENS = 1024;
/** How often a streaming answer nobody watches live is written to the database. */
const STREAM_PERSIST_MS = 250;

interface PreparedTurn {
  id: string;
  request: TurnRequest;
  text: string;
  model: ModelEntry;
  provider: Provider;
  agentId: string;
  agent?: AgentEntry;
  /** The conversation to use, or the one to create when the turn starts. */
  conversation: ConversationRow | undefined;
  conversationId: string;
  sessionId: string;
  root: string;
  boundDirectory?: string;
  files: { path: string; content: string }[];
  image?: { path: string; mediaType: string; base64: string };
  maxIterations: number;
  tools: ToolSpec[];
  /** Estimated prompt tokens the tool specs take. */
  toolTokens: number;
  extraTools: Map<string, ToolDefinition>;
  emit: (event: TurnEvent) => void;
}

/** Everything a turn accumulates. */
interface TurnState {
  texts: string[];
  reasonings: string[];
  actions: ActionResult[];
  promptTokens: number;
  completionTokens: number;
  cost: number;
  iterations: number;
  lastMessageId: string;
  contextNote?: string;
  interrupted: boolean;
}

class Interrupted extends Error {}

export class AgentEngine implements Engine {
  private readonly queue = new KeyedQueue();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private stopping = false;
  /** Tool specs per agent tool list; rebuilt when tools are registered (the registry only grows). */
  private readonly specCache = new Map<string, { specs: ToolSpec[]; tokens: number }>();

  constructor(private readonly host: () => EngineHost) {}

  /** Turns running or waiting in a conversation queue. */
  get activeTurns(): number {
    return this.running.size;
  }

  async runTurn(request: TurnRequest): Promise<TurnResult> {
    if (this.stopping) throw new AppError("SERVICE_UNAVAILABLE", "the server is shutting down");
    const host = this.host();
    const turn = this.prepare(host, request);
    host.log.debug("turn started", { turn_id: turn.id, conversation_id: turn.conversationId, session_id: turn.sessionId, agent_id: turn.agentId, model: turn.model.id, root: turn.root });
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) controller.abort(request.signal.reason);
    else request.signal?.addEventListener("abort", onAbort, { once: true });
    // Deleting the conversation under a running turn stops the turn.
    const offDeleted = host.bus.subscribe(
      (e) => {
        if ((e.data as { conversation_id?: string }).conversation_id === turn.conversationId) controller.abort(new Error("conversation deleted"));
      },
      ["conversation.deleted"],
    );

    const work = (async () => {
      turn.emit({ event: "start", data: { conversation_id: turn.conversationId, session_id: turn.sessionId, turn_id: turn.id } });
      try {
        return await this.queue.run(turn.conversationId, controller.signal, () => this.execute(host, turn, controller.signal));
      } catch (error) {
        const known = error instanceof AppError;
        if (!known) host.log.error("turn failed", { turn_id: turn.id, error: String(error), stack: (error as Error)?.stack });
        turn.emit({ event: "error", data: { message: known ? error.message : "internal error while running the turn", code: known ? error.errorCode : "INTERNAL_ERROR" } });
        throw error;
      }
    })();
    this.running.set(turn.id, { controller, done: work.catch(() => {}) });
    try {
      return await work;
    } finally {
      request.signal?.removeEventListener("abort", onAbort);
      offDeleted();
      this.running.delete(turn.id);
    }
  }

  /** Cancels every running turn (graceful shutdown) and waits for them to settle, bounded. */
  async shutdown(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const pending = [...this.running.values()];
    for (const t of pending) t.controller.abort(new Error("server shutting down"));
    await Promise.race([Promise.all(pending.map((t) => t.done)), Bun.sleep(graceMs)]);
  }

  // ── preparation: everything that can be refused is refused before anything is written ─────────────────────

  private prepare(host: EngineHost, request: TurnRequest): PreparedTurn {
    const { config, conversations, roots } = host;
    if (typeof request.text !== "string" || request.text.trim() === "") throw badRequest("text must not be empty");

    const existing = request.conversationId ? conversations.find(request.conversationId) : request.sessionId ? conversations.latestOfSession(request.sessionId) : undefined;
    const agentId = request.agentId ?? existing?.agentId ?? "default";
    const agent = config.agents.find((a) => a.id === agentId);
    const model = this.resolveModel(host, request.model ?? agent?.model);
    const provider = host.models.providerFor(model);

    const conversationId = existing?.id ?? request.conversationId ?? newId();
    // A conversation belongs to one session (its directory binding and approvals): another session id is refused
    // rather than letting it run the conversation's tools elsewhere.
    if (existing && request.sessionId && request.sessionId !== existing.sessionId) {
      throw conflict(`conversation '${existing.id}' belongs to session '${existing.sessionId}', not '${request.sessionId}'`, {
        conversation_id: existing.id,
        session_id: existing.sessionId,
      });
    }
    const sessionId = existing?.sessionId ?? request.sessionId ?? conversationId;
    const boundDirectory = request.directory !== undefined ? conversations.bindSession(sessionId, request.directory) : conversations.boundDirectory(sessionId);
    const root = boundDirectory ?? roots.activeRoot;
    const extraRoots = boundDirectory ? [boundDirectory] : [];

    const files = (request.contextFiles ?? []).map((path) => {
      const file = host.contextFiles.read(path, { bases: [root, host.contextFiles.folder], extraRoots });
      return { path: file.requested, content: file.content };
    });

    let image: PreparedTurn["image"];
    if (request.imagePath) {
      if (!host.models.visionEnabled(model)) throw badRequest(`model '${model.id}' does not accept images (vision is off for it); choose a vision model or drop image_path`);
      const real = resolveInsideRoots(request.imagePath, [root, roots.workspaceRoot], [roots.workspaceRoot, roots.projectRoot, ...extraRoots]);
      const mediaType = IMAGE_TYPES[extname(real).toLowerCase()];
      if (!mediaType) throw badRequest(`image_path must be a PNG, JPEG, GIF or WebP image`, { path: request.imagePath });
      const size = statSync(real).size;
      if (size > MAX_IMAGE_BYTES) throw badRequest(`image is ${size} bytes; the limit is ${MAX_IMAGE_BYTES}`, { path: request.imagePath });
      image = { path: request.imagePath, mediaType, base64: readFileSync(real).toString("base64") };
    }

    const maxIterations = Math.max(1, Math.min(100, Math.floor(request.maxIterations ?? config.engine.maxIterations)));
    const extraTools = new Map((request.extraTools ?? []).map((d) => [d.name, d]));
    const registered = this.registeredSpecs(host, agent?.default_tools);
    const extraSpecs = [...extraTools.values()].map((d) => ({ name: d.name, description: d.description, parameters: JSON.parse(JSON.stringify(d.parameters)) as Record<string, unknown> }));
    const tools: ToolSpec[] = [...registered.specs.filter((s) => !extraTools.has(s.name)), ...extraSpecs];
    const toolTokens = registered.tokens + (extraSpecs.length ? estimateTokens(JSON.stringify(extraSpecs)) : 0);

    const id = newId();
    const scope = { turn_id: id, conversation_id: conversationId, session_id: sessionId, agent_id: agentId };
    const emit = (event: TurnEvent) => {
      try {
        request.onEvent?.(event);
      } catch (error) {
        host.log.warn("turn event listener failed", { turn_id: id, event: event.event, error: String(error) });
      }
      host.bus.publish("turn.event", { ...scope, event });
    };

    return {
      id,
      request,
      text: request.text,
      model,
      provider,
      agentId,
      agent,
      conversation: existing,
      conversationId,
      sessionId,
      root,
      boundDirectory,
      files,
      image,
      maxIterations,
      tools,
      toolTokens,
      extraTools,
      emit,
    };
  }

  private registeredSpecs(host: EngineHost, names: string[] | undefined): { specs: ToolSpec[]; tokens: number } {
    const key = `${host.tools.names().length}|${names?.join(",") ?? "*"}`;
    let entry = this.specCache.get(key);
    if (!entry) {
      const specs = host.tools.specs(names);
      entry = { specs, tokens: estimateTokens(JSON.stringify(specs)) };
      this.specCache.set(key, entry);
    }
    return entry;
  }

  /** The named model (id or upstream model name), else the current one; refusals say exactly what to set. */
  private resolveModel(host: EngineHost, wanted: string | undefined): ModelEntry {
    if (!wanted) return host.models.resolve();
    const byName = host.models.get(wanted) ? wanted : (host.models.list().find((m) => m.model === wanted)?.id ?? wanted);
    return host.models.resolve(byName);
  }

  // ── execution ─────────────────────────────────────────────────────────────────────────────────────────────────

  private async execute(host: EngineHost, turn: PreparedTurn, signal: AbortSignal): Promise<TurnResult> {
    const { conversations } = host;
    const state: TurnState = { texts: [], reasonings: [], actions: [], promptTokens: 0, completionTokens: 0, cost: 0, iterations: 0, lastMessageId: "", interrupted: false };
    const createdAt = new Date().toISOString();
    if (signal.aborted) {
      state.interrupted = true;
      return this.finish(host, turn, state, createdAt);
    }

    const metadata: Record<string, unknown> = {};
    if (turn.request.context && Object.keys(turn.request.context).length) metadata.context = turn.request.context;
    if (turn.files.length) metadata.context_files = turn.files.map((f) => f.path);
    if (turn.image) metadata.image_path = turn.image.path;
    // One commit for a new conversation and its first message.
    const userRow = conversations.atomically(() => {
      if (!conversations.find(turn.conversationId)) conversations.create({ id: turn.conversationId, sessionId: turn.sessionId, agentId: turn.agentId });
      return conversations.append(turn.conversationId, { role: "user", content: turn.text, agentId: turn.agentId, metadata });
    });
    state.lastMessageId = userRow.id;

    // Approval prompts raised by this turn's tools go to this turn's client.
    const unsubscribe = host.bus.subscribe(
      (e) => {
        const d = e.data as Record<string, any>;
        if (d.turn_id !== turn.id) return;
        if (e.type === "approval.required") {
          turn.emit({ event: "approval_required", data: { request_id: d.request_id, tool_name: d.tool_name, operation: d.operation, resource: d.resource, reason: d.reason, expires_at: d.expires_at } });
        } else {
          turn.emit({ event: "approval_resolved", data: { request_id: d.request_id, status: d.status, ...(d.scope !== undefined ? { scope: d.scope } : {}) } });
        }
      },
      ["approval.required", "approval.resolved"],
    );

    try {
      const rows = conversations.messages(turn.conversationId).filter((r) => r.id !== userRow.id);
      const summaryRow = rows.findLast((r) => r.role === "system" && r.messageType === "summary");
      const coveredUntil = Number(summaryRow?.metadata?.covers_until_seq ?? 0);
      let summary = summaryRow?.content;
      const loaded = rows.filter((r) => r.role === "system" && r.messageType === "context_file");
      let units = historyUnits(rows.filter((r) => r.seq > coveredUntil));

      const userContent: ChatMessage = turn.image
        ? { role: "user", content: [{ type: "text", text: turn.text }, { type: "image", mediaType: turn.image.mediaType, base64: turn.image.base64 }] as ContentPart[] }
        : { role: "user", content: turn.text };
      const current: ChatMessage[] = [userContent];

      const window = host.models.contextWindow(turn.model);
      const reserve = Math.min(turn.request.maxTokens ?? host.models.maxOutputTokens(turn.model), Math.floor(window / 4));
      const budget = window - reserve - turn.toolTokens;
      let summarised = false;

      for (let iteration = 1; iteration <= turn.maxIterations; iteration++) {
        state.iterations = iteration;
        turn.emit({ event: "progress", data: { iteration, max_iterations: turn.maxIterations } });

        const system = () =>
          buildSystemPrompt({
            base: turn.request.systemPrompt ?? turn.agent?.system_prompt ?? host.config.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
            persona: turn.agent?.persona,
            root: turn.root,
            context: turn.request.context,
            files: turn.files,
            loaded,
            summary,
          });
        let fitted = fitToWindow(system(), units, current, budget);
        if (fitted.droppedUnits > 0 && host.config.engine.contextStrategy === "summarize" && !summarised) {
          summarised = true;
          const dropped = units.slice(0, fitted.droppedUnits);
          // The summary covers everything stored before the first unit that still fits (or before this turn).
          const coversUntil = (units[fitted.droppedUnits]?.firstSeq ?? userRow.seq) - 1;
          const text = await this.summarise(host, turn, summary, dropped, coversUntil, signal);
          if (text !== undefined) {
            summary = text;
            units = units.slice(fitted.droppedUnits);
            state.contextNote = `${fitted.droppedMessages} older messages were summarised to fit the model's context window (${window} tokens).`;
            fitted = fitToWindow(system(), units, current, budget);
          }
        }
        if (fitted.droppedUnits > 0) {
          units = units.slice(fitted.droppedUnits);
          const note = `${fitted.droppedMessages} older messages were left out to fit the model's context window (${window} tokens).`;
          state.contextNote = state.contextNote ? `${state.contextNote} ${note}` : note;
        }

        const answer = await this.callModel(host, turn, fitted.messages, state, signal);
        current.push({
          role: "assistant",
          content: answer.content,
          ...(answer.calls.length ? { toolCalls: answer.calls } : {}),
          ...(answer.reasoning ? { reasoning: answer.reasoning } : {}),
          ...(answer.signature ? { reasoningSignature: answer.signature } : {}),
        });
        if (answer.calls.length === 0) break;
        await this.runTools(host, turn, answer.calls, current, state, signal);
        if (signal.aborted) throw new Interrupted();
      }
    } catch (error) {
      // A conversation deleted under a cancelled turn has nowhere left to write: that is an interruption too.
      const deleted = signal.aborted && error instanceof AppError && error.errorCode === "NOT_FOUND";
      if (!(error instanceof Interrupted) && !deleted) throw error;
      state.interrupted = true;
    } finally {
      unsubscribe();
    }
    return this.finish(host, turn, state, createdAt);
  }

  private finish(host: EngineHost, turn: PreparedTurn, state: TurnState, createdAt: string): TurnResult {
    const usage: TurnUsage = {
      prompt_tokens: state.promptTokens,
      completion_tokens: state.completionTokens,
      total_tokens: state.promptTokens + state.completionTokens,
      cost_usd: Math.round(state.cost * 1e8) / 1e8,
    };
    const response = state.texts.filter(Boolean).join("\n\n");
    const reasoning = state.reasonings.filter(Boolean).join("\n\n");
    const result: TurnResult = {
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
      createdAt,
    };
    host.log.debug("turn finished", { turn_id: turn.id, iterations: state.iterations, tools: state.actions.length, ...usage, interrupted: state.interrupted });
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
      },
    });
    return result;
  }

  /** One model call: streams into the client and the database; returns the answer or throws. */
  private async callModel(
    host: EngineHost,
    turn: PreparedTurn,
    messages: ChatMessage[],
    state: TurnState,
    signal: AbortSignal,
  ): Promise<{ content: string; reasoning: string; signature?: string; calls: ToolCall[] }> {
    const { conversations } = host;
    let row: MessageRow | undefined;
    let content = "";
    let reasoning = "";
    let flushedContent = "";
    let flushedReasoning = "";
    let signature: string | undefined;
    const calls: ToolCall[] = [];
    let done: Extract<Awaited<ReturnType<Provider["stream"]>> extends AsyncIterable<infer E> ? E : never, { type: "done" }> | undefined;
    // Later iterations' text is separated from earlier text so that the streamed tokens add up to `response`.
    const separate = state.texts.some(Boolean);
    let separated = false;

    const ensureRow = () =>
      (row ??= conversations.append(turn.conversationId, {
        role: "assistant",
        status: "streaming",
        agentId: turn.agentId,
        model: turn.model.id,
        content: flushedContent,
        reasoning: flushedReasoning || null,
      }));
    // With a live listener (WS, SSE) every batch is written before it is sent: whatever a client has seen is on
    // disk. Without one (a REST caller sees only the final answer) the partial message is written at most every
    // STREAM_PERSIST_MS, which keeps crash recovery close to the stream without a commit per batch.
    const live = turn.request.onEvent !== undefined;
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
        metadata: { turn_id: turn.id, ...(done ? { finish_reason: done.finishReason } : {}), ...(signature ? { reasoning_signature: signature } : {}) },
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
      throw new AppError("UPSTREAM_ERROR", message, {
        model: turn.model.id,
        ...(error instanceof ProviderError ? { kind: error.kind, ...(error.status !== undefined ? { status: error.status } : {}) } : {}),
      });
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

  private async runTools(host: EngineHost, turn: PreparedTurn, calls: ToolCall[], current: ChatMessage[], state: TurnState, signal: AbortSignal): Promise<void> {
    const images: ContentPart[] = [];
    const ctx: ToolContext = {
      root: turn.root,
      sessionId: turn.sessionId,
      conversationId: turn.conversationId,
      agentId: turn.agentId,
      signal,
      turnId: turn.id,
    };
    for (const call of calls) {
      // Calls the turn never got to are left without a result; history repair gives them a placeholder.
      if (signal.aborted) break;
      const args = parseArguments(call.arguments);
      turn.emit({ event: "tool_start", data: { id: call.id, name: call.name, arguments: args } });
      const extra = turn.extraTools.get(call.name);
      const record = await host.tools.execute(call, ctx, extra ? { extraTools: [extra] } : undefined);
      this.recordToolResult(host, turn, call, record, current, state);
      if (record.images?.length && host.models.visionEnabled(turn.model)) {
        for (const image of record.images) images.push({ type: "image", mediaType: image.mediaType, base64: image.base64 });
      }
    }
    // Images a tool returned (e.g. reading a picture) reach a vision model as a user message after the results.
    if (images.length) current.push({ role: "user", content: [{ type: "text", text: "Image(s) returned by the tool calls above:" }, ...images] });
  }

  private recordToolResult(
    host: EngineHost,
    turn: PreparedTurn,
    call: ToolCall,
    record: Pick<ToolCallRecord, "status" | "output" | "duration_ms" | "started_at"> & { data?: Record<string, unknown> },
    current: ChatMessage[],
    state: TurnState,
  ): void {
    const args = parseArguments(call.arguments);
    host.log.debug("tool call", { turn_id: turn.id, tool: call.name, status: record.status, ms: record.duration_ms });
    const row = host.conversations.append(turn.conversationId, {
      role: "tool",
      content: record.output,
      toolCallId: call.id,
      name: call.name,
      agentId: turn.agentId,
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

  /** Condenses dropped history into a short summary (stored as a system message); undefined when it fails. */
  private async summarise(
    host: EngineHost,
    turn: PreparedTurn,
    previous: string | undefined,
    dropped: HistoryUnit[],
    coversUntil: number,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const transcript = transcriptOf(dropped, Math.max(2000, Math.floor(host.models.contextWindow(turn.model) * 2)));
    const prompt =
      (previous ? `Earlier summary:\n${previous}\n\n` : "") +
      `Conversation excerpt:\n${transcript}\n\nWrite a concise summary of the conversation so far (facts, decisions, open questions, files touched) for the assistant to continue from.`;
    let text = "";
    let usage: Usage = { promptTokens: 0, completionTokens: 0 };
    try {
      for await (const event of turn.provider.stream({
        model: turn.model,
        messages: [
          { role: "system", content: "You summarise conversations between a user and a software assistant. Be factual and brief." },
          { role: "user", content: prompt },
        ],
        maxTokens: SUMMARY_MAX_TOKENS,
        temperature: 0,
        signal,
      })) {
        if (event.type === "text") text += event.delta;
        else if (event.type === "done") usage = event.usage;
      }
    } catch (error) {
      if (signal.aborted) throw new Interrupted();
      host.log.warn("history summary failed; trimming instead", { turn_id: turn.id, error: String(error) });
      return undefined;
    }
    if (!text.trim()) return undefined;
    host.conversations.append(turn.conversationId, {
      role: "system",
      content: text.trim(),
      messageType: "summary",
      agentId: turn.agentId,
      model: turn.model.id,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: host.models.costOf(turn.model, usage),
      metadata: { turn_id: turn.id, covers_until_seq: coversUntil },
    });
    return text.trim();
  }
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text || "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? value : { value };
  } catch {
    return { _raw: text };
  }
}
