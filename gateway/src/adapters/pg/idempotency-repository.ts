/**
 * Idempotency-Key records in PostgreSQL. The first request with a key claims it (a row without a response), and
 * the response is stored once known; a concurrent repeat sees the claim and is told to wait.
 */
import type { Queryable } from './pool';
import type { IdempotencyRepository } from '../../repositories/idempotency';

interface IdempotencyRow {
  request_sha256: Buffer;
  status_code: number | null;
  response: unknown;
}

/**
 * Create the repository.
 *
 * @param db - Pool or transaction.
 * @returns The repository.
 */
export function newIdempotencyRepository(db: Queryable): IdempotencyRepository {
  return {
    async claim(scope, key, requestDigest, staleClaimMs) {
      const inserted = await db.query(
        `INSERT INTO idempotency_records (scope, key, request_sha256) VALUES ($1, $2, $3)
                 ON CONFLICT (scope, key) DO UPDATE SET request_sha256 = EXCLUDED.request_sha256, created_at = now()
                 WHERE idempotency_records.status_code IS NULL
                   AND idempotency_records.created_at < now() - make_interval(secs => $4::double precision / 1000)`,
        [scope, key, requestDigest, staleClaimMs],
      );
      if (inserted.rowCount === 1) {
        return { kind: 'claimed' };
      }
      const { rows } = await db.query<IdempotencyRow>(
        `SELECT request_sha256, status_code, response FROM idempotency_records WHERE scope = $1 AND key = $2`,
        [scope, key],
      );
      const row = rows[0];
      if (!row) {
        // Released between our insert and select: the other request failed; the client may retry.
        return { kind: 'in-progress' };
      }
      if (!row.request_sha256.equals(requestDigest)) {
        return { kind: 'mismatch' };
      }
      if (row.status_code === null) {
        return { kind: 'in-progress' };
      }
      return { kind: 'replay', statusCode: row.status_code, response: row.response };
    },
    async complete(scope, key, statusCode, response) {
      await db.query(`UPDATE idempotency_records SET status_code = $3, response = $4 WHERE scope = $1 AND key = $2`, [
        scope,
        key,
        statusCode,
        JSON.stringify(response ?? null),
      ]);
    },
    async release(scope, key) {
      await db.query(`DELETE FROM idempotency_records WHERE scope = $1 AND key = $2 AND status_code IS NULL`, [
        scope,
        key,
      ]);
    },
    async purgeOlderThan(maxAgeMs, limit) {
      const result = await db.query(
        `DELETE FROM idempotency_records WHERE ctid IN (
                   SELECT ctid FROM idempotency_records
                   WHERE created_at < now() - make_interval(secs => $1::double precision / 1000)
                   LIMIT $2)`,
        [maxAgeMs, limit],
      );
      return result.rowCount ?? 0;
    },
  };
}
