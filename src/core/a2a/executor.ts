// The A2A agent executor: one task runs as one turn of the engine, in the conversation named by the context id, under
// the caller's key (so its conversation, approvals and audit entries are that user's). The turn's bus events become
// the task's updates:
//   start → WORKING · tokens → chunks of the `response` artifact · tool calls → WORKING updates naming the tool ·
//   approval_required → INPUT_REQUIRED (the approval travels as a data part; answering it through the approvals API
//   resumes the turn) · approval_resolved → WORKING · the turn's end → COMPLETED, CANCELED (stopped) or FAILED.
import { randomUUID } from "node:crypto";
import { Role, TaskState, type Artifact, type Message, type Part, type Task, type TaskStatusUpdateEvent } from "@a2a-js/sdk";
import { AgentEvent, type AgentExecutionEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from "@a2a-js/sdk/server";
import type { Bus } from "../kernel/bus";
import { AppError } from "../kernel/errors";
import { followTurn } from "../engine/follow";
import type { TurnEvent } from "../engine/schema";
import type { TurnRequest, TurnResult } from "../engine/turn";
import { isFinal, viewerOf, type TaskRecord, type TaskRecords } from "./tasks";

/** The engine seam this executor needs: a turn for an agent. */
export type RunAgentTurn = (agentId: string, request: TurnRequest) => Promise<TurnResult>;

const RESPONSE_ARTIFACT = "response";

export const textPart = (text: string): Part => ({ content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "text/plain" });
const dataPart = (value: unknown): Part => ({ content: { $case: "data", value }, metadata: undefined, filename: "", mediaType: "application/json" });

/** What the agent is asked: the text parts, and data parts as JSON blocks. File parts are refused before a task starts. */
export function textOf(message: Message): string {
  return message.parts
    .map((p) => (p.content?.$case === "text" ? p.content.value : p.content?.$case === "data" ? "```json\n" + JSON.stringify(p.content.value, null, 2) + "\n```" : ""))
    .filter((text) => text.trim() !== "")
    .join("\n\n");
}

export class TurnExecutor implements AgentExecutor {
  constructor(
    private readonly agentId: string,
    private readonly records: TaskRecords,
    private readonly bus: Bus,
    private readonly runTurn: RunAgentTurn,
  ) {}

  /** Never rejects: whatever goes wrong ends the task as FAILED (the SDK's own failure path would bypass the record). */
  async execute(request: RequestContext, sdkBus: ExecutionEventBus): Promise<void> {
    const viewer = viewerOf(request.context);
    const { taskId, contextId } = request;
    const controller = new AbortController();
    const record = this.records.begin({
      task: { id: taskId, contextId, status: undefined, artifacts: [], history: [], metadata: { agent_id: this.agentId } },
      agentId: this.agentId,
      owner: viewer?.user ?? null,
      controller,
    });
    const publish = (event: AgentExecutionEvent) => {
      this.records.apply(record, event);
      sdkBus.publish(event);
    };
    const status = (state: TaskState, message?: Message, metadata?: Record<string, unknown>): TaskStatusUpdateEvent => ({
      taskId,
      contextId,
      status: { state, message, timestamp: new Date().toISOString() },
      metadata,
    });
    const say = (...parts: Part[]): Message => ({ messageId: randomUUID(), contextId, taskId, role: Role.ROLE_AGENT, parts, metadata: undefined, extensions: [], referenceTaskIds: [] });
    const answer = (text: string, append: boolean, lastChunk: boolean) =>
      publish(AgentEvent.artifactUpdate({ taskId, contextId, artifact: responseArtifact(text), append, lastChunk, metadata: undefined }));

    const submitted: Task = { ...record.task, status: status(TaskState.TASK_STATE_SUBMITTED).status, history: [request.userMessage] };
    publish(AgentEvent.task(submitted));

    let streamed = false;
    const relay = (frame: TurnEvent) => {
      switch (frame.event) {
        case "start":
          publish(AgentEvent.statusUpdate(status(TaskState.TASK_STATE_WORKING)));
          break;
        case "token":
          answer(frame.data.token, streamed, false);
          streamed = true;
          break;
        case "tool_start":
          publish(AgentEvent.statusUpdate(status(TaskState.TASK_STATE_WORKING, undefined, { tool_call: { id: frame.data.id, name: frame.data.name } })));
          break;
        case "tool_result":
          publish(AgentEvent.statusUpdate(status(TaskState.TASK_STATE_WORKING, undefined, { tool_call: { id: frame.data.id, name: frame.data.name, status: frame.data.status } })));
          break;
        case "approval_required": {
          const approval = { ...frame.data, approve: `/api/v1/approvals/${frame.data.request_id}/approve`, deny: `/api/v1/approvals/${frame.data.request_id}/deny` };
          const text =
            `Approval needed: ${frame.data.tool_name} wants to ${frame.data.operation} \`${frame.data.resource}\` (${frame.data.reason}). ` +
            `Answer it on the Penguin server: POST ${approval.approve} or ${approval.deny}.`;
          publish(AgentEvent.statusUpdate(status(TaskState.TASK_STATE_INPUT_REQUIRED, say(textPart(text), dataPart({ approval })))));
          break;
        }
        case "approval_resolved":
          publish(AgentEvent.statusUpdate(status(TaskState.TASK_STATE_WORKING, undefined, { approval: frame.data })));
          break;
      }
    };
    // Subscribed before the turn starts, so its `start` is not missed.
    const unfollow = followTurn(this.bus, taskId, relay);
    try {
      const result = await this.runTurn(this.agentId, { text: textOf(request.userMessage), conversationId: contextId, agentId: this.agentId, viewer, turnId: taskId, signal: controller.signal, live: true });
      unfollow();
      // The whole answer replaces the streamed chunks (iterations are joined by blank lines the tokens don't carry).
      answer(result.response, false, true);
      record.task.metadata = { agent_id: this.agentId, usage: result.usage, model: result.model, actions: result.actionResults.map((a) => ({ name: a.action, status: a.status })) };
      const final = result.interrupted ? say(textPart(result.response ? `Cancelled. Partial answer:\n\n${result.response}` : "Cancelled.")) : say(textPart(result.response));
      publish(AgentEvent.statusUpdate(status(result.interrupted ? TaskState.TASK_STATE_CANCELED : TaskState.TASK_STATE_COMPLETED, final)));
    } catch (error) {
      unfollow();
      const known = error instanceof AppError;
      const message = say(textPart(known ? error.message : "internal error while running the turn"));
      message.metadata = { code: known ? error.errorCode : "INTERNAL_ERROR" };
      publish(AgentEvent.statusUpdate(status(controller.signal.aborted ? TaskState.TASK_STATE_CANCELED : TaskState.TASK_STATE_FAILED, message)));
    } finally {
      this.records.finish(record);
    }
  }

  /** Stops the turn; its end publishes CANCELED. A task that already ended repeats its final state, so a cancel that
   *  raced the end (and now waits on the bus for a final state) is answered. */
  async cancelTask(taskId: string, sdkBus: ExecutionEventBus): Promise<void> {
    const record = this.records.get(taskId);
    if (!record) return;
    if (record.controller) {
      record.controller.abort(new Error("cancelled over A2A"));
      return;
    }
    if (isFinal(record.task.status?.state)) repeatFinalState(record, sdkBus);
  }
}

function repeatFinalState(record: TaskRecord, sdkBus: ExecutionEventBus): void {
  const { id: taskId, contextId, status } = record.task;
  sdkBus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: structuredClone(status), metadata: undefined }));
}

const responseArtifact = (text: string): Artifact => ({
  artifactId: RESPONSE_ARTIFACT,
  name: RESPONSE_ARTIFACT,
  description: "The agent's answer",
  parts: [textPart(text)],
  metadata: undefined,
  extensions: [],
});
