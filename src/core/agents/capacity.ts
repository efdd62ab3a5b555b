// How many agent turns run at once (max_concurrent_agents). Work beyond the limit waits in one FIFO queue. A turn
// that waits for its sub-agents lends its slot to them meanwhile: a parent waiting on children is not working, and
// holding its slot could leave the children nowhere to run (with one slot, a delegation would never finish).
import { AppError } from "../kernel/errors";

interface Waiter {
  turnId: string;
  agentId: string;
  grant: () => void;
  refuse: (error: Error) => void;
}

export class Capacity {
  private readonly holders = new Map<string, string>();
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly limit: () => number,
    /** Called with an agent's id when the number of its turns waiting or holding a slot here changes. */
    private readonly onChange: (agentId: string) => void = () => {},
  ) {}

  get running(): number {
    return this.holders.size;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Turns of this agent waiting for a slot. */
  waitingFor(agentId: string): number {
    return this.queue.filter((w) => w.agentId === agentId).length;
  }

  /** Turns of this agent holding a slot. */
  holding(agentId: string): number {
    let n = 0;
    for (const holder of this.holders.values()) if (holder === agentId) n++;
    return n;
  }

  /**
   * Takes a slot for the turn, waiting in line when all are taken. Resolves true once it holds one; false when the
   * signal aborted first (the caller goes on without a slot, and the engine ends the turn as interrupted). Rejects
   * when the waiting work is refused (its agent was paused or deleted).
   */
  acquire(turnId: string, agentId: string, signal?: AbortSignal, options: { first?: boolean } = {}): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.holders.size < this.limit() && this.queue.length === 0) {
      this.holders.set(turnId, agentId);
      this.onChange(agentId);
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve, reject) => {
      const leave = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        leave();
        this.onChange(agentId);
        resolve(false);
      };
      const waiter: Waiter = {
        turnId,
        agentId,
        grant: () => {
          leave();
          this.holders.set(turnId, agentId);
          resolve(true);
        },
        refuse: (error) => {
          leave();
          reject(error);
        },
      };
      // A parent taking its slot back goes first: its sub-agents' results are what it was waiting for.
      if (options.first) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.onChange(agentId);
    });
  }

  /** Gives the turn's slot back (nothing when it holds none). */
  release(turnId: string): void {
    const agentId = this.holders.get(turnId);
    if (agentId === undefined) return;
    this.holders.delete(turnId);
    this.onChange(agentId);
    this.pump();
  }

  /** Runs `wait` with the turn's slot lent to others, then takes a slot again (ahead of new work). */
  async lend<T>(turnId: string, wait: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const agentId = this.holders.get(turnId);
    if (agentId === undefined) return wait();
    this.release(turnId);
    try {
      return await wait();
    } finally {
      await this.acquire(turnId, agentId, signal, { first: true }).catch(() => false);
    }
  }

  /** Refuses every turn of these agents still waiting for a slot (the agent was paused or deleted). */
  refuse(agentIds: readonly string[], reason: (agentId: string) => AppError): void {
    const refused = this.queue.filter((w) => agentIds.includes(w.agentId));
    for (const waiter of refused) waiter.refuse(reason(waiter.agentId));
    for (const id of new Set(refused.map((w) => w.agentId))) this.onChange(id);
  }

  private pump(): void {
    while (this.holders.size < this.limit() && this.queue.length > 0) {
      const next = this.queue[0]!;
      next.grant();
      this.onChange(next.agentId);
    }
  }
}
