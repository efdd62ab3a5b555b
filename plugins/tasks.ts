// Tasks (Penguin API: /api/v1/tasks*): execute in the background, execute-sync, list, status, cancel, and the WS
// /api/v1/tasks/stream. Thin translation over core.tasks (src/core/tasks/tasks.ts runs them through the engine). Live
// events come from the event log (`task.event`, each frame with its event id), each socket following its own tasks;
// a socket that goes away stops following, its tasks run on (cancel is explicit), and a client resumes with `since`.
// A task belongs to the user who started it: another `user` key gets 404 for it and does not see it listed.
import { Elysia, t, type Static } from "elysia";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { Core } from "../src/core";
import { AppError } from "../src/core/kernel/errors";
import { newId } from "../src/core/kernel/ids";
import type { LoggedEvent } from "../src/core/eventlog/event-log";
import { Feed } from "../src/core/eventlog/feed";
import { Since } from "../src/core/eventlog/schema";
import { failureCause } from "../src/core/tasks/tasks";
import { TaskListQuery, TaskOutcome, TaskStatus, TaskView, type TaskEvent } from "../src/core/tasks/schema";
import { canSee, ownerLimit, type Viewer } from "../src/core/kernel/viewer";
import { callerOf } from "../src/http/auth";
import { LiveSocket, LiveSockets, rawSocket } from "../src/http/live-socket";
import { ErrorEnvelope, maybe, Id, queryOf, withoutNulls } from "../src/http/schemas";

/** Also used by plugins/projects.ts. */
export const TaskSchema = TaskView;

export const TaskBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  description: maybe(t.String({ maxLength: 100_000 })),
  continuous: maybe(t.Boolean({ description: "Keep taking turns until the model calls task_completed or the time limit passes" })),
  time_limit: maybe(t.Number({ exclusiveMinimum: 0, maximum: 1440, description: "Minutes (fractions allowed; default 30)" })),
  project_id: maybe(Id),
  agent_id: maybe(Id),
  max_turns: maybe(t.Integer({ minimum: 1, maximum: 1000, description: "Safety bound on the turns of a continuous task (default 50)" })),
});
type TaskBody = Static<typeof TaskBody>;

const inputFrom = (b: TaskBody) => withoutNulls(b);

const Params = t.Object({ task_id: Id });

// ── WebSocket ─────────────────────────────────────────────────────────────────────────────────────────────────

const taskCheck = TypeCompiler.Compile(TaskBody);
const stopCheck = TypeCompiler.Compile(t.Object({ type: t.Union([t.Literal("stop"), t.Literal("cancel")]), task_id: t.Optional(t.String()) }));
const MAX_TASKS_PER_SOCKET = 8;

interface SocketState {
  socket: LiveSocket;
  /** Who opened the socket: its tasks run as this user. */
  viewer?: Viewer;
  /** The tasks this socket follows (started here, or resumed): what {"type":"stop"} cancels. */
  following: Map<string, Feed>;
}

const taskEventOf = (event: LoggedEvent) => (event.data as { event: TaskEvent }).event;
const endsTask = (event: LoggedEvent) => ["complete", "error"].includes(taskEventOf(event).event);

const FollowQuery = t.Object({
  since: t.Optional(Since),
  task_id: t.Optional(t.String({ ...Id, description: "Follow this task (with since: its events after that id are replayed first)" })),
  token: t.Optional(t.String()),
});

