// createApp(core): the cross-cutting HTTP contract, then one plugin per API area.
// Order (tested): request id → security headers → CORS → body size → rate limit → auth → validation → handler,
// so 401/413/429 answers carry X-Request-Id and the security headers, preflights need no key, and failed auth
// attempts spend the caller's IP budget.
import { cors } from "@elysiajs/cors";
import { Elysia, ValidationError } from "elysia";
import type { Core } from "./core";
import { AppError, type ErrorCode } from "./core/kernel/errors";
import { Authenticator, type Identity } from "./http/auth";
import { errorBody, statusFor, validationFields } from "./http/errors";
import { RateLimiter } from "./http/rate-limit";
import { isOpenPath, isUnlimitedPath } from "./http/open-paths";
import { isOpenAiPath, toOpenAiError } from "./http/openai-errors";
import { docsPlugin } from "../plugins/docs";
import { healthPlugin } from "../plugins/health";
import { modelsPlugin } from "../plugins/models";
import { webPlugin } from "../plugins/web";
import { approvalsPlugin } from "../plugins/approvals";
import { requestLogLevel } from "./http/request-log";
import { securityPlugin } from "../plugins/security";
import { systemConfigPlugin } from "../plugins/system-config";
import { uploadPlugin } from "../plugins/upload";
import { chatPlugin } from "../plugins/chat";
import { conversationsPlugin } from "../plugins/conversations";
import { pisovereignChatPlugin } from "../plugins/pisovereign-chat";
import { contextFilesPlugin } from "../plugins/context-files";
import { usagePlugin } from "../plugins/usage";
import { checkpointsPlugin } from "../plugins/checkpoints";
import { projectsPlugin } from "../plugins/projects";
import { tasksPlugin } from "../plugins/tasks";
import { systemPlugin } from "../plugins/system";
import { telemetryPlugin } from "../plugins/telemetry";
import { eventsPlugin } from "../plugins/events";
import { agentsPlugin } from "../plugins/agents";
import { messagesPlugin } from "../plugins/messages";
import { coordinatorPlugin } from "../plugins/coordinator";
import { openAiApiPlugin } from "../plugins/openai-api";
import { a2aPlugin } from "../plugins/a2a";
import { memoriesPlugin } from "../plugins/memories";
import { mcpPlugin } from "../plugins/mcp";
import { agenticPlugin } from "../plugins/agentic";
import { commandsPlugin } from "../plugins/commands";
import { webhooksPlugin } from "../plugins/webhooks";

const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

// Everything is self-contained: scripts, styles and connections stay on this origin; no inline script runs (so
// injected markup in a model answer cannot execute). Styles may be inline (the UI and ReDoc set them from script),
// images may be data:/blob: URLs. Swagger UI's page bootstraps with an inline script, so only it gets that allowance.
const CSP = (scriptSrc: string) =>
  `default-src 'self'; script-src ${scriptSrc}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; ` +
  "connect-src 'self' ws: wss:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
const STRICT_CSP = CSP("'self'");
const DOCS_CSP = CSP("'self' 'unsafe-inline'");

