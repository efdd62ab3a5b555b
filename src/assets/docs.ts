// API docs UIs served from the binary: Swagger UI and ReDoc bundles are embedded as files, no CDN.
import swaggerBundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import redocBundle from "redoc/bundles/redoc.standalone.js" with { type: "file" };

/** URL path → embedded file path and content type. */
export const DOC_ASSETS: Record<string, { file: string; type: string }> = {
  "/api/docs/assets/swagger-ui-bundle.js": { file: swaggerBundle, type: "text/javascript; charset=utf-8" },
  "/api/docs/assets/swagger-ui.css": { file: swaggerCss, type: "text/css; charset=utf-8" },
  "/api/docs/assets/redoc.standalone.js": { file: redocBundle, type: "text/javascript; charset=utf-8" },
};
