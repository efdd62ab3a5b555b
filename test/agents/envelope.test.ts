// The error envelope's guidance for clients of the original Penguin: every error object carries `recoverable` and
// `suggested_action` beside code, message, details (always an object) and request_id.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { send } from "../support/chat";
import { startTestApp, type TestApp } from "../support/harness";

let app: TestApp;
beforeAll(async () => {
  // No model configured: chat is refused with what to configure.
  app = await startTestApp({ env: { PENGUIN_MODEL: undefined, OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined, OPENROUTER_API_KEY: undefined } });
});
afterAll(() => app.close());

function expectEnvelope(body: any, code: string, recoverable: boolean, action: string) {
  const { code: got, recoverable: isRecoverable, suggested_action, request_id, message, details } = body.error;
  expect({ code: got, recoverable: isRecoverable, suggested_action }).toEqual({ code, recoverable, suggested_action: action });
  expect(typeof request_id).toBe("string");
  expect(typeof message).toBe("string");
  expect(typeof details).toBe("object");
  expect(details).not.toBeNull();
  expect(body.detail).toBe(message);
}

describe("error guidance", () => {
  test("401 → authenticate", async () => {
    const res = await send(app, "GET", "/api/v1/conversations", undefined, { auth: false });
    expect(res.status).toBe(401);
    expectEnvelope(res.body, "UNAUTHORIZED", false, "authenticate");
  });

  test("404 of a missing resource → check_resource_id; unknown route too", async () => {
    const missing = await send(app, "GET", "/api/v1/conversations/does-not-exist");
    expect(missing.status).toBe(404);
    expectEnvelope(missing.body, "NOT_FOUND", false, "check_resource_id");
    const route = await send(app, "GET", "/api/v1/no-such-route");
    expectEnvelope(route.body, "NOT_FOUND", false, "check_resource_id");
  });

  test("400 and 422 → fix_request", async () => {
    const malformed = await app.request("/api/v1/chat/message", { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(malformed.status).toBe(400);
    expectEnvelope(await malformed.json(), "BAD_REQUEST", false, "fix_request");
    const invalid = await send(app, "POST", "/api/v1/chat/message", { text: 5 });
    expect(invalid.status).toBe(422);
    expectEnvelope(invalid.body, "VALIDATION_ERROR", false, "fix_request");
    expect(Array.isArray(invalid.body.error.details.fields)).toBe(true);
  });

  test("chat with no model configured → 503 configure_provider, not retry_later", async () => {
    const res = await send(app, "POST", "/api/v1/chat/message", { text: "hello" });
    expect(res.status).toBe(503);
    expectEnvelope(res.body, "SERVICE_UNAVAILABLE", false, "configure_provider");
  });
});
