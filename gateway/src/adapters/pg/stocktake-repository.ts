/**
 * Stocktakes in PostgreSQL: sessions, uploaded batches (idempotent by batch id), the counted set deduplicated by
 * the primary key of `stocktake_reads`, the closing report, and the book as the projection's `items` table holds it.
 *
 * Batches and the close of one stocktake are serialised by a row lock on the session (`SELECT ... FOR UPDATE`):
 * counters stay exact without COUNT(*), and no batch can slip in after the close has frozen the counted set.
 */
import type { StocktakeBook } from '../../stocktake/book';
import { BOOK_ITEMS_AT_LOCATION_MAX, BOOK_LOOKUP_IDS_MAX } from '../../stocktake/book';
import { withTransaction, type DbPool, type Queryable } from './pool';
import type {
  StocktakeStatus,
  Stocktake,
  BatchResponse,
  RecordBatchResult,
  StocktakeReport,
  StocktakeRepository,
} from '../../repositories/stocktakes';

interface StocktakeRow {
  id: string;
  enterprise_id: string;
  location: string;
  device_ids: string[];
  status: string;
  unique_items: number;
  undecodable: number;
  reads: number;
  batches: number;
  created_at: Date;
}

function toStocktake(row: StocktakeRow): Stocktake {
  return {
    id: row.id,
    enterpriseId: row.enterprise_id,
    location: row.location,
    deviceIds: row.device_ids,
    status: row.status as StocktakeStatus, // the table's CHECK constraint admits only these
    uniqueItems: row.unique_items,
    undecodable: row.undecodable,
    reads: row.reads,
    batches: row.batches,
    createdAt: row.created_at,
  };
}

const COLUMNS =
  'id, enterprise_id, location, device_ids, status, unique_items, undecodable, reads, batches, created_at';

/**
 * Create the repository.
 *
 * @param db - The pool (batches and closes run their own transactions).
 * @returns The repository.
 */
