// The message bus: messages between the human, agents and the coordinator, each one kept (sender, recipient,
// content, type, channel, metadata) and published on the event bus (`bus.message`, then `bus.message.updated` when
// its fate is known). A message to an agent makes it act: a turn of its engine runs in the background, tagged with
// the message's channel so the agent's history can be filtered by it. A paused or unknown agent refuses before
// anything is stored. An agent may ask the human and wait (send_message with wait_for_reply): a human reply then
// resumes that very turn instead of starting a new one. Waits are held in this process, like approval waits.
import type { TurnRequest, TurnResult } from "../engine/turn";
import type { Bus } from "../kernel/bus";
import { AppError, conflict, notFound } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Logger } from "../kernel/log";
import { canSee, ownerLimit, ownerOf, requireVisible, type Viewer } from "../kernel/viewer";
import type { Db } from "../store/db";
import type { BusMessageStatus } from "../store/schema";
import { MessageRepository, toBusMessage, type BusMessageRow } from "./repository";
import { HUMAN, type BusMessage, type BusMessageType, type MessageListQuery } from "./schema";

/** What the bus needs of the agents registry (src/core/agents implements it). */
export interface AgentDirectory {
  /** Unknown (or not visible to the viewer) → AGENT_NOT_FOUND (404). */
  require(agentId: string, viewer?: Viewer): unknown;
  /** Paused → CONFLICT (409): the agent takes no new work and nothing is queued. */
  assertAcceptsWork(agentId: string, viewer?: Viewer): void;
  /** A turn as that agent (its persona, model and tools), through the capacity limit. */
  runTurn(agentId: string, request: TurnRequest): Promise<TurnResult>;
}

export interface Outgoing {
  sender: string;
  recipient: string;
  content: string;
  messageType?: BusMessageType | null;
  channel?: string | null;
  metadata?: Record<string, unknown> | null;
  /** The turn sending it (an agent's send_message call): a message to the human waits there for its reply. */
  fromTurn?: { turnId: string; conversationId: string };
}

export interface DeliveryOptions {
  /** Added to the recipient's system prompt (who sent it is always there). */
  context?: Record<string, unknown>;
  /** Cancels the recipient's turn. */
  signal?: AbortSignal;
}

export interface Delivery {
  message: BusMessage;
  /** The recipient's turn; its message is marked answered, failed or interrupted when it settles. */
  done: Promise<TurnResult>;
}

interface Waiter {
  message: BusMessageRow;
  resolve(reply: BusMessage | undefined): void;
}

/** How many agent-to-agent hops a chain of messages may take: agents that keep answering each other stop here. */
export const MAX_HOPS = 8;

/** Recipient spellings that mean the human. */
const HUMAN_NAMES = new Set([HUMAN, "user"]);
export const isHuman = (recipient: string) => HUMAN_NAMES.has(recipient.trim().toLowerCase());

export interface MessageBusDeps {
  db: Db;
  bus: Bus;
  log: Logger;
  /** Read lazily: the registry is built after the bus. */
  agents: () => AgentDirectory;
}

export class MessageBus {
  private readonly repository: MessageRepository;
  /** Open questions to the human, oldest first. */
  private readonly waiters: Waiter[] = [];
  /** Turns the bus started, with how many hops brought the message there, and how to stop them. */
  private readonly deliveries = new Map<string, { hops: number; controller: AbortController; done: Promise<unknown> }>();
  private stopping = false;

  constructor(private readonly deps: MessageBusDeps) {
    this.repository = new MessageRepository(deps.db);
  }

  /** POST /api/v1/messages: to the human, or to an agent (which acts on it). */
  async send(message: Outgoing, viewer?: Viewer): Promise<BusMessage> {
    return isHuman(message.recipient) ? this.toHuman(message, viewer) : (await this.toAgent(message, viewer)).message;
  }

  /** Stores a message for the human (their inbox: GET /api/v1/messages?recipient=human, and the event stream). */
  toHuman(message: Outgoing, viewer?: Viewer, options: { awaitReply?: boolean } = {}): BusMessage {
    const row = this.store({ ...message, recipient: HUMAN }, viewer, {
      status: options.awaitReply ? "awaiting_reply" : "sent",
      conversationId: message.fromTurn?.conversationId ?? null,
      turnId: message.fromTurn?.turnId ?? null,
    });
    return toBusMessage(row);
  }

