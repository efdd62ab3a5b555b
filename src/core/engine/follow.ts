// Following one turn live, for the streams (chat WebSocket, SSE, tasks): its own frames (`turn.event`) and the
// approval prompts its tools raise (`approval.*`), filtered by turn, in publish order. Straight from the bus for the
// core's own followers (tasks); from the event log for clients, which may come back and resume (`since`): a turn
// belongs to the server, not to the socket that started it.
import type { Bus, BusEventOf, EventMap, EventType } from "../kernel/bus";
import { notFound } from "../kernel/errors";
import { canSee, type Viewer } from "../kernel/viewer";
import type { EventLog, EventScope, LoggedEvent } from "../eventlog/event-log";
import type { TurnEvent } from "./schema";
import type { RunningTurn } from "./turn";

type ApprovalEvent = BusEventOf<"approval.required" | "approval.resolved">;

/** An approval bus event as the chat stream frames it (the scope fields stay on the bus). */
export function toApprovalFrameView(event: ApprovalEvent): TurnEvent {
  if (event.type === "approval.required") {
    const d = event.data;
    const { diff, diff_truncated, new_file, deletes_entries, cwd, suggested_pattern } = d;
    const preview = Object.fromEntries(Object.entries({ diff, diff_truncated, new_file, deletes_entries, cwd, suggested_pattern }).filter(([, v]) => v !== undefined));
    return { event: "approval_required", data: { ...preview, request_id: d.request_id, tool_name: d.tool_name, operation: d.operation, resource: d.resource, reason: d.reason, expires_at: d.expires_at } };
  }
  const d: EventMap["approval.resolved"] = event.data;
  return { event: "approval_resolved", data: { request_id: d.request_id, status: d.status, ...(d.scope !== undefined ? { scope: d.scope } : {}) } };
}

const TURN_EVENTS = ["turn.event", "approval.required", "approval.resolved"] as const satisfies readonly EventType[];

/**
 * Delivers the turn's frames to `listener` until the returned function is called. Subscribe before starting the turn
 * (TurnRequest.turnId names it) so that `start` is not missed.
 */
export function followTurn(bus: Bus, turnId: string, listener: (event: TurnEvent) => void, options: { approvals?: boolean } = {}): () => void {
  return bus.subscribe(
    (e) => listener(e.type === "turn.event" ? e.data.event : toApprovalFrameView(e)),
    { types: options.approvals === false ? (["turn.event"] as const) : TURN_EVENTS, where: { turn_id: turnId } },
  );
}

/** The log scope of one turn's frames, for a feed (./eventlog/feed.ts); a `user` viewer gets only its own events. */
export function turnScope(turnId: string, viewer: Viewer | undefined, options: { approvals?: boolean } = {}): EventScope {
  return { turnId, types: options.approvals === false ? ["turn.event"] : TURN_EVENTS, ...(viewer?.role === "user" ? { owner: viewer.user } : {}) };
}

/** A logged turn or approval event as the chat stream frames it. */
export function toTurnFrame(event: LoggedEvent): TurnEvent {
  return event.type === "turn.event" ? (event.data as EventMap["turn.event"]).event : toApprovalFrameView(event as ApprovalEvent);
}

/** Whether a frame is a turn's last. */
export const endsTurn = (frame: TurnEvent): boolean => frame.event === "complete" || frame.event === "error";

export interface TurnToResume {
  turnId: string;
  /** Replay the turn's events after this id. */
  since: number;
  /** Still running (its end is still to come live); else everything is in the log. */
  running: boolean;
}

/**
 * Which turn a client that comes back means, and from where: the turn it names, else the turn of the event it last
 * saw (`since`), else the running turn of its conversation (from the turn's start). Another user's turn, or nothing
 * that fits, is a 404. A turn that is no longer running is resumed only after an event id (it replays to its end).
 */
export function findTurnToResume(
  sources: { engine: { runningTurns(filter?: { conversationId?: string; turnId?: string }): RunningTurn[] }; eventLog: EventLog },
  ask: { turnId?: string; conversationId?: string; since?: number },
  viewer?: Viewer,
): TurnToResume {
  let turnId = ask.turnId;
  if (!turnId && ask.since !== undefined) {
    const seen = sources.eventLog.event(ask.since);
    if (seen && typeof (seen.data as { turn_id?: unknown }).turn_id === "string" && canSee(viewer, seen.owner)) turnId = (seen.data as { turn_id: string }).turn_id;
  }
  if (!turnId && ask.conversationId) turnId = sources.engine.runningTurns({ conversationId: ask.conversationId }).find((t) => canSee(viewer, t.owner))?.turnId;
  const what = ask.turnId ?? ask.conversationId ?? String(ask.since ?? "");
  if (!turnId) throw notFound(ask.turnId ? "running turn" : ask.conversationId ? "running turn of conversation" : "turn of event", what);
  const running = sources.engine.runningTurns({ turnId })[0];
  if (running && !canSee(viewer, running.owner)) throw notFound("running turn", turnId);
  if (!running && ask.since === undefined) throw notFound("running turn", turnId);
  return { turnId, since: ask.since ?? running!.since, running: running !== undefined };
}
