// Uploads are stored under generated names; what the model sees names them as the user did ("q3-report.csv"), with
// the stored path beside it for the tools. Through the real server and the scripted upstream.
import { describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { post, useChatApp } from "../support/chat";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), (u) => ({
  toml: `[[models]]\nid = "vision-model"\nprovider = "openai"\nmodel = "test-vision"\nbase_url = "${u.openaiBaseUrl}"\napi_key_env = "OPENAI_API_KEY"\nvision = true\n`,
}));

// A 1×1 transparent PNG.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

async function upload(bytes: BlobPart, name: string): Promise<{ path: string; filename: string }> {
  const form = new FormData();
  form.append("file", new File([bytes], name));
  const res = await app.request("/api/v1/upload", { method: "POST", body: form });
  expect(res.status).toBe(200);
  return (await res.json()) as { path: string; filename: string };
}

const sent = () => JSON.stringify(up.requests.at(-1)!.body.messages);

describe("attachments keep their names for the model", () => {
  test("a text attachment is a context file named as uploaded, with its stored path", async () => {
    const file = await upload("region,total\nnorth,12\n", "q3-report.csv");
    expect(file.path).not.toContain("q3-report");
    up.script({ key: "[names-1]", text: "North leads." });
    const res = await post(app, "/api/v1/chat/message", { text: "Who leads? [names-1]", context_files: [file.path] });
    expect(res.status).toBe(200);
    expect(sent()).toContain(`Context file q3-report.csv (uploaded, at ${file.path})`);
  });

  test("an image is named in the message that carries it, and again in the history of later turns", async () => {
    const image = await upload(PNG, "floor-plan.png");
    up.script({ key: "[names-2]", text: "A plan." }, { key: "[names-3]", text: "Still a plan." });
    const first = await post(app, "/api/v1/chat/message", { text: "What is this? [names-2]", image_path: image.path, model: "vision-model" });
    expect(first.status).toBe(200);
    expect(sent()).toContain("[image attached: floor-plan.png]");
    const next = await post(app, "/api/v1/chat/message", { text: "And now? [names-3]", conversation_id: first.body.conversation_id, model: "vision-model" });
    expect(next.status).toBe(200);
    expect(sent()).toContain(`[image attached: floor-plan.png, uploaded, at ${image.path}]`);
  });

  test("a file that was not uploaded keeps its path as its name", async () => {
    const path = `${app.projectRoot}/plain.txt`;
    await Bun.write(path, "plain text");
    up.script({ key: "[names-4]", text: "Plain." });
    const res = await post(app, "/api/v1/chat/message", { text: "Read it [names-4]", context_files: [path] });
    expect(res.status).toBe(200);
    expect(sent()).toContain("Context file " + path + ":");
    expect(sent()).not.toContain("(uploaded");
  });
});
