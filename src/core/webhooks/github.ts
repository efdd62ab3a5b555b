// GitHub deliveries: verified (X-Hub-Signature-256 with the webhook secret), recorded once per X-GitHub-Delivery,
// matched against [[github.routes]] and queued; the queue runs the route's agent on the filled-in prompt in a
// restricted turn and posts its answer back (a PR review or an issue comment) through Octokit.
import { AppError } from "../kernel/errors";
import type { Logger } from "../kernel/log";
import type { Conversations } from "../conversation/conversations";
import type { TurnRequest, TurnResult } from "../engine/turn";
import type { Deliveries, DeliveryRow } from "./deliveries";
import type { GithubClients } from "./github-client";
import type { GithubWebhookAccepted } from "./schema";
import { GITHUB_EVENTS, type GithubEventName, type GithubRouteSettings, type GithubSettings } from "../../config/webhooks";
import { signatureValid } from "./signature";

export interface GithubDeps {
  settings: () => GithubSettings;
  deliveries: Deliveries;
  clients: GithubClients;
  conversations: Conversations;
  runTurn: (agentId: string, request: TurnRequest) => Promise<TurnResult>;
  kick: () => void;
  log: Logger;
}

export interface GithubDeliveryHeaders {
  signature: string | null;
  deliveryId: string | null;
  event: string | null;
}

type Json = Record<string, any>;

/** Text fields from a payload are bounded: a huge PR body must not fill the model's window. */
const FIELD_LIMIT = 20_000;
const clip = (value: unknown): string => {
  const text = value === undefined || value === null ? "" : String(value);
  return text.length > FIELD_LIMIT ? text.slice(0, FIELD_LIMIT) + " […]" : text;
};

/** The values a route's prompt may name, from whichever object the event carries. */
export function promptFields(event: string, payload: Json): Record<string, string> {
  const item: Json = payload.pull_request ?? payload.issue ?? {};
  const fields: Record<string, unknown> = {
    repo: payload.repository?.full_name,
    sender: payload.sender?.login,
    action: payload.action,
    title: item.title,
    body: item.body,
    number: item.number,
    url: item.html_url,
    state: item.state,
    head: item.head?.ref,
    base: item.base?.ref,
    comment: payload.comment?.body ?? payload.review?.body,
  };
  if (event === "issue_comment") fields.url = payload.comment?.html_url ?? fields.url;
  if (event === "pull_request_review") Object.assign(fields, { state: payload.review?.state, url: payload.review?.html_url ?? fields.url });
  if (event === "push") {
    const commits: Json[] = payload.commits ?? [];
    Object.assign(fields, { ref: payload.ref, head: payload.after, title: payload.head_commit?.message, url: payload.compare, body: commits.map((c) => `${String(c.id).slice(0, 7)} ${c.message}`).join("\n") });
  }
  if (event === "workflow_run") {
    const run: Json = payload.workflow_run ?? {};
    Object.assign(fields, { title: run.name ?? run.display_title, conclusion: run.conclusion, url: run.html_url, head: run.head_branch, number: run.run_number, state: run.status });
  }
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, clip(v)]));
}

export const fillPrompt = (template: string, fields: Record<string, string>) => template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in fields ? fields[name]! : whole));

export function routeFor(routes: GithubRouteSettings[], event: string, payload: Json): GithubRouteSettings | undefined {
  return routes.find((r) => r.event === event && (!r.action || r.action === payload.action));
}

/** Every answer posted carries this (invisible in GitHub's rendering), so a comment route never answers the server's
 *  own comments, even when they are posted with a personal token. */
export const REPLY_MARKER = "<!-- penguin:webhook-reply -->";

/** Comments and reviews written by bots or by this server start nothing: no reply loops. */
function ownOrBot(event: string, payload: Json): boolean {
  if (event !== "issue_comment" && event !== "pull_request_review") return false;
  const text = String(payload.comment?.body ?? payload.review?.body ?? "");
  return payload.sender?.type === "Bot" || text.includes(REPLY_MARKER);
}

export class GithubWebhook {
  constructor(private readonly deps: GithubDeps) {}

  /** Why every delivery is refused, when it is. */
  problem(): string | undefined {
    return this.deps.settings().webhookSecret ? undefined : "the GitHub webhook is not configured: set GITHUB_WEBHOOK_SECRET (or [github] webhook_secret) to the webhook's secret";
  }

