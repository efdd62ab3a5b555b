// One turn run for the OpenAI surface, from its first response to its last. It follows the turn on the bus (text,
// the server's tool activity, approval prompts) into the current Segment, and offers the client's function tools to
// the model as tools of this turn: when the model calls one, the tool waits, the current response ends with
// finish_reason "tool_calls" listing the calls, and the results of the client's next request let the tool (and the
// turn) go on, answered in a new Segment. A turn whose client does not come back in time is cancelled.
// The turn belongs to the server (DESIGN.md §4): a client that goes away leaves it running to its end, stored in the
// conversation; only a turn that would then wait for that client's tools is given up, since nobody will answer.
import type { TSchema } from "@sinclair/typebox";
import type { MessageRow } from "../conversation/conversations";
import { followTurn } from "../engine/follow";
import type { TurnEvent } from "../engine/schema";
import type { TurnResult } from "../engine/turn";
import type { Bus } from "../kernel/bus";
import type { Viewer } from "../kernel/viewer";
import type { ToolDefinition } from "../tools/types";
import { invalidRequest } from "./messages";
import type { FunctionTool, PenguinExtension, ToolCall, Usage } from "./schema";
import { Segment, type SegmentEnd } from "./segment";

/** How long a turn waits for the client to return its tools' results. */
export const CLIENT_RESULT_TIMEOUT_MS = 10 * 60_000;

const PREVIEW_CHARS = 300;

export interface CompletionHost {
  bus: Bus;
  conversations: { messages(conversationId: string): MessageRow[] };
  /** Called once the turn is over (the service forgets it). */
  ended(completion: RunningCompletion): void;
}

interface PendingCall {
  call: ToolCall;
  /** Canonical JSON of the arguments, to match the tool's run to its call. */
  key: string;
  result?: string;
  /** The tool's run, waiting for the result. */
  waiter?: (result: string) => void;
  /** A run took this call. */
  taken: boolean;
}

