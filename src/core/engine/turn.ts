// The engine seam: one turn = one user message and everything the agent does for it.
// Implemented by src/core/engine/engine.ts; used by the chat surfaces, tasks and agents.
import type { ToolCallRecord, ToolDefinition } from "../tools/types";

export interface TurnRequest {
  text: string;
  conversationId?: string;
  sessionId?: string;
  /** Binds the session to this directory on first use (409 on rebinding elsewhere, 400 when invalid). */
  directory?: string;
  agentId?: string;
  context?: Record<string, unknown>;
  contextFiles?: string[];
  imagePath?: string;
  maxIterations?: number;
  includeReasoning?: boolean;
  /** Per-turn overrides (PiSovereign surface). */
  systemPrompt?: string;
  model?: string;
  temperature?: number;
  maxTokens?: number;
  /** Aborting cancels the upstream request and any running tool; the turn ends marked interrupted. */
  signal?: AbortSignal;
  /** Live events of this turn, in order (see TurnEvent). */
  onEvent?: (event: TurnEvent) => void;
  /** Tools available to this turn only (e.g. a task's `task_completed`). */
  extraTools?: ToolDefinition[];
}

export interface ActionResult {
  action: string;
  result: string;
  status: "completed" | "error" | "denied";
  id: string;
  arguments: Record<string, unknown>;
  started_at: string;
  duration_ms: number;
}

export interface TurnUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

export interface TurnResult {
  turnId: string;
  conversationId: string;
  sessionId: string;
  /** id of the final assistant message */
  messageId: string;
  response: string;
  reasoning: string;
  actionResults: ActionResult[];
  usage: TurnUsage;
  iterations: number;
  model: string;
  interrupted: boolean;
  /** Set when older history was trimmed or summarised to fit the context window. */
  contextNote?: string;
  createdAt: string;
}

/** Streamed to WS clients as {"event": name, "data": {...}}. */
export type TurnEvent =
  | { event: "start"; data: { conversation_id: string; session_id: string; turn_id: string } }
  | { event: "token"; data: { token: string } }
  | { event: "reasoning"; data: { token: string } }
  | { event: "progress"; data: { iteration: number; max_iterations: number } }
  | { event: "tool_start"; data: { id: string; name: string; arguments: Record<string, unknown> } }
  | { event: "tool_result"; data: { id: string; name: string; status: ToolCallRecord["status"]; result: string; duration_ms: number } }
  | { event: "approval_required"; data: { request_id: string; tool_name: string; operation: string; resource: string; reason: string; expires_at: string } }
  | { event: "approval_resolved"; data: { request_id: string; status: "approved" | "denied" | "expired"; scope?: string } }
  | {
      event: "complete";
      data: {
        response: string;
        action_results: ActionResult[];
        reasoning: string;
        conversation_id: string;
        usage: TurnUsage;
        /** true when the turn was cancelled (stop, disconnect, shutdown); `response` holds what was streamed. */
        interrupted?: boolean;
        /** Set when older history was trimmed or summarised to fit the context window. */
        context_note?: string;
      };
    }
  | { event: "error"; data: { message: string; code?: string } };

export interface Engine {
  runTurn(request: TurnRequest): Promise<TurnResult>;
}
