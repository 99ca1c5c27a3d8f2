/**
 * The projection of the chain in PostgreSQL: writes one batch of projected rows (one multi-row `INSERT ... SELECT
 * FROM unnest(...)` per table and per {@link MAX_ROWS_PER_STATEMENT} rows, so a follower batch costs six statements
 * whatever its size, a seventh when it carries customs requests), and the reads the provenance and EPCIS query routes need. Writes are idempotent: every table is
 * keyed by transaction id (or by a key containing it), and an item row only moves forward in chain order, so
 * replaying a batch changes nothing.
 *
 * Call {@link ProjectionRepository.applyBatch} with the same {@link Queryable} (transaction) as the checkpoint save.
 */
import { queryPrepared, type PreparedStatement, type Queryable } from './pool';
import { columnsOf, compileInsert, insertRows, lastPerKey, MAX_ROWS_PER_STATEMENT } from './unnest-insert';
import {
  type ItemRow,
  PROJECTION_TABLES,
  type ProjectedEpcisEvent,
  type ProjectedItem,
  type ProjectedItemEvent,
  type ProjectedMovement,
  type ProjectedParty,
  type ProjectedRequest,
  type ProjectedTransaction,
  type ProjectionRepository,
} from '../../repositories/projection';

// The batch writes: one column list per table (column name: array element type; the value is the row field of the
// column's camelCase name).

/** Where a row stands in the chain: the transaction and its position. */
const CHAIN_POSITION = { tx_id: 'text', block_number: 'bigint', tx_seq: 'int' } as const;
const INSERT_TRANSACTIONS = compileInsert<ProjectedTransaction>({
  name: 'projection.insertTransactions',
  table: 'ledger_transactions',
  columns: columnsOf<ProjectedTransaction>()({
    ...CHAIN_POSITION,
    type: 'text',
    event_time: 'timestamptz',
    record_time: 'timestamptz',
    actor: 'jsonb',
    payload_sha256: 'text',
    payload: 'jsonb',
  }),
  onConflict: 'ON CONFLICT (tx_id) DO NOTHING',
});

const ITEM_COLUMNS = columnsOf<ProjectedItem>()({
  sgtin: 'text',
  trace_code: 'text',
  gtin: 'text',
  status: 'text',
  holder: 'text',
  location: 'text',
  regime: 'text',
  held: 'boolean',
  last_tx_id: 'text',
  last_block: 'bigint',
  last_tx_seq: 'int',
  last_event_time: 'timestamptz',
  record: 'jsonb',
});
const INSERT_ITEMS = compileInsert<ProjectedItem>({
  name: 'projection.upsertItems',
  table: 'items',
  columns: ITEM_COLUMNS,
  // An item row only moves forward in chain order: a replayed older batch leaves it alone.
  onConflict:
    `ON CONFLICT (sgtin) DO UPDATE SET ${ITEM_COLUMNS.filter((c) => c.name !== 'sgtin')
      .map((c) => `${c.name} = EXCLUDED.${c.name}`)
      .join(', ')} ` + `WHERE (items.last_block, items.last_tx_seq) <= (EXCLUDED.last_block, EXCLUDED.last_tx_seq)`,
});

const INSERT_ITEM_EVENTS = compileInsert<ProjectedItemEvent>({
  name: 'projection.insertItemEvents',
  table: 'item_events',
  columns: columnsOf<ProjectedItemEvent>()({
    sgtin: 'text',
    ...CHAIN_POSITION,
    event_time: 'timestamptz',
    record_time: 'timestamptz',
    type: 'text',
    epcis: 'jsonb',
    item: 'jsonb',
  }),
  onConflict: 'ON CONFLICT (sgtin, tx_id) DO NOTHING',
});

const INSERT_EPCIS_EVENTS = compileInsert<ProjectedEpcisEvent>({
  name: 'projection.insertEpcisEvents',
  table: 'epcis_events',
  columns: columnsOf<ProjectedEpcisEvent>()({
    event_id: 'text',
    ...CHAIN_POSITION,
    event_seq: 'int',
    event_time: 'timestamptz',
    biz_step: 'text',
    biz_location: 'text',
    // text[] columns cannot be unnested from a 2-D array of ragged rows: the EPC lists travel as JSON.
    epcs: { type: 'jsonb', expression: 'ARRAY(SELECT jsonb_array_elements_text(u.epcs))' },
    event: 'jsonb',
  }),
  onConflict: 'ON CONFLICT (block_number, tx_seq, event_seq) DO NOTHING',
});

