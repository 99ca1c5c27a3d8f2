#!/usr/bin/env node
/*
 * Projection write throughput: items per second of projecting synthetic LedgerEvents into PostgreSQL (issue 16,
 * Must 3), as the follower writes them: batches cut at the follower's limits (DEFAULT_BATCH_MAX_EVENTS events,
 * DEFAULT_BATCH_MAX_ITEMS items), each batch in ONE transaction with the compare-and-set checkpoint save.
 *
 * - A scratch database on DATABASE_URL (created here, dropped at the end), migrated with the gateway's migrations.
 * - --transactions (default 200) ENTRY transactions of --items (default 1,000) new items each, then the same number of
 *   SHIPMENT transactions moving the same items (the item upsert's update path), 10 transactions per block;
 *   payloads in version 2 (itemGroups: one shared record per transaction), as the chaincode emits them.
 * - Per phase: `projectEvents` (decode + rows, in this process) and the database write are timed apart; statements
 *   per batch are counted (BEGIN/COMMIT excluded, the checkpoint save included).
 * - Then the same batches written row at a time (one `INSERT ... VALUES` per row, same conflict clauses) on the first
 *   --row-transactions (default 20) transactions of each phase, into a fresh database: the baseline a multi-row write
 *   replaces.
 *
 *   npx tsc -b gateway && source tmp/services/env && node bench/projection-batch.js [--transactions 200] [--items 1000]
 *   [--rows-per-statement 5000] [--row-transactions 20]
 * Last line: one JSON object (itemsPerSecond, rowAtATimeItemsPerSecond, statementsPerBatch, ...).
 */
'use strict';
const { randomBytes } = require('node:crypto');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const {
  createPool,
  migrate,
  newCheckpointRepository,
  newProjectionRepository,
  withTransaction,
} = require('../gateway/dist/adapters/pg');
const { DEFAULT_BATCH_MAX_EVENTS, DEFAULT_BATCH_MAX_ITEMS } = require('../gateway/dist/projection/follower.js');
const { decodeLedgerEvent, projectEvents, itemCountOf } = require('../gateway/dist/projection/ledger-event.js');
const { MAX_ROWS_PER_STATEMENT } = require('../gateway/dist/adapters/pg/unnest-insert.js');

const TX_PER_BLOCK = 10;
const GTIN = '06901234567892';

const { values: args } = parseArgs({
  options: {
    transactions: { type: 'string', default: '200' },
    items: { type: 'string', default: '1000' },
    'rows-per-statement': { type: 'string', default: String(MAX_ROWS_PER_STATEMENT) },
    'row-transactions': { type: 'string', default: '20' },
  },
});
const TRANSACTIONS = Number(args.transactions);
const ITEMS = Number(args.items);
const ROWS_PER_STATEMENT = Number(args['rows-per-statement']);
const ROW_TRANSACTIONS = Math.min(TRANSACTIONS, Number(args['row-transactions']));

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/** The positioned events of one phase: `type` transactions over the same items, continuing the block numbers. */
function phase(type, firstBlock, holder, status) {
  const events = [];
  for (let t = 0; t < TRANSACTIONS; t++) {
    const txId = `${type.toLowerCase()}-${t}`;
    const eventTime = new Date(Date.UTC(2026, 11, 1) + (firstBlock * TX_PER_BLOCK + t) * 1000).toISOString();
    const sgtins = [];
    for (let i = 0; i < ITEMS; i++) sgtins.push(`urn:epc:id:sgtin:6901234.056789.${t * ITEMS + i}`);
    // Version 2, as the chaincode emits it: the items of the transaction share one record.
    const record = {
      product: { gtin: GTIN },
      regime: 'BONDED',
      status,
      holder,
      location: 'WH-1',
      ...(status === 'IN_TRANSIT' ? { transit: { to: 'E2' } } : {}),
      lastEventTime: eventTime,
      lastTxId: txId,
    };
    const payload = {
      v: 2,
      txId,
      type,
      eventTime,
      recordTime: eventTime,
      actor: { mspId: 'Org1MSP', enterpriseId: 'E1' },
      itemGroups: [{ record, sgtins }],
      movements: [
        {
          enterprise: 'E1',
          gtin: GTIN,
          regime: 'BONDED',
          location: 'WH-1',
          qty: type === 'ENTRY' ? ITEMS : -ITEMS,
          txId,
          eventType: type,
          eventTime,
          period: '2026-12',
        },
      ],
      epcis: [{ eventID: `ni:///sha-256;${txId}?ver=CBV2.0`, eventTime, bizStep: type.toLowerCase(), epcList: sgtins }],
    };
    events.push({
      blockNumber: BigInt(firstBlock + Math.floor(t / TX_PER_BLOCK)),
      txSeq: t % TX_PER_BLOCK,
      transactionId: txId,
      payload: new TextEncoder().encode(JSON.stringify(payload)),
    });
  }
  return events;
}

