/**
 * The projection of the chain in PostgreSQL: writes one batch of projected rows (one multi-row `INSERT ... SELECT
 * FROM unnest(...)` per table, so a batch costs six statements whatever its size), and the reads the provenance and
 * EPCIS query routes need. Writes are idempotent: every table is keyed by transaction id (or by a key containing
 * it), and an item row only moves forward in chain order, so replaying a batch changes nothing.
 *
 * Call {@link ProjectionRepository.applyBatch} with the same {@link Queryable} (transaction) as the checkpoint save.
 */
import { queryPrepared, type PreparedStatement, type Queryable } from './pool';
import { type ItemRow, PROJECTION_TABLES, type ProjectionRepository } from '../../repositories/projection';

const json = (value: unknown): string => JSON.stringify(value);

/**
 * Create the repository.
 *
 * @param db - Pool (reads) or the projector's transaction (writes).
 * @returns The repository.
 */
export function newProjectionRepository(db: Queryable): ProjectionRepository {
    return {
        async applyBatch(batch) {
            const { transactions, items, itemEvents, epcisEvents, movements, parties } = batch;
            if (transactions.length > 0) {
                await db.query(
                    `INSERT INTO ledger_transactions (tx_id, block_number, tx_seq, type, event_time, record_time, actor, payload_sha256, payload)
                     SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::timestamptz[], $6::timestamptz[],
                                          $7::jsonb[], $8::text[], $9::jsonb[])
                     ON CONFLICT (tx_id) DO NOTHING`,
                    [
                        transactions.map((t) => t.txId),
                        transactions.map((t) => t.blockNumber.toString()),
                        transactions.map((t) => t.txSeq),
                        transactions.map((t) => t.type),
                        transactions.map((t) => t.eventTime),
                        transactions.map((t) => t.recordTime),
                        transactions.map((t) => json(t.actor)),
                        transactions.map((t) => t.payloadSha256),
                        transactions.map((t) => json(t.payload)),
                    ],
                );
            }
            if (items.length > 0) {
                // An item row only moves forward in chain order: a replayed older batch leaves it alone.
                await db.query(
                    `INSERT INTO items (sgtin, trace_code, gtin, status, holder, location, regime, held, last_tx_id, last_block,
                                        last_tx_seq, last_event_time, record)
                     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                          $8::boolean[], $9::text[], $10::bigint[], $11::int[], $12::timestamptz[], $13::jsonb[])
                     ON CONFLICT (sgtin) DO UPDATE SET
                        trace_code = EXCLUDED.trace_code, gtin = EXCLUDED.gtin, status = EXCLUDED.status,
                        holder = EXCLUDED.holder, location = EXCLUDED.location, regime = EXCLUDED.regime,
                        held = EXCLUDED.held, last_tx_id = EXCLUDED.last_tx_id, last_block = EXCLUDED.last_block,
                        last_tx_seq = EXCLUDED.last_tx_seq, last_event_time = EXCLUDED.last_event_time,
                        record = EXCLUDED.record
                     WHERE (items.last_block, items.last_tx_seq) <= (EXCLUDED.last_block, EXCLUDED.last_tx_seq)`,
                    [
                        items.map((i) => i.sgtin),
                        items.map((i) => i.traceCode),
                        items.map((i) => i.gtin),
                        items.map((i) => i.status),
                        items.map((i) => i.holder),
                        items.map((i) => i.location),
                        items.map((i) => i.regime),
                        items.map((i) => i.held),
                        items.map((i) => i.lastTxId),
                        items.map((i) => i.lastBlock.toString()),
                        items.map((i) => i.lastTxSeq),
                        items.map((i) => i.lastEventTime),
                        items.map((i) => json(i.record)),
                    ],
                );
            }
            if (itemEvents.length > 0) {
                await db.query(
                    `INSERT INTO item_events (sgtin, tx_id, block_number, tx_seq, event_time, record_time, type, epcis, item)
                     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::timestamptz[], $6::timestamptz[],
                                          $7::text[], $8::jsonb[], $9::jsonb[])
                     ON CONFLICT (sgtin, tx_id) DO NOTHING`,
                    [
                        itemEvents.map((e) => e.sgtin),
                        itemEvents.map((e) => e.txId),
                        itemEvents.map((e) => e.blockNumber.toString()),
                        itemEvents.map((e) => e.txSeq),
                        itemEvents.map((e) => e.eventTime),
                        itemEvents.map((e) => e.recordTime),
                        itemEvents.map((e) => e.type),
                        itemEvents.map((e) => json(e.epcis)),
                        itemEvents.map((e) => json(e.item)),
                    ],
                );
            }
            if (epcisEvents.length > 0) {
                // text[] columns cannot be unnested from a 2-D array of ragged rows: the EPC lists travel as JSON.
                await db.query(
                    `INSERT INTO epcis_events (event_id, tx_id, block_number, tx_seq, event_seq, event_time, biz_step, biz_location, epcs, event)
                     SELECT u.event_id, u.tx_id, u.block_number, u.tx_seq, u.event_seq, u.event_time, u.biz_step, u.biz_location,
                            ARRAY(SELECT jsonb_array_elements_text(u.epcs)), u.event
                     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::int[], $6::timestamptz[], $7::text[],
                                 $8::text[], $9::jsonb[], $10::jsonb[])
                          AS u(event_id, tx_id, block_number, tx_seq, event_seq, event_time, biz_step, biz_location, epcs, event)
                     ON CONFLICT (block_number, tx_seq, event_seq) DO NOTHING`,
                    [
                        epcisEvents.map((e) => e.eventId),
                        epcisEvents.map((e) => e.txId),
                        epcisEvents.map((e) => e.blockNumber.toString()),
                        epcisEvents.map((e) => e.txSeq),
                        epcisEvents.map((e) => e.eventSeq),
                        epcisEvents.map((e) => e.eventTime),
                        epcisEvents.map((e) => e.bizStep),
                        epcisEvents.map((e) => e.bizLocation),
                        epcisEvents.map((e) => json(e.epcs)),
                        epcisEvents.map((e) => json(e.event)),
                    ],
                );
            }
            if (movements.length > 0) {
                await db.query(
                    `INSERT INTO account_movements (enterprise, gtin, regime, location, tx_id, qty, event_type, event_time, period)
                     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
                                          $8::timestamptz[], $9::text[])
                     ON CONFLICT DO NOTHING`,
                    [
                        movements.map((m) => m.enterprise),
                        movements.map((m) => m.gtin),
                        movements.map((m) => m.regime),
                        movements.map((m) => m.location),
                        movements.map((m) => m.txId),
                        movements.map((m) => m.qty),
                        movements.map((m) => m.eventType),
                        movements.map((m) => m.eventTime),
                        movements.map((m) => m.period),
                    ],
                );
            }
            if (parties.length > 0) {
                await db.query(
                    `INSERT INTO item_parties (sgtin, enterprise) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
                    [parties.map((p) => p.sgtin), parties.map((p) => p.enterprise)],
                );
            }
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
            const entries = JSON.parse(row.history) as [string, string, number, string, string, string, unknown[], Record<string, unknown>, string, unknown][];
            return {
                item: toItemRow(row),
                history: entries.map(([txId, blockNumber, txSeq, type, eventTime, recordTime, epcis, item, payloadSha256, actor]) => ({
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
                })),
            };
        },

        async transactions(txIds) {
            const { rows } = await db.query<{ tx_id: string; block_number: string; tx_seq: number; payload_sha256: string; payload: unknown }>(
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
            if (filter.eventTimeBefore !== undefined) where.push(`e.event_time < ${param(filter.eventTimeBefore)}::timestamptz`);
            if (filter.visibleTo !== undefined) {
                where.push(`EXISTS (SELECT 1 FROM item_parties p WHERE p.enterprise = ${param(filter.visibleTo)} AND p.sgtin = ANY(e.epcs))`);
            }
            if (filter.after !== undefined) {
                where.push(
                    `(e.block_number, e.tx_seq, e.event_seq) > (${param(filter.after.blockNumber.toString())}::bigint, ` +
                        `${param(filter.after.txSeq)}::int, ${param(filter.after.eventSeq)}::int)`,
                );
            }
            const { rows } = await db.query<{ block_number: string; tx_seq: number; event_seq: number; event: Record<string, unknown> }>(
                `SELECT e.block_number::text AS block_number, e.tx_seq, e.event_seq, e.event FROM epcis_events e
                 ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY e.block_number, e.tx_seq, e.event_seq LIMIT ${param(filter.limit)}`,
                values,
            );
            return rows.map((row) => ({ blockNumber: BigInt(row.block_number), txSeq: row.tx_seq, eventSeq: row.event_seq, event: row.event }));
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