/** Reads a request body stream, failing with 413 as soon as it passes `limit` bytes. */
async function readCapped(body: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds the limit of ${limit} bytes`, { limit });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A short, safe incoming id (UUID or similar token) is kept; anything else is replaced. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export interface RequestState {
  id: string;
  start: number;
  identity?: Identity;
  ip: string;
}

/** Per-request state that plugins may read (e.g. the caller's identity). */
export const requestState = new WeakMap<Request, RequestState>();

export function createApp(core: Core) {
  const { config, log, metrics } = core;
  const auth = new Authenticator(config.auth);
  const limiter = new RateLimiter(config.rateLimitRpm);
  const anyOrigin = config.corsOrigins.includes("*");

  const fail = (code: ErrorCode, message: string, details: Record<string, unknown> = {}) => new AppError(code, message, details);
  const webSocketOriginAllowed = (origin: string, host: string | null) => {
    try {
      if (new URL(origin).host === host) return true;
    } catch {
      return false;
    }
    return config.corsOrigins.includes(origin) || (anyOrigin && auth.enabled);
  };

  const app = new Elysia({
    name: "penguin",
    // development: false — an exception that escapes Elysia must never become Bun's HTML page with a stack trace.
    serve: { maxRequestBodySize: Math.max(config.maxBodyBytes, config.uploadMaxBytes) + 64 * 1024, development: false },
  })
    // 1. request id, timing, security headers
    .onRequest(({ request, set, server }) => {
      const incoming = request.headers.get("x-request-id");
      const id = incoming && REQUEST_ID.test(incoming) ? incoming : Bun.randomUUIDv7();
      requestState.set(request, { id, start: performance.now(), ip: server?.requestIP(request)?.address ?? "unknown" });
      metrics.http.active++;
      set.headers["x-request-id"] = id;
      Object.assign(set.headers, SECURITY_HEADERS);
      const path = request.url.slice(request.url.indexOf("/", 8)).split("?", 1)[0];
      set.headers["content-security-policy"] = path === "/api/docs" ? DOCS_CSP : STRICT_CSP;
    })
    // 2. CORS (answers preflights itself, before any key is asked for)
    .use(
      cors({
        origin: anyOrigin ? "*" : config.corsOrigins,
        credentials: !anyOrigin,
        allowedHeaders: "Content-Type, Authorization, X-API-Key, X-Request-Id, A2A-Version, A2A-Extensions, X-Penguin-Conversation-Id",
        exposeHeaders: "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Penguin-Conversation-Id",
        maxAge: 600,
      }),
    )
    // 3. body size, WebSocket origin, rate limit, auth
    .onRequest(({ request, set }) => {
      const state = requestState.get(request)!;
      const url = new URL(request.url);
      const length = Number(request.headers.get("content-length") ?? 0);
      const isUpload = url.pathname === "/api/v1/upload";
      const maxBytes = isUpload ? config.uploadMaxBytes : config.maxBodyBytes;
      if (length > maxBytes) throw fail("PAYLOAD_TOO_LARGE", `Request body of ${length} bytes exceeds the limit of ${maxBytes} bytes`, { limit: maxBytes });

      // Browsers let any page open a WebSocket to localhost (CORS does not apply): only this origin, the configured
      // ones, or — with authentication on, where the key is the guard — any origin when CORS allows all.
      const origin = request.headers.get("origin");
      if (origin && request.headers.get("upgrade")?.toLowerCase() === "websocket" && !webSocketOriginAllowed(origin, request.headers.get("host"))) {
        throw fail("FORBIDDEN", `WebSocket connections from origin ${origin} are not allowed (see PENGUIN_CORS_ORIGINS)`);
      }

      state.identity = auth.authenticate(request, url);
      if (limiter.enabled && !isUnlimitedPath(url.pathname)) {
        const decision = limiter.take(state.identity ? `key:${state.identity.keyHash}` : `ip:${state.ip}`);
        set.headers["x-ratelimit-limit"] = String(decision.limit);
        set.headers["x-ratelimit-remaining"] = String(decision.remaining);
        set.headers["x-ratelimit-reset"] = String(decision.reset);
        if (!decision.allowed) {
          set.headers["retry-after"] = String(decision.retryAfter);
          throw fail("RATE_LIMITED", `Too many requests. Please retry after ${decision.retryAfter} seconds.`, { retry_after: decision.retryAfter });
        }
      }
      if (auth.enabled && !state.identity && !isOpenPath(url.pathname, config)) {
        throw fail("UNAUTHORIZED", "Invalid or missing API key: send it as X-API-Key or Authorization: Bearer");
      }
    })
    // A body without Content-Length (chunked) was not measured above: read it here under the same limit.
    .onParse({ as: "global" }, async ({ request, contentType }) => {
      if (!request.body || request.headers.has("content-length") || contentType.startsWith("multipart/")) return;
      const text = await readCapped(request.body, config.maxBodyBytes);
      if (!contentType.includes("json")) return text;
      try {
        return JSON.parse(text);
      } catch {
        throw fail("BAD_REQUEST", "Malformed request body: expected valid JSON");
      }
    })
    .onError({ as: "global" }, ({ code, error, request, set }) => {
      const requestId = requestState.get(request)?.id ?? String(set.headers["x-request-id"] ?? "");
      // Elysia wraps whatever a parse hook throws; ours throws AppErrors that should speak for themselves.
      if (code === "PARSE" && (error as Error).cause instanceof AppError) error = (error as Error).cause as AppError;
      let status: number;
      let body: ReturnType<typeof errorBody>;
      if (error instanceof AppError) {
        status = statusFor(error.errorCode);
        body = errorBody(error.errorCode, error.message, error.details, requestId, error.guidance);
      } else if (error instanceof ValidationError || code === "VALIDATION") {
        const fields = validationFields(error);
        status = 422;
        body = errorBody("VALIDATION_ERROR", fields.length ? `Request validation failed: ${fields[0]!.field} ${fields[0]!.error}` : "Request validation failed", { fields }, requestId);
      } else if (code === "PARSE") {
        status = 400;
        const type = request.headers.get("content-type") ?? "";
        const expected = type.startsWith("multipart/") ? "a valid multipart/form-data body" : type.includes("json") || !type ? "valid JSON" : `a valid ${type.split(";")[0]} body`;
        body = errorBody("BAD_REQUEST", `Malformed request body: expected ${expected}`, {}, requestId);
      } else if (code === "NOT_FOUND") {
        const url = new URL(request.url);
        const allowed = allowedMethods(app, url.pathname);
        if (allowed.length && !allowed.includes(request.method)) {
          status = 405;
          set.headers["allow"] = allowed.join(", ");
          body = errorBody("METHOD_NOT_ALLOWED", `Method ${request.method} is not allowed on ${url.pathname}`, { allowed }, requestId);
        } else {
          status = 404;
          body = errorBody("NOT_FOUND", `No route for ${request.method} ${url.pathname}`, {}, requestId);
        }
      } else if (typeof (error as { status?: unknown }).status === "number" && (error as { status: number }).status === 413) {
        status = 413;
        body = errorBody("PAYLOAD_TOO_LARGE", "Request body exceeds the size limit", {}, requestId);
      } else {
        status = 500;
        log.error("unhandled error", { request_id: requestId, error: String(error), stack: (error as Error)?.stack });
        body = errorBody("INTERNAL_ERROR", "Internal server error", {}, requestId);
      }
      // The OpenAI-compatible routes answer in the shape the OpenAI SDKs read.
      if (isOpenAiPath(new URL(request.url).pathname)) {
        const openAi = toOpenAiError(status, body.error);
        set.status = openAi.status;
        return openAi.body;
      }
      set.status = status;
      return body;
    })
    .onAfterResponse({ as: "global" }, ({ request, set, responseValue }) => {
      const state = requestState.get(request);
      if (!state) return;
      metrics.http.active--;
      const status = responseValue instanceof Response ? responseValue.status : typeof set.status === "number" ? set.status : 200;
      const ms = Math.round((performance.now() - state.start) * 100) / 100;
      metrics.recordRequest(status, ms);
      const url = new URL(request.url);
      log[requestLogLevel(url.pathname)]("request", { method: request.method, path: url.pathname, status, ms, request_id: state.id, user: state.identity?.user });
    })
    .use(docsPlugin(core))
    .use(webPlugin(core))
    .use(healthPlugin(core))
    .use(approvalsPlugin(core))
    .use(securityPlugin(core))
    .use(systemConfigPlugin(core))
    .use(uploadPlugin(core))
    .use(modelsPlugin(core))
    .use(chatPlugin(core))
    .use(conversationsPlugin(core))
    .use(pisovereignChatPlugin(core))
    .use(contextFilesPlugin(core))
    .use(usagePlugin(core))
    .use(checkpointsPlugin(core))
    .use(projectsPlugin(core))
    .use(tasksPlugin(core))
    .use(systemPlugin(core))
    .use(telemetryPlugin(core))
    .use(eventsPlugin(core))
    .use(agentsPlugin(core))
    .use(messagesPlugin(core))
    .use(coordinatorPlugin(core))
    .use(a2aPlugin(core))
    .use(openAiApiPlugin(core))
    .use(memoriesPlugin(core))
    .use(mcpPlugin(core))
    .use(agenticPlugin(core))
    .use(commandsPlugin(core))
    .use(webhooksPlugin(core));

  return app;
}

export type App = ReturnType<typeof createApp>;

/** Methods registered for a concrete path (used to tell 405 from 404). */
function allowedMethods(app: { routes: { method: string; path: string }[] }, pathname: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "OPTIONS" || route.path === "/*") continue;
    const pattern = new RegExp("^" + route.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+").replace(/\*$/, ".*") + "$");
    if (pattern.test(pathname)) methods.add(route.method === "WS" ? "GET" : route.method);
  }
  return [...methods];
}
