// Every bus event, declared once. Payloads are plain JSON so any transport (WS, SSE, a cross-instance bus)
// can carry them unchanged. Areas add their events here.
import type { TurnEvent } from "../engine/turn";

/** Fields that let a stream route an event to the right client. */
export interface Scope {
  conversation_id?: string;
  session_id?: string;
  agent_id?: string;
  /** The id of the turn (one user message and everything the agent did for it). */
  turn_id?: string;
}

type TurnEventData<E extends TurnEvent["event"]> = Extract<TurnEvent, { event: E }>["data"];

export interface EventMap {
  "conversation.created": Scope & { conversation_id: string };
  "conversation.deleted": Scope & { conversation_id: string };
  "message.appended": Scope & { message_id: string; role: string };
  /** Every live event of a turn, for subscribers other than the turn's own client (telemetry, event streams). */
  "turn.event": Scope & { turn_id: string; event: TurnEvent };
  /** Published by the permission layer; the engine forwards them to the waiting turn's client. */
  "approval.required": Scope & TurnEventData<"approval_required"> & { session_id: string };
  "approval.resolved": Scope & TurnEventData<"approval_resolved">;
  /** The current model was switched at run time (POST /api/v1/models/load). */
  "model.loaded": { model_id: string; previous_model_id: string | null };
  /** A task changed state (created, started, progressed, finished). */
  "task.updated": Scope & { task_id: string; status: string; project_id: string | null };
}
