// The bus: the one way events travel. Producers publish; every live stream (WS, SSE), telemetry and audit subscribe,
// with a filter; producers never know who listens. The interface is small on purpose (publish, subscribe with a
// declarative filter) so a multi-instance deployment can put PostgreSQL LISTEN/NOTIFY or Redis pub/sub behind it
// without touching producers or subscribers. Every event gets an increasing id; the journal (the event log) keeps each
// one before any subscriber sees it, so a stream can replay what a client missed (`since=<id>`) and then listen.
import type { EventMap, EventRegistry } from "./event-registry";

export type { EventMap } from "./event-registry";

export type EventType = keyof EventMap & string;

export interface BusEvent<K extends EventType = EventType> {
  /** Increases with every event published on this bus. */
  id: number;
  type: K;
  data: EventMap[K];
  /** epoch ms */
  at: number;
}

/** One of the events named by K, discriminated by `type`. */
export type BusEventOf<K extends EventType> = { [T in K]: BusEvent<T> }[K];

/**
 * What a subscriber receives: only `types` (all when omitted), and only events whose payload has every field of
 * `where` with exactly that value (e.g. `{ turn_id }`). Plain data, so a remote bus can apply it at the source.
 */
export interface EventFilter<K extends EventType = EventType> {
  types?: readonly K[];
  where?: Readonly<Record<string, string>>;
}

export interface Bus {
  publish<K extends EventType>(type: K, data: EventMap[K]): BusEvent<K>;
  /** Returns the unsubscribe function. A list of types is short for `{ types }`. */
  subscribe<K extends EventType = EventType>(listener: (event: BusEventOf<K>) => void, filter?: EventFilter<K> | readonly K[]): () => void;
  readonly listenerCount: number;
  /** The id of the last event published (0 before the first). */
  readonly lastId: number;
}

export interface BusOptions {
  /** Called when a subscriber throws; the producer and the other subscribers carry on. */
  onListenerError?: (error: unknown, event: BusEvent) => void;
  /** Check every payload against its declaration and throw on a mismatch (default: on under `bun test`). */
  validate?: boolean;
  /** The declared events to validate against (src/core/events.ts gathers them); without it nothing is checked. */
  registry?: EventRegistry;
  /** Ids continue after this one (the event log's newest), so they never repeat across restarts. */
  lastId?: number;
  /**
   * Receives every event before any subscriber does (the event log writes it there). Whatever a subscriber has seen
   * is therefore already in the journal: reading the journal and then subscribing, in one tick, misses nothing.
   */
  journal?: (event: BusEvent) => void;
}

interface Subscription {
  listener: (event: BusEvent) => void;
  types?: ReadonlySet<string>;
  where?: [string, string][];
}

export function createInProcessBus(options: BusOptions | BusOptions["onListenerError"] = {}): Bus {
  const { onListenerError = () => {}, validate = process.env.NODE_ENV === "test", registry, journal } = typeof options === "function" ? { onListenerError: options } : options;
  const subscriptions = new Set<Subscription>();
  let lastId = typeof options === "function" ? 0 : (options.lastId ?? 0);
  return {
    publish(type, data) {
      // Loud on purpose: a payload that drifted from its declaration is a bug in the producer.
      if (validate) registry?.assertValid(type, data);
      const event = { id: ++lastId, type, data, at: Date.now() };
      journal?.(event as BusEvent);
      for (const s of subscriptions) {
        if (s.types && !s.types.has(type)) continue;
        if (s.where && !s.where.every(([key, value]) => (data as Record<string, unknown>)[key] === value)) continue;
        // A failing subscriber must never break the producer or the other subscribers.
        try {
          s.listener(event);
        } catch (error) {
          onListenerError(error, event);
        }
      }
      return event;
    },
    subscribe(listener, filter) {
      const { types, where } = Array.isArray(filter) ? { types: filter as readonly string[], where: undefined } : ((filter ?? {}) as EventFilter);
      const subscription: Subscription = {
        listener: listener as (event: BusEvent) => void,
        types: types ? new Set<string>(types) : undefined,
        where: where && Object.keys(where).length ? Object.entries(where) : undefined,
      };
      subscriptions.add(subscription);
      return () => void subscriptions.delete(subscription);
    },
    get listenerCount() {
      return subscriptions.size;
    },
    get lastId() {
      return lastId;
    },
  };
}
