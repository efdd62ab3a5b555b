// What the engine's pieces (prepare, call-model, loop) share: the core they read, the prepared turn, and what a turn
// accumulates while it runs.
import type { AgentEntry, Config, ModelEntry } from "../../config";
import type { Bus } from "../kernel/bus";
import type { ContextFiles } from "../conversation/context-files";
import type { Conversations, ConversationRow } from "../conversation/conversations";
import type { Logger } from "../kernel/log";
import type { ModelCatalog } from "../providers/models";
import type { Provider, ToolSpec } from "../providers/types";
import type { Roots } from "../fs/roots";
import type { ToolDefinition, ToolRuntime } from "../tools/types";
import type { ActionResult, TurnEvent } from "./schema";
import type { TurnRequest } from "./turn";
import type { Viewer } from "../kernel/viewer";
import type { MemoryUsed } from "../memory/schema";

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
  /** Long-term memory, recalled into each turn (src/core/memory). */
  readonly memory?: TurnMemory;
  readonly agents: AgentProfiles;
}

/** The agents registry as the engine reads it (implemented by src/core/agents). */
export interface AgentProfiles {
  /**
   * An agent's settings for a new turn (persona, prompt, model, and the tools it may use: never more than its
   * parent's). Unknown, or another user's (for a `user` viewer) → AGENT_NOT_FOUND; paused → CONFLICT, so a paused
   * agent takes no new work.
   */
  profileFor(agentId: string, viewer?: Viewer): AgentEntry;
}

/** What the engine asks of long-term memory: the section for this message's context, and what is in it. */
export interface TurnMemory {
  recall(request: { text: string; viewer?: Viewer; signal?: AbortSignal }): Promise<{ prompt: string; used: MemoryUsed[] } | undefined>;
}

/** A turn that passed every check: nothing was written yet. */
export interface PreparedTurn {
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
  /** `name`: an uploaded file's original name (its stored name is generated). */
  files: { path: string; content: string; name?: string }[];
  image?: { path: string; mediaType: string; base64: string; name?: string };
  maxIterations: number;
  tools: ToolSpec[];
  /** Estimated prompt tokens the tool specs take. */
  toolTokens: number;
  extraTools: Map<string, ToolDefinition>;
  /** Publishes one of this turn's events on the bus, scoped to the turn. */
  emit: (event: TurnEvent) => void;
}

/** Everything a turn accumulates. */
export interface TurnState {
  texts: string[];
  reasonings: string[];
  actions: ActionResult[];
  promptTokens: number;
  completionTokens: number;
  cost: number;
  iterations: number;
  lastMessageId: string;
  contextNote?: string;
  /** Long-term memories recalled into this turn's context. */
  memoriesUsed?: MemoryUsed[];
  interrupted: boolean;
}

/** Thrown inside a turn when it was cancelled; the loop ends the turn as interrupted. */
export class Interrupted extends Error {}
