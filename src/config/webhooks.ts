// The `[github]` and `[whatsapp]` blocks of the config file and what they resolve to (with the environment's
// GITHUB_* / WHATSAPP_* fallbacks). Declared beside the domain that reads them; src/config.ts only mounts them.
import { Type as T, type Static } from "@sinclair/typebox";

export const GITHUB_EVENTS = ["push", "pull_request", "issues", "issue_comment", "pull_request_review", "workflow_run"] as const;
export type GithubEventName = (typeof GITHUB_EVENTS)[number];

/** Where a route's answer goes: a PR review, a comment on the issue/PR, or nowhere (kept in the conversation). */
export const GithubReply = T.Union([T.Literal("review"), T.Literal("comment"), T.Literal("none")]);
export type GithubReply = Static<typeof GithubReply>;

const GithubRoute = T.Object(
  {
    event: T.Union(GITHUB_EVENTS.map((e) => T.Literal(e))),
    /** The payload's `action` (opened, created, completed …); any when absent. */
    action: T.Optional(T.String({ minLength: 1 })),
    /** The agent that handles it (default: [github] agent, else "default"). */
    agent: T.Optional(T.String({ minLength: 1 })),
    /** The turn's text; {title}, {body}, {number}, {repo}, {url}, {sender}, {action}, {ref}, {comment}, {conclusion},
     *  {state}, {head}, {base} are filled from the payload. */
    prompt: T.String({ minLength: 1 }),
    /** Default: review for pull_request / pull_request_review, comment for issues / issue_comment, none otherwise. */
    reply: T.Optional(GithubReply),
  },
  { additionalProperties: false },
);

export const GithubFileSettings = T.Object(
  {
    /** Secret of the webhook (GitHub's "Secret" field); GITHUB_WEBHOOK_SECRET. Without one every delivery is refused. */
    webhook_secret: T.Optional(T.String({ minLength: 1 })),
    /** A token that may post reviews and comments; GITHUB_TOKEN. */
    token: T.Optional(T.String({ minLength: 1 })),
    /** GitHub App credentials instead of a token (an installation token per delivery); GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY_PATH. */
    app_id: T.Optional(T.String({ minLength: 1 })),
    private_key_path: T.Optional(T.String({ minLength: 1 })),
    /** REST API base (GitHub Enterprise: https://host/api/v3); GITHUB_API_URL. */
    api_url: T.Optional(T.String({ minLength: 1 })),
    /** The agent of routes that name none. */
    agent: T.Optional(T.String({ minLength: 1 })),
    routes: T.Optional(T.Array(GithubRoute)),
  },
  { additionalProperties: false },
);
export type GithubFileSettings = Static<typeof GithubFileSettings>;

export const WhatsappFileSettings = T.Object(
  {
    /** The token Meta's hub verification must present; WHATSAPP_VERIFY_TOKEN. */
    verify_token: T.Optional(T.String({ minLength: 1 })),
    /** The app secret deliveries are signed with (X-Hub-Signature-256); WHATSAPP_APP_SECRET. */
    app_secret: T.Optional(T.String({ minLength: 1 })),
    /** Cloud API access token for replies; WHATSAPP_ACCESS_TOKEN. */
    access_token: T.Optional(T.String({ minLength: 1 })),
    /** The sending number's id; WHATSAPP_PHONE_NUMBER_ID. */
    phone_number_id: T.Optional(T.String({ minLength: 1 })),
    /** Cloud API base; WHATSAPP_API_URL (default https://graph.facebook.com/v21.0). */
    api_url: T.Optional(T.String({ minLength: 1 })),
    /** Only these senders (as WhatsApp sends them, digits) are answered; empty: everyone. WHATSAPP_ALLOWED_SENDERS (comma-separated). */
    allowed_senders: T.Optional(T.Array(T.String({ minLength: 1 }))),
    /** The agent that answers; WHATSAPP_AGENT (default "default"). */
    agent: T.Optional(T.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type WhatsappFileSettings = Static<typeof WhatsappFileSettings>;

export interface GithubRouteSettings {
  event: GithubEventName;
  action?: string;
  agent: string;
  prompt: string;
  reply: GithubReply;
}

export interface GithubSettings {
  webhookSecret?: string;
  token?: string;
  app?: { id: string; privateKeyPath: string };
  apiUrl: string;
  routes: GithubRouteSettings[];
}

export interface WhatsappSettings {
  verifyToken?: string;
  appSecret?: string;
  accessToken?: string;
  phoneNumberId?: string;
  apiUrl: string;
  /** Digits only; empty: everyone. */
  allowedSenders: string[];
  agent: string;
}

const defaultReply = (event: GithubEventName): GithubReply =>
  event === "pull_request" || event === "pull_request_review" ? "review" : event === "issues" || event === "issue_comment" ? "comment" : "none";

const trimSlash = (url: string) => url.replace(/\/+$/, "");
/** Phone numbers compare as digits: "+49 170 123" and "49170123" are the same sender. */
export const senderDigits = (sender: string) => sender.replace(/\D/g, "");

export function githubSettings(file: GithubFileSettings | undefined, env: Record<string, string | undefined>): GithubSettings {
  const f = file ?? {};
  const appId = f.app_id ?? env.GITHUB_APP_ID;
  const keyPath = f.private_key_path ?? env.GITHUB_APP_PRIVATE_KEY_PATH;
  const fallbackAgent = f.agent ?? "default";
  return {
    webhookSecret: f.webhook_secret ?? (env.GITHUB_WEBHOOK_SECRET || undefined),
    token: f.token ?? (env.GITHUB_TOKEN || undefined),
    ...(appId && keyPath ? { app: { id: appId, privateKeyPath: keyPath } } : {}),
    apiUrl: trimSlash(f.api_url ?? env.GITHUB_API_URL ?? "https://api.github.com"),
    routes: (f.routes ?? []).map((r) => ({ event: r.event, action: r.action, agent: r.agent ?? fallbackAgent, prompt: r.prompt, reply: r.reply ?? defaultReply(r.event) })),
  };
}

export function whatsappSettings(file: WhatsappFileSettings | undefined, env: Record<string, string | undefined>): WhatsappSettings {
  const f = file ?? {};
  const allowed = f.allowed_senders ?? (env.WHATSAPP_ALLOWED_SENDERS ?? "").split(",").filter((s) => s.trim());
  return {
    verifyToken: f.verify_token ?? (env.WHATSAPP_VERIFY_TOKEN || undefined),
    appSecret: f.app_secret ?? (env.WHATSAPP_APP_SECRET || undefined),
    accessToken: f.access_token ?? (env.WHATSAPP_ACCESS_TOKEN || undefined),
    phoneNumberId: f.phone_number_id ?? (env.WHATSAPP_PHONE_NUMBER_ID || undefined),
    apiUrl: trimSlash(f.api_url ?? env.WHATSAPP_API_URL ?? "https://graph.facebook.com/v21.0"),
    allowedSenders: allowed.map(senderDigits).filter(Boolean),
    agent: f.agent ?? env.WHATSAPP_AGENT ?? "default",
  };
}
