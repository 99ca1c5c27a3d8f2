/**
 * Live view of open stocktakes, in this process: the reads route publishes a stocktake's running totals after each
 * accepted batch, the close route publishes the report, and event streams (`GET /v1/stocktakes/{id}/stream`)
 * subscribe. It also derives reads per second from the totals it has seen.
 *
 * State is kept only for stocktakes someone is watching, and forgotten when the last watcher leaves: the reads route
 * asks {@link StocktakeLive.watched} before it does any work for the live view. With several gateway processes behind
 * a balancer, cluster/live-relay.ts extends it to relay every publication over the Redis bus, so a watcher sees the
 * batches every process accepted.
 * Pure: no framework, no database.
 */

/** A stocktake's running totals, as the stocktakes table holds them. */
export interface StocktakeTotals {
  readonly uniqueItems: number;
  readonly reads: number;
  readonly undecodable: number;
  readonly batches: number;
}

/** What a watcher is sent while the stocktake is open. */
export interface LiveCounts extends StocktakeTotals {
  /** Reads received per second over the last {@link RATE_WINDOW_MS} (0 when nothing arrived). */
  readonly readsPerSecond: number;
  /** When these totals were published (ISO-8601). */
  readonly at: string;
}

/** What a watcher is told. */
export type LiveEvent =
  | { readonly kind: 'counts'; readonly counts: LiveCounts }
  | { readonly kind: 'closed'; readonly report: unknown };

/** A watcher. */
export type LiveListener = (event: LiveEvent) => void;

/** Window of the reads-per-second figure, in milliseconds. */
export const RATE_WINDOW_MS = 5_000;
/** Samples of totals kept per watched stocktake (older ones are dropped first). */
const SAMPLES_MAX = 256;
/** Most watchers of one stocktake in this process (the stream route bounds per key and overall as well). */
export const WATCHERS_PER_STOCKTAKE_MAX = 1_000;

interface Watched {
  readonly listeners: Set<LiveListener>;
  /** (time, total reads) in time order; the first is the oldest kept. */
  readonly samples: { atMs: number; reads: number }[];
  last: StocktakeTotals | undefined;
}

/** The live view of the stocktakes of this process. */
export class StocktakeLive {
  readonly #watched = new Map<string, Watched>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Watch a stocktake.
   *
   * @returns The function that stops watching.
   * @throws RangeError past {@link WATCHERS_PER_STOCKTAKE_MAX} watchers of this stocktake.
   */
  subscribe(stocktakeId: string, listener: LiveListener): () => void {
    let watched = this.#watched.get(stocktakeId);
    if (watched === undefined) {
      watched = { listeners: new Set(), samples: [], last: undefined };
      this.#watched.set(stocktakeId, watched);
    }
    if (watched.listeners.size >= WATCHERS_PER_STOCKTAKE_MAX) {
      throw new RangeError(`stocktake ${stocktakeId} already has ${WATCHERS_PER_STOCKTAKE_MAX} watchers`);
    }
    watched.listeners.add(listener);
    const entry = watched;
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.#watched.get(stocktakeId) === entry) {
        this.#watched.delete(stocktakeId);
      }
    };
  }

  /** Whether anyone in this process watches the stocktake. */
  watched(stocktakeId: string): boolean {
    return this.#watched.has(stocktakeId);
  }

  /**
   * Record the totals of a stocktake and tell its watchers. Totals only grow: an older publication that arrives
   * late (two batches answered out of order) is ignored.
   *
   * @returns The counts as sent, or undefined when nobody watches or nothing is newer.
   */
  publishTotals(stocktakeId: string, totals: StocktakeTotals): LiveCounts | undefined {
    const watched = this.#watched.get(stocktakeId);
    if (watched === undefined) return undefined;
    const atMs = this.now();
    const newer =
      watched.last === undefined || totals.batches > watched.last.batches || totals.reads > watched.last.reads;
    if (!newer) return undefined;
    watched.last = totals;
    watched.samples.push({ atMs, reads: totals.reads });
    if (watched.samples.length > SAMPLES_MAX) watched.samples.splice(0, watched.samples.length - SAMPLES_MAX);
    const counts = this.#counts(watched, totals, atMs);
    for (const listener of watched.listeners) listener({ kind: 'counts', counts });
    return counts;
  }

  /** The latest totals with the reads-per-second figure as of now (for heartbeats), if any were published. */
  current(stocktakeId: string): LiveCounts | undefined {
    const watched = this.#watched.get(stocktakeId);
    if (watched?.last === undefined) return undefined;
    return this.#counts(watched, watched.last, this.now());
  }

  /** Tell the watchers the stocktake closed, with its report; they are expected to unsubscribe. */
  publishClosed(stocktakeId: string, report: unknown): void {
    const watched = this.#watched.get(stocktakeId);
    if (watched === undefined) return;
    for (const listener of [...watched.listeners]) listener({ kind: 'closed', report });
  }

  #counts(watched: Watched, totals: StocktakeTotals, atMs: number): LiveCounts {
    return { ...totals, readsPerSecond: readsPerSecond(watched.samples, atMs), at: new Date(atMs).toISOString() };
  }
}

/**
 * Reads per second over the window that ends at `atMs`: the growth of the total since the window began (or since
 * the first sample, if later), divided by that time. At least one second is assumed, so a first burst does not read
 * as an absurd rate.
 */
function readsPerSecond(samples: readonly { atMs: number; reads: number }[], atMs: number): number {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined) return 0;
  const windowStart = atMs - RATE_WINDOW_MS;
  // The total as it stood when the window began: the last sample at or before its start, else the first sample.
  let base = first;
  for (const sample of samples) {
    if (sample.atMs <= windowStart) base = sample;
    else break;
  }
  const elapsedMs = Math.max(1_000, atMs - Math.max(base.atMs, windowStart));
  const grown = last.reads - base.reads;
  return grown <= 0 ? 0 : Math.round((grown * 1_000 * 10) / elapsedMs) / 10;
}
