// Every integer query parameter of every GET route, found by walking the OpenAPI document the server publishes, is
// bounded: a number too large for the database (1e308), a negative one and a fraction are each a 422 naming the
// field — never a 500. A route added later is covered without touching this file.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/harness";

let app: TestApp;
beforeAll(async () => (app = await startTestApp()));
afterAll(() => app.close());

interface Parameter {
  name: string;
  in: string;
  schema?: { type?: string; minimum?: number; maximum?: number; anyOf?: { type?: string }[] };
}

/** [path, parameter] for every integer query parameter of a plain GET route (WebSocket routes are not requests). */
async function integerQueryParameters(): Promise<[string, Parameter][]> {
  const doc = (await (await app.request("/api/docs/json")).json()) as { paths: Record<string, Record<string, { parameters?: Parameter[]; "x-websocket"?: boolean }>> };
  const found: [string, Parameter][] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    const get = operations.get;
    if (!get || get["x-websocket"] || path.includes("/ws/") || path.endsWith("/stream")) continue;
    for (const p of get.parameters ?? []) {
      const integer = p.schema?.type === "integer" || p.schema?.anyOf?.some((s) => s.type === "integer");
      if (p.in === "query" && integer) found.push([path, p]);
    }
  }
  return found;
}

test("the walk finds the list routes' limits and offsets", async () => {
  const names = (await integerQueryParameters()).map(([path, p]) => `${path}?${p.name}`);
  expect(names).toEqual(
    expect.arrayContaining([
      "/api/v1/conversations?limit",
      "/api/v1/conversations?offset",
      "/api/v1/conversations/{id}/history?limit",
      "/api/v1/security/audit?limit",
      "/api/v1/checkpoints?limit",
      "/api/v1/projects?offset",
      "/api/v1/projects/{project_id}/tasks?offset",
      "/api/v1/tasks?limit",
      "/api/v1/tasks?offset",
    ]),
  );
});

test("every integer query parameter declares a minimum and a maximum", async () => {
  const unbounded = (await integerQueryParameters()).filter(([, p]) => typeof p.schema?.minimum !== "number" || typeof p.schema?.maximum !== "number");
  expect(unbounded.map(([path, p]) => `${path}?${p.name}`)).toEqual([]);
});

test("1e308, -1 and 1.5 on every integer query parameter are 422 VALIDATION_ERROR naming it, never 500", async () => {
  const failures: string[] = [];
  const parameters = await integerQueryParameters();
  for (const [path, p] of parameters) {
    const concrete = path.replace(/\{[^}]+\}/g, "some-id");
    for (const value of ["1e308", "-1", "1.5"]) {
      const url = `${concrete}?${p.name}=${value}`;
      const res = await app.request(url);
      const body = (await res.json()) as { error?: { code: string; details: { fields?: { field: string }[] } } };
      const fields = body.error?.details.fields?.map((f) => f.field) ?? [];
      if (res.status !== 422 || body.error?.code !== "VALIDATION_ERROR" || !fields.includes(p.name)) {
        failures.push(`${url} → ${res.status} ${body.error?.code ?? ""} ${JSON.stringify(fields)}`);
      }
    }
  }
  expect(parameters.length).toBeGreaterThan(8);
  expect(failures).toEqual([]);
});

test("the bounds themselves are accepted", async () => {
  expect((await app.request("/api/v1/conversations?limit=500&offset=2147483647")).status).toBe(200);
  expect((await app.request("/api/v1/tasks?limit=1000&offset=0")).status).toBe(200);
  expect((await app.request("/api/v1/projects?offset=2147483647")).status).toBe(200);
});
