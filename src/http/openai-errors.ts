// Errors on the OpenAI-compatible routes (plugins/openai-api.ts) in the shape the OpenAI SDKs read:
// {"error":{"message","type","param","code"}} with the matching HTTP status, so a wrong key is the SDK's
// AuthenticationError, an unknown model its NotFoundError, a bad request its BadRequestError. Every other route keeps
// the server's envelope (./errors.ts); app.ts asks isOpenAiPath which one a request gets.
import type { ErrorCode } from "../core/kernel/errors";
import type { OpenAiError } from "../core/openai-compat/schema";

export const isOpenAiPath = (path: string): boolean => path === "/v1/chat/completions" || path === "/v1/models" || path.startsWith("/v1/models/");

/** OpenAI's `type` and `code` for each of the server's codes (null: OpenAI sends none). */
const OPENAI: Record<ErrorCode, { type: string; code: string | null }> = {
  BAD_REQUEST: { type: "invalid_request_error", code: null },
  VALIDATION_ERROR: { type: "invalid_request_error", code: null },
  UNAUTHORIZED: { type: "invalid_request_error", code: "invalid_api_key" },
  FORBIDDEN: { type: "invalid_request_error", code: "forbidden" },
  NOT_FOUND: { type: "invalid_request_error", code: "not_found" },
  AGENT_NOT_FOUND: { type: "invalid_request_error", code: "model_not_found" },
  METHOD_NOT_ALLOWED: { type: "invalid_request_error", code: "method_not_allowed" },
  CONFLICT: { type: "invalid_request_error", code: "conflict" },
  PAYLOAD_TOO_LARGE: { type: "invalid_request_error", code: "request_too_large" },
  UNSUPPORTED_MEDIA_TYPE: { type: "invalid_request_error", code: null },
  RATE_LIMITED: { type: "requests", code: "rate_limit_exceeded" },
  INTERNAL_ERROR: { type: "server_error", code: null },
  UPSTREAM_ERROR: { type: "server_error", code: "upstream_error" },
  SERVICE_UNAVAILABLE: { type: "server_error", code: "service_unavailable" },
  NOT_IMPLEMENTED: { type: "server_error", code: "not_implemented" },
};

/** The server's error (code, message, details) as OpenAI states it, and the status to send. */
export function toOpenAiError(status: number, error: { code: ErrorCode; message: string; details?: Record<string, unknown> }): { status: number; body: OpenAiError } {
  const meaning = OPENAI[error.code] ?? OPENAI.INTERNAL_ERROR;
  const details = error.details ?? {};
  const fields = details.fields as { field: string }[] | undefined;
  const param = typeof details.param === "string" ? details.param : fields?.[0]?.field ?? null;
  const code = typeof details.openai_code === "string" ? details.openai_code : meaning.code;
  // OpenAI answers a malformed request with 400, where this server's other routes say 422
  return { status: error.code === "VALIDATION_ERROR" ? 400 : status, body: { error: { message: error.message, type: meaning.type, param, code } } };
}