export const tasksPlugin = (core: Core) => {
  const { tasks } = core;
  const options = { ...core.config.webSocket, queueLimit: core.config.events.streamQueue, log: core.log, label: "task" };
  const sockets = new LiveSockets<SocketState>();
  const watchers = new LiveSockets<{ socket: LiveSocket }>();

  /**
   * Streams a task's events (after `since`, else from now) to the socket until it ends; `onEnd` runs then. A task
   * followed again (`resumed`) that has already ended stops the feed once its events are replayed.
   */
  const followTask = (socket: LiveSocket, taskId: string, viewer: Viewer | undefined, since: number | undefined, onEnd: () => void, resumed = true): Feed => {
    const owner = ownerLimit(viewer);
    const feed: Feed = new Feed(
      core.eventLog,
      {
        scope: { taskId, types: ["task.event"], ...(owner !== undefined ? { owner } : {}) },
        since,
        until: endsTask,
        onEnd: () => {
          offDrain();
          onEnd();
        },
        // Caught up with a task that has ended: its end came before `since`, nothing more will come.
        onLive: () => {
          if (resumed && !tasks.isRunning(taskId)) feed.close();
        },
      },
      socket.sink((event) => ({ ...taskEventOf(event), id: event.id })),
    );
    const offDrain = socket.onDrain(() => feed.resume());
    return feed.start();
  };

  return new Elysia({ name: "tasks", detail: { tags: ["tasks"] } })
    .post(
      "/api/v1/tasks/execute",
      ({ body, request }) => {
        const { task } = tasks.start(inputFrom(body), { viewer: callerOf(request) });
        return {
          status: "started" as const,
          task_id: task.id,
          name: task.name,
          message: `Task '${task.name}' started`,
          task: tasks.get(task.id),
        };
      },
      {
        body: TaskBody,
        response: {
          200: t.Object({ status: t.Literal("started"), task_id: t.String(), name: t.String(), message: t.String(), task: TaskSchema }),
          404: ErrorEnvelope,
          429: ErrorEnvelope,
          503: ErrorEnvelope,
        },
        detail: {
          summary: "Start a task in the background",
          description:
            "Returns at once with the task id; follow it with GET /api/v1/tasks/{task_id}. The task runs through the agent engine in its own conversation, " +
            "bounded by time_limit (minutes). Unknown project_id → 404.",
        },
      },
    )
    .post(
      "/api/v1/tasks/execute-sync",
      async ({ body, request }) => {
        // A client that goes away cancels its task.
        const { done } = tasks.start(inputFrom(body), { signal: request.signal, viewer: callerOf(request) });
        const outcome = await done;
        const cause = failureCause(outcome);
        // Refused before any work happened (no model configured, upstream down): answer with that error.
        if (cause && outcome.task_metadata.turns === 0) throw new AppError(cause.errorCode, cause.message, { ...cause.details, task_id: outcome.task_id });
        return outcome;
      },
      {
        body: TaskBody,
        response: { 200: TaskOutcome, 400: ErrorEnvelope, 404: ErrorEnvelope, 429: ErrorEnvelope, 502: ErrorEnvelope, 503: ErrorEnvelope },
        detail: {
          summary: "Run a task to completion",
          description:
            "Answers when the task ends: completed, timeout (time_limit reached; the work so far is in the response), cancelled or failed. " +
            "A task refused before its first turn (no usable model, upstream error) answers with that error (502/503) and the task id in details.",
        },
      },
    )
    // Before /api/v1/tasks/:task_id, which would otherwise take the upgrade request for "stream".
    .ws("/api/v1/tasks/stream", {
      detail: {
        summary: "Run tasks and stream their events",
        description:
          'Send a task as a JSON frame (same fields as POST /api/v1/tasks/execute); receive {"event","data","id"} frames: start, progress, action ' +
          "(each tool result), complete (same payload as execute-sync, also for timeout and cancelled) and error (failed or invalid request); `id` is " +
          'the event\'s id. {"type":"stop"} (or "cancel", optionally with task_id) cancels the socket\'s running task(s). A task belongs to the server: ' +
          "closing the socket does not cancel it; ?task_id=…&since=<last id seen> resumes following it. A client that stops reading gets a `gap` " +
          "event (resume_from) past its bound, and the socket closes.",
      },
      query: queryOf(FollowQuery),
      open(ws) {
        const following = new Map<string, Feed>();
        const viewer = callerOf(ws.data.request);
        // A client that goes away stops following; its tasks go on (cancel them with stop or the cancel route).
        const socket = new LiveSocket(rawSocket(ws), options, () => {
          for (const feed of [...following.values()]) feed.close();
        });
        const state: SocketState = { viewer, following, socket };
        sockets.set(ws, state);
        const { task_id: taskId, since } = ws.data.query;
        if (!taskId) return;
        const row = tasks.find(taskId);
        if (!row || !canSee(viewer, row.owner)) return socket.sendError(`task '${taskId}' not found`, "NOT_FOUND", { id: taskId });
        following.set(taskId, followTask(socket, taskId, viewer, since, () => following.delete(taskId)));
      },
      pong(ws) {
        sockets.pong(ws);
      },
      drain(ws) {
        sockets.drain(ws);
      },
      message(ws, message) {
        const received = sockets.receive(ws, message);
        if (!received) return;
        const { state, frame } = received;
        const { socket } = state;
        if (stopCheck.Check(frame)) {
          const ids = frame.task_id ? [frame.task_id].filter((id) => state.following.has(id)) : [...state.following.keys()];
          for (const id of ids) void tasks.cancel(id).catch(() => {});
          return;
        }
        if (!taskCheck.Check(frame)) {
          return socket.rejectFrame(frame, taskCheck, "task");
        }
        if (state.following.size >= MAX_TASKS_PER_SOCKET) return socket.sendError(`too many running tasks on this socket (limit ${MAX_TASKS_PER_SOCKET})`, "RATE_LIMITED");
        // Named first, so the feed is in place before the task's `start` event.
        const id = newId();
        const feed = followTask(socket, id, state.viewer, core.bus.lastId, () => state.following.delete(id), false);
        state.following.set(id, feed);
        try {
          tasks.start(inputFrom(frame), { id, viewer: state.viewer });
        } catch (error) {
          feed.close();
          const known = error instanceof AppError;
          if (!known) core.log.error("task stream start failed", { error: String(error) });
          socket.sendError(known ? error.message : "internal error", known ? error.errorCode : "INTERNAL_ERROR");
        }
      },
      close(ws) {
        sockets.close(ws);
      },
    })
    // Also keeps GET /api/v1/tasks/:task_id out of Bun's native router, which would otherwise answer the upgrade
    // request for /api/v1/tasks/stream with that route.
    .ws("/api/v1/tasks/:task_id", {
      params: Params,
      query: queryOf(t.Object({ since: t.Optional(Since), token: t.Optional(t.String()) })),
      detail: {
        summary: "Follow one task's events",
        description:
          'First a {"event":"snapshot","data":<task>} frame, then the task\'s progress, action, complete or error events (each with its event `id`); ' +
          "the socket closes when the task ends (at once when it already has). With since=<id>, the task's events after that id are replayed first, " +
          "also for a task that has ended. An unknown id gets an error event and close code 4404.",
      },
      open(ws) {
        const raw = rawSocket(ws);
        const id = ws.data.params.task_id;
        const viewer = callerOf(ws.data.request);
        const row = tasks.find(id);
        // Another user's task looks exactly like a missing one.
        if (!row || !canSee(viewer, row.owner)) {
          raw.send(JSON.stringify({ event: "error", data: { message: `task '${id}' not found`, code: "NOT_FOUND" } }));
          raw.close(4404, "task not found");
          return;
        }
        const { since } = ws.data.query;
        let feed: Feed | undefined;
        const socket = new LiveSocket(raw, options, () => feed?.close());
        watchers.set(ws, { socket });
        socket.send({ event: "snapshot", data: tasks.get(id) });
        if (since === undefined && !tasks.isRunning(id)) return socket.close(1000, "task ended");
        feed = followTask(socket, id, viewer, since ?? core.bus.lastId, () => socket.close(1000, "task ended"));
      },
      pong(ws) {
        watchers.pong(ws);
      },
      drain(ws) {
        watchers.drain(ws);
      },
      close(ws) {
        watchers.close(ws);
      },
    })
    .get(
      "/api/v1/tasks",
      ({ query, request }) => tasks.list({ projectId: query.project_id, status: query.status, limit: query.limit, offset: query.offset, viewer: callerOf(request) }),
      {
        query: queryOf(TaskListQuery),
        response: { 200: t.Object({ tasks: t.Array(TaskSchema), total: t.Integer() }) },
        detail: { summary: "List tasks, newest first" },
      },
    )
    .get("/api/v1/tasks/:task_id", ({ params, request }) => tasks.get(params.task_id, callerOf(request)), {
      params: Params,
      response: { 200: TaskSchema, 404: ErrorEnvelope },
      detail: { summary: "A task's status and result" },
    })
    .post(
      "/api/v1/tasks/:task_id/cancel",
      async ({ params, request }) => {
        const viewer = callerOf(request);
        const before = tasks.require(params.task_id, viewer).status;
        const task = await tasks.cancel(params.task_id, viewer);
        const cancelled = before === "running" || before === "pending";
        return {
          status: task.status,
          task_id: task.id,
          cancelled,
          message: cancelled ? `Task ${task.id} cancelled` : `Task ${task.id} had already ended (${task.status})`,
          task,
        };
      },
      {
        params: Params,
        response: { 200: t.Object({ status: TaskStatus, task_id: t.String(), cancelled: t.Boolean(), message: t.String(), task: TaskSchema }), 404: ErrorEnvelope },
        detail: { summary: "Cancel a running task", description: "Waits until the task has stopped; a task that already ended is returned unchanged (cancelled: false)." },
      },
    );
};
