/**
 * An in-process read cache of the projection, keyed by SGTIN, so that repeated provenance reads do not go to
 * PostgreSQL. Each item has one entry holding named slots (the item row, its history, party checks, serialised
 * bodies), all dropped together when the projection follower commits a batch that touches the item.
 *
 * Freshness: a cached read is never older than the last projection batch this process committed.
 *  - The follower calls {@link ProjectionReadCache.invalidate} right after each batch's COMMIT, before any further
 *    request is read from a socket (the commit's promise chain runs as microtasks).
 *  - A database read that raced a commit must not be cached: a filler takes {@link ProjectionReadCache.epoch}
 *    BEFORE its query and {@link ProjectionReadCache.set} refuses the value when any invalidation happened since.
 *    (Whatever the interleaving: an invalidation before the epoch was taken means the query already sees the
 *    commit; one after it either refuses the fill or deletes the filled entry.)
 * Writers in OTHER processes: the projection leader's follower in another gateway process reaches this cache over
 * the bus (cluster/cache-relay.ts, milliseconds later); a projection rebuild is not seen here: entries also expire
 * after `maxAgeMs`, which bounds that staleness (and that of a lost bus message).
 *
 * Bounded: least recently used entries go first once the estimated size exceeds `maxBytes`.
 *
 * Admission (as TinyLFU's "doorkeeper"): an item not yet cached enters on its SECOND read within the doorkeeper's
 * window, not its first. Why: customs reads are spread over millions of items, and most are read once; admitting
 * every miss filled the cache with one-read items that survived young-generation GCs only to be evicted, and that
 * churn tripled the GC pause time of the gateway (bench/provenance-latency.js over 1,000,000 events: paced history
 * p99 43 ms with admit-on-first-read, 8.7 ms with no cache at all). Routes call {@link ProjectionReadCache.noteRead}
 * once per request for the item before its lookups.
 */

/** Default budget of a cache, in bytes (estimated from the cached JSON sizes). */
export const DEFAULT_READ_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Default age after which an entry is dropped even without an invalidation, in milliseconds. */
export const DEFAULT_READ_CACHE_MAX_AGE_MS = 60_000;
/** Bookkeeping counted per entry on top of its slots, in bytes. */
const ENTRY_OVERHEAD_BYTES = 200;
/** Doorkeeper size: 2^20 bits (128 KiB), two probes per key. */
const DOORKEEPER_BITS_LOG2 = 20;
/** The doorkeeper forgets everything after this many first reads (~3 % false "seen before" when full). */
const DOORKEEPER_RESET_AFTER = 100_000;
/** Items admitted (second read seen) whose fill has not happened yet; cleared when full (a fill is then just skipped). */
const ADMITTED_PENDING_MAX = 4_096;

/** Which reads put an item into the cache. */
export type ReadCacheAdmission = 'second-read' | 'every-read';

/**
 * A bit set that remembers, approximately, which keys were seen (a Bloom filter with two probes), reset after
 * {@link DOORKEEPER_RESET_AFTER} new keys. Typed memory: no per-key allocation, nothing for the GC to trace.
 */
class Doorkeeper {
  private readonly bits = new Uint32Array((1 << DOORKEEPER_BITS_LOG2) / 32);
  private added = 0;

  /** @returns Whether `key` was (probably) seen before; marks it seen. */
  testAndSet(key: string): boolean {
    let h = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    const mask = (1 << DOORKEEPER_BITS_LOG2) - 1;
    const a = h & mask;
    const b = Math.imul(h ^ (h >>> 16), 0x85ebca6b) & mask;
    const seen = (this.bits[a >>> 5]! & (1 << (a & 31))) !== 0 && (this.bits[b >>> 5]! & (1 << (b & 31))) !== 0;
    if (!seen) {
      if (this.added >= DOORKEEPER_RESET_AFTER) {
        this.bits.fill(0);
        this.added = 0;
      }
      this.bits[a >>> 5]! |= 1 << (a & 31);
      this.bits[b >>> 5]! |= 1 << (b & 31);
      this.added++;
    }
    return seen;
  }
}

/** Options of {@link ProjectionReadCache}. */
export interface ReadCacheOptions {
  /** Most bytes (estimated) held; least recently used entries are dropped beyond it. */
  maxBytes?: number;
  /** Entries older than this are dropped on access, in milliseconds. */
  maxAgeMs?: number;
  /** Clock, in milliseconds (tests). */
  now?: () => number;
  /** `second-read` (default): see the module comment; `every-read`: every fill of a new item is kept. */
  admission?: ReadCacheAdmission;
}

/** Counters of a cache. */
export interface ReadCacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Fills refused because the projection moved during the read. */
  readonly refusedFills: number;
  /** Fills of items read only once so far (not admitted). */
  readonly notAdmitted: number;
  readonly invalidations: number;
  readonly entries: number;
  readonly bytes: number;
}

interface Entry {
  readonly createdMs: number;
  readonly slots: Map<string, { value: unknown; bytes: number }>;
  bytes: number;
}

/**
 * Named among the items of an invalidation: every item may have changed (a container move changes the items inside it
 * without naming them; finding them would be per-item work on the move's path). No SGTIN URN is `*`.
 */
export const ALL_ITEMS = '*';

/** The cache; share one per process between the app (reads) and the projection follower (invalidation). */
export class ProjectionReadCache {
  private readonly entries = new Map<string, Entry>(); // iteration order = least recently used first
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private currentEpoch = 0;
  private bytes = 0;
  private counters = { hits: 0, misses: 0, refusedFills: 0, notAdmitted: 0, invalidations: 0 };
  private readonly admission: ReadCacheAdmission;
  private readonly doorkeeper = new Doorkeeper();
  private readonly admitted = new Set<string>();

