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
 * Writers in OTHER processes (another gateway replica's follower, a projection rebuild) are not seen here: entries
 * also expire after `maxAgeMs`, which bounds that staleness.
 *
 * Bounded: least recently used entries go first once the estimated size exceeds `maxBytes`.
 */

/** Default budget of a cache, in bytes (estimated from the cached JSON sizes). */
export const DEFAULT_READ_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Default age after which an entry is dropped even without an invalidation, in milliseconds. */
export const DEFAULT_READ_CACHE_MAX_AGE_MS = 60_000;
/** Bookkeeping counted per entry on top of its slots, in bytes. */
const ENTRY_OVERHEAD_BYTES = 200;

/** Options of {@link ProjectionReadCache}. */
export interface ReadCacheOptions {
    /** Most bytes (estimated) held; least recently used entries are dropped beyond it. */
    maxBytes?: number;
    /** Entries older than this are dropped on access, in milliseconds. */
    maxAgeMs?: number;
    /** Clock, in milliseconds (tests). */
    now?: () => number;
}

/** Counters of a cache. */
export interface ReadCacheStats {
    readonly hits: number;
    readonly misses: number;
    /** Fills refused because the projection moved during the read. */
    readonly refusedFills: number;
    readonly invalidations: number;
    readonly entries: number;
    readonly bytes: number;
}

interface Entry {
    readonly createdMs: number;
    readonly slots: Map<string, { value: unknown; bytes: number }>;
    bytes: number;
}

/** The cache; share one per process between the app (reads) and the projection follower (invalidation). */
export class ProjectionReadCache {
    private readonly entries = new Map<string, Entry>(); // iteration order = least recently used first
    private readonly maxBytes: number;
    private readonly maxAgeMs: number;
    private readonly now: () => number;
    private currentEpoch = 0;
    private bytes = 0;
    private counters = { hits: 0, misses: 0, refusedFills: 0, invalidations: 0 };

    constructor(options: Readonly<ReadCacheOptions> = {}) {
        this.maxBytes = options.maxBytes ?? DEFAULT_READ_CACHE_MAX_BYTES;
        this.maxAgeMs = options.maxAgeMs ?? DEFAULT_READ_CACHE_MAX_AGE_MS;
        this.now = options.now ?? Date.now;
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
        this.currentEpoch++;
        this.counters.invalidations++;
        for (const sgtin of sgtins) {
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
