// Projects: named containers that own tasks.
import { count, desc, eq, sql } from "drizzle-orm";
import { badRequest, notFound } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Db } from "../store/db";
import { projects, type ProjectStatus } from "../store/schema";
import { iso } from "../store/values";
import type { Project } from "./project-schema";

export type ProjectRow = typeof projects.$inferSelect;

function cleanName(name: string): string {
  const clean = name.replace(/\s+/g, " ").trim();
  if (!clean) throw badRequest("name must not be empty");
  return clean;
}

export class Projects {
  // Spelled out: drizzle leaves column names unqualified inside a sql`` subquery, which would bind "id" to tasks.
  private readonly taskCount = sql<number>`(SELECT count(*) FROM "tasks" AS "t" WHERE "t"."project_id" = "projects"."id")`.mapWith(Number);

  constructor(private readonly db: Db) {}

  create(input: { name: string; description?: string }): Project {
    const now = Date.now();
    const row: ProjectRow = {
      id: newId(),
      name: cleanName(input.name),
      description: input.description ?? "",
      status: "active",
      metadata: {},
      createdAt: now,
      updatedAt: now,
    };
    this.db.insert(projects).values(row).run();
    return this.toProjectView(row, 0);
  }

  find(id: string): ProjectRow | undefined {
    return this.db.select().from(projects).where(eq(projects.id, id)).get();
  }

  /** Throws NOT_FOUND for an unknown id. */
  require(id: string): ProjectRow {
    const row = this.find(id);
    if (!row) throw notFound("project", id);
    return row;
  }

  get(id: string): Project {
    const row = this.db.select({ p: projects, n: this.taskCount }).from(projects).where(eq(projects.id, id)).get();
    if (!row) throw notFound("project", id);
    return this.toProjectView(row.p, row.n);
  }

  /** Most recently updated first. */
  list(options: { limit?: number; offset?: number } = {}): { projects: Project[]; total: number } {
    const rows = this.db
      .select({ p: projects, n: this.taskCount })
      .from(projects)
      .orderBy(desc(projects.updatedAt), desc(projects.id))
      .limit(options.limit ?? 100)
      .offset(options.offset ?? 0)
      .all();
    const total = this.db.select({ n: count() }).from(projects).get()?.n ?? 0;
    return { projects: rows.map((r) => this.toProjectView(r.p, r.n)), total };
  }

  update(id: string, patch: { name?: string; description?: string; status?: ProjectStatus }): Project {
    this.require(id);
    const set: Partial<ProjectRow> = { updatedAt: Date.now() };
    if (patch.name !== undefined) set.name = cleanName(patch.name);
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.status !== undefined) set.status = patch.status;
    this.db.update(projects).set(set).where(eq(projects.id, id)).run();
    return this.get(id);
  }

  /** Deletes the project and (by cascade) its tasks; the caller cancels running ones first. */
  delete(id: string): void {
    this.require(id);
    this.db.delete(projects).where(eq(projects.id, id)).run();
  }

  touch(id: string): void {
    this.db.update(projects).set({ updatedAt: Date.now() }).where(eq(projects.id, id)).run();
  }

  private toProjectView(row: ProjectRow, taskCount: number): Project {
    return {
      id: row.id,
      project_id: row.id,
      name: row.name,
      description: row.description,
      status: row.status,
      task_count: taskCount,
      created_at: iso(row.createdAt),
      updated_at: iso(row.updatedAt),
    };
  }
}
