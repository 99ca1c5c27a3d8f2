/**
 * Read-cache invalidation across gateway processes: the projection leader's follower commits a batch and tells every
 * process (itself included, at once) which items changed; each drops them from its own read cache. Until the message
 * arrives (milliseconds), another process may serve an item as it was before that batch; the cache's entry age bound
 * (`maxAgeMs`) limits even a lost message.
 */
import { ALL_ITEMS, type ProjectionReadCache } from '../cache/read-cache';
import type { Bus } from './bus';

/** The bus channel. */
export const CACHE_CHANNEL = 'read-cache';
/** Most SGTINs named in one message; a larger batch tells every process to drop its whole cache instead. */
export const INVALIDATION_SGTINS_MAX = 10_000;

type Invalidation = { readonly sgtins: readonly string[] } | { readonly all: true };

/**
 * Connect a read cache to the bus.
 *
 * @returns The function the projection follower calls after each batch (`onCommitted`).
 */
export function relayCacheInvalidations(bus: Bus, cache: ProjectionReadCache): (sgtins: readonly string[]) => void {
  bus.subscribe(CACHE_CHANNEL, (message, fromSelf) => {
    if (fromSelf) return;
    const invalidation = message as Invalidation;
    if ('all' in invalidation) cache.clear();
    else if (Array.isArray(invalidation.sgtins)) cache.invalidate(invalidation.sgtins);
  });
  return (sgtins) => {
    cache.invalidate(sgtins); // this process: before any later read (read-cache.ts)
    if (sgtins.length === 0) return;
    bus.publish(
      CACHE_CHANNEL,
      sgtins.length > INVALIDATION_SGTINS_MAX || sgtins.includes(ALL_ITEMS) ? { all: true } : { sgtins },
    );
  };
}
