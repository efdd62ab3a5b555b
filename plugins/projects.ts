// Projects (Penguin API: /api/v1/projects*): create, list, get (with its tasks), update, delete.
// Thin translation over core.projects and core.tasks.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { TaskSchema } from "./tasks";
import { ErrorEnvelope, Id } from "../src/http/schemas";

const Status = t.Union([t.Literal("active"), t.Literal("archived"), t.Literal("completed")]);

const Project = t.Object({
  id: t.String(),
  project_id: t.String({ description: "Same as id" }),
  name: t.String(),
  description: t.String(),
  status: Status,
  task_count: t.Integer(),
  created_at: t.String(),
  updated_at: t.String(),
});

const CreateBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  description: t.Optional(t.Union([t.String({ maxLength: 10_000 }), t.Null()])),
});

const Params = t.Object({ project_id: Id });

export const projectsPlugin = (core: Core) => {
  const { projects, tasks } = core;
  const create = ({ body }: { body: { name: string; description?: string | null } }) => projects.create({ name: body.name, description: body.description ?? undefined });
  const createOptions = {
    body: CreateBody,
    response: { 200: Project, 400: ErrorEnvelope },
  };
  return new Elysia({ name: "projects", detail: { tags: ["projects"] } })
    .post("/api/v1/projects/create", create, { ...createOptions, detail: { summary: "Create a project" } })
    .post("/api/v1/projects", create, { ...createOptions, detail: { summary: "Create a project (same as /api/v1/projects/create)" } })
    .get("/api/v1/projects", ({ query }) => projects.list({ limit: query.limit, offset: query.offset }), {
      query: t.Object({
        limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, default: 100 })),
        offset: t.Optional(t.Numeric({ minimum: 0, default: 0 })),
      }),
      response: { 200: t.Object({ projects: t.Array(Project), total: t.Integer() }) },
      detail: { summary: "List projects, most recently updated first" },
    })
    .get(
      "/api/v1/projects/:project_id",
      ({ params }) => ({ ...projects.get(params.project_id), tasks: tasks.list({ projectId: params.project_id, limit: 50 }).tasks }),
      {
        params: Params,
        response: { 200: t.Composite([Project, t.Object({ tasks: t.Array(TaskSchema, { description: "The 50 most recent tasks" }) })]), 404: ErrorEnvelope },
        detail: { summary: "One project with its most recent tasks" },
      },
    )
    .get(
      "/api/v1/projects/:project_id/tasks",
      ({ params, query }) => {
        projects.require(params.project_id);
        return tasks.list({ projectId: params.project_id, limit: query.limit, offset: query.offset });
      },
      {
        params: Params,
        query: t.Object({
          limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, default: 50 })),
          offset: t.Optional(t.Numeric({ minimum: 0, default: 0 })),
        }),
        response: { 200: t.Object({ tasks: t.Array(TaskSchema), total: t.Integer() }), 404: ErrorEnvelope },
        detail: { summary: "The project's tasks, newest first" },
      },
    )
    .patch(
      "/api/v1/projects/:project_id",
      ({ params, body }) =>
        projects.update(params.project_id, { name: body.name ?? undefined, description: body.description ?? undefined, status: body.status ?? undefined }),
      {
        params: Params,
        body: t.Object({
          name: t.Optional(t.Union([t.String({ minLength: 1, maxLength: 200 }), t.Null()])),
          description: t.Optional(t.Union([t.String({ maxLength: 10_000 }), t.Null()])),
          status: t.Optional(t.Union([Status, t.Null()])),
        }),
        response: { 200: Project, 400: ErrorEnvelope, 404: ErrorEnvelope },
        detail: { summary: "Update a project's name, description or status" },
      },
    )
    .delete(
      "/api/v1/projects/:project_id",
      async ({ params }) => {
        const deleted = await tasks.deleteProject(params.project_id);
        return { status: "deleted" as const, project_id: params.project_id, deleted_tasks: deleted };
      },
      {
        params: Params,
        response: { 200: t.Object({ status: t.Literal("deleted"), project_id: t.String(), deleted_tasks: t.Integer() }), 404: ErrorEnvelope },
        detail: { summary: "Delete a project and its tasks", description: "Running tasks of the project are cancelled first." },
      },
    );
};
