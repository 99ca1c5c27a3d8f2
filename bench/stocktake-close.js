#!/usr/bin/env node
/*
 * Time to close a stocktake of 100,000 counted tags against a book of ~100,000 items at the location: from the
 * last upload's acknowledgement to the report (reconcile + Merkle root + ledger call + stored report). Real
 * PostgreSQL (DATABASE_URL, a scratch database created and dropped here); the ledger is a FAKE port that records
 * the one goods:AttestStocktake call (on a real chain that is one transaction; see the dev peer benches for its
 * latency). Prints plain lines and one JSON line.
 *   npx tsc -b gateway && DATABASE_URL=postgres://... node bench/stocktake-close.js [--tags 100000]
 */
'use strict';
const { randomBytes } = require('node:crypto');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const fastify = require('fastify');
const app = require('../gateway/dist/app.js');
const pg = require('../gateway/dist/adapters/pg/index.js');
const { newPgQueue } = require('../gateway/dist/adapters/queue/pg-queue.js');
const { apiKeyDigest, generateApiKey } = require('../gateway/dist/domain/api-key.js');

const { values } = parseArgs({ options: { tags: { type: 'string', default: '100000' } } });
const TAGS = Number(values.tags);
const READS_PER_BATCH = 5_000;
const ENTERPRISE = '91460000MA5TKJ000H';
const LOCATION = '6901234000016';
/** Book: 98% of the counted tags are booked here, plus 2% booked but not counted (missing). */
const sgtin = (i) => `urn:epc:id:sgtin:6901234.000101.${i}`;

async function admin(url, sql) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

(async () => {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('set DATABASE_URL (source tmp/services/env)');
  const name = `bench_stocktake_${randomBytes(4).toString('hex')}`;
  await admin(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = pg.createPool({ connectionString: url.toString() });
  const jobQueue = newPgQueue({ pool: db });
  let instance;
  try {
    await pg.migrate(url.toString());
    const booked = Math.round(TAGS * 0.98);
    const missing = Math.round(TAGS * 0.02);
    await db.query(
      `INSERT INTO items (sgtin, gtin, status, holder, location, regime, held, last_tx_id, last_block, last_tx_seq, last_event_time, record)
       SELECT 'urn:epc:id:sgtin:6901234.000101.' || i, '06901234001018', 'IN_STOCK', $1, $2, 'ZERO_TARIFF', false, 'bench', 0, 0, now(), '{}'
       FROM generate_series(0, $3::int - 1) AS i`,
      [ENTERPRISE, LOCATION, booked],
    );
    await db.query(
      `INSERT INTO items (sgtin, gtin, status, holder, location, regime, held, last_tx_id, last_block, last_tx_seq, last_event_time, record)
       SELECT 'urn:epc:id:sgtin:6901234.000101.' || i, '06901234001018', 'IN_STOCK', $1, $2, 'ZERO_TARIFF', false, 'bench', 0, 0, now(), '{}'
       FROM generate_series($3::int, $3::int + $4::int - 1) AS i`,
      [ENTERPRISE, LOCATION, TAGS, missing],
    );
    await db.query('ANALYZE items');
    await db.query(
      `INSERT INTO enterprises (id, name, roles, msp_id) VALUES ($1, 'bench', '{enterprise}', 'EnterpriseMSP')`,
      [ENTERPRISE],
    );
    const key = generateApiKey();
    await pg.newApiKeysRepository(db).insert({
      id: require('node:crypto').randomUUID(),
      digest: apiKeyDigest(key),
      role: 'enterprise',
      enterpriseId: ENTERPRISE,
      label: 'bench',
    });
    const calls = [];
    const ledgers = {
      forCaller: (caller, contract) => ({
        evaluate: async () => undefined,
        submit: async (fn, args) => {
          calls.push({ caller, contract, fn, args });
          return { txId: `fake-${calls.length}` };
        },
      }),
      ping: async () => {},
      close() {},
    };
    instance = fastify({ ...app.FASTIFY_OPTIONS, logger: false });
    await instance.register(app.default, {
      db,
      jobQueue,
      ledgers,
      ports: { registerEnterpriseOnLedger: async () => {} },
      personCodeSecret: 'bench-person-code-secret-0123456789',
      readinessChecks: [],
      readinessTimeoutMs: 1000,
      customsMspId: 'CustomsMSP',
      rateLimitMax: 1_000_000,
      rateLimitWindowMs: 60_000,
    });
    await instance.ready();
    const headers = { authorization: `Bearer ${key}` };
    const opened = await instance.inject({
      method: 'POST',
      url: '/v1/stocktakes',
      headers,
      payload: { location: LOCATION },
    });
    if (opened.statusCode !== 201) throw new Error(opened.body);
    const { id } = opened.json();
    const t0 = process.hrtime.bigint();
    for (let b = 0; b * READS_PER_BATCH < TAGS; b++) {
      const reads = Array.from({ length: Math.min(READS_PER_BATCH, TAGS - b * READS_PER_BATCH) }, (_, i) =>
        sgtin(b * READS_PER_BATCH + i),
      );
      const res = await instance.inject({
        method: 'POST',
        url: `/v1/stocktakes/${id}/reads`,
        headers,
        payload: { batchId: `b${b}`, deviceId: 'h1', reads },
      });
      if (res.statusCode !== 200) throw new Error(res.body);
    }
    const uploadS = Number(process.hrtime.bigint() - t0) / 1e9;
    const t1 = process.hrtime.bigint();
    const closed = await instance.inject({ method: 'POST', url: `/v1/stocktakes/${id}/close`, headers });
    const closeS = Number(process.hrtime.bigint() - t1) / 1e9;
    if (closed.statusCode !== 200) throw new Error(closed.body);
    const report = closed.json();
    console.log(`uploaded ${TAGS} tags in ${Math.ceil(TAGS / READS_PER_BATCH)} batches: ${uploadS.toFixed(2)} s`);
    console.log(
      `close (reconcile ${report.treeSize} counted vs ${booked + missing} booked, Merkle root, FAKE ledger port, store report): ${closeS.toFixed(3)} s`,
    );
    console.log(
      `counts ${JSON.stringify(report.counts)}; ledger calls recorded: ${calls.length} x ${calls.map((c) => `${c.contract}:${c.fn}`).join(',')} (fake port; real chain = one transaction)`,
    );
    console.log(
      JSON.stringify({
        bench: 'stocktake-close',
        tags: TAGS,
        closeSeconds: Number(closeS.toFixed(3)),
        uploadSeconds: Number(uploadS.toFixed(2)),
        ledger: 'fake-recording-port',
        counts: report.counts,
      }),
    );
  } finally {
    if (instance) await instance.close();
    await jobQueue.close();
    await db.end();
    await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
