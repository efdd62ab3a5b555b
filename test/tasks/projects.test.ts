// Projects: both create paths, list, get with tasks, update, delete (cascading to tasks), errors.
import { describe, expect, test } from "bun:test";
import { get, post, send, until, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started));

describe("projects", () => {
  test("create through /projects/create and /projects, list newest first, get, update", async () => {
    const a = await post(app, "/api/v1/projects/create", { name: "My New Project", description: "Optional project description" });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ name: "My New Project", description: "Optional project description", status: "active", task_count: 0 });
    expect(a.body.project_id).toBe(a.body.id);
    const b = await post(app, "/api/v1/projects", { name: "Website Development" });
    expect(b.body.description).toBe("");

    const list = await get(app, "/api/v1/projects");
    expect(list.body.total).toBe(2);
    expect(list.body.projects.map((p: any) => p.name)).toEqual(["Website Development", "My New Project"]);

    const patched = await send(app, "PATCH", `/api/v1/projects/${a.body.id}`, { name: "  Renamed   project ", status: "archived" });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "Renamed project", status: "archived", description: "Optional project description" });
    const one = await get(app, `/api/v1/projects/${a.body.id}`);
    expect(one.body).toMatchObject({ id: a.body.id, name: "Renamed project", tasks: [] });
  });

  test("a project owns its tasks; deleting it deletes them", async () => {
    const project = (await post(app, "/api/v1/projects", { name: "Owner" })).body;
    up.script({ text: "task one done" }, { text: "task two done" });
    const t1 = await post(app, "/api/v1/tasks/execute-sync", { name: "One", project_id: project.id });
    const t2 = await post(app, "/api/v1/tasks/execute-sync", { name: "Two", project_id: project.id });
    const other = await post(app, "/api/v1/tasks/execute-sync", { name: "Elsewhere" });
    expect(t1.body.task_metadata.project_id).toBe(project.id);

    const withTasks = await get(app, `/api/v1/projects/${project.id}`);
    expect(withTasks.body.task_count).toBe(2);
    expect(withTasks.body.tasks.map((t: any) => t.name)).toEqual(["Two", "One"]);
    const tasks = await get(app, `/api/v1/projects/${project.id}/tasks`);
    expect(tasks.body.total).toBe(2);
    expect((await get(app, `/api/v1/tasks?project_id=${project.id}`)).body.tasks).toHaveLength(2);

    const deleted = await send(app, "DELETE", `/api/v1/projects/${project.id}`);
    expect(deleted.body).toEqual({ status: "deleted", project_id: project.id, deleted_tasks: 2 });
    expect((await get(app, `/api/v1/projects/${project.id}`)).status).toBe(404);
    expect((await get(app, `/api/v1/tasks/${t2.body.task_id}`)).status).toBe(404);
    expect((await get(app, `/api/v1/tasks/${other.body.task_id}`)).status).toBe(200);
  });

  test("deleting a project cancels its running task first", async () => {
    const project = (await post(app, "/api/v1/projects", { name: "Busy" })).body;
    up.script({ hang: true });
    const task = await post(app, "/api/v1/tasks/execute", { name: "Hangs", project_id: project.id });
    await until(async () => (await get(app, `/api/v1/tasks/${task.body.task_id}`)).body.status === "running", 3000, "running");
    const deleted = await send(app, "DELETE", `/api/v1/projects/${project.id}`);
    expect(deleted.status).toBe(200);
    expect(app.core.tasks.runningCount).toBe(0);
  });

  test("unknown ids are 404; bad input is a validation error", async () => {
    expect((await get(app, "/api/v1/projects/nope")).status).toBe(404);
    expect((await get(app, "/api/v1/projects/nope/tasks")).status).toBe(404);
    expect((await send(app, "PATCH", "/api/v1/projects/nope", { name: "x" })).status).toBe(404);
    const del = await send(app, "DELETE", "/api/v1/projects/nope");
    expect(del.status).toBe(404);
    expect(del.body.error.code).toBe("NOT_FOUND");
    for (const body of [{}, { name: "" }, { name: 5 }]) {
      const res = await post(app, "/api/v1/projects/create", body);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("VALIDATION_ERROR");
    }
    const blank = await post(app, "/api/v1/projects", { name: "   " });
    expect(blank.status).toBe(400);
    const project = (await post(app, "/api/v1/projects", { name: "valid" })).body;
    expect((await send(app, "PATCH", `/api/v1/projects/${project.id}`, { status: "deleted" })).status).toBe(422);
  });
});