/** JSON with sorted keys, so equal arguments compare equal whatever their order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function argumentsKey(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text || "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? canonical(value) : undefined;
  } catch {
    return undefined;
  }
}

export class RunningCompletion {
  readonly controller = new AbortController();
  /** The response being produced; none while the turn waits for the client. */
  private segment: Segment | undefined;
  private readonly pending = new Map<string, PendingCall>();
  private readonly toolArguments = new Map<string, Record<string, unknown>>();
  private readonly clientToolNames: Set<string>;
  private reported = { prompt: 0, completion: 0 };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unfollow: () => void;
  private detachRequest = () => {};
  private started!: () => void;
  /** Resolves when the turn starts (its first event); a refused turn never starts. */
  readonly whenStarted = new Promise<void>((resolve) => (this.started = resolve));

  constructor(
    private readonly host: CompletionHost,
    readonly turnId: string,
    readonly conversationId: string,
    readonly agentId: string,
    readonly viewer: Viewer | undefined,
    clientTools: FunctionTool[],
  ) {
    this.clientToolNames = new Set(clientTools.map((t) => t.function.name));
    this.unfollow = followTurn(host.bus, turnId, (event) => this.relay(event));
  }

  /** The client's function tools as tools of this turn: running one waits for the client's result. */
  toolDefinitions(clientTools: FunctionTool[]): ToolDefinition[] {
    return clientTools.map((tool) => ({
      name: tool.function.name,
      description: tool.function.description ?? "",
      // plain JSON Schema: checked as such by the tool runtime, sent to the model as the client wrote it
      parameters: (tool.function.parameters ?? { type: "object", properties: {} }) as TSchema,
      category: "client" as const,
      operation: "call",
      resource: () => `client:${tool.function.name}`,
      timeoutMs: CLIENT_RESULT_TIMEOUT_MS + 5000,
      run: async (args: unknown) => ({ ok: true, output: await this.clientResult(tool.function.name, args) }),
    }));
  }

  /** Runs the turn; `segment` receives its first response. */
  run(turn: Promise<TurnResult>, segment: Segment, requestSignal: AbortSignal): void {
    this.attach(segment, requestSignal);
    turn.then(
      (result) => {
        try {
          this.endSegment(this.finalEnd(result));
        } catch (error) {
          this.segment?.fail(error);
        }
      },
      (error) => this.segment?.fail(error),
    ).finally(() => {
      clearTimeout(this.timer);
      this.unfollow();
      this.detachRequest();
      this.segment = undefined;
      this.host.ended(this);
    });
  }

  /** Call ids the client has been asked for and not yet answered. */
  get awaitedCalls(): string[] {
    return [...this.pending.values()].filter((p) => p.result === undefined).map((p) => p.call.id);
  }

  waitsFor(callId: string): boolean {
    return this.pending.get(callId)?.result === undefined && this.pending.has(callId);
  }

  /** The client's results: the turn goes on, answered in the returned Segment. Every awaited call needs its result. */
  resume(results: { toolCallId: string; content: string }[], requestSignal: AbortSignal): Segment {
    const given = new Map(results.map((r) => [r.toolCallId, r.content]));
    const missing = this.awaitedCalls.filter((id) => !given.has(id));
    if (missing.length) throw invalidRequest(`the tool calls ${missing.map((id) => `'${id}'`).join(", ")} have no tool message with their result`, "messages");
    clearTimeout(this.timer);
    const segment = new Segment(true);
    this.attach(segment, requestSignal);
    for (const [id, content] of given) {
      const call = this.pending.get(id);
      if (!call || call.result !== undefined) continue;
      call.result = content;
      call.waiter?.(content);
    }
    return segment;
  }

  /** A new message for this conversation while the turn waits for the client: the waiting turn is given up. */
  cancel(reason: string): void {
    this.controller.abort(new Error(reason));
  }

  private attach(segment: Segment, requestSignal: AbortSignal): void {
    this.segment = segment;
    const onGone = () => {
      if (this.segment === segment) this.segment = undefined;
    };
    requestSignal.addEventListener("abort", onGone, { once: true });
    this.detachRequest = () => requestSignal.removeEventListener("abort", onGone);
  }

  private endSegment(end: SegmentEnd): void {
    this.detachRequest();
    this.segment?.finish(end);
    this.segment = undefined;
  }

  private relay(event: TurnEvent): void {
    switch (event.event) {
      case "start":
        this.started();
        break;
      case "token":
        this.segment?.delta(event.data.token);
        break;
      case "tool_start":
        if (!this.clientToolNames.has(event.data.name)) this.toolArguments.set(event.data.id, event.data.arguments);
        break;
      case "tool_result": {
        const d = event.data;
        if (this.clientToolNames.has(d.name)) break;
        this.segment?.activity.push({ id: d.id, name: d.name, arguments: this.toolArguments.get(d.id) ?? {}, status: d.status, duration_ms: d.duration_ms, result_preview: d.result.slice(0, PREVIEW_CHARS) });
        break;
      }
      case "approval_required":
        this.segment?.approvals.push({ request_id: event.data.request_id, tool_name: event.data.tool_name, operation: event.data.operation, resource: event.data.resource });
        break;
    }
  }

  /** A client tool's run: hands the model's calls to the client (once per model answer), then waits for this one's result. */
  private async clientResult(name: string, args: unknown): Promise<string> {
    const key = canonical(args);
    let call = this.untaken(name, key);
    if (!call) {
      this.handToClient();
      call = this.untaken(name, key);
    }
    if (!call) return `The client did not receive this call of ${name}; call it again.`;
    call.taken = true;
    const taken = call;
    if (taken.result !== undefined) return taken.result;
    return new Promise<string>((resolve) => (taken.waiter = resolve));
  }

  private untaken(name: string, key: string): PendingCall | undefined {
    for (const p of this.pending.values()) if (!p.taken && p.call.function.name === name && p.key === key) return p;
    return undefined;
  }

  /** Ends the current response with the client tool calls of the model's latest answer, and starts the wait. */
  private handToClient(): void {
    const rows = this.rowsOfTurn();
    const answer = rows.findLast((r) => r.toolCalls?.length);
    const calls: ToolCall[] = [];
    for (const c of answer?.toolCalls ?? []) {
      if (!this.clientToolNames.has(c.name) || this.pending.has(c.id)) continue;
      const key = argumentsKey(c.arguments);
      if (key === undefined) continue; // the runtime already told the model its arguments were not JSON
      const call: ToolCall = { id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } };
      this.pending.set(c.id, { call, key, taken: false });
      calls.push(call);
    }
    if (!calls.length) return;
    if (!this.segment) {
      this.cancel("nobody is waiting for this turn's answer");
      return;
    }
    this.endSegment({ finishReason: "tool_calls", content: this.segment.content, toolCalls: calls, usage: this.usageSinceLastReport(rows), penguin: this.extension(this.segment) });
    this.timer = setTimeout(() => this.cancel("the client did not return its tools' results in time"), CLIENT_RESULT_TIMEOUT_MS);
  }

  private finalEnd(result: TurnResult): SegmentEnd {
    const rows = this.rowsOfTurn();
    const lastAnswer = rows.at(-1);
    const segment = this.segment;
    return {
      finishReason: lastAnswer?.metadata?.finish_reason === "length" ? "length" : "stop",
      content: segment?.content ?? "",
      toolCalls: [],
      usage: this.usageSinceLastReport(rows),
      penguin: {
        ...this.extension(segment),
        ...(result.interrupted ? { interrupted: true } : {}),
        ...(result.contextNote ? { context_note: result.contextNote } : {}),
      },
    };
  }

  private extension(segment: Segment | undefined): PenguinExtension {
    return { conversation_id: this.conversationId, turn_id: this.turnId, agent_id: this.agentId, tool_activity: segment?.activity ?? [], approvals: segment?.approvals ?? [] };
  }

  /** The model's answers in this turn, in order. */
  private rowsOfTurn(): MessageRow[] {
    return this.host.conversations.messages(this.conversationId).filter((r) => r.role === "assistant" && r.metadata?.turn_id === this.turnId);
  }

  /** Tokens of the model calls since the previous response of this turn. */
  private usageSinceLastReport(rows: MessageRow[]): Usage {
    const total = rows.reduce((sum, r) => ({ prompt: sum.prompt + r.promptTokens, completion: sum.completion + r.completionTokens }), { prompt: 0, completion: 0 });
    const usage = { prompt_tokens: total.prompt - this.reported.prompt, completion_tokens: total.completion - this.reported.completion, total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    this.reported = total;
    return usage;
  }
}
