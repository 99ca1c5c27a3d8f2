/**
 * "New events were projected": the signal that wakes EPCIS subscriptions (WebSocket streams, webhook delivery) so a
 * subscriber is told within moments instead of at the next poll. It carries no events: every listener reads what is
 * new for it from the projection after its own bookmark, so a lost or repeated signal only delays or repeats a read,
 * never loses or duplicates an event. Across gateway processes it rides the cluster bus (cluster/events-relay.ts).
 */

/** The signal. */
export interface NewEventsSignal {
  /** Tell every listener (of every process, when relayed) that the projection moved. Never throws. */
  notify(): void;
  /** Listen; returns the function that stops listening. */
  listen(listener: () => void): () => void;
}

/** A signal within one process. */
export function newLocalEventsSignal(): NewEventsSignal & { emit(): void } {
  const listeners = new Set<() => void>();
  const emit = () => {
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // a listener's failure is its own; the others still hear the signal
      }
    }
  };
  return {
    notify: emit,
    emit,
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
