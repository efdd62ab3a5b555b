// API-key authentication. Keys are held only as SHA-256 digests. A presented key is hashed once; a short digest
// prefix picks the candidates (O(1), never a slow hash per configured key) and each candidate's full digest is
// compared in constant time.
import { timingSafeEqual } from "node:crypto";
import { sha256Hex, type Config } from "../config";

export interface Identity {
  user: string;
  /** sha256 of the key: a stable rate-limit bucket that never holds the key itself */
  keyHash: string;
}

const PREFIX = 8;

export class Authenticator {
  private readonly byPrefix = new Map<string, { digest: Buffer; hash: string; user: string }[]>();
  readonly enabled: boolean;

  constructor(auth: Config["auth"]) {
    this.enabled = auth.enabled;
    for (const k of auth.keys) {
      const list = this.byPrefix.get(k.sha256.slice(0, PREFIX)) ?? [];
      list.push({ digest: Buffer.from(k.sha256, "hex"), hash: k.sha256, user: k.user });
      this.byPrefix.set(k.sha256.slice(0, PREFIX), list);
    }
  }

  /** Reads the key from X-API-Key, Authorization: Bearer, or (WebSocket upgrades only) ?token=. */
  presentedKey(request: Request, url: URL): string | undefined {
    const header = request.headers.get("x-api-key");
    if (header) return header.trim();
    const authz = request.headers.get("authorization");
    if (authz?.toLowerCase().startsWith("bearer ")) return authz.slice(7).trim();
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return url.searchParams.get("token") ?? undefined;
    return undefined;
  }

  identify(key: string | undefined): Identity | undefined {
    if (!key) return undefined;
    const hash = sha256Hex(key);
    const digest = Buffer.from(hash, "hex");
    for (const candidate of this.byPrefix.get(hash.slice(0, PREFIX)) ?? []) {
      if (timingSafeEqual(candidate.digest, digest)) return { user: candidate.user, keyHash: candidate.hash };
    }
    return undefined;
  }
}
