// OpenAPI document at /api/docs/json, Swagger UI at /api/docs, ReDoc at /api/redoc; every asset from the binary.
// Every bus event is listed from its declaration (components.schemas named for the event, and `x-events`), so the
// documented events are the ones the code publishes.
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { DOC_ASSETS } from "../src/assets/docs";
import type { Core } from "../src/core";
import { A2A_CARD_PATHS } from "./a2a";
import { EVENTS } from "../src/core/events";
import { isOpenPath } from "../src/http/open-paths";

const REDOC_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Penguin API — ReDoc</title></head>
<body><redoc spec-url="/api/docs/json"></redoc><script src="/api/docs/assets/redoc.standalone.js"></script></body></html>`;

type PathItem = Record<string, { responses?: Record<string, unknown>; description?: string } & Record<string, unknown>>;

/**
 * OpenAPI has no "ws" method, which is how the plugin lists WebSocket routes: describe each as the GET that
 * upgrades (101), marked `x-websocket`, so validators and generators accept the document.
 */
export function withWebSocketsAsUpgrades(doc: { paths?: Record<string, PathItem> }) {
  for (const item of Object.values(doc.paths ?? {})) {
    const ws = item.ws;
    if (!ws) continue;
    delete item.ws;
    item.get ??= {
      ...ws,
      "x-websocket": true,
      description: `WebSocket (connect with ?token=<key>). ${ws.description ?? ""}`.trim(),
      responses: { "101": { description: "Switching Protocols: the WebSocket is open" } },
    };
  }
  return doc;
}

/** Routes served without a key (src/http/open-paths.ts, the one list auth reads) say so: an empty `security`. */
export function withOpenRoutesUnsecured(doc: { paths?: Record<string, PathItem> }, isOpen: (path: string) => boolean) {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!isOpen(path)) continue;
    for (const operation of Object.values(item)) operation.security = [];
  }
  return doc;
}

export const docsPlugin = (core: Core) => {
  const events = EVENTS.openApi();
  const app = new Elysia({ name: "docs" })
    .onAfterHandle(({ request, responseValue }) => {
      if (new URL(request.url).pathname !== "/api/docs/json" || !responseValue || typeof responseValue !== "object") return;
      const doc = withWebSocketsAsUpgrades(responseValue as { paths?: Record<string, PathItem> });
      withOpenRoutesUnsecured(doc, (path) => isOpenPath(path, core.config));
    })
    .use(
      openapi({
        path: "/api/docs",
        specPath: "/api/docs/json",
        provider: "swagger-ui",
        // The plugin points Swagger UI at a path relative to the page ("api/docs/json" from /api/docs → 404); an
        // absolute url overrides it (the option is typed out, hence the cast).
        swagger: { cdn: "/api/docs/assets/swagger-ui-bundle.js", theme: "/api/docs/assets/swagger-ui.css", autoDarkMode: true, url: "/api/docs/json" } as { cdn: string },
        exclude: { paths: ["/api/redoc", "/", /^\/assets\//, /^\/api\/docs/] },
        documentation: {
          info: {
            title: "Penguin API",
            version: core.version,
            description:
              "Self-hosted AI agent server. Authenticate with `X-API-Key: <key>` or `Authorization: Bearer <key>` " +
              "(WebSockets also accept `?token=<key>`). Errors use one envelope: " +
              '`{"error":{"code","message","details","request_id","recoverable","suggested_action"},"detail":message}`.',
          },
          // Routes the generator leaves out (paths with a dot), described by hand.
          paths: { ...A2A_CARD_PATHS },
          components: {
            schemas: events.schemas,
            securitySchemes: {
              apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
              bearer: { type: "http", scheme: "bearer" },
            },
          },
          security: [{ apiKey: [] }, { bearer: [] }],
          // What travels on the event bus, and so on every live stream (WebSocket, SSE).
          "x-events": events.events,
        } as Record<string, unknown>,
      }),
    )
    .get("/api/redoc", ({ set }) => {
      set.headers["content-type"] = "text/html; charset=utf-8";
      return REDOC_HTML;
    }, { detail: { hide: true } });
  for (const [path, asset] of Object.entries(DOC_ASSETS)) {
    app.get(path, ({ set }) => {
      set.headers["content-type"] = asset.type;
      set.headers["cache-control"] = "public, max-age=86400";
      return Bun.file(asset.file);
    }, { detail: { hide: true } });
  }
  return app;
};
