// The web UI, built from public/ at bundle time and served from memory with ETags and gzip.
import { Elysia } from "elysia";
import { WEB_ASSETS, type Asset } from "../src/assets/web";
import type { Core } from "../src/core";

function serve(asset: Asset, request: Request, immutable: boolean): Response {
  const headers: Record<string, string> = {
    "content-type": asset.type,
    etag: asset.etag,
    // Hashed chunk names never change content; the HTML must be revalidated to pick up new chunks.
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    vary: "Accept-Encoding",
  };
  if (request.headers.get("if-none-match") === asset.etag) return new Response(null, { status: 304, headers });
  if (asset.gzip && /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")) {
    return new Response(asset.gzip, { headers: { ...headers, "content-encoding": "gzip" } });
  }
  return new Response(asset.body, { headers });
}

export const webPlugin = (_core: Core) => {
  const app = new Elysia({ name: "web" });
  const index = WEB_ASSETS.get("/index.html")!;
  app.get("/", ({ request }) => serve(index, request, false), { detail: { hide: true } });
  for (const [path, asset] of WEB_ASSETS) {
    app.get(path, ({ request }) => serve(asset, request, path.startsWith("/assets/")), { detail: { hide: true } });
  }
  return app;
};