const INSERT_MOVEMENTS = compileInsert<ProjectedMovement>({
  name: 'projection.insertMovements',
  table: 'account_movements',
  columns: columnsOf<ProjectedMovement>()({
    enterprise: 'text',
    gtin: 'text',
    regime: 'text',
    location: 'text',
    tx_id: 'text',
    qty: 'int',
    event_type: 'text',
    event_time: 'timestamptz',
    period: 'text',
  }),
  onConflict: 'ON CONFLICT DO NOTHING',
});

const INSERT_PARTIES = compileInsert<ProjectedParty>({
  name: 'projection.insertParties',
  table: 'item_parties',
  columns: columnsOf<ProjectedParty>()({ sgtin: 'text', enterprise: 'text' }),
  onConflict: 'ON CONFLICT DO NOTHING',
});

const REQUEST_COLUMNS = columnsOf<ProjectedRequest>()({
  request_id: 'text',
  enterprise: 'text',
  kind: 'text',
  status: 'text',
  filed_at: 'timestamptz',
  due_at: 'timestamptz',
  answered_at: 'timestamptz',
  closed_at: 'timestamptz',
  last_tx_id: 'text',
  last_block: 'bigint',
  last_tx_seq: 'int',
  record: 'jsonb',
});
const UPSERT_REQUESTS = compileInsert<ProjectedRequest>({
  name: 'projection.upsertRequests',
  table: 'customs_requests',
  columns: REQUEST_COLUMNS,
  // Like an item row, a request row only moves forward in chain order.
  onConflict:
    `ON CONFLICT (request_id) DO UPDATE SET ${REQUEST_COLUMNS.filter((c) => c.name !== 'request_id')
      .map((c) => `${c.name} = EXCLUDED.${c.name}`)
      .join(', ')} ` +
    `WHERE (customs_requests.last_block, customs_requests.last_tx_seq) <= (EXCLUDED.last_block, EXCLUDED.last_tx_seq)`,
});

/** Chain order of two item rows: `a` was written by an earlier transaction than `b`. */
const itemBefore = (a: ProjectedItem, b: ProjectedItem): boolean =>
  a.lastBlock < b.lastBlock || (a.lastBlock === b.lastBlock && a.lastTxSeq < b.lastTxSeq);

/** Options of {@link newProjectionRepository}. */
export interface ProjectionRepositoryOptions {
  /** Rows per write statement; default {@link MAX_ROWS_PER_STATEMENT}. */
  readonly maxRowsPerStatement?: number;
}

/**
 * Create the repository.
 *
 * @param db - Pool (reads) or the projector's transaction (writes).
 * @param options - Write statement size.
 * @returns The repository.
 */
