// Every bus event, declared once. Payloads are plain JSON so any transport (WS, SSE, a cross-instance bus)
// can carry them unchanged. Areas add their events here.

/** Fields that let a stream route an event to the right client. */
export interface Scope {
  conversation_id?: string;
  session_id?: string;
  agent_id?: string;
  /** The id of the turn (one user message and everything the agent did for it). */
  turn_id?: string;
}

export interface EventMap {
  "http.request": { method: string; path: string; status: number; ms: number; request_id: string };
  "conversation.created": Scope & { conversation_id: string };
  "conversation.deleted": Scope & { conversation_id: string };
  "message.appended": Scope & { message_id: string; role: string };
}
