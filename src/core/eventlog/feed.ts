// A feed: what every live stream delivers. It replays the log after the client's `since`, page by page and only as
// fast as the transport takes them, then follows live from exactly where the replay ended: the last page read and
// the switch to live happen in one tick, and live events at or before the cursor are skipped, so the seam has
// neither gaps nor duplicates. A feed holds no queue of its own: while replaying, what the client has not taken yet
// stays in the log; once live, the transport's bounded queue (src/http) decides when a client is too far behind.
import type { EventLog, EventScope, LoggedEvent } from "./event-log";

export interface FeedSink {
  /** Whether the transport takes more now; the replay waits for resume() while it does not. */
  ready(): boolean;
  deliver(event: LoggedEvent): void;
}

export interface FeedOptions {
  scope: EventScope;
  /** Replay every event after this id (undefined: live only, from now). */
  since?: number;
  /** A finer filter than the scope (the event stream's agent, channel, kinds). */
  match?: (event: LoggedEvent) => boolean;
  /** The feed ends after delivering an event for which this is true (a turn's `complete`). */
  until?: (event: LoggedEvent) => boolean;
  /** Called once when the feed ends (until, or close()). */
  onEnd?: () => void;
  /** Called once when the replay has caught up and the feed follows live. */
  onLive?: () => void;
  pageSize?: number;
}

const PAGES_PER_TICK = 8;

export class Feed {
  private state: "replaying" | "live" | "closed" = "replaying";
  private unfollow?: () => void;
  private pumping = false;
  /** The newest event id this feed has passed (delivered or filtered out). */
  cursor: number;

  constructor(
    private readonly log: EventLog,
    private readonly options: FeedOptions,
    private readonly sink: FeedSink,
  ) {
    this.cursor = options.since ?? Number.MAX_SAFE_INTEGER;
  }

  get live(): boolean {
    return this.state === "live";
  }

  get closed(): boolean {
    return this.state === "closed";
  }

  /** Starts the replay (or goes live at once without `since`). Returns the feed. */
  start(): this {
    if (this.options.since === undefined) {
      this.goLive(true);
      return this;
    }
    this.pump();
    return this;
  }

  /** The transport has room again: the replay continues. */
  resume(): void {
    if (this.state === "replaying") this.pump();
  }

  close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.unfollow?.();
    this.unfollow = undefined;
    this.options.onEnd?.();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const size = this.options.pageSize ?? 200;
      for (let page = 0; page < PAGES_PER_TICK; page++) {
        if (this.state !== "replaying" || !this.sink.ready()) return;
        // Nothing recorded after the cursor (a stream that starts with its turn): live at once, without a read.
        if (this.cursor >= this.log.newestId()) return this.goLive(false);
        const events = this.log.read(this.cursor, this.options.scope, size);
        for (const event of events) {
          if (this.state !== "replaying") return;
          this.pass(event);
        }
        // Caught up: follow from here, in this same tick, so nothing published in between is missed.
        if (events.length < size) return this.goLive(false);
      }
      // A long replay yields to the rest of the server between bursts.
      setImmediate(() => this.resume());
    } finally {
      this.pumping = false;
    }
  }

  private goLive(fromNow: boolean): void {
    if (this.state !== "replaying") return;
    this.state = "live";
    if (fromNow) this.cursor = this.log.newestId();
    const { scope } = this.options;
    this.unfollow = this.log.follow(scope, (event) => {
      if (this.state !== "live" || event.id <= this.cursor || !inScope(scope, event)) return;
      this.pass(event);
    });
    this.options.onLive?.();
  }

  private pass(event: LoggedEvent): void {
    this.cursor = event.id;
    if (this.options.match && !this.options.match(event)) return;
    this.sink.deliver(event);
    if (this.options.until?.(event)) this.close();
  }
}

/** Whether an event is in a scope (the log's index only narrows by turn, task or conversation). */
export function inScope(scope: EventScope, event: LoggedEvent): boolean {
  const data = event.data as Record<string, unknown>;
  if (scope.turnId !== undefined && data.turn_id !== scope.turnId) return false;
  if (scope.taskId !== undefined && data.task_id !== scope.taskId) return false;
  if (scope.conversationId !== undefined && data.conversation_id !== scope.conversationId) return false;
  if (scope.owner !== undefined && event.owner !== scope.owner) return false;
  if (scope.types && !scope.types.includes(event.type)) return false;
  return true;
}
