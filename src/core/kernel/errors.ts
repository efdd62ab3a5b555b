// Domain errors carry a machine code; the HTTP layer maps codes to statuses (src/http/errors.ts).
export const ERROR_CODES = [
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "VALIDATION_ERROR",
  "RATE_LIMITED",
  "INTERNAL_ERROR",
  "UPSTREAM_ERROR",
  "SERVICE_UNAVAILABLE",
  "AGENT_NOT_FOUND",
  "NOT_IMPLEMENTED",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a client of the original Penguin may do about an error (the envelope's `suggested_action`). */
export const SUGGESTED_ACTIONS = [
  "fix_request",
  "authenticate",
  "use_authorized_key",
  "check_resource_id",
  "check_agent_id",
  "use_allowed_method",
  "resolve_conflict",
  "resume_agent",
  "reduce_request_size",
  "retry_later",
  "configure_provider",
  "contact_administrator",
] as const;
export type SuggestedAction = (typeof SUGGESTED_ACTIONS)[number];

/** Overrides the code's usual guidance where the thrower knows better (e.g. 503 because no model is configured). */
export interface ErrorGuidance {
  recoverable?: boolean;
  suggestedAction?: SuggestedAction;
}

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly guidance: ErrorGuidance = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) => new AppError("NOT_FOUND", `${what} '${id}' not found`, { id });
export const badRequest = (message: string, details?: Record<string, unknown>) => new AppError("BAD_REQUEST", message, details);
export const conflict = (message: string, details?: Record<string, unknown>) => new AppError("CONFLICT", message, details);
export const agentNotFound = (agentId: string) => new AppError("AGENT_NOT_FOUND", `agent '${agentId}' not found`, { agent_id: agentId });
/** Inference cannot run until a provider/model is configured: the client should configure one, not retry. */
export const providerMissing = (message: string, details?: Record<string, unknown>, code: ErrorCode = "SERVICE_UNAVAILABLE") =>
  new AppError(code, message, details, { recoverable: false, suggestedAction: "configure_provider" });