  receive(headers: GithubDeliveryHeaders, rawBody: string): GithubWebhookAccepted {
    const problem = this.problem();
    if (problem) throw new AppError("SERVICE_UNAVAILABLE", problem, { reason: "webhook_secret_missing" });
    if (!signatureValid(this.deps.settings().webhookSecret!, rawBody, headers.signature)) {
      throw new AppError("UNAUTHORIZED", headers.signature ? "X-Hub-Signature-256 does not match the body signed with the webhook secret" : "X-Hub-Signature-256 is missing: the delivery must be signed");
    }
    const deliveryId = headers.deliveryId?.trim();
    const event = headers.event?.trim();
    if (!deliveryId || !event) throw new AppError("BAD_REQUEST", "X-GitHub-Delivery and X-GitHub-Event are required");
    const payload = parsePayload(rawBody);

    const route = GITHUB_EVENTS.includes(event as GithubEventName) && !ownOrBot(event, payload) ? routeFor(this.deps.settings().routes, event, payload) : undefined;
    const { row, duplicate } = this.deps.deliveries.record({ source: "github", deliveryId, event, payload, status: route ? "queued" : "ignored" });
    if (!duplicate && route) this.deps.kick();
    this.deps.log.info(duplicate ? "github delivery received again; not queued" : "github delivery received", { delivery_id: deliveryId, event, action: payload.action, routed: route !== undefined });
    return { accepted: true, delivery_id: deliveryId, event, duplicate, status: row.status, routed: route !== undefined };
  }

  /** Works one queued delivery: the route's agent answers in a new conversation, the answer is posted back. */
  async process(row: DeliveryRow): Promise<{ conversationId: string }> {
    const payload = row.payload as Json;
    const route = routeFor(this.deps.settings().routes, row.event, payload);
    if (!route) throw new Error(`no [[github.routes]] rule matches ${row.event}${payload.action ? `/${payload.action}` : ""} any more`);
    const fields = promptFields(row.event, payload);
    const origin = { source: "github" as const, delivery_id: row.deliveryId, event: row.event, action: fields.action || undefined, repository: fields.repo || undefined };
    const conversation = this.deps.conversations.create({
      agentId: route.agent,
      title: `GitHub ${row.event}: ${fields.repo}${fields.number ? ` #${fields.number}` : ""} ${fields.title}`.slice(0, 200).trim(),
      metadata: { ...origin, number: fields.number || undefined, url: fields.url || undefined, untrusted: true },
    });
    const text = `[GitHub ${row.event}${fields.action ? ` ${fields.action}` : ""} from ${fields.sender || "unknown"}; untrusted content]\n${fillPrompt(route.prompt, fields)}`;
    const result = await this.deps.runTurn(route.agent, { text, conversationId: conversation.id, restricted: true, context: origin });
    if (result.interrupted) throw new Error("the turn was interrupted; nothing was posted");
    if (route.reply !== "none" && result.response.trim()) await this.postBack(route, row.event, payload, result.response);
    return { conversationId: conversation.id };
  }

  private async postBack(route: GithubRouteSettings, event: string, payload: Json, body: string): Promise<void> {
    const owner: string | undefined = payload.repository?.owner?.login;
    const repo: string | undefined = payload.repository?.name;
    const number: number | undefined = (payload.pull_request ?? payload.issue)?.number;
    if (!owner || !repo || !number) throw new Error(`a ${route.reply} needs a repository and a PR or issue number; the ${event} delivery has none`);
    const github = await this.deps.clients.client(payload.installation?.id);
    body = `${body}\n\n${REPLY_MARKER}`;
    // an issue comment on a PR arrives as issue_comment; a review needs a pull request
    if (route.reply === "review" && payload.pull_request) await github.pulls.createReview({ owner, repo, pull_number: number, body, event: "COMMENT" });
    else await github.issues.createComment({ owner, repo, issue_number: number, body });
  }
}

/** GitHub sends JSON, or (content type "application/x-www-form-urlencoded") the JSON in a `payload` field. */
function parsePayload(rawBody: string): Json {
  try {
    const text = rawBody.startsWith("payload=") ? (new URLSearchParams(rawBody).get("payload") ?? "") : rawBody;
    const value = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {
    // answered below
  }
  throw new AppError("BAD_REQUEST", "Malformed webhook body: expected a JSON object");
}
