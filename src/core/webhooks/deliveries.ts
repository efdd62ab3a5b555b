// The deliveries table is both the dedupe record and the work queue: a delivery is inserted once per (source,
// delivery id); queued rows are worked one at a time by `DeliveryQueue`, in arrival order, and rows a crash left
// running are queued again at start.
import { and, asc, desc, eq } from "drizzle-orm";
import type { Db } from "../store/db";
import { webhookDeliveries, webhookThreads, type WebhookDeliveryStatus } from "../store/schema";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import type { WebhookDeliveryQuery, WebhookDeliveryView, WebhookSource } from "./schema";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Attempts before a delivery that keeps failing (e.g. the model is down) is given up. */
const MAX_ATTEMPTS = 3;

export class Deliveries {
  constructor(private readonly db: Db) {}

  /** Records a delivery; `duplicate` when this (source, delivery id) was seen before (the earlier row is returned). */
  record(input: { source: WebhookSource; deliveryId: string; event: string; payload: Record<string, unknown>; status: "queued" | "ignored" }): { row: DeliveryRow; duplicate: boolean } {
    const now = Date.now();
    const inserted = this.db
      .insert(webhookDeliveries)
      .values({ id: newId(), source: input.source, deliveryId: input.deliveryId, event: input.event, payload: input.payload, status: input.status, createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning()
      .get();
    if (inserted) return { row: inserted, duplicate: false };
    const existing = this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.source, input.source), eq(webhookDeliveries.deliveryId, input.deliveryId)))
      .get()!;
    return { row: existing, duplicate: true };
  }

  find(source: WebhookSource, deliveryId: string): DeliveryRow | undefined {
    return this.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.source, source), eq(webhookDeliveries.deliveryId, deliveryId))).get();
  }

  /** Newest first, without payloads (what arrived and what became of it). */
  list(query: WebhookDeliveryQuery): WebhookDeliveryView[] {
    const where = and(query.source ? eq(webhookDeliveries.source, query.source) : undefined, query.status ? eq(webhookDeliveries.status, query.status) : undefined);
    const rows = this.db.select().from(webhookDeliveries).where(where).orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id)).limit(query.limit ?? 50).all();
    return rows.map((r) => ({
      id: r.id,
      source: r.source,
      delivery_id: r.deliveryId,
      event: r.event,
      status: r.status,
      attempts: r.attempts,
      error: r.error,
      conversation_id: r.conversationId,
      created_at: new Date(r.createdAt).toISOString(),
      updated_at: new Date(r.updatedAt).toISOString(),
    }));
  }

  /** The oldest queued delivery, marked running. */
  claimNext(): DeliveryRow | undefined {
    const next = this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.status, "queued")).orderBy(asc(webhookDeliveries.createdAt)).limit(1).get();
    if (!next) return undefined;
    return this.db
      .update(webhookDeliveries)
      .set({ status: "running", attempts: next.attempts + 1, updatedAt: Date.now() })
      .where(and(eq(webhookDeliveries.id, next.id), eq(webhookDeliveries.status, "queued")))
      .returning()
      .get();
  }

  finish(id: string, status: WebhookDeliveryStatus, details: { error?: string; conversationId?: string } = {}): void {
    this.db
      .update(webhookDeliveries)
      .set({ status, error: details.error ?? null, ...(details.conversationId ? { conversationId: details.conversationId } : {}), updatedAt: Date.now() })
      .where(eq(webhookDeliveries.id, id))
      .run();
  }

  /** Deliveries a stopped process left running go back to the queue (or fail after MAX_ATTEMPTS). */
  requeueInterrupted(): number {
    const rows = this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.status, "running")).all();
    for (const row of rows) this.finish(row.id, row.attempts >= MAX_ATTEMPTS ? "failed" : "queued", row.attempts >= MAX_ATTEMPTS ? { error: "interrupted too often" } : {});
    return rows.length;
  }

  /** The conversation a thread (a WhatsApp sender) continues. */
  thread(source: WebhookSource, key: string): string | undefined {
    return this.db.select().from(webhookThreads).where(and(eq(webhookThreads.source, source), eq(webhookThreads.threadKey, key))).get()?.conversationId;
  }

  setThread(source: WebhookSource, key: string, conversationId: string): void {
    this.db
      .insert(webhookThreads)
      .values({ source, threadKey: key, conversationId })
      .onConflictDoUpdate({ target: [webhookThreads.source, webhookThreads.threadKey], set: { conversationId } })
      .run();
  }
}

export type DeliveryHandler = (row: DeliveryRow) => Promise<{ conversationId?: string } | void>;

/** Works queued deliveries in the background, oldest first, a few at a time (their turns still wait for agent slots
 *  under max_concurrent_agents); `kick()` after queuing one. */
export class DeliveryQueue {
  private readonly workers = new Set<Promise<void>>();
  private stopped = false;
  private readonly handlers = new Map<WebhookSource, DeliveryHandler>();

  constructor(
    private readonly deliveries: Deliveries,
    private readonly log: Logger,
    private readonly onDone: (row: DeliveryRow, status: WebhookDeliveryStatus, details: { error?: string; conversationId?: string }) => void,
    private readonly concurrency = 2,
  ) {}

  handle(source: WebhookSource, handler: DeliveryHandler): void {
    this.handlers.set(source, handler);
  }

  kick(): void {
    // a worker that finds nothing queued ends at once (claiming is synchronous, so two never take the same row)
    while (!this.stopped && this.workers.size < this.concurrency) {
      const worker: Promise<void> = this.drain().finally(() => this.workers.delete(worker));
      this.workers.add(worker);
    }
  }

  /** Resolves when the queue has nothing left to do. */
  async idle(): Promise<void> {
    while (this.workers.size) await Promise.all(this.workers);
  }

  /** Takes nothing new. The delivery being worked is not waited for (its turn ends with the engine's shutdown): it
   *  stays running in the table and is queued again at the next start. */
  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    for (let row = this.deliveries.claimNext(); row && !this.stopped; row = this.deliveries.claimNext()) {
      const handler = this.handlers.get(row.source);
      let status: WebhookDeliveryStatus = "done";
      const details: { error?: string; conversationId?: string } = {};
      try {
        if (!handler) throw new Error(`no handler for ${row.source} deliveries`);
        Object.assign(details, (await handler(row)) ?? {});
      } catch (error) {
        status = "failed";
        details.error = (error as Error)?.message ?? String(error);
        this.log.warn("webhook delivery failed", { source: row.source, delivery_id: row.deliveryId, error: details.error });
      }
      // a turn cut short by shutdown leaves the row running: it is queued again at the next start
      if (this.stopped && status === "failed") return;
      try {
        this.deliveries.finish(row.id, status, details);
      } catch (error) {
        // the database closed under a delivery that finished during shutdown
        this.log.warn("could not record a webhook delivery's outcome", { delivery_id: row.deliveryId, error: String(error) });
        return;
      }
      this.onDone(row, status, details);
    }
  }
}
