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
import { CONTAINER_DEPTH_MAX } from '@hainan/ledger-model';
import { columnsOf, compileInsert, insertRows, lastPerKey, MAX_ROWS_PER_STATEMENT } from './unnest-insert';
import {
  type ItemRow,
  PROJECTION_TABLES,
  type ProjectedContainer,
  type ProjectedContainerEvent,
  type ProjectedEpcisEvent,
  type ProjectedItem,
  type ProjectedItemEvent,
  type ProjectedMembership,
  type ProjectedMembershipEnd,
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
  // A group's record travels once per statement, not once per item (unnest-insert.ts SharedJson).
  record: { type: 'jsonb', shared: { base: (i: ProjectedItem) => i.recordBase, member: 'sgtin', keyColumn: 'sgtin' } },
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
    // Most rows share one positions array ([0]: projection/ledger-event.ts): sent once, not once per item.
    epcis: { type: 'jsonb', shared: { base: (e: ProjectedItemEvent) => e.epcis } },
    item: {
      type: 'jsonb',
      shared: { base: (e: ProjectedItemEvent) => e.itemBase, member: 'sgtin', keyColumn: 'sgtin' },
    },
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

const CONTAINER_COLUMNS = columnsOf<ProjectedContainer>()({
  container_id: 'text',
  holder: 'text',
  location: 'text',
  status: 'text',
  parent: 'text',
  last_tx_id: 'text',
  last_block: 'bigint',
  last_tx_seq: 'int',
  record: 'jsonb',
});
const UPSERT_CONTAINERS = compileInsert<ProjectedContainer>({
  name: 'projection.upsertContainers',
  table: 'container_state',
  columns: CONTAINER_COLUMNS,
  // Like an item row, a container row only moves forward in chain order.
  onConflict:
    `ON CONFLICT (container_id) DO UPDATE SET ${CONTAINER_COLUMNS.filter((c) => c.name !== 'container_id')
      .map((c) => `${c.name} = EXCLUDED.${c.name}`)
      .join(', ')} ` +
    `WHERE (container_state.last_block, container_state.last_tx_seq) <= (EXCLUDED.last_block, EXCLUDED.last_tx_seq)`,
});

const INSERT_MEMBERSHIPS = compileInsert<ProjectedMembership>({
  name: 'projection.insertMemberships',
  table: 'container_members',
  columns: columnsOf<ProjectedMembership>()({
    member: 'text',
    container_id: 'text',
    from_tx_id: 'text',
    from_block: 'bigint',
    from_tx_seq: 'int',
    from_time: 'timestamptz',
    to_tx_id: 'text',
    to_block: 'bigint',
    to_tx_seq: 'int',
    to_time: 'timestamptz',
  }),
  // A replayed pack keeps the row as it is (closed already if its unpack was projected too).
  onConflict: 'ON CONFLICT (member, from_block, from_tx_seq) DO NOTHING',
});

/** Closes open memberships packed before the unpack (so a replayed unpack, or a later re-pack, is left alone). */
const CLOSE_MEMBERSHIPS: PreparedStatement = {
  name: 'projection.closeMemberships',
  text: `UPDATE container_members m SET to_tx_id = u.to_tx_id, to_block = u.to_block, to_tx_seq = u.to_tx_seq,
                  to_time = u.to_time
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[], $6::timestamptz[])
                AS u(member, container_id, to_tx_id, to_block, to_tx_seq, to_time)
           WHERE m.member = u.member AND m.container_id = u.container_id AND m.to_tx_id IS NULL
             AND (m.from_block, m.from_tx_seq) < (u.to_block, u.to_tx_seq)`,
};

const INSERT_CONTAINER_EVENTS = compileInsert<ProjectedContainerEvent>({
  name: 'projection.insertContainerEvents',
  table: 'container_events',
  columns: columnsOf<ProjectedContainerEvent>()({
    container_id: 'text',
    ...CHAIN_POSITION,
    type: 'text',
    event_time: 'timestamptz',
    record: 'jsonb',
  }),
  onConflict: 'ON CONFLICT (container_id, block_number, tx_seq) DO NOTHING',
});

async function closeMemberships(db: Queryable, ends: readonly ProjectedMembershipEnd[], maxRows: number) {
  for (let start = 0; start < ends.length; start += maxRows) {
    const chunk = ends.slice(start, start + maxRows);
    await queryPrepared(db, CLOSE_MEMBERSHIPS, [
      chunk.map((e) => e.member),
      chunk.map((e) => e.containerId),
      chunk.map((e) => e.toTxId),
      chunk.map((e) => e.toBlock.toString()),
      chunk.map((e) => e.toTxSeq),
      chunk.map((e) => e.toTime),
    ]);
  }
}

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
      // Containers: statements only when the batch has container rows (most batches have none).
      if (batch.containers !== undefined && batch.containers.length > 0)
        await insertRows(
          db,
          UPSERT_CONTAINERS,
          lastPerKey(
            batch.containers,
            (c) => c.containerId,
            (a, b) => a.lastBlock < b.lastBlock || (a.lastBlock === b.lastBlock && a.lastTxSeq < b.lastTxSeq),
          ),
          maxRows,
        );
      if (batch.membershipEnds !== undefined) await closeMemberships(db, batch.membershipEnds, maxRows);
      if (batch.memberships !== undefined) await insertRows(db, INSERT_MEMBERSHIPS, batch.memberships, maxRows);
      if (batch.containerEvents !== undefined)
        await insertRows(db, INSERT_CONTAINER_EVENTS, batch.containerEvents, maxRows);
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

    async containerContents(containerId, page) {
      const { rows } = await queryPrepared<{ sgtin: string; container: string }>(db, CONTAINER_CONTENTS, [
        containerId,
        page.after ?? '',
        page.limit,
        page.visibleTo ?? null,
      ]);
      return rows.map((r) => ({ sgtin: r.sgtin, container: r.container }));
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

// The container overlay (issue 15 Must 3, issue 16 Must 1). A container move writes the container's rows only, so
// an item's reads resolve its containers: its open membership, up the parents to the top container (at most
// CONTAINER_DEPTH_MAX steps), whose holder, location and status are the item's (the chain's effectiveItem rule).

/** A chain position as one orderable number (a block holds far fewer than a million transactions). */
const pos = (block: string, seq: string): string => `(${block} * 1000000 + ${seq})`;
/** Past every position: the end of a membership still open. */
const OPEN_END = '9223372036854775807';

/**
 * `LEFT JOIN LATERAL` of the item `i`'s containers: `top` (holder, location, status, transit of the top container)
 * and the latest transaction among them (`last_tx_id`, `last_block`, `last_event_time`), none when it is loose.
 */
const CONTAINER_OVERLAY = `LEFT JOIN LATERAL (
    WITH RECURSIVE chain(id, depth) AS (
      SELECT m.container_id, 1 FROM container_members m WHERE m.member = i.sgtin AND m.to_tx_id IS NULL
      UNION ALL
      SELECT c.parent, chain.depth + 1 FROM chain JOIN container_state c ON c.container_id = chain.id
      WHERE c.parent IS NOT NULL AND chain.depth < ${CONTAINER_DEPTH_MAX})
    SELECT (SELECT s.holder FROM chain JOIN container_state s ON s.container_id = chain.id
             ORDER BY chain.depth DESC LIMIT 1) AS holder,
           (SELECT s.location FROM chain JOIN container_state s ON s.container_id = chain.id
             ORDER BY chain.depth DESC LIMIT 1) AS location,
           (SELECT s.status FROM chain JOIN container_state s ON s.container_id = chain.id
             ORDER BY chain.depth DESC LIMIT 1) AS status,
           (SELECT s.record -> 'transit' FROM chain JOIN container_state s ON s.container_id = chain.id
             ORDER BY chain.depth DESC LIMIT 1) AS transit,
           l.last_tx_id, l.last_block, l.last_event_time
    FROM (SELECT s.last_tx_id, s.last_block, (s.record ->> 'lastEventTime')::timestamptz AS last_event_time
          FROM chain JOIN container_state s ON s.container_id = chain.id
          ORDER BY s.last_block DESC, s.last_tx_seq DESC LIMIT 1) l
  ) top ON true`;

/** The item columns of `i` with the overlay of {@link CONTAINER_OVERLAY} applied. */
const EFFECTIVE_ITEM_COLUMNS = `i.sgtin, i.trace_code, i.gtin,
    coalesce(top.status, i.status) AS status, coalesce(top.holder, i.holder) AS holder,
    coalesce(top.location, i.location) AS location, i.regime, i.held,
    CASE WHEN top.last_block > i.last_block THEN top.last_tx_id ELSE i.last_tx_id END AS last_tx_id,
    (CASE WHEN top.last_block > i.last_block THEN top.last_block ELSE i.last_block END)::text AS last_block,
    CASE WHEN top.last_block > i.last_block THEN top.last_event_time ELSE i.last_event_time END AS last_event_time,
    CASE WHEN top.holder IS NULL THEN i.record
         ELSE (i.record - 'transit') || jsonb_build_object('holder', top.holder, 'location', top.location,
                                                          'status', top.status)
              || CASE WHEN top.transit IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('transit', top.transit) END
    END AS record`;

/**
 * `iv`: the containers item \$1 was in and when (chain positions f < t), through cases on pallets (at most
 * CONTAINER_DEPTH_MAX levels), with the transaction that packed the item (`packed_tx`).
 */
const membershipIntervals = (member: string): string => `WITH RECURSIVE iv(container_id, f, t, packed_tx, depth) AS (
      SELECT m.container_id, ${pos('m.from_block', 'm.from_tx_seq')},
             coalesce(${pos('m.to_block', 'm.to_tx_seq')}, ${OPEN_END}), m.from_tx_id, 1
      FROM container_members m WHERE m.member = ${member}
      UNION ALL
      SELECT p.container_id, greatest(iv.f, ${pos('p.from_block', 'p.from_tx_seq')}),
             least(iv.t, coalesce(${pos('p.to_block', 'p.to_tx_seq')}, ${OPEN_END})), iv.packed_tx, iv.depth + 1
      FROM iv JOIN container_members p ON p.member = iv.container_id
      WHERE ${pos('p.from_block', 'p.from_tx_seq')} < iv.t
        AND coalesce(${pos('p.to_block', 'p.to_tx_seq')}, ${OPEN_END}) > iv.f AND iv.depth < ${CONTAINER_DEPTH_MAX})`;
const MEMBERSHIP_INTERVALS = membershipIntervals('$1');

/**
 * Whether `enterprise` may read item `sgtin` (SQL expressions): it held the item or was sent it, or it was a party of
 * a move of a container while the item was in it (the receiver of a pallet reads the items inside: the move wrote no
 * item_parties row).
 */
const partyOf = (sgtin: string, enterprise: string): string =>
  `(EXISTS (SELECT 1 FROM item_parties WHERE sgtin = ${sgtin} AND enterprise = ${enterprise})
    OR EXISTS (${membershipIntervals(sgtin)}
               SELECT 1 FROM iv JOIN container_events ce ON ce.container_id = iv.container_id
                 AND ${pos('ce.block_number', 'ce.tx_seq')} > iv.f AND ${pos('ce.block_number', 'ce.tx_seq')} < iv.t
               WHERE ce.record ->> 'holder' = ${enterprise} OR ce.record -> 'transit' ->> 'to' = ${enterprise}))`;

/**
 * The moves of the containers an item (\$1) was in while it was inside (through cases on pallets, at most
 * CONTAINER_DEPTH_MAX levels), as history entries: the item as packed, overlaid by the container as the move left it.
 */
const CONTAINER_HISTORY = `${MEMBERSHIP_INTERVALS}
    SELECT ce.tx_id, ce.block_number, ce.tx_seq, ce.type, ce.event_time, t.record_time,
           (SELECT coalesce(jsonb_agg(x.event ORDER BY x.event_seq), '[]'::jsonb) FROM epcis_events x
             WHERE x.tx_id = ce.tx_id) AS epcis,
           (coalesce((SELECT e.item FROM item_events e WHERE e.sgtin = $1 AND e.tx_id = iv.packed_tx), '{}'::jsonb)
              - 'transit')
             || jsonb_build_object('holder', ce.record -> 'holder', 'location', ce.record -> 'location',
                                   'status', ce.record -> 'status', 'movedWith', ce.container_id)
             || CASE WHEN ce.record ? 'transit' THEN jsonb_build_object('transit', ce.record -> 'transit')
                     ELSE '{}'::jsonb END AS item,
           t.payload_sha256, t.actor
    FROM iv JOIN container_events ce ON ce.container_id = iv.container_id
         AND ${pos('ce.block_number', 'ce.tx_seq')} > iv.f AND ${pos('ce.block_number', 'ce.tx_seq')} < iv.t
    JOIN ledger_transactions t ON t.tx_id = ce.tx_id`;

/** The item's own history entries (item_events of \$1) in the same columns as {@link CONTAINER_HISTORY}. */
const OWN_HISTORY = `SELECT e.tx_id, e.block_number, e.tx_seq, e.type, e.event_time, e.record_time,
                  CASE WHEN jsonb_typeof(e.epcis -> 0) = 'number'
                       THEN (SELECT coalesce(jsonb_agg(x.event ORDER BY x.event_seq), '[]'::jsonb) FROM epcis_events x
                             WHERE x.tx_id = e.tx_id AND x.event_seq IN (SELECT jsonb_array_elements_text(e.epcis)::int))
                       ELSE e.epcis END AS epcis,
                  e.item, t.payload_sha256, t.actor
           FROM item_events e JOIN ledger_transactions t ON t.tx_id = e.tx_id
           WHERE e.sgtin = $1`;

/** The whole history of \$1 (own transactions and its containers' moves) in chain order, at most \$2 entries. */
const FULL_HISTORY = `SELECT * FROM ((${OWN_HISTORY}) UNION ALL (${CONTAINER_HISTORY})) h
           ORDER BY h.block_number, h.tx_seq LIMIT $2`;

// The provenance reads, as prepared statements (each is planned once per connection).
const FIND_ITEM: PreparedStatement = {
  name: 'projection.findItem',
  text: `SELECT ${EFFECTIVE_ITEM_COLUMNS} FROM items i ${CONTAINER_OVERLAY} WHERE i.sgtin = $1`,
};
const FIND_SGTIN_BY_TRACE_CODE: PreparedStatement = {
  name: 'projection.findSgtinByTraceCode',
  text: `SELECT sgtin FROM items WHERE trace_code = $1`,
};
const IS_PARTY: PreparedStatement = {
  name: 'projection.isParty',
  text: `SELECT 1 AS party WHERE ${partyOf('$1', '$2')}`,
};
const CONTAINER_CONTENTS: PreparedStatement = {
  name: 'projection.containerContents',
  // The containers inside $1 (cases on a pallet, at most CONTAINER_DEPTH_MAX levels), then the items packed in any
  // of them now, in SGTIN order after $2; $4 (an enterprise, or NULL for customs) sees only the items it may read.
  // (`cm`, not `m`: partyOf's membership walk names its own rows `m`.)
  text: `WITH RECURSIVE inside(container_id, depth) AS (
           SELECT $1::text, 0
           UNION ALL
           SELECT m.member, inside.depth + 1 FROM inside
             JOIN container_members m ON m.container_id = inside.container_id AND m.to_tx_id IS NULL
             JOIN container_state s ON s.container_id = m.member
           WHERE inside.depth < ${CONTAINER_DEPTH_MAX})
         SELECT cm.member AS sgtin, cm.container_id AS container FROM inside
           JOIN container_members cm ON cm.container_id = inside.container_id AND cm.to_tx_id IS NULL
         WHERE cm.member > $2 AND NOT EXISTS (SELECT 1 FROM container_state s WHERE s.container_id = cm.member)
           AND ($4::text IS NULL OR ${partyOf('cm.member', '$4')})
         ORDER BY cm.member LIMIT $3`,
};
const HISTORY: PreparedStatement = {
  name: 'projection.history',
  // item_events.epcis holds the positions of the transaction's EPCIS events that name the item (rows projected
  // before that change hold the events themselves); the events are read from epcis_events, stored once per tx.
  text: `SELECT h.tx_id, h.block_number::text AS block_number, h.tx_seq, h.type, h.event_time, h.record_time, h.epcis,
                  h.item, h.payload_sha256, h.actor FROM (${FULL_HISTORY}) h ORDER BY h.block_number, h.tx_seq`,
};
const ITEM_WITH_HISTORY: PreparedStatement = {
  name: 'projection.findItemWithHistory',
  // The history as one JSON array (timestamps in ISO 8601 with offset): one row, whatever the history's length.
  text: `SELECT ${EFFECTIVE_ITEM_COLUMNS},
                  (SELECT coalesce(json_agg(json_build_array(h.tx_id, h.block_number::text, h.tx_seq, h.type, h.event_time,
                                                            h.record_time, h.epcis, h.item, h.payload_sha256, h.actor)
                                            ORDER BY h.block_number, h.tx_seq), '[]')::text
                   FROM (${FULL_HISTORY}) h) AS history
           FROM items i ${CONTAINER_OVERLAY} WHERE i.sgtin = $1`,
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
