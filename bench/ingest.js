#!/usr/bin/env node
/*
 * Ingest: items per second from HTTP accept (POST /v1/capture, 202) until every item is visible in the projection,
 * through the whole pipeline: EPCIS validation and hashing, the capture outbox in PostgreSQL, the queue, chunking into
 * transactions of --items-per-event items, submission through the official Fabric client to a dev peer process
 * (chaincode under fabric-shim), chaincode events, the projection follower. Then the same pipeline with the chain
 * write replaced by a no-op (the ledger port answers at once; the end is "every capture done", there being no chain
 * events to project). Prints both, their ratio, and the transactions: every chunk is one transaction and, with
 * disjoint items per chunk, none is invalidated by MVCC (checked: transactions projected = chunks committed).
 *   npx tsc -b && source tmp/services/env && node bench/ingest.js [--documents 20] [--events 4] [--items-per-event 250]
 * Uses BullMQ on REDIS_URL when set (own key prefix), else the PostgreSQL queue.
 */
'use strict';
const { randomBytes, randomUUID } = require('node:crypto');
const os = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const fastify = require('fastify');
const app = require('../gateway/dist/app.js');
const pg = require('../gateway/dist/adapters/pg/index.js');
const { newPgQueue } = require('../gateway/dist/adapters/queue/pg-queue.js');
const { newBullmqQueue } = require('../gateway/dist/adapters/queue/bullmq.js');
const { apiKeyDigest, generateApiKey } = require('../gateway/dist/domain/api-key.js');
const { CAPTURE_QUEUE, newCaptureJobHandler } = require('../gateway/dist/capture/processor.js');
const { readConnectionProfile } = require('../gateway/dist/ledger/ledger-settings.js');
const { newLedgerClients } = require('../gateway/dist/ledger/ledger-clients.js');
const { newProjectionFollower } = require('../gateway/dist/projection/follower.js');
const { openProjectionLedgerClient } = require('../gateway/dist/projection/ledger-source.js');
const { startDevnetProcess } = require('../testkit/dist/devnet.js');
const { cpuMsOf, pgrep } = require('./proc-cpu.js');
const { entryEvent, epcisDocument } = require('../testkit/dist/epcis.js');
const { ENTERPRISES, product, registerDevnetEnterprises, TraceClient } = require('../testkit/dist/trace.js');

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '20' },
    events: { type: 'string', default: '4' },
    'items-per-event': { type: 'string', default: '250' },
    'posts-in-flight': { type: 'string', default: '4' },
  },
});
const DOCS = Number(values.documents);
const EVENTS = Number(values.events);
const PER_EVENT = Number(values['items-per-event']);
const POSTS_IN_FLIGHT = Number(values['posts-in-flight']);
const TOTAL = DOCS * EVENTS * PER_EVENT;
const { importer } = ENTERPRISES;

const pidsOf = (pattern) => pgrep('-f', pattern);

/** Where the CPU goes during the chain run: this process (gateway + queue worker + projection), the dev peer, the chaincode, PostgreSQL, Redis. */
function cpuSnapshot(devnetPid) {
  const chaincode = pidsOf('chaincode-host');
  return {
    gateway: process.cpuUsage(),
    devnet: cpuMsOf([devnetPid]),
    chaincode: cpuMsOf(chaincode),
    postgres: cpuMsOf(pidsOf('postgres')),
    redis: cpuMsOf(pidsOf('redis-server')),
  };
}
function cpuPerItem(a, b, items) {
  const us = (ms) => Math.round((ms * 1000) / items);
  const gatewayMs = (b.gateway.user + b.gateway.system - a.gateway.user - a.gateway.system) / 1000;
  return {
    gateway: us(gatewayMs),
    devPeer: us(b.devnet - a.devnet),
    chaincode: us(b.chaincode - a.chaincode),
    postgres: us(b.postgres - a.postgres),
    redis: us(b.redis - a.redis),
  };
}

