// Webhook shapes, declared once: what the routes answer, the WhatsApp hub verification query, and the bus event a
// processed delivery publishes.
import { Type as T, type Static } from "@sinclair/typebox";
import { defineEvent, ScopeFields, type EventMapOf } from "../kernel/event-registry";

export const WebhookSource = T.Union([T.Literal("github"), T.Literal("whatsapp")]);
export type WebhookSource = Static<typeof WebhookSource>;

export const WebhookDeliveryStatus = T.Union([T.Literal("queued"), T.Literal("running"), T.Literal("done"), T.Literal("failed"), T.Literal("ignored")]);

/** POST /api/v1/github/webhook → 202. */
export const GithubWebhookAccepted = T.Object({
  accepted: T.Literal(true),
  delivery_id: T.String({ description: "X-GitHub-Delivery" }),
  event: T.String({ description: "X-GitHub-Event" }),
  duplicate: T.Boolean({ description: "true when this delivery id was received before: nothing new is queued" }),
  status: WebhookDeliveryStatus,
  routed: T.Boolean({ description: "whether a [[github.routes]] rule matched (ignored deliveries are kept, not queued)" }),
});
export type GithubWebhookAccepted = Static<typeof GithubWebhookAccepted>;

/** POST /v1/webhooks/whatsapp → 200 (WhatsApp retries anything else). */
export const WhatsappWebhookAccepted = T.Object({
  received: T.Literal(true),
  queued: T.Integer({ description: "text messages queued for an answer" }),
  duplicates: T.Integer({ description: "messages whose id was seen before" }),
  ignored: T.Integer({ description: "senders not on the allow-list, and messages that are not text" }),
});
export type WhatsappWebhookAccepted = Static<typeof WhatsappWebhookAccepted>;

export const HubVerificationQuery = T.Object({
  "hub.mode": T.Optional(T.String()),
  "hub.verify_token": T.Optional(T.String()),
  "hub.challenge": T.Optional(T.String()),
});
export type HubVerificationQuery = Static<typeof HubVerificationQuery>;

/** A kept delivery, without its payload (GET /api/v1/webhooks/deliveries). */
export const WebhookDeliveryView = T.Object({
  id: T.String(),
  source: WebhookSource,
  delivery_id: T.String({ description: "X-GitHub-Delivery, or the WhatsApp message id" }),
  event: T.String({ description: 'the GitHub event, or "message"' }),
  status: WebhookDeliveryStatus,
  attempts: T.Integer(),
  error: T.Union([T.String(), T.Null()]),
  conversation_id: T.Union([T.String(), T.Null()], { description: "where the turn ran" }),
  created_at: T.String({ description: "ISO 8601" }),
  updated_at: T.String({ description: "ISO 8601" }),
});
export type WebhookDeliveryView = Static<typeof WebhookDeliveryView>;

export const WebhookDeliveryQuery = T.Object({
  source: T.Optional(WebhookSource),
  status: T.Optional(WebhookDeliveryStatus),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 200, default: 50 })),
});
export type WebhookDeliveryQuery = Static<typeof WebhookDeliveryQuery>;

export const WebhookDeliveryList = T.Object({ deliveries: T.Array(WebhookDeliveryView) });

/** A delivery was worked off the queue. */
export const WebhookProcessed = defineEvent(
  "webhook.processed",
  T.Object(
    {
      ...ScopeFields,
      source: WebhookSource,
      delivery_id: T.String(),
      event: T.String(),
      status: WebhookDeliveryStatus,
      error: T.Optional(T.String()),
    },
    { description: "A webhook delivery (GitHub event, WhatsApp message) was processed: its turn ran and the answer was posted back, or it failed." },
  ),
);

// These events type the bus (the kernel's EventMap); src/core/events.ts gathers them for validation and the docs.
declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof WebhookProcessed]> {}
}
