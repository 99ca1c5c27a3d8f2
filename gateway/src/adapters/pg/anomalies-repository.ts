/**
 * What went wrong around one item, beyond its chain of committed events: closed stocktakes that missed it (the book
 * placed it there, no counter saw it) and capture steps the chaincode refused for it (an invalid transition, a wrong
 * holder, a location it was not sent to). Read by the provenance console's anomaly flags.
 */
import type { Queryable } from './pool';
import type { AnomaliesRepository } from '../../repositories/anomalies';

/** `value` as a LIKE pattern matching it literally, as a JSON string anywhere in a document. */
function jsonStringPattern(value: string): string {
  return `%${JSON.stringify(value).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Create the repository.
 *
 * @param db - Pool or transaction.
 * @returns The repository.
 */
export function newAnomaliesRepository(db: Queryable): AnomaliesRepository {
  return {
    async missedAtStocktakes(sgtin, enterpriseId, limit) {
      // Only stocktakes of enterprises that ever held the item can have missed it (item_parties), which keeps
      // the scan of report documents to those enterprises' stocktakes.
      const { rows } = await db.query<{
        id: string;
        enterprise_id: string;
        location: string;
        closed_at: Date;
        tx_id: string;
      }>(
        `SELECT s.id, s.enterprise_id, s.location, r.closed_at, r.tx_id
                   FROM item_parties p
                   JOIN stocktakes s ON s.enterprise_id = p.enterprise AND s.status = 'closed'
                   JOIN stocktake_reports r ON r.stocktake_id = s.id
                  WHERE p.sgtin = $1 AND ($2::text IS NULL OR p.enterprise = $2) AND r.report->'missing' ? $1
                  ORDER BY r.closed_at, s.id
                  LIMIT $3`,
        [sgtin, enterpriseId, limit],
      );
      return rows.map((r) => ({
        stocktakeId: r.id,
        enterprise: r.enterprise_id,
        location: r.location,
        closedAt: r.closed_at,
        txId: r.tx_id,
      }));
    },

    async refusedSteps(ids, enterpriseId, limit) {
      if (ids.length === 0) return [];
      // Refused chunks are few (a chaincode refusal is final for its chunk); their requests are searched as text
      // for the item's ids as JSON strings.
      const { rows } = await db.query<{
        capture_id: string;
        seq: number;
        fn: string;
        error_code: string | null;
        error: string | null;
        received_at: Date;
      }>(
        `SELECT c.capture_id, c.seq, c.fn, c.error_code, c.error, cap.received_at
                   FROM capture_chunks c
                   JOIN captures cap ON cap.id = c.capture_id
                  WHERE c.state = 'refused' AND ($2::text IS NULL OR cap.enterprise_id = $2)
                    AND c.request::text LIKE ANY ($1::text[])
                  ORDER BY cap.received_at, c.capture_id, c.seq
                  LIMIT $3`,
        [ids.map(jsonStringPattern), enterpriseId, limit],
      );
      return rows.map((r) => ({
        captureId: r.capture_id,
        seq: r.seq,
        fn: r.fn,
        code: r.error_code,
        message: r.error,
        receivedAt: r.received_at,
      }));
    },
  };
}