/** Cut events into batches at the follower's limits. */
function batches(events) {
  const out = [];
  let batch = [];
  let items = 0;
  for (const position of events) {
    const payload = decodeLedgerEvent(position);
    batch.push({ position, payload });
    items += Math.max(1, itemCountOf(payload));
    if (batch.length >= DEFAULT_BATCH_MAX_EVENTS || items >= DEFAULT_BATCH_MAX_ITEMS) {
      out.push(batch);
      batch = [];
      items = 0;
    }
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/** A view of a transaction's client that counts and times statements by table (still a pg Client: prepared statements apply). */
function counting(tx, counter) {
  const view = Object.create(tx);
  view.query = async (...a) => {
    counter.statements++;
    const text = typeof a[0] === 'string' ? a[0] : a[0].text;
    const table = /^\s*(?:INSERT INTO|UPDATE)\s+(\w+)/i.exec(text)?.[1] ?? 'other';
    const t0 = process.hrtime.bigint();
    try {
      return await tx.query(...a);
    } finally {
      counter.byTable[table] = (counter.byTable[table] ?? 0) + Number(process.hrtime.bigint() - t0) / 1e9;
    }
  };
  return view;
}

/** The same rows one INSERT per row, with the repository's conflict clauses. */
async function applyRowAtATime(db, batch) {
  const one = (sql, values) => db.query(sql, values);
  for (const t of batch.transactions) {
    await one(
      `INSERT INTO ledger_transactions (tx_id, block_number, tx_seq, type, event_time, record_time, actor, payload_sha256, payload)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tx_id) DO NOTHING`,
      [
        t.txId,
        t.blockNumber.toString(),
        t.txSeq,
        t.type,
        t.eventTime,
        t.recordTime,
        JSON.stringify(t.actor),
        t.payloadSha256,
        JSON.stringify(t.payload),
      ],
    );
  }
  for (const i of batch.items) {
    await one(
      `INSERT INTO items (sgtin, trace_code, gtin, status, holder, location, regime, held, last_tx_id, last_block, last_tx_seq, last_event_time, record)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
               ON CONFLICT (sgtin) DO UPDATE SET trace_code = EXCLUDED.trace_code, gtin = EXCLUDED.gtin, status = EXCLUDED.status,
                 holder = EXCLUDED.holder, location = EXCLUDED.location, regime = EXCLUDED.regime, held = EXCLUDED.held,
                 last_tx_id = EXCLUDED.last_tx_id, last_block = EXCLUDED.last_block, last_tx_seq = EXCLUDED.last_tx_seq,
                 last_event_time = EXCLUDED.last_event_time, record = EXCLUDED.record
               WHERE (items.last_block, items.last_tx_seq) <= (EXCLUDED.last_block, EXCLUDED.last_tx_seq)`,
      [
        i.sgtin,
        i.traceCode,
        i.gtin,
        i.status,
        i.holder,
        i.location,
        i.regime,
        i.held,
        i.lastTxId,
        i.lastBlock.toString(),
        i.lastTxSeq,
        i.lastEventTime,
        JSON.stringify(i.record),
      ],
    );
  }
  for (const e of batch.itemEvents) {
    await one(
      `INSERT INTO item_events (sgtin, tx_id, block_number, tx_seq, event_time, record_time, type, epcis, item)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (sgtin, tx_id) DO NOTHING`,
      [
        e.sgtin,
        e.txId,
        e.blockNumber.toString(),
        e.txSeq,
        e.eventTime,
        e.recordTime,
        e.type,
        JSON.stringify(e.epcis),
        JSON.stringify(e.item),
      ],
    );
  }
  for (const e of batch.epcisEvents) {
    await one(
      `INSERT INTO epcis_events (event_id, tx_id, block_number, tx_seq, event_seq, event_time, biz_step, biz_location, epcs, event)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (block_number, tx_seq, event_seq) DO NOTHING`,
      [
        e.eventId,
        e.txId,
        e.blockNumber.toString(),
        e.txSeq,
        e.eventSeq,
        e.eventTime,
        e.bizStep,
        e.bizLocation,
        e.epcs,
        JSON.stringify(e.event),
      ],
    );
  }
  for (const m of batch.movements) {
    await one(
      `INSERT INTO account_movements (enterprise, gtin, regime, location, tx_id, qty, event_type, event_time, period)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [m.enterprise, m.gtin, m.regime, m.location, m.txId, m.qty, m.eventType, m.eventTime, m.period],
    );
  }
  for (const p of batch.parties) {
    await one(`INSERT INTO item_parties (sgtin, enterprise) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      p.sgtin,
      p.enterprise,
    ]);
  }
}

/** Write every phase's batches; returns seconds spent projecting and writing, items, batches and statements. */
async function run(pool, phases, write) {
  const r = { projectS: 0, writeS: 0, items: 0, batches: 0, statements: 0, byTable: {} };
  let after;
  for (const events of phases) {
    for (const batch of batches(events)) {
      let t0 = process.hrtime.bigint();
      const rows = projectEvents(batch);
      r.projectS += Number(process.hrtime.bigint() - t0) / 1e9;
      const last = batch[batch.length - 1].position;
      const checkpoint = { name: 'ledger', blockNumber: last.blockNumber, transactionId: last.transactionId };
      t0 = process.hrtime.bigint();
      await withTransaction(pool, async (tx) => {
        const db = counting(tx, r);
        if (!(await newCheckpointRepository(db).saveIfAt(checkpoint, after))) throw new Error('checkpoint moved');
        await write(db, rows);
      });
      r.writeS += Number(process.hrtime.bigint() - t0) / 1e9;
      after = checkpoint;
      r.items += rows.itemEvents.length;
      r.batches++;
    }
  }
  return r;
}

async function scratch(name, label) {
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  const pool = createPool({ connectionString: url.toString(), statementTimeoutMs: 600_000 });
  return {
    pool,
    async drop() {
      await pool.end();
      const a = new Client({ connectionString: process.env.DATABASE_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
      process.stderr.write(`dropped ${label} database ${name}\n`);
    },
  };
}

async function main() {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set (source tmp/services/env)');
  const entries = phase('ENTRY', 1, 'E1', 'IN_STOCK');
  const shipments = phase('SHIPMENT', 1 + Math.ceil(TRANSACTIONS / TX_PER_BLOCK), 'E1', 'IN_TRANSIT');
  const suffix = randomBytes(4).toString('hex');

  const multi = await scratch(`bench_projection_${suffix}`, 'multi-row');
  let m;
  try {
    m = await run(multi.pool, [entries, shipments], (db, rows) =>
      newProjectionRepository(db, { maxRowsPerStatement: ROWS_PER_STATEMENT }).applyBatch(rows),
    );
  } finally {
    await multi.drop();
  }
  const single = await scratch(`bench_projection_rows_${suffix}`, 'row-at-a-time');
  let s;
  try {
    s = await run(
      single.pool,
      [entries.slice(0, ROW_TRANSACTIONS), shipments.slice(0, ROW_TRANSACTIONS)],
      applyRowAtATime,
    );
  } finally {
    await single.drop();
  }

  const line = (label, r) =>
    `${label.padEnd(34)} ${String(r.items).padStart(8)} items in ${String(r.batches).padStart(4)} batches: ` +
    `write ${(r.items / r.writeS).toFixed(0).padStart(7)} items/s (${r.writeS.toFixed(2)} s), ` +
    `write + projectEvents ${(r.items / (r.writeS + r.projectS)).toFixed(0).padStart(7)} items/s, ` +
    `${(r.statements / r.batches).toFixed(1)} statements/batch`;
  console.log(
    `projection write: ${TRANSACTIONS} ENTRY + ${TRANSACTIONS} SHIPMENT transactions x ${ITEMS} items, batches of <= ${DEFAULT_BATCH_MAX_EVENTS} events / ${DEFAULT_BATCH_MAX_ITEMS} items, checkpoint in each batch's transaction`,
  );
  console.log(line(`multi-row (unnest, <= ${ROWS_PER_STATEMENT} rows/stmt)`, m));
  console.log(line('row at a time (baseline)', s));
  const tables = (r) =>
    Object.entries(r.byTable)
      .map(([t, sec]) => `${t} ${sec.toFixed(2)}`)
      .join(', ');
  console.log(`seconds by table: multi-row ${tables(m)}; row at a time ${tables(s)}`);
  console.log(
    JSON.stringify({
      itemsPerSecond: Math.round(m.items / m.writeS),
      itemsPerSecondWithProjectEvents: Math.round(m.items / (m.writeS + m.projectS)),
      statementsPerBatch: m.statements / m.batches,
      itemsPerBatch: m.items / m.batches,
      rowAtATimeItemsPerSecond: Math.round(s.items / s.writeS),
      rowAtATimeStatementsPerBatch: s.statements / s.batches,
    }),
  );
}
