// The bus messages table: every SQL statement of the messages domain (and only it) is here.
import { and, count, desc, eq, or, type SQL } from "drizzle-orm";
import type { Db } from "../store/db";
import { busMessages, type BusMessageStatus } from "../store/schema";
import { iso } from "../store/values";
import type { BusMessage, BusMessageType } from "./schema";

export type BusMessageRow = typeof busMessages.$inferSelect;

export interface MessageFilter {
  /** Limits to this owner; undefined: every owner. */
  owner?: string;
  agentId?: string;
  sender?: string;
  recipient?: string;
  channel?: string;
  messageType?: BusMessageType;
  status?: BusMessageStatus;
}

export function toBusMessage(row: BusMessageRow): BusMessage {
  return {
    id: row.id,
    sender: row.sender,
    recipient: row.recipient,
    content: row.content,
    message_type: row.messageType as BusMessageType,
    channel: row.channel,
    metadata: row.metadata ?? {},
    timestamp: iso(row.createdAt),
    status: row.status,
    conversation_id: row.conversationId,
    turn_id: row.turnId,
  };
}

export class MessageRepository {
  constructor(private readonly db: Db) {}

  insert(row: BusMessageRow): void {
    this.db.insert(busMessages).values(row).run();
  }

  find(id: string): BusMessageRow | undefined {
    return this.db.select().from(busMessages).where(eq(busMessages.id, id)).get();
  }

  update(id: string, patch: Partial<Pick<BusMessageRow, "status" | "conversationId" | "turnId">>): BusMessageRow | undefined {
    return this.db
      .update(busMessages)
      .set({ ...patch, updatedAt: Date.now() })
      .where(eq(busMessages.id, id))
      .returning()
      .get();
  }

  /** Messages sent per sender, all time (telemetry's starting point). */
  countBySender(): Record<string, number> {
    const rows = this.db.select({ sender: busMessages.sender, n: count() }).from(busMessages).groupBy(busMessages.sender).all();
    return Object.fromEntries(rows.map((r) => [r.sender, r.n]));
  }

  /** Newest first. */
  list(filter: MessageFilter, limit: number, offset: number): { rows: BusMessageRow[]; total: number } {
    const where = whereOf(filter);
    const rows = this.db.select().from(busMessages).where(where).orderBy(desc(busMessages.createdAt), desc(busMessages.id)).limit(limit).offset(offset).all();
    const total = this.db.select({ n: count() }).from(busMessages).where(where).get()?.n ?? 0;
    return { rows, total };
  }
}

function whereOf(filter: MessageFilter): SQL | undefined {
  return and(
    filter.owner !== undefined ? eq(busMessages.owner, filter.owner) : undefined,
    filter.agentId ? or(eq(busMessages.sender, filter.agentId), eq(busMessages.recipient, filter.agentId)) : undefined,
    filter.sender ? eq(busMessages.sender, filter.sender) : undefined,
    filter.recipient ? eq(busMessages.recipient, filter.recipient) : undefined,
    filter.channel ? eq(busMessages.channel, filter.channel) : undefined,
    filter.messageType ? eq(busMessages.messageType, filter.messageType) : undefined,
    filter.status ? eq(busMessages.status, filter.status) : undefined,
  );
}
