// The tool seam: the engine asks the registry for tool specs to send to the model and hands every tool call
// to `ToolRuntime.execute`, which runs it through the permission layer (allow / ask / deny + audit).
import type { TSchema } from "@sinclair/typebox";
import type { PermissionCategory } from "../permission/schema";
import type { CommandRisk } from "../shell";
import type { Viewer } from "../kernel/viewer";

export interface ToolContext {
  /** The root this call may touch: the session's bound directory, else the active root. */
  root: string;
  sessionId: string;
  conversationId: string;
  agentId: string;
  /** Aborted when the turn is cancelled (stop, disconnect, shutdown): tools must stop and clean up. */
  signal: AbortSignal;
  /** The turn this call belongs to; bus events for live clients (e.g. approval_required) carry it. */
  turnId: string;
  /** The user whose turn this is: its approval requests and audit entries belong to that user. */
  owner?: string;
  /** Who sent the turn (owner and role), for tools that start work on the same user's behalf (sub-agents). */
  viewer?: Viewer;
  /** A turn started by untrusted input (webhooks): read-only, and no approval is asked for (asks are denied). */
  restricted?: boolean;
}

export interface ToolOutput {
  /** Text returned to the model. */
  output: string;
  ok: boolean;
  /** Extra structured data for action_results / the UI (diff, exit code, truncated, …). */
  data?: Record<string, unknown>;
  /** Images for vision models (read_file of an image). */
  images?: { mediaType: string; base64: string }[];
}

export interface ToolDefinition<S extends TSchema = TSchema> {
  name: string;
  /** Written for the model: what it does, when to use it, its limits. */
  description: string;
  /** TypeBox for built-in tools; plain JSON Schema (an MCP server's tools) is checked as JSON Schema. */
  parameters: S;
  category: PermissionCategory;
  /** e.g. "read", "write", "delete", "execute" → operation "filesystem.write" */
  operation: string;
  /** The resource the permission policy judges: an absolute path, a command line, … */
  resource(args: unknown, ctx: ToolContext): string;
  /** The call's risk when the resource alone does not show it (sending input to a process that runs a shell);
   *  undefined leaves it to the policy. */
  assess?(args: unknown, ctx: ToolContext): CommandRisk | undefined;
  run(args: unknown, ctx: ToolContext): Promise<ToolOutput>;
  /**
   * The files (absolute paths) this call will write, move or delete, so the before-run hooks see them before they
   * change (checkpoints keep their current content for a later rollback). A folder stands for every file in it.
   */
  changes?(args: unknown, ctx: ToolContext): string[];
  timeoutMs?: number;
  /** Appended to the timeout message: how the model can avoid the timeout next time. */
  timeoutHint?: string;
}

export interface ToolCallRecord {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  status: "completed" | "error" | "denied";
  output: string;
  data?: Record<string, unknown>;
  started_at: number;
  duration_ms: number;
}

/** What a before-run hook learns about the call about to run. */
export interface PendingToolCall {
  /** The paths the call declares it will change (ToolDefinition.changes); empty for a call that changes no file. */
  changes: readonly string[];
}

/**
 * Work that must be finished just before a permitted tool call runs (e.g. a checkpoint's snapshot of the files the
 * tool may change, and the pre-images of the files it declares). Awaited after the permission decision, so a denied
 * call costs nothing.
 */
export type BeforeToolRunHook = (ctx: ToolContext, tool: ToolDefinition, call: PendingToolCall) => Promise<void>;

/** How other core areas attach to the tool runtime without it knowing them. Implemented by src/core/tools/runtime.ts. */
export interface ToolRunHooks {
  /**
   * Registers a hook awaited right before every permitted tool call runs, in registration order. A cancelled turn
   * stops waiting for it; a failing hook is logged and the tool still runs. Returns a function that removes it.
   */
  beforeRun(hook: BeforeToolRunHook): () => void;
}

/** What the engine uses. Implemented by src/core/tools/runtime.ts. */
export interface ToolRuntime {
  /** Names of the registered tools. */
  names(): string[];
  /** Changes whenever a tool is registered or removed. */
  readonly revision: number;
  /** JSON-schema specs for the provider, optionally limited to an agent's default tools, plus a turn's own tools. */
  specs(names?: string[], extraTools?: ToolDefinition[]): { name: string; description: string; parameters: Record<string, unknown> }[];
  /**
   * Validates the arguments, checks permissions (may wait for approval), runs, audits. Never throws.
   * `extraTools` are a turn's own tools (e.g. a task's `task_completed`), run through the same path.
   */
  execute(
    call: { id: string; name: string; arguments: string },
    ctx: ToolContext,
    options?: { extraTools?: ToolDefinition[] },
  ): Promise<ToolCallRecord & { images?: ToolOutput["images"] }>;
}
