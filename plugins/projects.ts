// Projects (Penguin API: /api/v1/projects*): create, list, get (with its tasks), update, delete.
// Thin translation over core.projects and core.tasks. Projects are shared; the tasks listed are those the key may see.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import {
  NewProject,
  Project,
  ProjectDeleted,
  ProjectDetail,
  ProjectList,
  ProjectListQuery,
  ProjectParams,
  ProjectPatch,
  ProjectTasks,
  ProjectTasksQuery,
} from "../src/core/tasks/project-schema";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, queryOf, withoutNulls } from "../src/http/schemas";

export const projectsPlugin = (core: Core) => {
  const { projects, tasks } = core;
  const create = ({ body }: { body: typeof NewProject.static }) => projects.create(withoutNulls(body));
  const createOptions = {
    body: NewProject,
    response: { 200: Project, 400: ErrorEnvelope },
  };
  return new Elysia({ name: "projects", detail: { tags: ["projects"] } })
    .post("/api/v1/projects/create", create, { ...createOptions, detail: { summary: "Create a project" } })
    .post("/api/v1/projects", create, { ...createOptions, detail: { summary: "Create a project (same as /api/v1/projects/create)" } })
    .get("/api/v1/projects", ({ query }) => projects.list({ limit: query.limit, offset: query.offset }), {
      query: queryOf(ProjectListQuery),
      response: { 200: ProjectList },
      detail: { summary: "List projects, most recently updated first" },
    })
    .get(
      "/api/v1/projects/:project_id",
      ({ params, request }) => ({ ...projects.get(params.project_id), tasks: tasks.list({ projectId: params.project_id, limit: 50, viewer: callerOf(request) }).tasks }),
      {
        params: ProjectParams,
        response: { 200: ProjectDetail, 404: ErrorEnvelope },
        detail: { summary: "One project with its most recent tasks" },
      },
    )
    .get(
      "/api/v1/projects/:project_id/tasks",
      ({ params, query, request }) => {
        projects.require(params.project_id);
        return tasks.list({ projectId: params.project_id, limit: query.limit, offset: query.offset, viewer: callerOf(request) });
      },
      {
        params: ProjectParams,
        query: queryOf(ProjectTasksQuery),
        response: { 200: ProjectTasks, 404: ErrorEnvelope },
        detail: { summary: "The project's tasks, newest first" },
      },
    )
    .patch("/api/v1/projects/:project_id", ({ params, body }) => projects.update(params.project_id, withoutNulls(body)), {
      params: ProjectParams,
      body: ProjectPatch,
      response: { 200: Project, 400: ErrorEnvelope, 404: ErrorEnvelope },
      detail: { summary: "Update a project's name, description or status" },
    })
    .delete(
      "/api/v1/projects/:project_id",
      async ({ params, request }) => {
        const deleted = await tasks.deleteProject(params.project_id, callerOf(request));
        return { status: "deleted" as const, project_id: params.project_id, deleted_tasks: deleted };
      },
      {
        params: ProjectParams,
        response: { 200: ProjectDeleted, 403: ErrorEnvelope, 404: ErrorEnvelope },
        detail: {
          summary: "Delete a project and its tasks",
          description: "Running tasks of the project are cancelled first. A user key may delete only a project whose tasks are all its own (403 otherwise).",
        },
      },
    );
};
