/**
 * Repository port: Stocktakes: sessions, read batches (idempotent by batch id), the counted set and the closing
 * report. The row types live here with the interface; adapters/pg implements it.
 */

/** Life of a stocktake: reads are taken while `open`; `closing` froze the counted set; `closed` has a report. */
export type StocktakeStatus = 'open' | 'closing' | 'closed';

/** A stocktake session. */
export interface Stocktake {
  readonly id: string;
  readonly enterpriseId: string;
  readonly location: string;
  readonly deviceIds: readonly string[];
  readonly status: StocktakeStatus;
  /** Distinct items counted so far. */
  readonly uniqueItems: number;
  /** Reads that named no item, over all batches. */
  readonly undecodable: number;
  /** Reads received, over all distinct batches. */
  readonly reads: number;
  /** Distinct batches received. */
  readonly batches: number;
  readonly createdAt: Date;
}

/**
 * The answer to one uploaded batch. For a repeated batch id, the batch's own figures (`accepted`, `undecodable`) are
 * replayed, `newItems` is 0 (nothing was counted again) and `uniqueItems` is the stocktake's count now.
 */
export interface BatchResponse {
  readonly batchId: string;
  /** Reads of the batch that named an item. */
  readonly accepted: number;
  /** True when this batch id had been received before: nothing was counted again. */
  readonly duplicateBatch: boolean;
  /** Distinct items of the stocktake after this batch (for a repeated batch id: now). */
  readonly uniqueItems: number;
  /** Reads of the batch that named no item. */
  readonly undecodable: number;
  /** Items this batch counted for the first time. */
  readonly newItems: number;
}

/** One batch to record. */
export interface NewBatch {
  readonly stocktakeId: string;
  readonly batchId: string;
  readonly deviceId: string;
  /** SHA-256 (hex) of the batch's reads, to tell a retry from a reused batch id. */
  readonly readsSha256: string;
  /** Distinct identities the batch names. */
  readonly ids: readonly string[];
  readonly accepted: number;
  readonly undecodable: number;
  /** Most distinct items the stocktake may reach. */
  readonly itemsMax: number;
}

/** What {@link StocktakeRepository.recordBatch} did. */
export type RecordBatchResult =
  | { readonly kind: 'recorded'; readonly response: BatchResponse }
  | { readonly kind: 'duplicate'; readonly response: BatchResponse; readonly sameReads: boolean }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-open'; readonly status: StocktakeStatus }
  | { readonly kind: 'too-many-items'; readonly uniqueAfter: number };

/** The stored outcome of a closed stocktake. */
export interface StocktakeReport {
  readonly id: string;
  readonly enterprise: string;
  readonly location: string;
  readonly matched: string[];
  readonly missing: string[];
  readonly unexpected: string[];
  readonly counts: { readonly matched: number; readonly missing: number; readonly unexpected: number };
  readonly merkleRoot: string;
  readonly treeSize: number;
  readonly txId: string;
  readonly closedAt: string;
}

/** Repository of stocktakes. */
export interface StocktakeRepository {
  insert(input: {
    id: string;
    enterpriseId: string;
    location: string;
    deviceIds: readonly string[];
  }): Promise<Stocktake>;
  findById(id: string): Promise<Stocktake | undefined>;
  /**
   * The newest stocktakes first, of one enterprise or (null) of all.
   *
   * @param limit - Most rows returned.
   */
  list(filter: { enterpriseId: string | null; status?: StocktakeStatus }, limit: number): Promise<Stocktake[]>;
  /** Record a batch in one transaction (see {@link RecordBatchResult}); a known batch id changes nothing. */
  recordBatch(batch: NewBatch): Promise<RecordBatchResult>;
  /**
   * Freeze the counted set: `open` -> `closing` (no more reads). Idempotent.
   *
   * @returns The stocktake after the change, or undefined if unknown.
   */
  beginClose(id: string): Promise<Stocktake | undefined>;
  /** The counted identities, in no particular order. */
  countedIds(id: string): Promise<string[]>;
  /**
   * Store the report once and mark the stocktake closed; a report already stored wins.
   *
   * @returns The stored report (this one or the earlier one).
   */
  saveReport(report: StocktakeReport): Promise<StocktakeReport>;
  findReport(id: string): Promise<StocktakeReport | undefined>;
}
