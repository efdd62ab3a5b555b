// Context files: the workspace's `context/` library and loading a file into a conversation.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { ErrorEnvelope } from "../src/http/schemas";

const FileInfo = t.Object({
  path: t.String({ description: "relative to <workspace>/context/" }),
  size: t.Integer({ description: "bytes" }),
  modified: t.String({ description: "ISO 8601" }),
});

export const contextFilesPlugin = (core: Core) =>
  new Elysia({ name: "context-files", detail: { tags: ["context"] } })
    .get("/api/v1/context-files", () => ({ files: core.contextFiles.list(), folder: core.contextFiles.folder }), {
      response: { 200: t.Object({ files: t.Array(FileInfo), folder: t.String() }) },
      detail: { summary: "List the files under the workspace's context/ folder" },
    })
    .post(
      "/api/v1/context-files/load",
      ({ body }) => ({ status: "loaded" as const, ...core.contextFiles.load(body.file_path, body.conversation_id ?? undefined) }),
      {
        body: t.Object({
          file_path: t.String({ minLength: 1, maxLength: 4096, description: "relative to context/ (or the project), or absolute inside the allowed roots" }),
          conversation_id: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 200, description: "default: the most recently active conversation, else a new one" }))),
        }),
        response: {
          200: t.Object({ status: t.Literal("loaded"), conversation_id: t.String(), file_path: t.String(), path: t.String(), size: t.Integer() }),
          400: ErrorEnvelope,
          403: ErrorEnvelope,
          404: ErrorEnvelope,
        },
        detail: {
          summary: "Load a context file into a conversation",
          description: "The file is sent to the model with every later turn of that conversation. Paths outside the workspace, project or session directory are refused (403) and never read.",
        },
      },
    );
