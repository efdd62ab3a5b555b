// Titles written by the model: after a conversation's first exchange one short model call (in the background)
// replaces the provisional title, the first prompt; later turns ask nothing; a rename made first is kept; a failed
// title call leaves the prompt. Real server; the scripted upstream answers the title request.
import { describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { RecordedRequest, Upstream } from "../support/upstream";
import { post, until, useChatApp } from "../support/chat";
import { cleanTitle } from "../../src/core/engine/titles";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), { env: { PENGUIN_AUTO_TITLE: "1" } });

const isTitleRequest = (r: RecordedRequest) => JSON.stringify(r.body?.messages?.[0] ?? "").includes("You name chat conversations");
const titleOf = async (id: string) => ((await app.request(`/api/v1/conversations/${id}`).then((r) => r.json())) as { title: string }).title;

describe("titles by the model", () => {
  test("after the first exchange the model's short title replaces the first prompt; later turns ask nothing", async () => {
    up.script(
      { key: "[t1]", match: (r) => !isTitleRequest(r), text: "Use a bounded queue with backpressure." },
      { match: isTitleRequest, text: '"Bounded queues and backpressure."' },
      { key: "[t2]", match: (r) => !isTitleRequest(r), text: "Yes, drop the oldest." },
    );
    const first = await post(app, "/api/v1/chat/message", { text: "How should the ingest worker cope when the database is slower than the input? [t1]" });
    expect(first.status).toBe(200);
    const id = first.body.conversation_id;
    await until(async () => (await titleOf(id)) === "Bounded queues and backpressure", 5000, "the model's title");
    const titleCall = up.requests.find(isTitleRequest)!;
    expect(titleCall.body.max_tokens ?? titleCall.body.max_completion_tokens).toBeLessThanOrEqual(24);
    expect(JSON.stringify(titleCall.body.messages)).toContain("Use a bounded queue with backpressure.");

    const before = up.requests.length;
    expect((await post(app, "/api/v1/chat/message", { text: "Should it drop messages? [t2]", conversation_id: id })).status).toBe(200);
    await Bun.sleep(150);
    expect(up.requests.slice(before).filter(isTitleRequest)).toHaveLength(0);
    expect(await titleOf(id)).toBe("Bounded queues and backpressure");
  });

  test("a rename before the title arrives wins; the title stays renameable afterwards", async () => {
    // The title answer takes a while: the user renames first.
    up.script({ key: "[t3]", match: (r) => !isTitleRequest(r), text: "Done." }, { match: isTitleRequest, text: "Model title", delayMs: 600 });
    const first = await post(app, "/api/v1/chat/message", { text: "Name me later [t3]" });
    const id = first.body.conversation_id;
    const renamed = await app.request(`/api/v1/conversations/${id}`, { method: "PATCH", json: { title: "My own name" } });
    expect(renamed.status).toBe(200);
    await until(() => up.requests.some((r) => isTitleRequest(r) && JSON.stringify(r.body).includes("Name me later")), 5000, "the title request");
    await Bun.sleep(900);
    expect(await titleOf(id)).toBe("My own name");
    // and it can be renamed again
    expect((await app.request(`/api/v1/conversations/${id}`, { method: "PATCH", json: { title: "Second name" } })).status).toBe(200);
    expect(await titleOf(id)).toBe("Second name");
  });

  test("when the title call fails the first prompt stays the title", async () => {
    const titled = (r: RecordedRequest) => isTitleRequest(r) && JSON.stringify(r.body).includes("Keep my words");
    up.script({ key: "[t4]", match: (r) => !isTitleRequest(r), text: "Fine." }, { match: isTitleRequest, error: { status: 400 }, times: 5 });
    const first = await post(app, "/api/v1/chat/message", { text: "Keep my words as the title [t4]" });
    await until(() => up.requests.some(titled), 5000, "the title request");
    await Bun.sleep(300);
    expect(await titleOf(first.body.conversation_id)).toBe("Keep my words as the title [t4]");
  });

  test("cleanTitle keeps one plain line", () => {
    expect(cleanTitle('Title: "Fixing the *login* bug."\nmore')).toBe("Fixing the *login* bug");
    expect(cleanTitle("## Weekly report")).toBe("Weekly report");
    expect(cleanTitle("x".repeat(120))).toHaveLength(80);
    expect(cleanTitle("   ")).toBe("");
  });
});
