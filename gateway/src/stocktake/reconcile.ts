/**
 * Stocktake rules that are the gateway's, not the chain's: turning a batch of decoded reads into the item
 * identities to count, and reconciling the counted set against the book. Pure: no framework, no driver.
 */
import type { StocktakeBook } from './book';
import type { DecodedRead, ReadDecoder } from './read-decoder';

/** Most reads in one uploaded batch. */
export const READS_PER_BATCH_MAX = 5_000;

/** Most distinct items one stocktake may count (a large shop floor holds well under this). */
export const STOCKTAKE_ITEMS_MAX = 250_000;

/** A batch after decoding and resolution. */
export interface ResolvedBatch {
  /** Distinct identities the batch names: SGTIN URNs, or for items the book does not know, the read's own name. */
  readonly ids: string[];
  /** Reads that name no item. */
  readonly undecodable: number;
}

/**
 * Decode a batch and resolve barcodes and 16-digit codes to SGTINs through the book (one lookup per batch).
 * An item the book does not know keeps the name the read gave it (SGTIN URN, GS1 Digital Link, or the code), so
 * it is still counted, as unexpected.
 *
 * @param reads - The uploaded reads, at most {@link READS_PER_BATCH_MAX}.
 * @param decoder - Read decoder.
 * @param book - The book, for lookups.
 * @returns The distinct identities and the number of undecodable reads.
 */
export async function resolveBatch(
  reads: readonly string[],
  decoder: ReadDecoder,
  book: StocktakeBook,
): Promise<ResolvedBatch> {
  if (reads.length > READS_PER_BATCH_MAX) {
    throw new RangeError(`a batch holds at most ${READS_PER_BATCH_MAX} reads`); // the route refuses larger ones
  }
  const decoded: DecodedRead[] = reads.map((read) => decoder.decode(read));
  const lookups = new Set<string>();
  for (const d of decoded) {
    if (d.kind === 'gtin-serial') {
      for (const c of d.candidates) lookups.add(c);
    } else if (d.kind === 'trace-code') {
      lookups.add(d.code);
    }
  }
  const known = lookups.size > 0 ? await book.itemsByAnyId([...lookups]) : new Map<string, string>();
  const ids = new Set<string>();
  let undecodable = 0;
  for (const d of decoded) {
    switch (d.kind) {
      case 'sgtin':
        ids.add(d.sgtin);
        break;
      case 'trace-code':
        ids.add(known.get(d.code) ?? d.code);
        break;
      case 'gtin-serial': {
        const hit = d.candidates.find((c) => known.has(c));
        ids.add(hit === undefined ? d.fallback : known.get(hit)!);
        break;
      }
      case 'undecodable':
        undecodable++;
        break;
    }
  }
  return { ids: [...ids], undecodable };
}

/** The outcome of a stocktake. */
export interface Reconciliation {
  /** Counted and on the book at the location. */
  readonly matched: string[];
  /** On the book at the location, not counted. */
  readonly missing: string[];
  /** Counted, but the book places it elsewhere or does not know it. */
  readonly unexpected: string[];
}

/**
 * Reconcile the counted set against the book: two hash-set passes, O(counted + book).
 *
 * @param counted - Distinct counted identities, sorted.
 * @param book - SGTINs the book places at the location.
 * @returns The three lists, each sorted by code unit (byte order for these ASCII identifiers).
 */
export function reconcile(counted: readonly string[], book: readonly string[]): Reconciliation {
  const onBook = new Set(book);
  const seen = new Set(counted);
  const matched: string[] = [];
  const unexpected: string[] = [];
  for (const id of counted) {
    (onBook.has(id) ? matched : unexpected).push(id);
  }
  const missing = [...onBook].filter((id) => !seen.has(id)).sort();
  return { matched, missing, unexpected };
}