export function newProjectionRepository(
  db: Queryable,
  options: Readonly<ProjectionRepositoryOptions> = {},
): ProjectionRepository {
  const maxRows = options.maxRowsPerStatement ?? MAX_ROWS_PER_STATEMENT;
  return {
    async applyBatch(batch) {
      // Tables in the order the row-at-a-time writes used (transactions before the rows that name them).
      // DO NOTHING keeps the first of equal keys in one statement, as successive inserts did; DO UPDATE
      // cannot touch one row twice in a statement, so items keep the latest row per sgtin in chain order
      // (the batch already holds one per sgtin; this holds for any caller, across chunks too).
      await insertRows(db, INSERT_TRANSACTIONS, batch.transactions, maxRows);
      await insertRows(
        db,
        INSERT_ITEMS,
        lastPerKey(batch.items, (i) => i.sgtin, itemBefore),
        maxRows,
      );
      await insertRows(db, INSERT_ITEM_EVENTS, batch.itemEvents, maxRows);
      await insertRows(db, INSERT_EPCIS_EVENTS, batch.epcisEvents, maxRows);
      await insertRows(db, INSERT_MOVEMENTS, batch.movements, maxRows);
      await insertRows(db, INSERT_PARTIES, batch.parties, maxRows);
      if (batch.requests !== undefined && batch.requests.length > 0)
        await insertRows(db, UPSERT_REQUESTS, batch.requests, maxRows);
    },

    async lastTxSeqInBlock(blockNumber) {
      const { rows } = await db.query<{ seq: number | null }>(
        `SELECT max(tx_seq) AS seq FROM ledger_transactions WHERE block_number = $1`,
        [blockNumber.toString()],
      );
      return rows[0]?.seq ?? -1;
    },

    async truncate(checkpointName) {
      await db.query(`TRUNCATE ${PROJECTION_TABLES.join(', ')}`);
      await db.query(`DELETE FROM projection_checkpoint WHERE name = $1`, [checkpointName]);
    },

    async findItem(sgtin) {
      const { rows } = await queryPrepared<ItemDbRow>(db, FIND_ITEM, [sgtin]);
      const row = rows[0];
      return row ? toItemRow(row) : undefined;
    },

    async findSgtinByTraceCode(code) {
      const { rows } = await queryPrepared<{ sgtin: string }>(db, FIND_SGTIN_BY_TRACE_CODE, [code]);
      return rows[0]?.sgtin;
    },

    async findSgtinByGtinSerial(gtin, serial) {
      // The SGTIN URN ends in ".<serial>"; `right()` avoids LIKE escaping of the serial's characters.
      const { rows } = await db.query<{ sgtin: string }>(
        `SELECT sgtin FROM items WHERE gtin = $1 AND right(sgtin, length($2) + 1) = '.' || $2 LIMIT 2`,
        [gtin, serial],
      );
      return rows.length === 1 ? rows[0]?.sgtin : undefined;
    },

    async isParty(sgtin, enterprise) {
      const { rows } = await queryPrepared(db, IS_PARTY, [sgtin, enterprise]);
      return rows.length > 0;
    },

    async history(sgtin, limit) {
      const { rows } = await queryPrepared<ItemEventDbRow>(db, HISTORY, [sgtin, limit]);
      return rows.map((row) => ({
        txId: row.tx_id,
        blockNumber: BigInt(row.block_number),
        txSeq: row.tx_seq,
        type: row.type,
        eventTime: row.event_time,
        recordTime: row.record_time,
        epcis: row.epcis,
        item: row.item,
        payloadSha256: row.payload_sha256,
        actor: row.actor,
      }));
    },

    async findItemWithHistory(sgtin, limit) {
      const { rows } = await queryPrepared<ItemDbRow & { history: string }>(db, ITEM_WITH_HISTORY, [sgtin, limit]);
      const row = rows[0];
      if (!row) return undefined;
      // Each entry: [tx_id, block_number (text), tx_seq, type, event_time, record_time, epcis, item, payload_sha256, actor].
      const entries = JSON.parse(row.history) as [
        string,
        string,
        number,
        string,
        string,
        string,
        unknown[],
        Record<string, unknown>,
        string,
        unknown,
      ][];
      return {
        item: toItemRow(row),
        history: entries.map(
          ([txId, blockNumber, txSeq, type, eventTime, recordTime, epcis, item, payloadSha256, actor]) => ({
            txId,
            blockNumber: BigInt(blockNumber),
            txSeq,
            type,
            eventTime: new Date(eventTime),
            recordTime: new Date(recordTime),
            epcis,
            item,
            payloadSha256,
            actor,
          }),
        ),
      };
    },

    async transactions(txIds) {
      const { rows } = await db.query<{
        tx_id: string;
        block_number: string;
        tx_seq: number;
        payload_sha256: string;
        payload: unknown;
      }>(
        `SELECT tx_id, block_number::text AS block_number, tx_seq, payload_sha256, payload FROM ledger_transactions
                 WHERE tx_id = ANY($1::text[]) ORDER BY block_number, tx_seq`,
        [txIds],
      );
      return rows.map((row) => ({
        txId: row.tx_id,
        blockNumber: BigInt(row.block_number),
        txSeq: row.tx_seq,
        payloadSha256: row.payload_sha256,
        payload: row.payload,
      }));
    },

    async epcisEvents(filter) {
      const where: string[] = [];
      const values: unknown[] = [];
      const param = (value: unknown): string => {
        values.push(value);
        return `$${values.length}`;
      };
      if (filter.epcs !== undefined) where.push(`e.epcs && ${param(filter.epcs)}::text[]`);
      if (filter.bizSteps !== undefined) where.push(`e.biz_step = ANY(${param(filter.bizSteps)}::text[])`);
      if (filter.bizLocations !== undefined) where.push(`e.biz_location = ANY(${param(filter.bizLocations)}::text[])`);
      if (filter.eventTimeFrom !== undefined) where.push(`e.event_time >= ${param(filter.eventTimeFrom)}::timestamptz`);
      if (filter.eventTimeBefore !== undefined)
        where.push(`e.event_time < ${param(filter.eventTimeBefore)}::timestamptz`);
      if (filter.visibleTo !== undefined) {
        where.push(
          `EXISTS (SELECT 1 FROM item_parties p WHERE p.enterprise = ${param(filter.visibleTo)} AND p.sgtin = ANY(e.epcs))`,
        );
      }
      if (filter.after !== undefined) {
        where.push(
          `(e.block_number, e.tx_seq, e.event_seq) > (${param(filter.after.blockNumber.toString())}::bigint, ` +
            `${param(filter.after.txSeq)}::int, ${param(filter.after.eventSeq)}::int)`,
        );
      }
      const { rows } = await db.query<{
        block_number: string;
        tx_seq: number;
        event_seq: number;
        event: Record<string, unknown>;
      }>(
        `SELECT e.block_number::text AS block_number, e.tx_seq, e.event_seq, e.event FROM epcis_events e
                 ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY e.block_number, e.tx_seq, e.event_seq LIMIT ${param(filter.limit)}`,
        values,
      );
      return rows.map((row) => ({
        blockNumber: BigInt(row.block_number),
        txSeq: row.tx_seq,
        eventSeq: row.event_seq,
        event: row.event,
      }));
    },
  };
}