async function admin(url, sql) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function waitUntil(what, probe, maxMs = 600_000) {
  const deadline = Date.now() + maxMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One pipeline run; `ledgers` decides whether the chain is real. Returns timings. */
async function run(label, { ledgers, withProjection, settings, itemRef, devnetPid }) {
  const base = process.env.DATABASE_URL;
  const name = `bench_ingest_${randomBytes(4).toString('hex')}`;
  await admin(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = pg.createPool({ connectionString: url.toString(), maxConnections: 20 });
  await pg.migrate(url.toString());
  const jobQueue = process.env.REDIS_URL
    ? newBullmqQueue({ redisUrl: process.env.REDIS_URL, prefix: `bench-${randomUUID().slice(0, 8)}` })
    : newPgQueue({ pool: db });
  const instance = fastify({ ...app.FASTIFY_OPTIONS, logger: false });
  const customsKey = generateApiKey();
  await pg.newApiKeysRepository(db).upsertBootstrap(apiKeyDigest(customsKey));
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
  const auth = (key) => ({ authorization: `Bearer ${key}` });
  await instance.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: auth(customsKey),
    payload: { id: importer.id, name: 'Importer', roles: ['enterprise'], mspId: importer.mspId },
  });
  const keyRes = await instance.inject({
    method: 'POST',
    url: `/v1/enterprises/${importer.id}/keys`,
    headers: auth(customsKey),
    payload: { role: 'enterprise', label: 'bench' },
  });
  const key = keyRes.json().key;
  jobQueue.process(CAPTURE_QUEUE, newCaptureJobHandler({ captures: instance.repositories.captures, ledgers }), {
    concurrency: 4,
  });

  let follower;
  let source;
  if (withProjection) {
    source = openProjectionLedgerClient(settings, 'CustomsMSP');
    follower = newProjectionFollower({
      pool: db,
      openEvents: (from, checkpoint) => source.chaincodeEvents(from, checkpoint),
    });
    follower.start();
  }
  const P = product(itemRef);
  // Documents are built before the clock starts: the client's cost is not the gateway's.
  const bodies = Array.from({ length: DOCS }, (_, d) =>
    JSON.stringify(
      epcisDocument(
        Array.from({ length: EVENTS }, (_, e) =>
          entryEvent({
            items: Array.from({ length: PER_EVENT }, (_, i) => P.sgtin(`${label}${d}.${e}.${i}`)),
            declarationNo: `B-${d}-${e}`,
            location: 1,
          }),
        ),
      ),
    ),
  );
  const address = await instance.listen({ port: 0, host: '127.0.0.1' });

  const cpu0 = cpuSnapshot(devnetPid);
  const t0 = process.hrtime.bigint();
  const queue = [...bodies];
  await Promise.all(
    Array.from({ length: POSTS_IN_FLIGHT }, async () => {
      for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
        const res = await fetch(`${address}/v1/capture`, {
          method: 'POST',
          headers: { ...auth(key), 'content-type': 'application/ld+json' },
          body,
        });
        if (res.status !== 202) throw new Error(`capture refused: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  const accepted = process.hrtime.bigint();
  await waitUntil(
    'captures done',
    async () => Number((await db.query(`SELECT count(*) AS n FROM captures WHERE state <> 'done'`)).rows[0].n) === 0,
  );
  const done = process.hrtime.bigint();
  let visible = done;
  if (withProjection) {
    await waitUntil(
      'items visible',
      async () =>
        Number((await db.query(`SELECT count(*) AS n FROM items WHERE gtin = $1`, [P.gtin])).rows[0].n) === TOTAL,
    );
    visible = process.hrtime.bigint();
  }
  const cpu = cpuPerItem(cpu0, cpuSnapshot(devnetPid), TOTAL);
  const chunks = await db.query(`SELECT state, count(*) AS n FROM capture_chunks GROUP BY state`);
  const txs = withProjection
    ? Number((await db.query(`SELECT count(*) AS n FROM ledger_transactions WHERE type = 'ENTRY'`)).rows[0].n)
    : undefined;
  await follower?.stop();
  source?.close();
  await instance.close();
  await jobQueue.close();
  if (jobQueue.disconnect) await jobQueue.disconnect();
  await db.end();
  await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  const s = (a, b) => Number(b - a) / 1e9;
  return {
    cpu,
    acceptS: s(t0, accepted),
    doneS: s(t0, done),
    visibleS: s(t0, visible),
    chunks: Object.fromEntries(chunks.rows.map((r) => [r.state, Number(r.n)])),
    txs,
  };
}

(async () => {
  if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (source tmp/services/env)');
  console.log(
    `ingest: ${DOCS} documents x ${EVENTS} entry events x ${PER_EVENT} items = ${TOTAL} items; ${process.env.REDIS_URL ? 'BullMQ' : 'PostgreSQL queue'}; 4 capture jobs x 4 chunks in flight`,
  );
  const dn = await startDevnetProcess();
  try {
    const chain = new TraceClient(dn);
    await registerDevnetEnterprises(chain);
    chain.close();
    const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
    const ledgers = newLedgerClients({ settings, customsMspId: 'CustomsMSP' });
    const real = await run('r', { ledgers, withProjection: true, settings, itemRef: 601, devnetPid: dn.child.pid });
    ledgers.close();
    const noop = {
      forCaller: () => ({
        evaluate: async () => undefined,
        submit: async () => ({ txId: randomBytes(32).toString('hex') }),
      }),
      ping: async () => {},
      close: () => {},
    };
    const none = await run('n', {
      ledgers: noop,
      withProjection: false,
      settings,
      itemRef: 602,
      devnetPid: dn.child.pid,
    });
    const rate = (sec) => Math.round(TOTAL / sec);
    console.log(
      `chain:  accepted in ${real.acceptS.toFixed(2)} s, all captures committed at ${real.doneS.toFixed(2)} s, all items in the projection at ${real.visibleS.toFixed(2)} s`,
    );
    console.log(
      `        ${rate(real.visibleS)} items/s accept -> visible; chunks ${JSON.stringify(real.chunks)}; ENTRY transactions projected ${real.txs} (MVCC invalidations: ${real.chunks.committed - real.txs === 0 ? 'none' : 'some'})`,
    );
    const c = real.cpu;
    console.log(
      `        CPU per item (µs): gateway + queue worker + projection ${c.gateway}, dev peer ${c.devPeer}, chaincode ${c.chaincode}, PostgreSQL ${c.postgres}, Redis ${c.redis}; total ${c.gateway + c.devPeer + c.chaincode + c.postgres + c.redis} (${os.cpus().length} cores)`,
    );
    const n = none.cpu;
    console.log(
      `no-op:  CPU per item (µs): gateway + queue worker ${n.gateway}, PostgreSQL ${n.postgres}, Redis ${n.redis}`,
    );
    console.log(
      `no-op:  accepted in ${none.acceptS.toFixed(2)} s, all captures done at ${none.doneS.toFixed(2)} s = ${rate(none.doneS)} items/s`,
    );
    console.log(`ratio chain / no-op: ${(rate(real.visibleS) / rate(none.doneS)).toFixed(2)}`);
    console.log(
      JSON.stringify({
        bench: 'ingest',
        items: TOTAL,
        chainItemsPerS: rate(real.visibleS),
        noopItemsPerS: rate(none.doneS),
        ratio: Number((rate(real.visibleS) / rate(none.doneS)).toFixed(2)),
        chunks: real.chunks,
        txs: real.txs,
        cpuUsPerItem: real.cpu,
        noopCpuUsPerItem: none.cpu,
      }),
    );
  } finally {
    await dn.stop();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
