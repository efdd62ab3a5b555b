// Errors in the user's terms: a stream the provider cuts says so (no runtime internals such as Bun's
// "pass `verbose: true`" hint), and the turn's error event says whether a retry can help.
import { beforeEach, describe, expect, test } from "bun:test";
import { ChatSocket, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { plainNetworkReason } from "../../src/core/providers/resilience";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), { env: { PENGUIN_RETRY_BASE_MS: "5" } });
beforeEach(() => up.reset());

async function errorOf(key: string) {
  const ws = await ChatSocket.open(app);
  ws.send({ text: `hello ${key}` });
  const error = await ws.next("error", 1, 15_000);
  ws.close();
  return error.data as { message: string; code?: string; recoverable?: boolean };
}

describe("turn errors", () => {
  test("a connection the provider resets mid-stream: plain words, recoverable", async () => {
    up.script({ key: "[reset]", times: 5, cutAfter: 2, cutMode: "reset", text: "partial answer that never ends" });
    const error = await errorOf("[reset]");
    expect(error.message).not.toContain("verbose");
    expect(error.message).not.toMatch(/fetch\(\)|JSType|ECONNRESET/);
    expect(error.message).toMatch(/closed the stream early|ended before it was complete/);
    expect(error.recoverable).toBe(true);
  });

  test("a refused provider key is not worth retrying", async () => {
    up.script({ key: "[401]", times: 5, error: { status: 401, body: { error: { message: "Incorrect API key provided" } } } });
    const error = await errorOf("[401]");
    expect(error.message).toContain("Incorrect API key provided");
    expect(error.recoverable).toBe(false);
  });

  test("a provider overloaded (503) may be retried", async () => {
    up.script({ key: "[503]", times: 10, error: { status: 503 } });
    const error = await errorOf("[503]");
    expect(error.recoverable).toBe(true);
  });
});

test("network reasons without the runtime's hints", () => {
  expect(plainNetworkReason("The socket connection was closed unexpectedly. For more information, pass `verbose: true` in the second argument to fetch()")).toBe("the connection was closed");
  expect(plainNetworkReason("Unable to connect. Is the computer able to access the url?")).toBe("connection refused: nothing answers at that address");
  expect(plainNetworkReason("something odd. For more information, pass `verbose: true` in the second argument to fetch()")).toBe("something odd.");
});