// The provenance reads, as prepared statements (each is planned once per connection).
const FIND_ITEM: PreparedStatement = {
  name: 'projection.findItem',
  text: `SELECT sgtin, trace_code, gtin, status, holder, location, regime, held, last_tx_id,
                  last_block::text AS last_block, last_event_time, record
           FROM items WHERE sgtin = $1`,
};
const FIND_SGTIN_BY_TRACE_CODE: PreparedStatement = {
  name: 'projection.findSgtinByTraceCode',
  text: `SELECT sgtin FROM items WHERE trace_code = $1`,
};
const IS_PARTY: PreparedStatement = {
  name: 'projection.isParty',
  text: `SELECT 1 AS party FROM item_parties WHERE sgtin = $1 AND enterprise = $2`,
};
const HISTORY: PreparedStatement = {
  name: 'projection.history',
  // item_events.epcis holds the positions of the transaction's EPCIS events that name the item (rows projected
  // before that change hold the events themselves); the events are read from epcis_events, stored once per tx.
  text: `SELECT e.tx_id, e.block_number::text AS block_number, e.tx_seq, e.type, e.event_time, e.record_time,
                  CASE WHEN jsonb_typeof(e.epcis -> 0) = 'number'
                       THEN (SELECT coalesce(jsonb_agg(x.event ORDER BY x.event_seq), '[]'::jsonb) FROM epcis_events x
                             WHERE x.tx_id = e.tx_id AND x.event_seq IN (SELECT jsonb_array_elements_text(e.epcis)::int))
                       ELSE e.epcis END AS epcis,
                  e.item, t.payload_sha256, t.actor
           FROM item_events e JOIN ledger_transactions t ON t.tx_id = e.tx_id
           WHERE e.sgtin = $1 ORDER BY e.block_number, e.tx_seq LIMIT $2`,
};
const ITEM_WITH_HISTORY: PreparedStatement = {
  name: 'projection.findItemWithHistory',
  // The history as one JSON array (timestamps in ISO 8601 with offset): one row, whatever the history's length.
  text: `SELECT i.sgtin, i.trace_code, i.gtin, i.status, i.holder, i.location, i.regime, i.held, i.last_tx_id,
                  i.last_block::text AS last_block, i.last_event_time, i.record,
                  (SELECT coalesce(json_agg(json_build_array(h.tx_id, h.block_number::text, h.tx_seq, h.type, h.event_time,
                                                            h.record_time, h.epcis, h.item, h.payload_sha256, h.actor)
                                            ORDER BY h.block_number, h.tx_seq), '[]')::text
                   FROM (SELECT e.tx_id, e.block_number, e.tx_seq, e.type, e.event_time, e.record_time,
                                CASE WHEN jsonb_typeof(e.epcis -> 0) = 'number'
                       THEN (SELECT coalesce(jsonb_agg(x.event ORDER BY x.event_seq), '[]'::jsonb) FROM epcis_events x
                             WHERE x.tx_id = e.tx_id AND x.event_seq IN (SELECT jsonb_array_elements_text(e.epcis)::int))
                       ELSE e.epcis END AS epcis, e.item,
                                t.payload_sha256, t.actor
                         FROM item_events e JOIN ledger_transactions t ON t.tx_id = e.tx_id
                         WHERE e.sgtin = i.sgtin ORDER BY e.block_number, e.tx_seq LIMIT $2) h) AS history
           FROM items i WHERE i.sgtin = $1`,
};

interface ItemDbRow {
  sgtin: string;
  trace_code: string | null;
  gtin: string;
  status: string;
  holder: string;
  location: string;
  regime: string;
  held: boolean;
  last_tx_id: string;
  last_block: string;
  last_event_time: Date;
  record: Record<string, unknown>;
}

interface ItemEventDbRow {
  tx_id: string;
  block_number: string;
  tx_seq: number;
  type: string;
  event_time: Date;
  record_time: Date;
  epcis: unknown[];
  item: Record<string, unknown>;
  payload_sha256: string;
  actor: unknown;
}

function toItemRow(row: ItemDbRow): ItemRow {
  return {
    sgtin: row.sgtin,
    traceCode: row.trace_code,
    gtin: row.gtin,
    status: row.status,
    holder: row.holder,
    location: row.location,
    regime: row.regime,
    held: row.held,
    lastTxId: row.last_tx_id,
    lastBlock: BigInt(row.last_block),
    lastEventTime: row.last_event_time,
    record: row.record,
  };
}
