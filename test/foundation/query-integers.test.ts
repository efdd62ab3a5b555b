// Integer query parameters arrive as text: a whole number is read, anything else is a 422 naming the field (never a
// 500 from the database).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/harness";

let app: TestApp;
beforeAll(async () => (app = await startTestApp()));
afterAll(() => app.stop());

const paths = ["/api/v1/conversations", "/api/v1/security/audit", "/api/v1/projects"];

test.each(paths)("%s reads ?limit=3", async (path) => {
  expect((await app.request(`${path}?limit=3`)).status).toBe(200);
});

test.each(paths)("%s refuses ?limit=2.5 and ?limit=many with 422", async (path) => {
  for (const limit of ["2.5", "many"]) {
    const res = await app.request(`${path}?limit=${limit}`);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; details: { fields: { field: string }[] } } };
    expect(body.error.code).toBe("VALIDATION_ERROR");
    expect(body.error.details.fields.map((f) => f.field)).toContain("limit");
  }
});
