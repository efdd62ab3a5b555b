// The default log: one line per API request and nothing for the web UI's files. Those log at debug level, which only
// DEBUG shows (the logger's levels are tested in test/foundation/logging.test.ts; the harness keeps every level).
import { expect, test } from "bun:test";
import { startTestApp } from "../support/harness";

test("API requests log at info, the page and its files at debug", async () => {
  const app = await startTestApp();
  try {
    const page = await app.request("/");
    expect(page.status).toBe(200);
    const script = /src="\.?([^"]+\.js)"/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    expect((await app.request(script!)).status).toBe(200);
    expect((await app.request("/api/v1/conversations")).status).toBe(200);
    await Bun.sleep(20);
    const requests = app.logs.filter((l) => l.msg === "request");
    expect(requests.filter((l) => l.level === "info").map((l) => l.path)).toEqual(["/api/v1/conversations"]);
    expect(requests.filter((l) => l.level === "debug").map((l) => l.path)).toEqual(["/", script!]);
  } finally {
    await app.close();
  }
});