export function newStocktakeRepository(db: DbPool): StocktakeRepository {
  const lock = async (q: Queryable, id: string) =>
    (await q.query<StocktakeRow>(`SELECT ${COLUMNS} FROM stocktakes WHERE id = $1 FOR UPDATE`, [id])).rows[0];
  return {
    async insert({ id, enterpriseId, location, deviceIds }) {
      const { rows } = await db.query<StocktakeRow>(
        `INSERT INTO stocktakes (id, enterprise_id, location, device_ids) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [id, enterpriseId, location, deviceIds],
      );
      return toStocktake(rows[0]!);
    },
    async findById(id) {
      const { rows } = await db.query<StocktakeRow>(`SELECT ${COLUMNS} FROM stocktakes WHERE id = $1`, [id]);
      return rows[0] ? toStocktake(rows[0]) : undefined;
    },
    async list({ enterpriseId, status }, limit) {
      const { rows } = await db.query<StocktakeRow>(
        `SELECT ${COLUMNS} FROM stocktakes
                  WHERE ($1::text IS NULL OR enterprise_id = $1) AND ($2::text IS NULL OR status = $2)
                  ORDER BY created_at DESC, id LIMIT $3`,
        [enterpriseId, status ?? null, limit],
      );
      return rows.map(toStocktake);
    },
    async recordBatch(batch) {
      return withTransaction(db, async (tx): Promise<RecordBatchResult> => {
        const row = await lock(tx, batch.stocktakeId);
        if (!row) {
          return { kind: 'not-found' };
        }
        // A known batch id is answered, even after the close: the counter may be retrying a lost ack. The batch's
        // own figures are replayed; what it counted now is nothing, and the total is the stocktake's current one.
        const known = await tx.query<{ response: BatchResponse; reads_sha256: string }>(
          `SELECT response, reads_sha256 FROM stocktake_batches WHERE stocktake_id = $1 AND batch_id = $2`,
          [batch.stocktakeId, batch.batchId],
        );
        if (known.rows[0]) {
          const { response, reads_sha256 } = known.rows[0];
          return {
            kind: 'duplicate',
            response: { ...response, duplicateBatch: true, newItems: 0, uniqueItems: row.unique_items },
            sameReads: reads_sha256 === batch.readsSha256,
          };
        }
        if (row.status !== 'open') {
          return { kind: 'not-open', status: row.status as StocktakeStatus };
        }
        const inserted = await tx.query(
          `INSERT INTO stocktake_reads (stocktake_id, sgtin, device_id)
                     SELECT $1, id, $3 FROM unnest($2::text[]) AS id
                     ON CONFLICT (stocktake_id, sgtin) DO NOTHING`,
          [batch.stocktakeId, batch.ids, batch.deviceId],
        );
        const newItems = inserted.rowCount ?? 0;
        const uniqueAfter = row.unique_items + newItems;
        if (uniqueAfter > batch.itemsMax) {
          throw new TooManyItems(uniqueAfter); // rolls the inserted reads back
        }
        const response: BatchResponse = {
          batchId: batch.batchId,
          accepted: batch.accepted,
          duplicateBatch: false,
          uniqueItems: uniqueAfter,
          undecodable: batch.undecodable,
          newItems,
        };
        await tx.query(
          `INSERT INTO stocktake_batches (stocktake_id, batch_id, device_id, reads_sha256, accepted, unique_after, response)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            batch.stocktakeId,
            batch.batchId,
            batch.deviceId,
            batch.readsSha256,
            batch.accepted,
            uniqueAfter,
            JSON.stringify(response),
          ],
        );
        await tx.query(
          `UPDATE stocktakes
                        SET unique_items = $2, undecodable = undecodable + $3, reads = reads + $4, batches = batches + 1,
                            device_ids = CASE WHEN $5 = ANY(device_ids) THEN device_ids ELSE array_append(device_ids, $5) END
                      WHERE id = $1`,
          [batch.stocktakeId, uniqueAfter, batch.undecodable, batch.accepted + batch.undecodable, batch.deviceId],
        );
        return { kind: 'recorded', response };
      }).catch((err: unknown) => {
        if (err instanceof TooManyItems) {
          return { kind: 'too-many-items', uniqueAfter: err.uniqueAfter } as const;
        }
        throw err;
      });
    },
    async beginClose(id) {
      return withTransaction(db, async (tx) => {
        const row = await lock(tx, id);
        if (!row) {
          return undefined;
        }
        if (row.status === 'open') {
          await tx.query(`UPDATE stocktakes SET status = 'closing' WHERE id = $1`, [id]);
          row.status = 'closing';
        }
        return toStocktake(row);
      });
    },
    async countedIds(id) {
      const { rows } = await db.query<{ sgtin: string }>(`SELECT sgtin FROM stocktake_reads WHERE stocktake_id = $1`, [
        id,
      ]);
      return rows.map((row) => row.sgtin);
    },
    async saveReport(report) {
      return withTransaction(db, async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO stocktake_reports (stocktake_id, merkle_root, tx_id, matched, missing, unexpected, report)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (stocktake_id) DO NOTHING`,
          [
            report.id,
            report.merkleRoot,
            report.txId,
            report.counts.matched,
            report.counts.missing,
            report.counts.unexpected,
            JSON.stringify(report),
          ],
        );
        await tx.query(`UPDATE stocktakes SET status = 'closed' WHERE id = $1`, [report.id]);
        if (inserted.rowCount === 1) {
          return report; // ours is stored: no need to read a few MiB of JSON back
        }
        const { rows } = await tx.query<{ report: StocktakeReport }>(
          `SELECT report FROM stocktake_reports WHERE stocktake_id = $1`,
          [report.id],
        );
        return rows[0]!.report;
      });
    },
    async findReport(id) {
      const { rows } = await db.query<{ report: StocktakeReport }>(
        `SELECT report FROM stocktake_reports WHERE stocktake_id = $1`,
        [id],
      );
      return rows[0]?.report;
    },
  };
}

class TooManyItems extends Error {
  constructor(readonly uniqueAfter: number) {
    super(`stocktake would count ${uniqueAfter} items`);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * The book as the projection's `items` table holds it (migration 007, written by gateway/src/projection).
 *
 * @param db - Pool.
 * @returns The book port.
 */
export function newPgStocktakeBook(db: Queryable): StocktakeBook {
  return {
    async itemsAtLocation(enterprise, location) {
      // "Book = items": an item counts on its holder's book at its location while IN_STOCK, held or not.
      // Served by items_holder_location_status_idx.
      const { rows } = await db.query<{ sgtin: string }>(
        `SELECT sgtin FROM items WHERE holder = $1 AND location = $2 AND status = 'IN_STOCK' LIMIT $3`,
        [enterprise, location, BOOK_ITEMS_AT_LOCATION_MAX + 1],
      );
      if (rows.length > BOOK_ITEMS_AT_LOCATION_MAX) {
        throw new RangeError(`the book holds more than ${BOOK_ITEMS_AT_LOCATION_MAX} items at ${location}`);
      }
      return rows.map((row) => row.sgtin);
    },
    async itemsByAnyId(ids) {
      if (ids.length > BOOK_LOOKUP_IDS_MAX) {
        throw new RangeError(`at most ${BOOK_LOOKUP_IDS_MAX} identifiers per lookup, got ${ids.length}`);
      }
      const { rows } = await db.query<{ sgtin: string; trace_code: string | null }>(
        `SELECT sgtin, trace_code FROM items WHERE sgtin = ANY($1::text[]) OR trace_code = ANY($1::text[])`,
        [ids],
      );
      const wanted = new Set(ids);
      const out = new Map<string, string>();
      for (const row of rows) {
        if (wanted.has(row.sgtin)) out.set(row.sgtin, row.sgtin);
        if (row.trace_code !== null && wanted.has(row.trace_code)) out.set(row.trace_code, row.sgtin);
      }
      return out;
    },
  };
}
