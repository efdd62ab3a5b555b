// Shapes of the API as the page uses them. The chat stream events come straight from the engine's own
// declaration, so the page cannot drift from what the server sends.
export type { TurnEvent, TurnUsage, ActionResult } from "../../src/core/engine/schema";

export interface ConversationSummary {
  conversation_id: string;
  session_id?: string;
  title?: string | null;
  agent_id?: string;
  message_count?: number;
  created_at?: string | number;
  last_active?: string | number;
}

export interface StoredToolCall {
  id: string;
  name: string;
  /** JSON text (as the model produced it) or an already parsed object. */
  arguments: string | Record<string, unknown>;
}

export interface HistoryMessage {
  id?: string;
  role: "system" | "user" | "assistant" | "tool" | string;
  content: string;
  timestamp?: string | number;
  reasoning?: string | null;
  tool_calls?: StoredToolCall[] | null;
  tool_call_id?: string | null;
  name?: string | null;
  status?: string;
  usage?: Partial<UsageTotals> | null;
  prompt_tokens?: number;
  completion_tokens?: number;
  cost_usd?: number;
  metadata?: Record<string, unknown> | null;
}

export interface ConversationDetail extends ConversationSummary {
  messages: HistoryMessage[];
  /** Totals: {prompt, completion, total, cost_usd, requests} (or the turn's {prompt_tokens, …} shape). */
  usage?: Record<string, unknown> | null;
  token_usage?: Record<string, unknown> | null;
  directory?: string | null;
}

export interface UsageTotals {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

export interface ModelInfo {
  id: string;
  name?: string;
  provider?: string;
  vision_enabled?: boolean;
  max_output_tokens?: number;
  current?: boolean;
}

export interface AgentInfo {
  id: string;
  persona?: string | null;
  persona_description?: string | null;
  active?: boolean;
  paused?: boolean;
}

export interface PendingApproval {
  id: string;
  tool_name: string;
  operation?: string;
  resource?: string;
  reason?: string;
  session_id?: string;
  created_at?: string;
  expires_at?: string;
}

export interface Checkpoint {
  id: string;
  name?: string | null;
  description?: string | null;
  created_at?: string | number;
  type?: string;
  session_id?: string;
  conversation_id?: string;
  message_count?: number;
}

export interface UploadResult {
  path: string;
  filename?: string;
  content_type?: string;
}