  /**
   * Delivers a message to an agent and starts its turn in the background. Refusals come first, before anything is
   * stored: unknown agent (404), paused (409), a chain of agents messaging each other past MAX_HOPS (409); a turn the
   * engine refuses at once (no model configured, …) is reported too, with the message marked failed.
   */
  async toAgent(message: Outgoing, viewer?: Viewer, options: DeliveryOptions = {}): Promise<Delivery> {
    const delivery = this.deliver(message, viewer, options);
    // The engine refuses a turn before it starts (synchronously, or within a tick through the capacity queue).
    const early = await Promise.race([delivery.done.then(() => undefined, (error: unknown) => error ?? new Error("turn failed")), Bun.sleep(0).then(() => undefined)]);
    if (early) throw early;
    return delivery;
  }

  /** A message to an agent whose answer the caller waits for (the coordinator's workflows). */
  async ask(message: Outgoing, viewer?: Viewer, options: DeliveryOptions = {}): Promise<{ message: BusMessage; result: TurnResult }> {
    const delivery = this.deliver(message, viewer, options);
    const result = await delivery.done;
    return { message: this.get(delivery.message.id), result };
  }

  /**
   * The human answers an agent. When one of its turns waits for an answer (the one named by `reply_to`, else the
   * oldest), that turn continues with it; otherwise the reply is a new message the agent acts on. A paused agent
   * takes neither (409).
   */
  async humanReply(agentId: string, reply: Omit<Outgoing, "sender" | "recipient"> & { replyTo?: string | null }, viewer?: Viewer): Promise<{ message: BusMessage; resumed: boolean }> {
    const agents = this.deps.agents();
    agents.require(agentId, viewer);
    agents.assertAcceptsWork(agentId, viewer);
    if (reply.replyTo) {
      const question = requireVisible(this.repository.find(reply.replyTo), viewer, "message", reply.replyTo);
      if (question.sender !== agentId || question.recipient !== HUMAN) throw conflict(`message '${question.id}' is not a question from agent '${agentId}' to the human`, { message_id: question.id, agent_id: agentId });
    }
    const index = this.waiters.findIndex((w) => w.message.sender === agentId && canSee(viewer, w.message.owner) && (!reply.replyTo || w.message.id === reply.replyTo));
    const { replyTo, ...content } = reply;
    if (index < 0) {
      const delivery = await this.toAgent({ ...content, sender: HUMAN, recipient: agentId, metadata: { ...reply.metadata, ...(replyTo ? { reply_to: replyTo } : {}) } }, viewer);
      return { message: delivery.message, resumed: false };
    }
    const [waiter] = this.waiters.splice(index, 1);
    const question = waiter!.message;
    const row = this.store({ ...content, channel: content.channel ?? question.channel, sender: HUMAN, recipient: agentId, metadata: { ...reply.metadata, reply_to: question.id } }, viewer, {
      status: "delivered",
      conversationId: question.conversationId,
      turnId: question.turnId,
    });
    this.setStatus(question.id, "replied");
    const message = toBusMessage(row);
    waiter!.resolve(message);
    return { message, resumed: true };
  }

