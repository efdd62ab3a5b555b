// API-key authentication. Keys are held only as SHA-256 digests. A presented key is hashed once; a short digest
// prefix picks the candidates (O(1), never a slow hash per configured key) and each candidate's full digest is
// compared in constant time. The caller's user and role (src/core/kernel/viewer.ts) are kept per request for the
// plugins: callerOf(request), also for WebSocket upgrades (ws.data.request).
import { timingSafeEqual } from "node:crypto";
import { sha256Hex, type Config } from "../config";
import { requireAdmin, type Role, type Viewer } from "../core/kernel/viewer";

export interface Identity extends Viewer {
  /** sha256 of the key: a stable rate-limit bucket that never holds the key itself */
  keyHash: string;
}

const callers = new WeakMap<Request, Viewer>();

/** Who sent this request; undefined with authentication off (then every caller sees everything, as an admin). */
export const callerOf = (request: Request): Viewer | undefined => callers.get(request);

const PREFIX = 8;

export class Authenticator {
  private readonly byPrefix = new Map<string, { digest: Buffer; hash: string; user: string; role: Role }[]>();
  readonly enabled: boolean;

  constructor(auth: Config["auth"]) {
    this.enabled = auth.enabled;
    for (const k of auth.keys) {
      const list = this.byPrefix.get(k.sha256.slice(0, PREFIX)) ?? [];
      list.push({ digest: Buffer.from(k.sha256, "hex"), hash: k.sha256, user: k.user, role: k.role });
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

  /** Identifies the request's key and remembers the caller for callerOf() (only while authentication is on). */
  authenticate(request: Request, url: URL): Identity | undefined {
    const identity = this.identify(this.presentedKey(request, url));
    if (identity && this.enabled) callers.set(request, { user: identity.user, role: identity.role });
    return identity;
  }

  identify(key: string | undefined): Identity | undefined {
    if (!key) return undefined;
    const hash = sha256Hex(key);
    const digest = Buffer.from(hash, "hex");
    for (const candidate of this.byPrefix.get(hash.slice(0, PREFIX)) ?? []) {
      if (timingSafeEqual(candidate.digest, digest)) return { user: candidate.user, role: candidate.role, keyHash: candidate.hash };
    }
    return undefined;
  }
}

/** Route options for a server-wide change (roots, the current model, retention): 403 for a `user` key. */
export const adminOnly = (action: string) => ({
  beforeHandle({ request }: { request: Request }) {
    requireAdmin(callerOf(request), action);
  },
});
