// All uploads of a workspace together are bounded — bytes (upload_quota_bytes) and files (upload_max_files) — besides
// the size of one file: past either, an upload is a 413 whose envelope names the setting. Files removed by hand free
// their room at once; files already in the folder when the server starts count; concurrent uploads cannot overshoot.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { startTestApp, type TestApp } from "../support/harness";

const upload = (app: TestApp, bytes: number, name = "f.txt") => {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(bytes).fill(65)]), name);
  return app.request("/api/v1/upload", { method: "POST", body: form });
};
const uploadsOf = (app: TestApp) => app.core.uploads.directory;

describe("byte quota", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ configure: (c) => Object.assign(c, { uploadMaxBytes: 1000, uploadQuotaBytes: 1000, uploadMaxFiles: 100 }) });
    // Already there when the server starts: it counts.
    mkdirSync(uploadsOf(app), { recursive: true });
    writeFileSync(join(uploadsOf(app), "earlier.txt"), "x".repeat(300));
  });
  afterAll(() => app.close());

  test("uploads fit until the total would pass upload_quota_bytes; then a 413 naming it", async () => {
    expect((await upload(app, 400)).status).toBe(200);
    const refused = await upload(app, 301);
    expect(refused.status).toBe(413);
    const body = (await refused.json()) as any;
    expect(body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(body.error.message).toContain("upload_quota_bytes");
    expect(body.error.details).toEqual({ setting: "upload_quota_bytes", limit: 1000, used: 700, size: 301 });
    expect(body.detail).toBe(body.error.message);
    // exactly up to the quota is fine
    expect((await upload(app, 300)).status).toBe(200);
    expect((await upload(app, 1)).status).toBe(413);
  });

  test("files removed by hand free their room at once", async () => {
    rmSync(join(uploadsOf(app), "earlier.txt"));
    expect((await upload(app, 300)).status).toBe(200);
  });

  test("concurrent uploads cannot together pass the quota", async () => {
    for (const name of readdirSync(uploadsOf(app))) rmSync(join(uploadsOf(app), name));
    const statuses = await Promise.all(Array.from({ length: 8 }, () => upload(app, 300).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 413)).toHaveLength(5);
    expect(readdirSync(uploadsOf(app))).toHaveLength(3);
  });
});

describe("file count", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ configure: (c) => Object.assign(c, { uploadQuotaBytes: 1_000_000, uploadMaxFiles: 2 }) });
  });
  afterAll(() => app.close());

  test("past upload_max_files an upload is a 413 naming it", async () => {
    expect((await upload(app, 10)).status).toBe(200);
    expect((await upload(app, 10)).status).toBe(200);
    const refused = await upload(app, 10);
    expect(refused.status).toBe(413);
    const body = (await refused.json()) as any;
    expect(body.error.message).toContain("upload_max_files");
    expect(body.error.details).toEqual({ setting: "upload_max_files", limit: 2, files: 2 });
  });
});

test("defaults are 1 GiB and 10,000 files; the config file sets both", () => {
  const workspace = mkdtempSync(join(tmpdir(), "penguin-quota-"));
  const defaults = loadConfig({ env: { PENGUIN_WORKSPACE: workspace, PENGUIN_AUTH: "off" } });
  expect(defaults.uploadQuotaBytes).toBe(1024 ** 3);
  expect(defaults.uploadMaxFiles).toBe(10_000);
  writeFileSync(join(workspace, "penguin.toml"), "upload_quota_bytes = 5000\nupload_max_files = 7\n");
  const set = loadConfig({ env: { PENGUIN_WORKSPACE: workspace, PENGUIN_AUTH: "off" } });
  expect([set.uploadQuotaBytes, set.uploadMaxFiles]).toEqual([5000, 7]);
  rmSync(workspace, { recursive: true, force: true });
});
