// The agent engine: runs turns (./prepare.ts builds the model request, ./call-model.ts streams one model call,
// ./loop.ts runs the iterations and tool calls). Every event of a turn is published on the bus as `turn.event`,
// scoped by turn, conversation, session and agent; live streams subscribe there.
// Turns on one conversation are queued in order; different conversations run in parallel. Aborting the request's
// signal (stop, disconnect, shutdown) cancels the upstream call and running tools; what was streamed stays, marked
// `interrupted`.
import { KeyedQueue } from "../kernel/keyed-queue";
import { AppError } from "../kernel/errors";
import type { EngineHost } from "./host";
import { runPreparedTurn } from "./loop";
import { prepareTurn, ToolSpecCache } from "./prepare";
import type { Engine, RunningTurn, TurnRequest, TurnResult } from "./turn";

export type { EngineHost } from "./host";

export class AgentEngine implements Engine {
  private readonly queue = new KeyedQueue();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown>; agentId: string }>();
  private readonly activityListeners = new Set<(agentId: string) => void>();
  private readonly toolSpecs = new ToolSpecCache();
  /** Turns in progress as a client finds them again (by conversation or id) to resume their stream. */
  private readonly turns = new Map<string, RunningTurn>();
  private stopping = false;

  constructor(private readonly host: () => EngineHost) {}

  /** Turns running or waiting in a conversation queue. */
  get activeTurns(): number {
    return this.running.size;
  }

  /** Turns of this agent running or waiting in a conversation queue. */
  turnsOf(agentId: string): number {
    let n = 0;
    for (const t of this.running.values()) if (t.agentId === agentId) n++;
    return n;
  }

  /** Calls `listener` with the agent's id after one of its turns starts or ends (turnsOf has changed). */
  onAgentActivity(listener: (agentId: string) => void): () => void {
    this.activityListeners.add(listener);
    return () => void this.activityListeners.delete(listener);
  }

  private agentActivity(agentId: string): void {
    for (const listener of this.activityListeners) {
      try {
        listener(agentId);
      } catch (error) {
        this.host().log.error("agent activity listener failed", { agent_id: agentId, error: String(error) });
      }
    }
  }

  /** Turns running or queued, oldest first; narrowed to one conversation or one turn when asked. */
  runningTurns(filter: { conversationId?: string; turnId?: string } = {}): RunningTurn[] {
    const all = filter.turnId ? [this.turns.get(filter.turnId)].filter((t) => t !== undefined) : [...this.turns.values()];
    return filter.conversationId ? all.filter((t) => t.conversationId === filter.conversationId) : all;
  }

  /**
   * Stops a turn (an explicit stop: a client's {"type":"stop"} or the REST stop route; a socket that goes away does not
   * stop anything). Its partial answer is kept, marked interrupted. False when no such turn is running.
   */
  stop(turnId: string, reason = "stopped by the client"): boolean {
    const running = this.running.get(turnId);
    running?.controller.abort(new Error(reason));
    return running !== undefined;
  }

  async runTurn(request: TurnRequest): Promise<TurnResult> {
    if (this.stopping) throw new AppError("SERVICE_UNAVAILABLE", "the server is shutting down");
    const host = this.host();
    // Everything that can be refused is refused here, before anything is written or published.
    const turn = prepareTurn(host, request, this.toolSpecs);
    host.log.debug("turn started", { turn_id: turn.id, conversation_id: turn.conversationId, session_id: turn.sessionId, agent_id: turn.agentId, model: turn.model.id, root: turn.root });
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) controller.abort(request.signal.reason);
    else request.signal?.addEventListener("abort", onAbort, { once: true });
    // Deleting the conversation under a running turn stops the turn.
    const offDeleted = host.bus.subscribe(() => controller.abort(new Error("conversation deleted")), {
      types: ["conversation.deleted"],
      where: { conversation_id: turn.conversationId },
    });

    // The newest event id before the turn's first: replaying what came after it (since=…) gives the whole turn.
    const since = host.bus.lastId;
    const work = (async () => {
      turn.emit({ event: "start", data: { conversation_id: turn.conversationId, session_id: turn.sessionId, turn_id: turn.id } });
      try {
        return await this.queue.run(turn.conversationId, controller.signal, () => runPreparedTurn(host, turn, controller.signal));
      } catch (error) {
        const known = error instanceof AppError;
        if (!known) host.log.error("turn failed", { turn_id: turn.id, error: String(error), stack: (error as Error)?.stack });
        turn.emit({
          event: "error",
          data: { message: known ? error.message : "internal error while running the turn", code: known ? error.errorCode : "INTERNAL_ERROR", recoverable: known ? recoverableOf(error) : true },
        });
        throw error;
      }
    })();
    this.running.set(turn.id, { controller, done: work.catch(() => {}), agentId: turn.agentId });
    this.turns.set(turn.id, {
      turnId: turn.id,
      conversationId: turn.conversationId,
      sessionId: turn.sessionId,
      agentId: turn.agentId,
      owner: request.viewer?.user ?? null,
      since,
      startedAt: Date.now(),
    });
    this.agentActivity(turn.agentId);
    try {
      return await work;
    } finally {
      request.signal?.removeEventListener("abort", onAbort);
      offDeleted();
      this.turns.delete(turn.id);
      this.running.delete(turn.id);
      this.agentActivity(turn.agentId);
    }
  }

  /** Cancels every running turn (graceful shutdown) and waits for them to settle, bounded. */
  async shutdown(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const pending = [...this.running.values()];
    for (const t of pending) t.controller.abort(new Error("server shutting down"));
    await Promise.race([Promise.all(pending.map((t) => t.done)), Bun.sleep(graceMs)]);
  }
}

/** Whether sending the same message again can succeed (the client offers Retry only then). */
function recoverableOf(error: AppError): boolean {
  if (error.guidance.recoverable !== undefined) return error.guidance.recoverable;
  return ["UPSTREAM_ERROR", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE", "RATE_LIMITED"].includes(error.errorCode);
}
