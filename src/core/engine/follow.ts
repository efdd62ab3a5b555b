// Following one turn live, for the streams (chat WebSocket, SSE, tasks): its own frames (`turn.event`) and the
// approval prompts its tools raise (`approval.*`), straight from the bus, filtered by turn, in publish order.
import type { Bus, BusEventOf } from "../kernel/bus";
import type { EventMap } from "../kernel/bus";
import type { TurnEvent } from "./schema";

type ApprovalEvent = BusEventOf<"approval.required" | "approval.resolved">;

/** An approval bus event as the chat stream frames it (the scope fields stay on the bus). */
export function toApprovalFrameView(event: ApprovalEvent): TurnEvent {
  if (event.type === "approval.required") {
    const d = event.data;
    return { event: "approval_required", data: { request_id: d.request_id, tool_name: d.tool_name, operation: d.operation, resource: d.resource, reason: d.reason, expires_at: d.expires_at } };
  }
  const d: EventMap["approval.resolved"] = event.data;
  return { event: "approval_resolved", data: { request_id: d.request_id, status: d.status, ...(d.scope !== undefined ? { scope: d.scope } : {}) } };
}

/**
 * Delivers the turn's frames to `listener` until the returned function is called. Subscribe before starting the turn
 * (TurnRequest.turnId names it) so that `start` is not missed.
 */
export function followTurn(bus: Bus, turnId: string, listener: (event: TurnEvent) => void, options: { approvals?: boolean } = {}): () => void {
  return bus.subscribe(
    (e) => listener(e.type === "turn.event" ? e.data.event : toApprovalFrameView(e)),
    { types: options.approvals === false ? ["turn.event"] : ["turn.event", "approval.required", "approval.resolved"], where: { turn_id: turnId } },
  );
}
