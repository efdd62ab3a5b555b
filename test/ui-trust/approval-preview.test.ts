// What a person sees before deciding: a file tool's approval carries the diff it would make against the file as it
// is now (a new file as added lines, a deletion as removed lines), a command's carries its working folder; the same
// fields are in GET /api/v1/approvals while it is pending.
import { beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChatSocket, post, useChatApp } from "../support/chat";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), { configure: (c) => void (c.permissions.writes = "ask") });
beforeEach(() => {
  up.reset();
  writeFileSync(join(app.projectRoot, "notes.txt"), "one\ntwo\nthree\n");
});

async function askFor(key: string, name: string, args: Record<string, unknown>) {
  up.script({ key, toolCalls: [{ id: `call_${key}`, name, arguments: args }] }, { key, text: "done" });
  const ws = await ChatSocket.open(app);
  ws.send({ text: `go ${key}` });
  const required = await ws.next("approval_required");
  return { ws, required: required.data as Record<string, any> };
}

describe("approval previews", () => {
  test("patch_file: the diff against the current file, also in the pending list; nothing changes before approval", async () => {
    const { ws, required } = await askFor("[patch]", "patch_file", { path: "notes.txt", edits: [{ search: "two", replace: "TWO" }] });
    expect(required.diff).toContain("-two\n+TWO");
    expect(readFileSync(join(app.projectRoot, "notes.txt"), "utf8")).toBe("one\ntwo\nthree\n");
    const pending = (await (await app.request("/api/v1/approvals")).json()).pending;
    expect(pending[0]).toMatchObject({ id: required.request_id, diff: required.diff, conversation_id: expect.any(String) });
    await post(app, `/api/v1/approvals/${required.request_id}/approve`, { scope: "once" });
    await ws.next("complete", 1, 10_000);
    expect(readFileSync(join(app.projectRoot, "notes.txt"), "utf8")).toBe("one\nTWO\nthree\n");
    // once decided, the preview is no longer kept
    expect((await (await app.request(`/api/v1/approvals/${required.request_id}`)).json()).diff).toBeUndefined();
    // the decision is listed for its conversation (what the thread shows after a reload); not for another one
    const conversationId = (await (await app.request(`/api/v1/approvals/${required.request_id}`)).json()).conversation_id;
    const decided = (await (await app.request(`/api/v1/approvals/decided?conversation_id=${conversationId}`)).json()).approvals;
    expect(decided.map((a: any) => [a.id, a.status, a.scope])).toEqual([[required.request_id, "approved", "once"]]);
    expect((await (await app.request("/api/v1/approvals/decided?conversation_id=someone-else")).json()).approvals).toEqual([]);
    ws.close();
  });

  test("create_file: a new file is all added lines", async () => {
    const { ws, required } = await askFor("[create]", "create_file", { path: "new/hello.ts", content: "export const a = 1;\nexport const b = 2;\n" });
    expect(required.new_file).toBe(true);
    expect(required.diff).toContain("+export const a = 1;\n+export const b = 2;");
    expect(required.diff).not.toMatch(/^-[^-]/m);
    await post(app, `/api/v1/approvals/${required.request_id}/deny`, undefined);
    await ws.next("complete", 1, 10_000);
    ws.close();
  });

  test("delete_file: the lines that go; a command: its working folder and why it asks", async () => {
    const del = await askFor("[delete]", "delete_file", { path: "notes.txt" });
    expect(del.required.diff).toContain("-one\n-two\n-three");
    await post(app, `/api/v1/approvals/${del.required.request_id}/deny`, undefined);
    await del.ws.next("complete", 1, 10_000);
    del.ws.close();

    const cmd = await askFor("[rm]", "execute_command", { command: "rm -rf build" });
    expect(cmd.required.cwd).toBe(app.projectRoot);
    expect(cmd.required.reason).toContain("Destructive");
    expect(cmd.required.diff).toBeUndefined();
    await post(app, `/api/v1/approvals/${cmd.required.request_id}/deny`, undefined);
    await cmd.ws.next("complete", 1, 10_000);
    cmd.ws.close();
  });
});
