// The one place an agentic task runs a turn: the planner, each sub-agent and the final combination all go through
// AgentTurnRunner: a turn of the named agent through the agents registry (its persona, model and tools, the
// max_concurrent_agents limit, paused agents refused), each in its own conversation, all in the task's session, so
// they share its root, sandbox and approval grants, and their approvals reach the task's owner like any other.
import type { TurnRequest, TurnResult } from "../engine/turn";
import type { Viewer } from "../kernel/viewer";

export interface AgentTurn {
  text: string;
  /** "default" unless the plan named a registered agent. */
  agentId: string;
  conversationId: string;
  sessionId: string;
  /** Named up front, so the turn's events can be followed (and its id stored) before it starts. */
  turnId: string;
  /** The task's signal: cancelling the task cancels the turn (and the tool it runs, and any approval it waits for). */
  signal: AbortSignal;
  viewer?: Viewer;
}

export type AgentTurnResult = Pick<TurnResult, "response" | "interrupted" | "usage" | "conversationId">;

export interface AgentTurnRunner {
  run(turn: AgentTurn): Promise<AgentTurnResult>;
}

export function agentTurnRunner(runTurn: (agentId: string, request: TurnRequest) => Promise<TurnResult>): AgentTurnRunner {
  return {
    run: (turn) =>
      runTurn(turn.agentId, {
        text: turn.text,
        agentId: turn.agentId,
        conversationId: turn.conversationId,
        sessionId: turn.sessionId,
        turnId: turn.turnId,
        signal: turn.signal,
        viewer: turn.viewer,
      }),
  };
}
