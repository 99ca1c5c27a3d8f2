/**
 * The projected requests to customs (一呼一应) in PostgreSQL: keyset pages in filing order, filtered by party,
 * status and overdue (OPEN with `due_at` before the given instant). The rows are written by the projection
 * (projection-repository.ts); this adapter only reads.
 */
import type { Queryable } from './pool';
import type { RequestRow, RequestsRepository } from '../../repositories/requests';

interface RequestDbRow {
  request_id: string;
  enterprise: string;
  kind: string;
  status: string;
  filed_at: Date;
  due_at: Date;
  answered_at: Date | null;
  closed_at: Date | null;
  last_tx_id: string;
  record: Record<string, unknown>;
}

const COLUMNS = `request_id, enterprise, kind, status, filed_at, due_at, answered_at, closed_at, last_tx_id, record`;

function toRow(r: RequestDbRow): RequestRow {
  return {
    requestId: r.request_id,
    enterprise: r.enterprise,
    kind: r.kind,
    status: r.status,
    filedAt: r.filed_at,
    dueAt: r.due_at,
    answeredAt: r.answered_at,
    closedAt: r.closed_at,
    lastTxId: r.last_tx_id,
    record: r.record,
  };
}

/**
 * Create the repository.
 *
 * @param db - Pool or transaction.
 * @returns The repository.
 */
export function newRequestsRepository(db: Queryable): RequestsRepository {
  return {
    async list(filter) {
      const { rows } = await db.query<RequestDbRow>(
        `SELECT ${COLUMNS} FROM customs_requests
          WHERE ($1::text IS NULL OR enterprise = $1)
            AND ($2::text[] IS NULL OR status = ANY ($2::text[]))
            AND ($3::timestamptz IS NULL OR (status = 'OPEN' AND due_at < $3))
            AND ($4::timestamptz IS NULL OR (filed_at, request_id) > ($4::timestamptz, $5::text))
          ORDER BY filed_at, request_id
          LIMIT $6`,
        [
          filter.enterprise ?? null,
          filter.statuses === undefined ? null : [...filter.statuses],
          filter.overdueAt ?? null,
          filter.after?.filedAt ?? null,
          filter.after?.requestId ?? null,
          filter.limit,
        ],
      );
      return rows.map(toRow);
    },

    async find(requestId) {
      const { rows } = await db.query<RequestDbRow>(`SELECT ${COLUMNS} FROM customs_requests WHERE request_id = $1`, [
        requestId,
      ]);
      const row = rows[0];
      return row === undefined ? undefined : toRow(row);
    },
  };
}
