// The one error envelope (DESIGN.md §4): {"error":{code,message,details,request_id,recoverable,suggested_action},
// "detail":message}. What each code means for a client (status, whether retrying can help, what to do) is declared
// once here; a thrower that knows better passes an ErrorGuidance on its AppError.
import type { ErrorCode, ErrorGuidance, SuggestedAction } from "../core/kernel/errors";

interface CodeMeaning {
  status: number;
  /** Whether the same request may succeed later without the client changing it. */
  recoverable: boolean;
  suggestedAction: SuggestedAction;
}

const MEANING: Record<ErrorCode, CodeMeaning> = {
  BAD_REQUEST: { status: 400, recoverable: false, suggestedAction: "fix_request" },
  UNAUTHORIZED: { status: 401, recoverable: false, suggestedAction: "authenticate" },
  FORBIDDEN: { status: 403, recoverable: false, suggestedAction: "use_authorized_key" },
  NOT_FOUND: { status: 404, recoverable: false, suggestedAction: "check_resource_id" },
  AGENT_NOT_FOUND: { status: 404, recoverable: false, suggestedAction: "check_agent_id" },
  METHOD_NOT_ALLOWED: { status: 405, recoverable: false, suggestedAction: "use_allowed_method" },
  CONFLICT: { status: 409, recoverable: false, suggestedAction: "resolve_conflict" },
  PAYLOAD_TOO_LARGE: { status: 413, recoverable: false, suggestedAction: "reduce_request_size" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, recoverable: false, suggestedAction: "fix_request" },
  VALIDATION_ERROR: { status: 422, recoverable: false, suggestedAction: "fix_request" },
  RATE_LIMITED: { status: 429, recoverable: true, suggestedAction: "retry_later" },
  INTERNAL_ERROR: { status: 500, recoverable: true, suggestedAction: "retry_later" },
  UPSTREAM_ERROR: { status: 502, recoverable: true, suggestedAction: "retry_later" },
  SERVICE_UNAVAILABLE: { status: 503, recoverable: true, suggestedAction: "retry_later" },
  // a feature that needs an integration this server was not configured with (the message names what to set)
  NOT_IMPLEMENTED: { status: 501, recoverable: false, suggestedAction: "contact_administrator" },
};

export const statusFor = (code: ErrorCode): number => MEANING[code].status;

export function errorBody(code: ErrorCode, message: string, details: Record<string, unknown>, requestId: string, guidance: ErrorGuidance = {}) {
  const meaning = MEANING[code];
  // PiSovereign clients read `error.retry_after` on a 429; it stays in `details` too, like every other detail.
  const retry = code === "RATE_LIMITED" && typeof details.retry_after === "number" ? { retry_after: details.retry_after } : {};
  return {
    error: {
      code,
      message,
      details: details ?? {},
      request_id: requestId,
      recoverable: guidance.recoverable ?? meaning.recoverable,
      suggested_action: guidance.suggestedAction ?? meaning.suggestedAction,
      ...retry,
    },
    detail: message,
  };
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
