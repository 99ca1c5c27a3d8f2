/**
 * The message bus between the gateway processes of one deployment: Redis pub/sub when Redis is configured, else
 * in-process (a single gateway). Messages are small JSON values on named channels; each carries the id of the bus
 * (one per process) that sent it, so a process can skip its own (it acted on them locally already).
 *
 * Delivery is at most once (pub/sub): a process that was disconnected misses what was sent meanwhile. What rides on
 * the bus is chosen so that a lost message only delays a view (live stocktake counts are cumulative; cache entries
 * expire after a bounded age), never corrupts data.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';

/** A handler of one channel's messages; `fromSelf` is true for this process's own messages. */
export type BusHandler = (message: unknown, fromSelf: boolean) => void;

/** The bus. */
export interface Bus {
  /** Send to every process (this one included); never throws (a failure is logged). */
  publish(channel: string, message: unknown): void;
  subscribe(channel: string, handler: BusHandler): void;
  close(): Promise<void>;
}

/** Log sink. */
export interface BusLogger {
  warn(obj: object, message: string): void;
}

interface Envelope {
  from: string;
  message: unknown;
}

/** An in-process bus (one gateway process). */
export function newLocalBus(): Bus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish(channel, message) {
      emitter.emit(channel, message);
    },
    subscribe(channel, handler) {
      emitter.on(channel, (message: unknown) => handler(message, true));
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/**
 * A bus over Redis pub/sub: one connection publishes, one subscribes (a subscribed connection can do nothing else).
 *
 * @param redisUrl - Redis.
 * @param prefix - Channel prefix (the deployment's `QUEUE_PREFIX`): several deployments, one Redis.
 */
export function newRedisBus(redisUrl: string, prefix: string, log?: BusLogger): Bus {
  const publisher = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false });
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
  publisher.on('error', (err) => log?.warn({ err }, 'bus: publisher connection error'));
  subscriber.on('error', (err) => log?.warn({ err }, 'bus: subscriber connection error'));
  const handlers = new Map<string, BusHandler[]>();
  const self = randomUUID();
  const full = (channel: string) => `${prefix}:bus:${channel}`;
  subscriber.on('message', (channel: string, text: string) => {
    const list = handlers.get(channel);
    if (list === undefined) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch (err: unknown) {
      log?.warn({ err, channel }, 'bus: unreadable message dropped');
      return;
    }
    for (const handler of list) {
      try {
        handler(envelope.message, envelope.from === self);
      } catch (err: unknown) {
        log?.warn({ err, channel }, 'bus: handler failed');
      }
    }
  });
  return {
    publish(channel, message) {
      publisher
        .publish(full(channel), JSON.stringify({ from: self, message } satisfies Envelope))
        .catch((err: unknown) => log?.warn({ err, channel }, 'bus: publish failed'));
    },
    subscribe(channel, handler) {
      const name = full(channel);
      const list = handlers.get(name);
      if (list) {
        list.push(handler);
        return;
      }
      handlers.set(name, [handler]);
      subscriber.subscribe(name).catch((err: unknown) => log?.warn({ err, channel }, 'bus: subscribe failed'));
    },
    async close() {
      handlers.clear();
      subscriber.disconnect();
      await publisher.quit().catch(() => publisher.disconnect());
    },
  };
}
