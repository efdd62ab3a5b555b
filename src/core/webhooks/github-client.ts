// The GitHub REST client answers go back through: Octokit with a token, or as a GitHub App (a JWT signed RS256
// with the app's private key buys an installation token for the delivery's installation, cached until shortly
// before it expires).
import { createSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { Octokit } from "@octokit/rest";
import type { GithubSettings } from "../../config/webhooks";

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/** A GitHub App JWT: valid 9 minutes, issued a minute in the past (GitHub allows for clock drift that way). */
export function appJwt(appId: string, privateKeyPem: string, now = Math.floor(Date.now() / 1000)): string {
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const claims = base64url(JSON.stringify({ iat: now - 60, exp: now + 9 * 60, iss: appId }));
  const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(privateKeyPem);
  return `${header}.${claims}.${base64url(signature)}`;
}

export class GithubClients {
  private readonly installationTokens = new Map<number, { token: string; expiresAt: number }>();

  constructor(private readonly settings: () => GithubSettings) {}

  /** Whether answers can be posted at all; otherwise why not. */
  problem(): string | undefined {
    const s = this.settings();
    return s.token || s.app ? undefined : "no GitHub credentials: set GITHUB_TOKEN (or [github] token), or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_PATH";
  }

  /** A client for a delivery (its installation id matters for App credentials). */
  async client(installationId?: number): Promise<Octokit> {
    const s = this.settings();
    const options = { baseUrl: s.apiUrl, userAgent: "penguin-webhooks" };
    if (s.token) return new Octokit({ ...options, auth: s.token });
    if (!s.app) throw new Error(this.problem());
    if (!installationId) throw new Error("the delivery names no installation, and only GitHub App credentials are configured");
    const cached = this.installationTokens.get(installationId);
    if (cached && cached.expiresAt - 60_000 > Date.now()) return new Octokit({ ...options, auth: cached.token });
    const jwt = appJwt(s.app.id, readFileSync(s.app.privateKeyPath, "utf8"));
    const asApp = new Octokit({ ...options, auth: jwt });
    const { data } = await asApp.apps.createInstallationAccessToken({ installation_id: installationId });
    this.installationTokens.set(installationId, { token: data.token, expiresAt: Date.parse(data.expires_at) });
    return new Octokit({ ...options, auth: data.token });
  }
}
