/**
 * One enterprise, one account, read from the projection: balances as of a time, movements in chain order, the
 * movements behind chosen book lines, closed periods and write-offs (from the projected PERIOD_CLOSE and WRITE_OFF
 * transactions) and the projection position an answer reflects; plus the stored reconciliations (migration 012).
 *
 * Reads that must agree with each other (balances, the events behind them, the position) run in one
 * {@link AccountRepository.snapshot}: a read-only REPEATABLE READ transaction, so the projection follower committing
 * a batch in between cannot make a balance disagree with its events or its position.
 */
import { withTransaction, type DbPool, type Queryable } from './pool';
import type {
  AccountMovement,
  AccountSnapshot,
  StoredReconciliation,
  AccountRepository,
} from '../../repositories/accounts';

interface MovementDbRow {
  tx_id: string;
  block_number: string;
  tx_seq: number;
  gtin: string;
  regime: string;
  location: string;
  qty: number;
  event_type: string;
  event_time: Date;
  period: string;
}

function toMovement(row: MovementDbRow): AccountMovement {
  return {
    txId: row.tx_id,
    blockNumber: BigInt(row.block_number),
    txSeq: row.tx_seq,
    gtin: row.gtin,
    regime: row.regime,
    location: row.location,
    qty: row.qty,
    eventType: row.event_type,
    eventTime: row.event_time,
    period: row.period,
  };
}

/** Movement columns joined with their transaction's chain position (aliases m and t). */
const MOVEMENT_COLUMNS = `m.tx_id, t.block_number::text AS block_number, t.tx_seq, m.gtin, m.regime, m.location, m.qty,
                          m.event_type, m.event_time, m.period`;

/**
 * Chain order of movements. Lines inside one transaction are ordered by byte order ("C" collation), the order the
 * chaincode uses for its keys, whatever the database's default collation.
 */
const CHAIN_ORDER = `t.block_number, t.tx_seq, m.gtin COLLATE "C", m.regime COLLATE "C", m.location COLLATE "C"`;

function newSnapshot(db: Queryable): AccountSnapshot {
  return {
    async position(checkpointName) {
      const { rows } = await db.query<{ block_number: string; tx_id: string | null; updated_at: Date }>(
        `SELECT block_number::text AS block_number, tx_id, updated_at FROM projection_checkpoint WHERE name = $1`,
        [checkpointName],
      );
      const row = rows[0];
      return row ? { blockNumber: BigInt(row.block_number), txId: row.tx_id, updatedAt: row.updated_at } : undefined;
    },

    async balances(enterprise, asOf, limit) {
      const { rows } = await db.query<{ gtin: string; regime: string; location: string; quantity: string }>(
        `SELECT gtin, regime, location, sum(qty)::text AS quantity FROM account_movements
                 WHERE enterprise = $1 AND event_time <= $2
                 GROUP BY gtin, regime, location HAVING sum(qty) <> 0
                 ORDER BY gtin COLLATE "C", regime COLLATE "C", location COLLATE "C" LIMIT $3`,
        [enterprise, asOf, limit],
      );
      return rows.map((row) => ({
        gtin: row.gtin,
        regime: row.regime,
        location: row.location,
        quantity: Number(row.quantity),
      }));
    },

    async closedPeriods(enterprise, limit) {
      const { rows } = await db.query<{ tx_id: string; block_number: string; record: Record<string, unknown> }>(
        `SELECT tx_id, block_number::text AS block_number, payload #> '{records,period}' AS record FROM ledger_transactions
                 WHERE type = 'PERIOD_CLOSE' AND payload #>> '{records,period,enterprise}' = $1
                 ORDER BY payload #>> '{records,period,period}' COLLATE "C" LIMIT $2`,
        [enterprise, limit],
      );
      return rows.map((row) => ({
        period: String(row.record.period),
        closedAt: String(row.record.closedAt),
        closedBy: String(row.record.closedBy),
        snapshotHash: String(row.record.snapshotHash),
        txId: row.tx_id,
        blockNumber: BigInt(row.block_number),
      }));
    },

    async closedPeriod(enterprise, period) {
      const { rows } = await db.query<{ tx_id: string; block_number: string; record: Record<string, unknown> }>(
        `SELECT tx_id, block_number::text AS block_number, payload #> '{records,period}' AS record FROM ledger_transactions
                 WHERE type = 'PERIOD_CLOSE' AND payload #>> '{records,period,enterprise}' = $1
                   AND payload #>> '{records,period,period}' = $2`,
        [enterprise, period],
      );
      const row = rows[0];
      return row === undefined
        ? undefined
        : {
            period: String(row.record.period),
            closedAt: String(row.record.closedAt),
            closedBy: String(row.record.closedBy),
            snapshotHash: String(row.record.snapshotHash),
            txId: row.tx_id,
            blockNumber: BigInt(row.block_number),
          };
    },

    async writeOff(enterprise, period) {
      const { rows } = await db.query<{ tx_id: string; block_number: string; record: Record<string, unknown> }>(
        `SELECT tx_id, block_number::text AS block_number, payload #> '{records,writeOff}' AS record FROM ledger_transactions
                 WHERE type = 'WRITE_OFF' AND payload #>> '{records,writeOff,enterprise}' = $1
                   AND payload #>> '{records,writeOff,period}' = $2`,
        [enterprise, period],
      );
      const row = rows[0];
      return row === undefined
        ? undefined
        : { record: row.record, txId: row.tx_id, blockNumber: BigInt(row.block_number) };
    },

    async movementsOfLines(enterprise, asOf, selectors, perSelectorMax) {
      if (selectors.length === 0) {
        return [];
      }
      const { rows } = await db.query<MovementDbRow & { idx: number; total: string }>(
        `WITH sel AS (
                     SELECT * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS s(idx, gtin, regime, location)
                 ), hits AS (
                     SELECT s.idx, ${MOVEMENT_COLUMNS},
                            row_number() OVER (PARTITION BY s.idx ORDER BY t.block_number DESC, t.tx_seq DESC,
                                               m.gtin COLLATE "C" DESC, m.regime COLLATE "C" DESC, m.location COLLATE "C" DESC) AS rn,
                            count(*) OVER (PARTITION BY s.idx) AS total
                     FROM sel s
                     JOIN account_movements m ON m.enterprise = $1 AND m.gtin = s.gtin
                          AND (s.regime IS NULL OR m.regime = s.regime) AND (s.location IS NULL OR m.location = s.location)
                          AND m.event_time <= $6
                     JOIN ledger_transactions t ON t.tx_id = m.tx_id
                 )
                 SELECT idx, total::text AS total, tx_id, block_number, tx_seq, gtin, regime, location, qty, event_type, event_time, period
                 FROM hits WHERE rn <= $7
                 ORDER BY idx, block_number::bigint, tx_seq, gtin COLLATE "C", regime COLLATE "C", location COLLATE "C"`,
        [
          enterprise,
          selectors.map((_selector, i) => i),
          selectors.map((s) => s.gtin),
          selectors.map((s) => s.regime),
          selectors.map((s) => s.location),
          asOf,
          perSelectorMax,
        ],
      );
      const out = selectors.map(() => ({ movements: [] as AccountMovement[], total: 0 }));
      for (const row of rows) {
        const slot = out[row.idx];
        if (slot === undefined) {
          throw new Error(`movementsOfLines: selector index ${row.idx} out of range`); // the SQL returns only given indexes
        }
        slot.movements.push(toMovement(row));
        slot.total = Number(row.total);
      }
      return out;
    },
  };
}

