// File upload (Penguin API: POST /api/v1/upload, multipart field `file`). Thin translation over core.uploads.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { StoredUpload } from "../src/core/uploads/schema";
import { ErrorEnvelope } from "../src/http/schemas";

export const uploadPlugin = (core: Core) =>
  new Elysia({ name: "upload", detail: { tags: ["files"] } }).post("/api/v1/upload", ({ body }) => core.uploads.store(body.file, body.file.name), {
    type: "multipart/form-data",
    // A multipart file is a transport shape (Elysia's t.File); what the core answers is declared in uploads/schema.ts.
    body: t.Object({ file: t.File({ description: "The file (images for vision models, text, PDF, …)" }) }),
    response: { 200: StoredUpload, 400: ErrorEnvelope, 413: ErrorEnvelope },
    detail: {
      summary: "Upload a file into <workspace>/uploads/",
      description:
        "Stored under a generated name; the content type is sniffed (PNG, JPEG, GIF, WebP, PDF, text, …; unknown bytes are application/octet-stream). " +
        "Over the size limit (upload_max_bytes), or when all uploads together would pass upload_quota_bytes or upload_max_files → 413 naming the setting in details.setting.",
    },
  });
