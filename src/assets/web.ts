import { buildWebAssets } from "./web.macro" with { type: "macro" };

export interface Asset {
  type: string;
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  /** gzip-compressed body, when it is smaller */
  gzip?: Uint8Array<ArrayBuffer>;
}

function prepare(files: Record<string, { type: string; base64: string }>): Map<string, Asset> {
  const map = new Map<string, Asset>();
  for (const [path, f] of Object.entries(files)) {
    const body = new Uint8Array(Buffer.from(f.base64, "base64"));
    const gz = new Uint8Array(Bun.gzipSync(body));
    map.set(path, {
      type: f.type,
      body,
      etag: `"${new Bun.CryptoHasher("sha1").update(body).digest("hex").slice(0, 16)}"`,
      gzip: gz.length < body.length * 0.9 ? gz : undefined,
    });
  }
  return map;
}

/** The built web UI: URL path → asset. */
export const WEB_ASSETS: Map<string, Asset> = prepare(buildWebAssets());
