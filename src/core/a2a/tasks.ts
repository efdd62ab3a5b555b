// A2A tasks as this server keeps them: one task is one turn (task id = turn id) of one conversation (context id =
// conversation id); the conversation holds the messages, the record here holds the task's protocol state.
//
// The executor is the only writer: it records each event here before it publishes it to the SDK's request handler.
// The handler saves too (it replays the same events into its own copy, sometimes after the turn has moved on, and not
// at all once its caller has its answer, e.g. after INPUT_REQUIRED), so its saves are ignored: a late replay can never
// move a task backwards, and a task keeps advancing while nobody is listening.
//
// Records live in memory (the turns, approvals and conversations behind them are in the database): running tasks
// always, finished ones up to KEEP_FINISHED, and none of a deleted conversation.
import { TaskState, type ListTasksRequest, type ListTasksResponse, type Task } from "@a2a-js/sdk";
import type { AgentExecutionEvent, ServerCallContext, TaskStore, User } from "@a2a-js/sdk/server";
import { canSee, type Viewer } from "../kernel/viewer";

const KEEP_FINISHED = 1000;
const DEFAULT_PAGE_SIZE = 50;

export const FINAL_STATES: readonly TaskState[] = [TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED];
export const isFinal = (state: TaskState | undefined) => state !== undefined && FINAL_STATES.includes(state);

/** The caller, as the SDK carries it through a call (ServerCallContext.user). */
export class CallerUser implements User {
  constructor(readonly viewer: Viewer | undefined) {}
  get isAuthenticated(): boolean {
    return this.viewer !== undefined;
  }
  get userName(): string {
    return this.viewer?.user ?? "";
  }
}

export const viewerOf = (context: ServerCallContext): Viewer | undefined => (context.user instanceof CallerUser ? context.user.viewer : undefined);

export interface TaskRecord {
  task: Task;
  agentId: string;
  /** The user whose key started it (null with authentication off). */
  owner: string | null;
  /** Set while the turn runs: aborting it cancels the turn. */
  controller?: AbortController;
}

export class TaskRecords {
  private readonly byId = new Map<string, TaskRecord>();
  private readonly finished: string[] = [];

  constructor(private readonly keepFinished = KEEP_FINISHED) {}

  begin(record: TaskRecord): TaskRecord {
    this.byId.set(record.task.id, record);
    return record;
  }

  get(id: string): TaskRecord | undefined {
    return this.byId.get(id);
  }

  /** The task as `viewer` may see it through `agentId`'s endpoints; another agent's or another user's is missing. */
  visible(id: string, agentId: string, viewer: Viewer | undefined): TaskRecord | undefined {
    const record = this.byId.get(id);
    return record && record.agentId === agentId && canSee(viewer, record.owner) ? record : undefined;
  }

  /** Applies one event to the task, the way the SDK's ResultManager would; nothing changes a finished task. */
  apply(record: TaskRecord, event: AgentExecutionEvent): void {
    const task = record.task;
    switch (event.kind) {
      case "task":
        record.task = { ...structuredClone(event.data), history: event.data.history.length ? structuredClone(event.data.history) : task.history };
        break;
      case "statusUpdate": {
        if (isFinal(task.status?.state) || !event.data.status) return;
        task.status = structuredClone(event.data.status);
        const message = event.data.status.message;
        if (message && !task.history.some((m) => m.messageId === message.messageId)) task.history.push(structuredClone(message));
        break;
      }
      case "artifactUpdate": {
        const artifact = event.data.artifact;
        if (isFinal(task.status?.state) || !artifact) return;
        const existing = task.artifacts.find((a) => a.artifactId === artifact.artifactId);
        if (existing && event.data.append) existing.parts.push(...structuredClone(artifact.parts));
        else if (existing) Object.assign(existing, structuredClone(artifact));
        else task.artifacts.push(structuredClone(artifact));
        break;
      }
      case "message":
        break;
    }
  }

  /** The turn has ended: the record stops being cancellable and joins the bounded list of finished tasks. */
  finish(record: TaskRecord): void {
    record.controller = undefined;
    this.finished.push(record.task.id);
    while (this.finished.length > this.keepFinished) this.byId.delete(this.finished.shift()!);
  }

  /** A deleted conversation takes its tasks with it. */
  forgetContext(contextId: string): void {
    for (const [id, record] of this.byId) if (record.task.contextId === contextId && !record.controller) this.byId.delete(id);
    this.finished.splice(0, this.finished.length, ...this.finished.filter((id) => this.byId.has(id)));
  }

  /** The SDK's view of the tasks of one agent, for one caller at a time. */
  storeFor(agentId: string): TaskStore {
    return new AgentTaskStore(this, agentId);
  }

  list(agentId: string, viewer: Viewer | undefined, params: ListTasksRequest): ListTasksResponse {
    const after = params.statusTimestampAfter ? Date.parse(params.statusTimestampAfter) : undefined;
    const matching = [...this.byId.values()]
      .filter((r) => r.agentId === agentId && canSee(viewer, r.owner))
      .map((r) => r.task)
      .filter((t) => !params.contextId || t.contextId === params.contextId)
      .filter((t) => !params.status || t.status?.state === params.status)
      .filter((t) => after === undefined || Date.parse(t.status?.timestamp ?? "") > after)
      .sort((a, b) => (b.status?.timestamp ?? "").localeCompare(a.status?.timestamp ?? ""));
    const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
    const offset = Math.max(0, Number.parseInt(params.pageToken || "0", 10) || 0);
    const page = matching.slice(offset, offset + pageSize).map((t) => structuredClone(t));
    if (!params.includeArtifacts) for (const t of page) t.artifacts = [];
    return { tasks: page, nextPageToken: offset + pageSize < matching.length ? String(offset + pageSize) : "", pageSize, totalSize: matching.length };
  }
}

class AgentTaskStore implements TaskStore {
  constructor(
    private readonly records: TaskRecords,
    private readonly agentId: string,
  ) {}

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const record = this.records.visible(taskId, this.agentId, viewerOf(context));
    return record ? structuredClone(record.task) : undefined;
  }

  /** The executor already recorded every event (see the top of this file). */
  async save(): Promise<void> {}

  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.records.list(this.agentId, viewerOf(context), params);
  }
}