interface ReconciliationDbRow {
  id: string;
  enterprise: string;
  created_at: Date;
  result: Record<string, unknown>;
}

function toReconciliation(row: ReconciliationDbRow): StoredReconciliation {
  return { id: row.id, enterprise: row.enterprise, createdAt: row.created_at, result: row.result };
}

/**
 * Create the repository.
 *
 * @param db - The pool (snapshots run their own transaction).
 * @returns The repository.
 */
export function newAccountRepository(db: DbPool): AccountRepository {
  return {
    async snapshot(fn) {
      return withTransaction(db, async (tx) => {
        // Must be the transaction's first statement: every later read sees the same committed state.
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        return fn(newSnapshot(tx));
      });
    },

    async movements(filter) {
      const where: string[] = [];
      const values: unknown[] = [];
      const param = (value: unknown): string => {
        values.push(value);
        return `$${values.length}`;
      };
      where.push(`m.enterprise = ${param(filter.enterprise)}`);
      if (filter.gtin !== undefined) where.push(`m.gtin = ${param(filter.gtin)}`);
      if (filter.from !== undefined) where.push(`m.event_time >= ${param(filter.from)}::timestamptz`);
      if (filter.to !== undefined) where.push(`m.event_time < ${param(filter.to)}::timestamptz`);
      if (filter.after !== undefined) {
        const a = filter.after;
        where.push(
          `(t.block_number, t.tx_seq, m.gtin COLLATE "C", m.regime COLLATE "C", m.location COLLATE "C") > ` +
            `(${param(a.blockNumber.toString())}::bigint, ${param(a.txSeq)}::int, ${param(a.gtin)}::text COLLATE "C", ` +
            `${param(a.regime)}::text COLLATE "C", ${param(a.location)}::text COLLATE "C")`,
        );
      }
      const { rows } = await db.query<MovementDbRow>(
        `SELECT ${MOVEMENT_COLUMNS} FROM account_movements m JOIN ledger_transactions t ON t.tx_id = m.tx_id
                 WHERE ${where.join(' AND ')} ORDER BY ${CHAIN_ORDER} LIMIT ${param(filter.limit)}`,
        values,
      );
      return rows.map(toMovement);
    },

    async findTransaction(txId) {
      const { rows } = await db.query<{
        tx_id: string;
        type: string;
        block_number: string;
        period: Record<string, unknown> | null;
      }>(
        `SELECT tx_id, type, block_number::text AS block_number, payload #> '{records,period}' AS period
                 FROM ledger_transactions WHERE tx_id = $1`,
        [txId],
      );
      const row = rows[0];
      if (!row) {
        return undefined;
      }
      const periodRecord =
        row.period !== null && typeof row.period === 'object' && !Array.isArray(row.period) ? row.period : null;
      return { txId: row.tx_id, type: row.type, blockNumber: BigInt(row.block_number), periodRecord };
    },

    async insertReconciliation(r) {
      const { rows } = await db.query<ReconciliationDbRow>(
        `INSERT INTO account_reconciliations (id, enterprise, as_of, projection_block, projection_tx_id, created_by_key, erp_lines,
                                                      variances, result)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 RETURNING id, enterprise, created_at, result`,
        [
          r.id,
          r.enterprise,
          r.asOf,
          r.position?.blockNumber.toString() ?? null,
          r.position?.txId ?? null,
          r.createdByKey,
          r.erpLines,
          r.variances,
          JSON.stringify(r.result),
        ],
      );
      return toReconciliation(rows[0]!);
    },

    async findReconciliation(id) {
      const { rows } = await db.query<ReconciliationDbRow>(
        `SELECT id, enterprise, created_at, result FROM account_reconciliations WHERE id = $1`,
        [id],
      );
      return rows[0] ? toReconciliation(rows[0]) : undefined;
    },
  };
}
