// The one error envelope (DESIGN.md §4): {"error":{code,message,details,request_id},"detail":message}.
import type { ErrorCode } from "../core/kernel/errors";

const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_ERROR: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
};

export const statusFor = (code: ErrorCode): number => STATUS[code];

export function errorBody(code: ErrorCode, message: string, details: Record<string, unknown>, requestId: string) {
  // PiSovereign clients read `error.retry_after` on a 429; it stays in `details` too, like every other detail.
  const retry = code === "RATE_LIMITED" && typeof details.retry_after === "number" ? { retry_after: details.retry_after } : {};
  return { error: { code, message, details, request_id: requestId, ...retry }, detail: message };
}

/** Elysia/TypeBox validation errors → details.fields[] of {field, error}. */
export function validationFields(error: unknown): { field: string; error: string }[] {
  const all = (error as { all?: { path?: string; message?: string; summary?: string }[] }).all ?? [];
  const seen = new Set<string>();
  const fields: { field: string; error: string }[] = [];
  for (const e of all) {
    const field = (e.path ?? "").replace(/^\//, "").replaceAll("/", ".") || "body";
    const msg = (e.summary ?? e.message ?? "is invalid").replace(/^Expected/, "expected");
    const key = field + msg;
    if (seen.has(key)) continue;
    seen.add(key);
    fields.push({ field, error: msg });
  }
  return fields.slice(0, 50);
}
