import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/harness";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe("error envelope", () => {
  test("unknown route → 404 envelope with request id", async () => {
    const res = await app.request("/api/v1/definitely-not-here");
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.detail).toBe(body.error.message);
    expect(body.error.request_id).toBe(res.headers.get("x-request-id")!);
  });

  test("wrong method on a known route → 405 with Allow", async () => {
    const res = await app.request("/health", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
    expect((await res.json()).error.code).toBe("METHOD_NOT_ALLOWED");
  });
});