  /**
   * Waits for the human's reply to a message sent with awaitReply; undefined when the turn is cancelled or nobody
   * answers within `timeoutMs` (the message then no longer waits: a later reply starts a new turn).
   */
  waitForReply(message: BusMessage, signal: AbortSignal, timeoutMs: number): Promise<BusMessage | undefined> {
    const row = this.repository.find(message.id);
    if (!row || this.stopping) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        message: row,
        resolve: (reply) => {
          clearTimeout(timer);
          signal.removeEventListener("abort", giveUp);
          resolve(reply);
        },
      };
      const giveUp = () => {
        const at = this.waiters.indexOf(waiter);
        if (at < 0) return;
        this.waiters.splice(at, 1);
        this.setStatus(row.id, "sent");
        waiter.resolve(undefined);
      };
      timer = setTimeout(giveUp, timeoutMs);
      if (signal.aborted) return giveUp();
      signal.addEventListener("abort", giveUp, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Newest first; a `user` key sees only the messages it (or its agents' turns) sent. */
  list(query: MessageListQuery, viewer?: Viewer): { messages: BusMessage[]; total: number; limit: number; offset: number } {
    const limit = query.limit ?? 100;
    const offset = query.offset ?? 0;
    const recipient = query.recipient && isHuman(query.recipient) ? HUMAN : query.recipient;
    const sender = query.sender && isHuman(query.sender) ? HUMAN : query.sender;
    const { rows, total } = this.repository.list(
      { owner: ownerLimit(viewer), agentId: query.agent_id, sender, recipient, channel: query.channel, messageType: query.message_type, status: query.status },
      limit,
      offset,
    );
    return { messages: rows.map(toBusMessage), total, limit, offset };
  }

  /** Another user's message is a 404, like a missing one. */
  get(id: string, viewer?: Viewer): BusMessage {
    return toBusMessage(requireVisible(this.repository.find(id), viewer, "message", id));
  }

  /** Whether this turn was started by a message (and how many agent-to-agent hops led to it). */
  hopsOf(turnId: string): number {
    return this.deliveries.get(turnId)?.hops ?? 0;
  }

  /** Messages sent per sender, all time (telemetry counts on from there with the bus.message events). */
  sentBySender(): Record<string, number> {
    return this.repository.countBySender();
  }

  /** Stops the turns messages started and releases every wait for a human reply. */
  async shutdown(graceMs = 5000): Promise<void> {
    this.stopping = true;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(undefined);
    const running = [...this.deliveries.values()];
    for (const d of running) d.controller.abort(new Error("server shutting down"));
    await Promise.race([Promise.all(running.map((d) => d.done)), Bun.sleep(graceMs)]);
  }

  private deliver(message: Outgoing, viewer: Viewer | undefined, options: DeliveryOptions): Delivery {
    if (this.stopping) throw new AppError("SERVICE_UNAVAILABLE", "the server is shutting down");
    const agents = this.deps.agents();
    const recipient = message.recipient;
    agents.require(recipient, viewer);
    agents.assertAcceptsWork(recipient, viewer);
    const hops = message.fromTurn ? this.hopsOf(message.fromTurn.turnId) + 1 : 0;
    if (hops > MAX_HOPS) {
      throw conflict(`a chain of ${MAX_HOPS} messages between agents is the limit; answer the human instead`, { agent_id: recipient, hops });
    }
    const turnId = newId();
    const row = this.store(message, viewer, { status: "delivered", conversationId: null, turnId });
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    // The conversation is the registry's choice (the agent's own); it is known once the turn starts.
    const offStart = this.deps.bus.subscribe(
      (event) => {
        if (event.data.event.event !== "start") return;
        offStart();
        this.repository.update(row.id, { conversationId: event.data.conversation_id });
      },
      { types: ["turn.event"], where: { turn_id: turnId } },
    );
    const context = { message: { id: row.id, from: row.sender, message_type: row.messageType, ...(row.channel ? { channel: row.channel } : {}) }, ...options.context };
    const done = (async () => {
      try {
        return await agents.runTurn(recipient, { text: row.content, agentId: recipient, turnId, viewer, channel: row.channel ?? undefined, context, signal: controller.signal });
      } finally {
        offStart();
        options.signal?.removeEventListener("abort", onAbort);
      }
    })();
    this.deliveries.set(turnId, { hops, controller, done: done.catch(() => {}) });
    done.then(
      (result) => this.finished(row.id, turnId, result.interrupted ? "interrupted" : "answered", result.conversationId),
      (error: unknown) => {
        if (!(error instanceof AppError)) this.deps.log.error("message delivery failed", { message_id: row.id, agent_id: recipient, error: String(error) });
        this.finished(row.id, turnId, "failed");
      },
    );
    return { message: toBusMessage(row), done };
  }

  private finished(messageId: string, turnId: string, status: BusMessageStatus, conversationId?: string): void {
    this.deliveries.delete(turnId);
    this.setStatus(messageId, status, conversationId);
  }

  private store(message: Outgoing, viewer: Viewer | undefined, fate: Pick<BusMessageRow, "status" | "conversationId" | "turnId">): BusMessageRow {
    const now = Date.now();
    const row: BusMessageRow = {
      id: newId(),
      sender: message.sender,
      recipient: message.recipient,
      content: message.content,
      messageType: message.messageType ?? "message",
      channel: message.channel ?? null,
      metadata: message.metadata ?? {},
      ...fate,
      owner: ownerOf(viewer),
      createdAt: now,
      updatedAt: now,
    };
    this.repository.insert(row);
    this.deps.bus.publish("bus.message", { ...this.scopeOf(row), content: row.content, metadata: row.metadata, timestamp: new Date(now).toISOString() });
    return row;
  }

  private setStatus(id: string, status: BusMessageStatus, conversationId?: string): void {
    const row = this.repository.update(id, conversationId ? { status, conversationId } : { status });
    if (row) this.deps.bus.publish("bus.message.updated", this.scopeOf(row));
  }

  private scopeOf(row: BusMessageRow) {
    return {
      agent_id: row.recipient === HUMAN ? row.sender : row.recipient,
      message_id: row.id,
      sender: row.sender,
      recipient: row.recipient,
      message_type: row.messageType as BusMessageType,
      ...(row.channel ? { channel: row.channel } : {}),
      status: row.status,
      ...(row.conversationId ? { conversation_id: row.conversationId } : {}),
      ...(row.turnId ? { turn_id: row.turnId } : {}),
      owner: row.owner,
    };
  }
}
