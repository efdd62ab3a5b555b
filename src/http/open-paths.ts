// Routes reachable without an API key, and routes outside the rate limit. Exact paths only, never prefixes,
// so a new route under a "public" prefix is never opened by accident.
import { DOC_ASSETS } from "../assets/docs";
import { WEB_ASSETS } from "../assets/web";

const OPEN = new Set<string>([
  "/health",
  // An A2A client reads the card to learn which key to send.
  "/.well-known/agent-card.json",
  "/api/v1/health",
  "/ready",
  "/ready/all",
  "/",
  "/favicon.ico",
  "/api/docs",
  "/api/docs/json",
  "/api/redoc",
  ...Object.keys(DOC_ASSETS),
  ...WEB_ASSETS.keys(),
  // Webhooks verify their own signatures.
  "/api/v1/github/webhook",
  "/v1/webhooks/whatsapp",
]);

/** Open as the PiSovereign reference documents them, unless `metrics_auth = true` puts them behind a key. */
const METRICS = new Set<string>(["/metrics", "/metrics/prometheus"]);

const UNLIMITED = new Set<string>(["/health", "/api/v1/health", "/ready", "/ready/all", ...METRICS]);

export const isOpenPath = (path: string, options: { metricsAuth?: boolean } = {}): boolean => OPEN.has(path) || (!options.metricsAuth && METRICS.has(path));
export const isUnlimitedPath = (path: string): boolean => UNLIMITED.has(path);
