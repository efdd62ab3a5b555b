// Agentic tasks (PiSovereign: /v1/agentic/tasks*): create, status, the SSE stream and cancel. Thin translation over
// core.agentic (src/core/agentic/agentic.ts plans, runs the sub-agents and combines through the engine). The stream
// replays the task's stored events (after `since` / Last-Event-ID) and then follows it live until its final event.
// A task belongs to the user who created it: another `user` key gets 404 for it.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { AgenticTasks, isFinalEvent } from "../src/core/agentic/agentic";
import { AgenticStreamQuery, AgenticTaskCancelled, AgenticTaskCreated, AgenticTaskEvent, AgenticTaskParams, AgenticTaskView, CreateAgenticTask } from "../src/core/agentic/schema";
import type { StoredEvent } from "../src/core/agentic/repository";
import { callerOf } from "../src/http/auth";
import { SseStream } from "../src/http/sse-stream";
import { ErrorEnvelope, queryOf } from "../src/http/schemas";

const HEARTBEAT_MS = 15_000;

/** The replay starts after this event: `since`, else a numeric Last-Event-ID (what an EventSource sends on reconnect). */
function resumeFrom(since: number | undefined, lastEventId: string | null): number {
  if (since !== undefined) return since;
  return lastEventId && /^\d{1,15}$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : 0;
}

/** An SSE response that follows one task: `id`, `event` and `data` per stored or live event, closed after the last.
 *  The shared SseStream gives it heartbeats, a bounded queue with a gap notice, and one idempotent close. */
function taskStream(core: Core, taskId: string, since: number, request: Request): Response {
  let unfollow: (() => void) | undefined;
  // Closing the stream only stops watching: the task runs on (cancel it with POST …/cancel).
  const stream = new SseStream({
    log: core.log,
    label: "agentic task",
    queueLimit: core.config.events.streamQueue,
    heartbeatMs: HEARTBEAT_MS,
    signal: request.signal,
    onClose: () => unfollow?.(),
  });
  const off = core.agentic.follow(taskId, since, ({ seq, event }: StoredEvent) => {
    stream.send(event.event, event.data, seq);
    if (isFinalEvent(event)) stream.close();
  });
  if (stream.closed) off();
  else {
    unfollow = off;
    // Nothing more will come for a task that has already ended (its final event was before `since`).
    if (AgenticTasks.isFinal(core.agentic.require(taskId).status)) stream.close();
  }
  return new Response(stream.body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" },
  });
}

export const agenticPlugin = (core: Core) =>
  new Elysia({ name: "agentic", detail: { tags: ["agentic tasks (PiSovereign)"] } })
    .post(
      "/v1/agentic/tasks",
      ({ body, request, set }) => {
        const created = core.agentic.create({ description: body.description, require_approval: body.require_approval ?? undefined }, callerOf(request));
        set.status = 201;
        return created;
      },
      {
        body: CreateAgenticTask,
        response: { 201: AgenticTaskCreated, 422: ErrorEnvelope, 429: ErrorEnvelope, 503: ErrorEnvelope },
        detail: {
          summary: "Create an agentic task",
          description:
            "Answers at once (201, status `planning`). A planner turn splits the description into sub-tasks (a JSON plan, validated; an invalid answer " +
            "is retried once, then the task fails); sub-agents run them in parallel ([agentic] max_parallel at once), each an engine turn in its own " +
            "conversation in the task's session (same root, sandbox and approvals); a final turn combines their results. With `require_approval`, the plan " +
            "waits as an approval request (`approval_request_id`; POST /api/v1/approvals/{id}/approve or /deny; denial or expiry cancels the task) " +
            "before any sub-agent starts. 503 when no model is configured or agentic tasks are turned off.",
        },
      },
    )
    .get("/v1/agentic/tasks/:task_id", ({ params, request }) => core.agentic.get(params.task_id, callerOf(request)), {
      params: AgenticTaskParams,
      response: { 200: AgenticTaskView, 404: ErrorEnvelope },
      detail: { summary: "An agentic task's status, plan, sub-agents and result" },
    })
    .get(
      "/v1/agentic/tasks/:task_id/stream",
      ({ params, query, request }) => {
        core.agentic.require(params.task_id, callerOf(request));
        return taskStream(core, params.task_id, resumeFrom(query.since, request.headers.get("last-event-id")), request);
      },
      {
        params: AgenticTaskParams,
        query: queryOf(AgenticStreamQuery),
        // Documented here rather than with `response`, which would replace these (and cannot describe a stream).
        detail: {
          summary: "Follow an agentic task over Server-Sent Events",
          responses: {
            200: { description: "Server-Sent Events: `id: <seq>`, `event: <name>`, `data: <json>` per event", content: { "text/event-stream": { schema: AgenticTaskEvent } } },
            404: { description: "Unknown task (or another user's)", content: { "application/json": { schema: ErrorEnvelope } } },
            422: { description: "Invalid `since`", content: { "application/json": { schema: ErrorEnvelope } } },
          },
          description:
            "text/event-stream. Events, in order, each with an `id`: `task_started` {task_id, description}, `plan_created` {task_id, plan_summary, " +
            "sub_tasks[], require_approval}, `approval_required` {task_id, request_id, expires_at} (require_approval only), `sub_agent_started` " +
            "{sub_agent_id, description, agent_id, conversation_id}, `sub_agent_completed` {sub_agent_id, status, result, error?}, then one of " +
            "`task_completed` {task_id, result}, `task_failed` {task_id, error, status}, `task_cancelled` {task_id, reason}, after which the stream " +
            "closes. A subscriber that comes late gets every earlier event first; `since=<id>` or a Last-Event-ID header replays only what came after " +
            "that id. Closing the stream does not cancel the task.",
        },
      },
    )
    .post("/v1/agentic/tasks/:task_id/cancel", ({ params, request }) => core.agentic.cancel(params.task_id, callerOf(request)), {
      params: AgenticTaskParams,
      response: { 200: AgenticTaskCancelled, 404: ErrorEnvelope },
      detail: {
        summary: "Cancel an agentic task and all its sub-agents",
        description: "Cancels the planner, every running sub-agent turn (and any approval it waits for) and the combination, and answers once they have stopped. A task that already ended is returned unchanged (cancelled: false).",
      },
    });
