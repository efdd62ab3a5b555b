// Upload shapes declared once (TypeBox): what POST /api/v1/upload answers. The request is a multipart file, which
// only the HTTP layer knows how to describe (plugins/upload.ts).
import { Type as T, type Static } from "@sinclair/typebox";

export const StoredUpload = T.Object({
  path: T.String({ description: "Absolute path of the stored file; pass it as image_path to chat" }),
  filename: T.String({ description: "The uploaded file's own name, cleaned" }),
  content_type: T.String({ description: "Sniffed from the bytes, not taken from the client" }),
  size: T.Integer(),
});
export type StoredUpload = Static<typeof StoredUpload>;
