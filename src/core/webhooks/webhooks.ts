// The webhooks domain: GitHub and WhatsApp deliveries share one persistent queue (src/core/webhooks/deliveries.ts)
// worked in the background; every turn a delivery starts is restricted (read-only, no approvals asked) and its
// conversation's metadata names where it came from.
import type { Bus } from "../kernel/bus";
import type { Logger } from "../kernel/log";
import type { Db } from "../store/db";
import type { Conversations } from "../conversation/conversations";
import type { TurnRequest, TurnResult } from "../engine/turn";
import { Deliveries, DeliveryQueue } from "./deliveries";
import { GithubWebhook } from "./github";
import { GithubClients } from "./github-client";
import type { WebhookSource } from "./schema";
import type { GithubSettings, WhatsappSettings } from "../../config/webhooks";
import { WhatsappWebhook } from "./whatsapp";

export interface WebhooksDeps {
  db: Db;
  bus: Bus;
  log: Logger;
  conversations: Conversations;
  settings: () => { github: GithubSettings; whatsapp: WhatsappSettings };
  /** Runs a turn as an agent (the agents registry: max_concurrent_agents, paused agents refuse). */
  runTurn: (agentId: string, request: TurnRequest) => Promise<TurnResult>;
}

export class Webhooks {
  readonly deliveries: Deliveries;
  readonly github: GithubWebhook;
  readonly whatsapp: WhatsappWebhook;
  private readonly queue: DeliveryQueue;

  constructor(deps: WebhooksDeps) {
    this.deliveries = new Deliveries(deps.db);
    this.queue = new DeliveryQueue(this.deliveries, deps.log, (row, status, details) => {
      deps.log.info("webhook delivery processed", { source: row.source, delivery_id: row.deliveryId, event: row.event, status, conversation_id: details.conversationId, error: details.error });
      deps.bus.publish("webhook.processed", {
        source: row.source as WebhookSource,
        delivery_id: row.deliveryId,
        event: row.event,
        status,
        ...(details.error ? { error: details.error } : {}),
        ...(details.conversationId ? { conversation_id: details.conversationId } : {}),
      });
    });
    const kick = () => this.queue.kick();
    const shared = { deliveries: this.deliveries, conversations: deps.conversations, runTurn: deps.runTurn, kick, log: deps.log };
    this.github = new GithubWebhook({ ...shared, settings: () => deps.settings().github, clients: new GithubClients(() => deps.settings().github) });
    this.whatsapp = new WhatsappWebhook({ ...shared, settings: () => deps.settings().whatsapp });
    this.queue.handle("github", (row) => this.github.process(row));
    this.queue.handle("whatsapp", (row) => this.whatsapp.process(row));
  }

  /** Deliveries a stopped process left running are queued again; whatever is queued starts now. */
  start(): number {
    const requeued = this.deliveries.requeueInterrupted();
    this.queue.kick();
    return requeued;
  }

  /** Resolves when nothing is left in the queue. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.queue.stop();
  }
}
