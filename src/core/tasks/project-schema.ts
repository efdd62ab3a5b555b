// Project shapes declared once (TypeBox): a project as /api/v1/projects* shows it, and what those routes accept.
// plugins/projects.ts validates and documents with these; core/tasks/projects.ts returns Static<> of them.
// (Task shapes are in ./schema.ts.)
import { Type as T, type Static } from "@sinclair/typebox";
import { Id, maybe, Offset } from "../kernel/shapes";
import { TaskView } from "./schema";

export const ProjectStatus = T.Union([T.Literal("active"), T.Literal("archived"), T.Literal("completed")]);
export type ProjectStatus = Static<typeof ProjectStatus>;

export const Project = T.Object({
  id: T.String(),
  project_id: T.String({ description: "Same as id" }),
  name: T.String(),
  description: T.String(),
  status: ProjectStatus,
  task_count: T.Integer(),
  created_at: T.String(),
  updated_at: T.String(),
});
export type Project = Static<typeof Project>;

export const ProjectDetail = T.Composite([Project, T.Object({ tasks: T.Array(TaskView, { description: "The 50 most recent tasks" }) })]);

export const ProjectParams = T.Object({ project_id: Id });

export const NewProject = T.Object({
  name: T.String({ minLength: 1, maxLength: 200 }),
  description: maybe(T.String({ maxLength: 10_000 })),
});

export const ProjectPatch = T.Object({
  name: maybe(T.String({ minLength: 1, maxLength: 200 })),
  description: maybe(T.String({ maxLength: 10_000 })),
  status: maybe(ProjectStatus),
});

export const ProjectListQuery = T.Object({
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: T.Optional(Offset),
});

export const ProjectList = T.Object({ projects: T.Array(Project), total: T.Integer() });

export const ProjectTasksQuery = T.Object({
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  offset: T.Optional(Offset),
});

export const ProjectTasks = T.Object({ tasks: T.Array(TaskView), total: T.Integer() });

export const ProjectDeleted = T.Object({ status: T.Literal("deleted"), project_id: T.String(), deleted_tasks: T.Integer() });
