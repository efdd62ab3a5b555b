// The engine seam: one turn = one user message and everything the agent does for it.
// Implemented by src/core/engine/engine.ts; used by the chat surfaces, tasks and agents. A turn's live events are
// published on the bus (`turn.event`, shapes in ./schema.ts); whoever wants them subscribes there.
import type { Viewer } from "../kernel/viewer";
import type { ToolDefinition } from "../tools/types";
import type { ActionResult, TurnUsage } from "./schema";
import type { MemoryUsed } from "../memory/schema";

export interface TurnRequest {
  text: string;
  conversationId?: string;
  sessionId?: string;
  /** Binds the session to this directory on first use (409 on rebinding elsewhere, 400 when invalid). */
  directory?: string;
  agentId?: string;
  /** The message bus channel the turn belongs to: its messages carry it, so history can be filtered by it. */
  channel?: string;
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
  /** Names the turn, so a caller can subscribe to its events (`turn_id`) before it starts. A new id when omitted. */
  turnId?: string;
  /**
   * A client watches this turn as it happens (WS, SSE): each streamed batch is written to the database before it is
   * published, so whatever a client has seen is on disk. Otherwise the partial answer is written at most every 250 ms.
   */
  live?: boolean;
  /** Tools available to this turn only (e.g. a task's `task_completed`). */
  extraTools?: ToolDefinition[];
  /** Who sends the turn: a `user` may only write into its own conversations and sessions (else 404); what the turn
   *  creates (conversation, approval requests, audit entries) belongs to this user. */
  viewer?: Viewer;
  /** Untrusted input (a webhook): the turn runs read-only, and what would ask for approval is denied instead. */
  restricted?: boolean;
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
  /** Long-term memories recalled into the turn's context (why the model knew something). */
  memoriesUsed?: MemoryUsed[];
  createdAt: string;
}

/** A turn in progress, as a client that comes back finds it (the chat page after a reload, a dropped stream). */
export interface RunningTurn {
  turnId: string;
  conversationId: string;
  sessionId: string;
  agentId: string;
  /** The user whose key started it (null: auth off or the server itself). */
  owner: string | null;
  /** The newest event id before the turn's first event: a stream resumed with since=<this> replays the whole turn. */
  since: number;
  /** epoch ms */
  startedAt: number;
}

export interface Engine {
  runTurn(request: TurnRequest): Promise<TurnResult>;
}
