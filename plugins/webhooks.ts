// Webhooks (open paths: they verify their own signatures): POST /api/v1/github/webhook and GET/POST
// /v1/webhooks/whatsapp. Thin: the raw body (signatures are over its exact bytes) goes to core.webhooks; the answer
// comes at once, the work happens in the background queue.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { GithubWebhookAccepted, HubVerificationQuery, WebhookDeliveryList, WebhookDeliveryQuery, WhatsappWebhookAccepted } from "../src/core/webhooks/schema";
import { adminOnly } from "../src/http/auth";
import { ErrorEnvelope, queryOf } from "../src/http/schemas";

/** The body exactly as sent (a chunked JSON body may already have been parsed by the global parser: it no longer
 *  has its exact bytes, so its signature will not match). */
const rawOf = (body: unknown): string => (typeof body === "string" ? body : JSON.stringify(body ?? ""));

export const webhooksPlugin = (core: Core) =>
  new Elysia({ name: "webhooks", detail: { tags: ["webhooks"] } })
    .post(
      "/api/v1/github/webhook",
      ({ body, request, set }) => {
        const accepted = core.webhooks.github.receive(
          { signature: request.headers.get("x-hub-signature-256"), deliveryId: request.headers.get("x-github-delivery"), event: request.headers.get("x-github-event") },
          rawOf(body),
        );
        set.status = 202;
        return accepted;
      },
      {
        parse: "text",
        response: { 202: GithubWebhookAccepted, 400: ErrorEnvelope, 401: ErrorEnvelope, 503: ErrorEnvelope },
        detail: {
          summary: "Receive a GitHub webhook delivery",
          description:
            "Signed with the webhook secret (X-Hub-Signature-256, HMAC-SHA256; unsigned or badly signed: 401; no secret configured: 503 saying so). " +
            "Deduplicated by X-GitHub-Delivery (a redelivery is answered 202 with duplicate: true and queued no second time). " +
            "push, pull_request, issues, issue_comment, pull_request_review and workflow_run are routed by [[github.routes]] to an agent; " +
            "answered 202 at once, the agent's turn runs from a queue (read-only, no approvals) and its answer is posted back as a PR review or an issue comment.",
        },
      },
    )
    .get(
      "/v1/webhooks/whatsapp",
      ({ query, set }) => {
        set.headers["content-type"] = "text/plain; charset=utf-8";
        return core.webhooks.whatsapp.verify(query);
      },
      {
        query: HubVerificationQuery,
        response: { 200: t.String({ description: "hub.challenge, echoed" }), 403: ErrorEnvelope },
        detail: { summary: "WhatsApp hub verification", description: "hub.mode=subscribe with hub.verify_token matching the configured verify token: answers hub.challenge; otherwise 403." },
      },
    )
    .post("/v1/webhooks/whatsapp", ({ body, request }) => core.webhooks.whatsapp.receive(request.headers.get("x-hub-signature-256"), rawOf(body)), {
      parse: "text",
      response: { 200: WhatsappWebhookAccepted, 400: ErrorEnvelope, 401: ErrorEnvelope, 503: ErrorEnvelope },
      detail: {
        summary: "Receive WhatsApp messages",
        description:
          "Signed with the app secret (X-Hub-Signature-256; unsigned or badly signed: 401; no app secret configured: 503). Text messages from allowed senders " +
          "(allowed_senders; empty: everyone) are acknowledged at once, deduplicated by message id, and answered from a queue by the configured agent " +
          "(read-only, no approvals) through the WhatsApp Cloud API.",
      },
    })
    .get("/api/v1/webhooks/deliveries", ({ query }) => ({ deliveries: core.webhooks.deliveries.list(query) }), {
      ...adminOnly("Reading webhook deliveries"),
      query: queryOf(WebhookDeliveryQuery),
      response: { 200: WebhookDeliveryList, 403: ErrorEnvelope },
      detail: {
        summary: "Webhook deliveries received, newest first (admin)",
        description: "What arrived (GitHub deliveries, WhatsApp messages) and what became of it: queued, running, done, failed (with the error) or ignored (no route); the conversation its turn ran in. Payloads are not returned.",
      },
    });
