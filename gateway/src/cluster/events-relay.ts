/**
 * New-event signals across gateway processes: only the projection leader's follower writes events, but a WebSocket
 * subscription may be open on any process and webhook deliveries run wherever a lease is free. The leader notifies
 * after each committed batch; every process (itself included, at once) wakes its listeners. The signal carries no
 * data (services/epcis/new-events.ts), so pub/sub's at-most-once delivery only delays a subscriber until its next poll.
 */
import { newLocalEventsSignal, type NewEventsSignal } from '../services/epcis/new-events';
import type { Bus } from './bus';

/** The bus channel. */
export const EVENTS_CHANNEL = 'epcis-events';

/**
 * A signal relayed over the bus.
 *
 * @param bus - The cluster bus.
 * @returns The signal: `notify` here reaches the listeners of every process.
 */
export function relayNewEvents(bus: Bus): NewEventsSignal {
  const local = newLocalEventsSignal();
  bus.subscribe(EVENTS_CHANNEL, (_message, fromSelf) => {
    if (!fromSelf) local.emit();
  });
  return {
    notify() {
      local.emit(); // this process at once
      bus.publish(EVENTS_CHANNEL, 1);
    },
    listen: local.listen,
  };
}