  constructor(options: Readonly<ReadCacheOptions> = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_READ_CACHE_MAX_BYTES;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_READ_CACHE_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
    this.admission = options.admission ?? 'second-read';
  }

  /**
   * Counts one read of an item; call it once per request, before the item's lookups. An item not cached yet is
   * admitted by its second read (see the module comment).
   *
   * @param sgtin - The item.
   */
  noteRead(sgtin: string): void {
    if (this.admission !== 'second-read' || this.entries.has(sgtin)) return;
    if (!this.doorkeeper.testAndSet(sgtin)) return;
    if (this.admitted.size >= ADMITTED_PENDING_MAX) this.admitted.clear();
    this.admitted.add(sgtin);
  }

  /** The invalidation generation: take it before reading the database, hand it to {@link set}. */
  epoch(): number {
    return this.currentEpoch;
  }

  /**
   * A cached value.
   *
   * @param sgtin - The item.
   * @param slot - Which of its values (e.g. `item`, `history`, `party:<enterprise>`).
   * @returns The value, or undefined when not cached (or expired).
   */
  get<T>(sgtin: string, slot: string): T | undefined {
    const entry = this.entries.get(sgtin);
    const cached = entry?.slots.get(slot);
    if (entry === undefined || cached === undefined) {
      this.counters.misses++;
      return undefined;
    }
    if (this.now() - entry.createdMs > this.maxAgeMs) {
      this.drop(sgtin, entry);
      this.counters.misses++;
      return undefined;
    }
    // Most recently used goes last.
    this.entries.delete(sgtin);
    this.entries.set(sgtin, entry);
    this.counters.hits++;
    return cached.value as T;
  }

  /**
   * Cache a value read from the database, unless the projection committed anything since `readEpoch`.
   *
   * @param sgtin - The item.
   * @param slot - Which of its values.
   * @param value - What was read.
   * @param bytes - Its estimated size.
   * @param readEpoch - {@link epoch} as it was before the read began.
   * @returns Whether it was cached.
   */
  set(sgtin: string, slot: string, value: unknown, bytes: number, readEpoch: number): boolean {
    if (readEpoch !== this.currentEpoch) {
      this.counters.refusedFills++;
      return false;
    }
    if (bytes + ENTRY_OVERHEAD_BYTES > this.maxBytes) return false;
    let entry = this.entries.get(sgtin);
    if (entry === undefined && this.admission === 'second-read' && !this.admitted.delete(sgtin)) {
      this.counters.notAdmitted++;
      return false;
    }
    if (entry === undefined || this.now() - entry.createdMs > this.maxAgeMs) {
      if (entry !== undefined) this.drop(sgtin, entry);
      entry = { createdMs: this.now(), slots: new Map(), bytes: ENTRY_OVERHEAD_BYTES };
      this.bytes += ENTRY_OVERHEAD_BYTES;
    } else {
      this.entries.delete(sgtin);
    }
    this.entries.set(sgtin, entry);
    const previous = entry.slots.get(slot);
    if (previous !== undefined) {
      entry.bytes -= previous.bytes;
      this.bytes -= previous.bytes;
    }
    entry.slots.set(slot, { value, bytes });
    entry.bytes += bytes;
    this.bytes += bytes;
    this.evict();
    return true;
  }

  /**
   * Forget these items (call after the projection committed a batch touching them) and refuse fills begun before.
   *
   * @param sgtins - Items whose rows the batch wrote.
   */
  invalidate(sgtins: Iterable<string>): void {
    const named = Array.from(sgtins);
    if (named.includes(ALL_ITEMS)) {
      this.clear();
      return;
    }
    this.currentEpoch++;
    this.counters.invalidations++;
    for (const sgtin of named) {
      const entry = this.entries.get(sgtin);
      if (entry !== undefined) this.drop(sgtin, entry);
    }
  }

  /** Forget everything (e.g. after the projection was truncated). */
  clear(): void {
    this.currentEpoch++;
    this.counters.invalidations++;
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): ReadCacheStats {
    return { ...this.counters, entries: this.entries.size, bytes: this.bytes };
  }

  private drop(sgtin: string, entry: Entry): void {
    this.entries.delete(sgtin);
    this.bytes -= entry.bytes;
  }

  private evict(): void {
    // Bounded by the number of entries: each turn removes one.
    for (const [sgtin, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(sgtin, entry);
    }
  }
}

/**
 * Read through the cache: the cached value, or `load()`'s result, cached when the projection did not move meanwhile.
 * Undefined results (not found) are not cached.
 *
 * @param cache - The cache, or undefined for none.
 * @param sgtin - The item.
 * @param slot - Which of its values.
 * @param load - Reads the database.
 * @param weigh - Estimated size in bytes of a loaded value.
 * @returns The value.
 */
export async function readThrough<T>(
  cache: ProjectionReadCache | undefined,
  sgtin: string,
  slot: string,
  load: () => Promise<T>,
  weigh: (value: T) => number,
): Promise<T> {
  if (cache === undefined) return load();
  const cached = cache.get<T>(sgtin, slot);
  if (cached !== undefined) return cached;
  const epoch = cache.epoch();
  const value = await load();
  if (value !== undefined) cache.set(sgtin, slot, value, weigh(value), epoch);
  return value;
}
