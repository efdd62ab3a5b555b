// A typed in-process event bus. Every live stream (WS, SSE, telemetry, audit) subscribes here; producers never
// know who listens. The Bus interface is small on purpose so a multi-instance deployment can put
// PostgreSQL LISTEN/NOTIFY or Redis pub/sub behind it without touching producers or subscribers.
import type { EventMap } from "./events";

export type EventType = keyof EventMap & string;

export interface BusEvent<K extends EventType = EventType> {
  type: K;
  data: EventMap[K];
  /** epoch ms */
  at: number;
}

export type Listener = (event: BusEvent) => void;

export interface Bus {
  publish<K extends EventType>(type: K, data: EventMap[K]): void;
  /** Returns the unsubscribe function. `types` limits delivery to those event types (all when omitted). */
  subscribe(listener: Listener, types?: readonly EventType[]): () => void;
  readonly listenerCount: number;
}

export function createInProcessBus(onListenerError: (error: unknown, event: BusEvent) => void = () => {}): Bus {
  const listeners = new Set<{ listener: Listener; types?: ReadonlySet<string> }>();
  return {
    publish(type, data) {
      const event = { type, data, at: Date.now() } as BusEvent;
      for (const entry of listeners) {
        if (entry.types && !entry.types.has(type)) continue;
        // A failing subscriber must never break the producer or the other subscribers.
        try {
          entry.listener(event);
        } catch (error) {
          onListenerError(error, event);
        }
      }
    },
    subscribe(listener, types) {
      const entry = { listener, types: types ? new Set<string>(types) : undefined };
      listeners.add(entry);
      return () => void listeners.delete(entry);
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}
