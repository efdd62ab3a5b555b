// Context files: the workspace's `context/` library and loading a file into a conversation.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { ContextFileList, ContextFileLoaded, LoadContextFile } from "../src/core/conversation/schema";
import { callerOf } from "../src/http/auth";
import { ErrorEnvelope, withoutNulls } from "../src/http/schemas";

export const contextFilesPlugin = (core: Core) =>
  new Elysia({ name: "context-files", detail: { tags: ["context"] } })
    .get("/api/v1/context-files", () => ({ files: core.contextFiles.list(), folder: core.contextFiles.folder }), {
      response: { 200: ContextFileList },
      detail: { summary: "List the files under the workspace's context/ folder" },
    })
    .post(
      "/api/v1/context-files/load",
      ({ body, request }) => {
        const { file_path, conversation_id } = withoutNulls(body);
        return { status: "loaded" as const, ...core.contextFiles.load(file_path, conversation_id, callerOf(request)) };
      },
      {
        body: LoadContextFile,
        response: { 200: ContextFileLoaded, 400: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope },
        detail: {
          summary: "Load a context file into a conversation",
          description: "The file is sent to the model with every later turn of that conversation. Paths outside the workspace, project or session directory are refused (403) and never read.",
        },
      },
    );
