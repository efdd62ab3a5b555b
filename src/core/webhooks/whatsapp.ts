// WhatsApp Cloud API deliveries: hub verification (GET), signed message batches (POST, X-Hub-Signature-256 with the
// app secret). Each text message from an allowed sender is recorded once per message id and queued; the queue runs
// the configured agent in a restricted turn (one conversation per sender) and sends the answer back through
// POST {api_url}/{phone_number_id}/messages.
import { createHash } from "node:crypto";
import { AppError } from "../kernel/errors";
import type { Logger } from "../kernel/log";
import type { Conversations } from "../conversation/conversations";
import type { TurnRequest, TurnResult } from "../engine/turn";
import type { Deliveries, DeliveryRow } from "./deliveries";
import type { HubVerificationQuery, WhatsappWebhookAccepted } from "./schema";
import { senderDigits, type WhatsappSettings } from "../../config/webhooks";
import { signatureValid } from "./signature";

export interface WhatsappDeps {
  settings: () => WhatsappSettings;
  deliveries: Deliveries;
  conversations: Conversations;
  runTurn: (agentId: string, request: TurnRequest) => Promise<TurnResult>;
  kick: () => void;
  log: Logger;
  /** The HTTP client replies go through (tests may count calls; default fetch). */
  fetch?: typeof fetch;
}

type Json = Record<string, any>;

/** What is kept of one incoming text message. */
interface QueuedMessage {
  id: string;
  from: string;
  text: string;
  name?: string;
  phone_number_id?: string;
  timestamp?: string;
}

/** The Cloud API refuses text bodies over 4096 characters: longer answers go out in parts. */
const MAX_TEXT = 4096;
const MAX_INCOMING = 20_000;

export class WhatsappWebhook {
  constructor(private readonly deps: WhatsappDeps) {}

  /** GET: Meta checks the callback URL with the verify token and expects the challenge echoed. */
  verify(query: HubVerificationQuery): string {
    const token = this.deps.settings().verifyToken;
    if (!token) throw new AppError("FORBIDDEN", "WhatsApp hub verification is not configured: set WHATSAPP_VERIFY_TOKEN (or [whatsapp] verify_token)");
    const given = query["hub.verify_token"] ?? "";
    const matches = given.length === token.length && Buffer.from(given).equals(Buffer.from(token));
    if (query["hub.mode"] !== "subscribe" || !matches) throw new AppError("FORBIDDEN", "hub.mode must be subscribe and hub.verify_token must match the configured verify token");
    return query["hub.challenge"] ?? "";
  }

  problem(): string | undefined {
    return this.deps.settings().appSecret ? undefined : "the WhatsApp webhook is not configured: set WHATSAPP_APP_SECRET (or [whatsapp] app_secret) to the app secret deliveries are signed with";
  }

  receive(signature: string | null, rawBody: string): WhatsappWebhookAccepted {
    const problem = this.problem();
    if (problem) throw new AppError("SERVICE_UNAVAILABLE", problem, { reason: "app_secret_missing" });
    if (!signatureValid(this.deps.settings().appSecret!, rawBody, signature)) {
      throw new AppError("UNAUTHORIZED", signature ? "X-Hub-Signature-256 does not match the body signed with the app secret" : "X-Hub-Signature-256 is missing: the delivery must be signed");
    }
    let body: Json;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new AppError("BAD_REQUEST", "Malformed webhook body: expected JSON");
    }
    const allowed = this.deps.settings().allowedSenders;
    const counts = { queued: 0, duplicates: 0, ignored: 0 };
    for (const change of changesOf(body)) {
      const value: Json = change.value ?? {};
      const name: string | undefined = value.contacts?.[0]?.profile?.name;
      for (const message of Array.isArray(value.messages) ? (value.messages as Json[]) : []) {
        const from = String(message.from ?? "");
        const text = message.type === "text" ? message.text?.body : undefined;
        if (!from || typeof text !== "string" || !text.trim() || (allowed.length && !allowed.includes(senderDigits(from)))) {
          counts.ignored++;
          if (from && allowed.length && !allowed.includes(senderDigits(from))) this.deps.log.info("whatsapp message from a sender not on the allow-list ignored", { from });
          continue;
        }
        // the reference's example omits the id: the same message still dedupes by its content and time
        const id = typeof message.id === "string" && message.id ? message.id : "sha256:" + createHash("sha256").update(`${from}\n${message.timestamp ?? ""}\n${text}`).digest("hex");
        const queued: QueuedMessage = { id, from, text: text.slice(0, MAX_INCOMING), name, phone_number_id: value.metadata?.phone_number_id, timestamp: message.timestamp };
        const { duplicate } = this.deps.deliveries.record({ source: "whatsapp", deliveryId: id, event: "message", payload: { ...queued }, status: "queued" });
        if (duplicate) counts.duplicates++;
        else counts.queued++;
      }
    }
    if (counts.queued) this.deps.kick();
    return { received: true, ...counts };
  }

  /** Answers one queued message in the sender's conversation and sends the answer back. */
  async process(row: DeliveryRow): Promise<{ conversationId: string }> {
    const message = row.payload as unknown as QueuedMessage;
    const settings = this.deps.settings();
    const sender = senderDigits(message.from);
    const origin = { source: "whatsapp" as const, delivery_id: message.id, sender };
    let conversationId = this.deps.deliveries.thread("whatsapp", sender);
    if (!conversationId || !this.deps.conversations.find(conversationId)) {
      conversationId = this.deps.conversations.create({
        agentId: settings.agent,
        title: `WhatsApp +${sender}${message.name ? ` (${message.name})` : ""}`,
        metadata: { source: "whatsapp", sender, untrusted: true },
      }).id;
      this.deps.deliveries.setThread("whatsapp", sender, conversationId);
    }
    const result = await this.deps.runTurn(settings.agent, { text: message.text, conversationId, restricted: true, context: origin });
    if (result.interrupted) throw new Error("the turn was interrupted; no reply was sent");
    if (result.response.trim()) await this.send(message.from, result.response, message.phone_number_id);
    return { conversationId };
  }

  private async send(to: string, text: string, deliveredTo?: string): Promise<void> {
    const { accessToken, phoneNumberId, apiUrl } = this.deps.settings();
    const from = phoneNumberId ?? deliveredTo;
    if (!accessToken || !from) throw new Error("cannot reply: set WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID (or [whatsapp] access_token, phone_number_id)");
    const doFetch = this.deps.fetch ?? fetch;
    for (let at = 0; at < text.length; at += MAX_TEXT) {
      const response = await doFetch(`${apiUrl}/${encodeURIComponent(from)}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ messaging_product: "whatsapp", recipient_type: "individual", to, type: "text", text: { preview_url: false, body: text.slice(at, at + MAX_TEXT) } }),
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) throw new Error(`the WhatsApp Cloud API answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    }
  }
}

function changesOf(body: Json): Json[] {
  const entries = Array.isArray(body.entry) ? (body.entry as Json[]) : [];
  return entries.flatMap((e) => (Array.isArray(e.changes) ? (e.changes as Json[]) : []));
}
