#!/usr/bin/env node
/*
 * Provenance read latency at a fixed request rate over a projection of >= 1,000,000 item events, and the same
 * figure for a bare indexed point lookup through the same Fastify + pg stack (issue 5, read figure (a)).
 *
 * - A scratch database on DATABASE_URL (created here, dropped at the end unless --keep), migrated with the gateway's
 *   migrations, bulk-loaded with generate_series SQL in chain order, as the projection writes its rows: --items
 *   items (default 200,000) x 5 transactions each (ENTRY, SHIPMENT, RECEIPT, SALE, EXIT), one transaction per item and
 *   step: 1,000,000 rows each in ledger_transactions (with payload), item_events and epcis_events, 200,000 items,
 *   400,000 item_parties.
 * - The REAL gateway app (gateway/dist/app.js, FASTIFY_OPTIONS, a real pg pool, the PostgreSQL job queue, the
 *   provenance read cache as server.ts wires it) in a CHILD process, listening on loopback. The ledger port is a
 *   STUB: no ledger call is on this path. No projection follower runs (nothing is written during the run).
 *   Per-key rate limit raised to 1,000,000/min for the bench (the default 600/min would refuse it); log level
 *   --log-level (default warn: no per-request log lines).
 * - The bench adds GET /bench/bare/:sgtin to that same server: one `SELECT ... FROM items WHERE sgtin = $1` (the
 *   columns of GET /v1/items/{id}) through the same pool, no auth, no schema.
 * - autocannon in this (parent) process, `overallRate` --rate (default 500/s), --connections (default 10), --seconds
 *   per route, random item per request (setupRequest), a customs API key. Every route is warmed up (--warmup s)
 *   first, then measured one after the other: GET /v1/items/{id}/history, GET /v1/items/{id}, GET /bench/bare/{sgtin}.
 * - Then the same routes under an evenly paced open-loop load from this process (request k due at k / rate, latency
 *   counted from that due time; --no-paced skips it), because autocannon's limiter is bursty (below).
 *
 * Latency: every response's duration (autocannon's per-request hrtime, from the response events) is kept and the
 * percentiles computed exactly; autocannon's own `latency.p99` (an integer-millisecond HDR histogram) is printed too.
 * Coordinated-omission correction is off (`ignoreCoordinatedOmission`): autocannon's rate limiter sends each
 * connection's quota for the second back to back, then waits for the next second, so there is no schedule to
 * correct against (its correction assumes a 1 ms interval). So "500 req/s" means bursts of up to --connections
 * concurrent requests, 500 per second on average.
 *
 * The gateway process's CPU per request (process.cpuUsage around each autocannon run) is printed as well: on a
 * shared machine it is steadier than any latency.
 *
 *   npx tsc -b gateway && source tmp/services/env && node bench/provenance-latency.js [--items 200000] [--seconds 20]
 *   (--keep leaves the loaded database and prints its name; --database <name> reuses one; --only <label part>
 *   measures some routes; BENCH_CHILD_NODE_OPTIONS="--cpu-prof ..." profiles the server)
 */
'use strict';
const { fork } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const { parseArgs } = require('node:util');

const SGTIN_PREFIX = 'urn:epc:id:sgtin:6901234.000101.';
const sgtinOf = (i) => `${SGTIN_PREFIX}${1_000_000 + i}`;

if (require.main === module) {
  if (process.argv[2] === '--serve') {
    serve().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  } else {
    main().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  }
}

// ----------------------------------------------------------------------------------------------------------------
// Child: the gateway app plus the bare route.

/** Run the gateway server of a bench in this (child) process; settings in BENCH_SERVE; reports `{ address }` by IPC. */
async function serve() {
  const fastify = require('fastify');
  const pino = require('pino');
  const app = require('../gateway/dist/app.js');
  const pg = require('../gateway/dist/adapters/pg/index.js');
  const { newPgQueue } = require('../gateway/dist/adapters/queue/pg-queue.js');
  const { ProjectionReadCache } = require('../gateway/dist/cache/read-cache.js');
  const { databaseUrl, logLevel, readCache: withCache } = JSON.parse(process.env.BENCH_SERVE);

  const db = pg.createPool({ connectionString: databaseUrl });
  const jobQueue = newPgQueue({ pool: db });
  const readCache = withCache ? new ProjectionReadCache() : undefined;
  const ledgers = {
    // STUB: no ledger call is on the provenance read path
    forCaller: () => ({
      evaluate: async () => {
        throw new Error('no ledger in this bench');
      },
      submit: async () => {
        throw new Error('no ledger in this bench');
      },
    }),
    ping: async () => {},
    close() {},
  };
  const instance = fastify({ ...app.FASTIFY_OPTIONS, loggerInstance: pino({ level: logLevel }) });
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
    ...(readCache ? { readCache } : {}),
  });
  instance.get('/bench/bare/:sgtin', async (request) => {
    const { rows } = await db.query(
      `SELECT sgtin, trace_code, gtin, status, holder, location, regime, held, last_tx_id, last_block::text AS last_block, last_event_time, record
       FROM items WHERE sgtin = $1`,
      [request.params.sgtin],
    );
    return rows[0];
  });
  const address = await instance.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', async (message) => {
    if (message === 'stats') process.send({ stats: readCache ? readCache.stats() : null, cpu: process.cpuUsage() });
    if (message === 'stop') {
      await instance.close();
      await jobQueue.close();
      await db.end();
      process.exit(0);
    }
  });
  process.send({ address });
}

// ----------------------------------------------------------------------------------------------------------------
// Parent: database, load, key, load generator.

async function admin(url, sql) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/** One row per (step, item) in chain order (step after step, as the projection writes block after block). */
function sourceSql(items) {
  return `
    WITH src AS (
      SELECT s, i,
             (ARRAY['ENTRY', 'SHIPMENT', 'RECEIPT', 'SALE', 'EXIT'])[s + 1] AS type,
             (ARRAY['IN_STOCK', 'IN_TRANSIT', 'IN_STOCK', 'SOLD', 'EXITED'])[s + 1] AS status,
             (ARRAY['receiving', 'shipping', 'receiving', 'retail_selling', 'departing'])[s + 1] AS biz_step,
             (ARRAY['in_progress', 'in_transit', 'in_progress', 'retail_sold', 'in_transit'])[s + 1] AS disposition,
             '${SGTIN_PREFIX}' || (1000000 + i) AS sgtin,
             md5('tx' || i || '-' || s) || md5('xt' || s || '-' || i) AS tx_id,
             1 + s * 20000 + i / 10 AS block_number,
             i % 10 AS tx_seq,
             timestamptz '2025-01-01 00:00:00+08' + make_interval(days => s * 3, secs => i) AS event_time,
             CASE WHEN s < 2 THEN '91350100M000100Y43' ELSE '9144030071526726XG' END AS holder,
             CASE WHEN s < 2 THEN '6901234000016' ELSE '6901234000023' END AS location
      FROM generate_series(0, ${5 * items - 1}) AS g(n), LATERAL (SELECT n / ${items} AS s, n % ${items} AS i) AS si
    ),
    full_src AS (
      SELECT src.*,
        jsonb_build_object(
          'sgtin', sgtin, 'product', jsonb_build_object('gtin', '06901234001018', 'hsCode', '330300', 'category', 'COSMETICS', 'name', 'Eau de parfum 50 ml', 'brand', 'Maison Bench'),
          'regime', 'ZERO_TARIFF', 'valueFen', 10000, 'importedMaterialsFen', 10000, 'traceCode', '46' || lpad(i::text, 14, '0'),
          'status', status, 'holder', holder, 'location', location,
          'entry', jsonb_build_object('declarationNo', 'D-' || (i / 1000), 'enteredAt', '2025-01-01T00:00:00.000Z', 'enteredBy', '91350100M000100Y43'),
          'lastEventTime', to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'lastTxId', tx_id
        ) AS item,
        jsonb_build_object(
          'type', 'ObjectEvent', 'eventID', 'urn:uuid:' || substr(tx_id, 1, 8) || '-' || substr(tx_id, 9, 4) || '-5' || substr(tx_id, 14, 3) || '-8' || substr(tx_id, 18, 3) || '-' || substr(tx_id, 21, 12),
          'eventTime', to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'eventTimeZoneOffset', '+08:00',
          'recordTime', to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'action', 'OBSERVE', 'epcList', jsonb_build_array(sgtin),
          'bizStep', biz_step, 'disposition', disposition, 'readPoint', jsonb_build_object('id', 'urn:epc:id:sgln:6901234.00001.0'),
          'bizLocation', jsonb_build_object('id', 'urn:epc:id:sgln:' || substr(location, 1, 7) || '.' || substr(location, 8, 5) || '.0'),
          'bizTransactionList', jsonb_build_array(jsonb_build_object('type', 'https://ns.hainan-traceability.dev/epcis/btt/import_declaration', 'bizTransaction', 'D-' || (i / 1000))),
          'hn:regime', 'ZERO_TARIFF'
        ) AS event,
        jsonb_build_object('mspId', CASE WHEN s < 2 THEN 'EnterpriseMSP' ELSE 'OperatorMSP' END, 'enterpriseId', holder) AS actor
      FROM src
    )`;
}

async function load(url, items) {
  const { Client } = require('pg');
  const run = async (label, sql) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    const t0 = Date.now();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
    console.log(`  loaded ${label} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  const src = sourceSql(items);
  // Two at a time: the machine has two cores.
  await Promise.all([
    run(
      'ledger_transactions',
      `${src}
      INSERT INTO ledger_transactions (tx_id, block_number, tx_seq, type, event_time, record_time, actor, payload_sha256, payload)
      SELECT tx_id, block_number, tx_seq, type, event_time, event_time + interval '1 second', actor,
             encode(sha256(convert_to(tx_id, 'UTF8')), 'hex'),
             jsonb_build_object('txId', tx_id, 'type', type, 'eventTime', event->>'eventTime', 'recordTime', event->>'recordTime', 'actor', actor,
                                'items', jsonb_build_array(item), 'epcis', jsonb_build_array(event),
                                'movements', jsonb_build_array(jsonb_build_object('enterprise', holder, 'gtin', '06901234001018', 'regime', 'ZERO_TARIFF', 'location', location, 'qty', 1, 'txId', tx_id, 'eventType', type, 'eventTime', event->>'eventTime', 'period', '2025-01')))
      FROM full_src`,
    ),
    run(
      'item_events',
      `${src}
      INSERT INTO item_events (sgtin, tx_id, block_number, tx_seq, event_time, record_time, type, epcis, item)
      SELECT sgtin, tx_id, block_number, tx_seq, event_time, event_time + interval '1 second', type, jsonb_build_array(event), item
      FROM full_src`,
    ),
  ]);
  await Promise.all([
    run(
      'epcis_events',
      `${src}
      INSERT INTO epcis_events (event_id, tx_id, block_number, tx_seq, event_seq, event_time, biz_step, biz_location, epcs, event)
      SELECT event->>'eventID', tx_id, block_number, tx_seq, 0, event_time, biz_step, event->'bizLocation'->>'id', ARRAY[sgtin], event
      FROM full_src`,
    ),
    run(
      'items + item_parties',
      `${src}
      , last AS (SELECT * FROM full_src WHERE s = 4),
      ins AS (INSERT INTO items (sgtin, trace_code, gtin, status, holder, location, regime, held, last_tx_id, last_block, last_tx_seq, last_event_time, record)
              SELECT sgtin, item->>'traceCode', '06901234001018', status, holder, location, 'ZERO_TARIFF', false, tx_id, block_number, tx_seq, event_time, item FROM last)
      INSERT INTO item_parties (sgtin, enterprise)
      SELECT sgtin, e FROM last, unnest(ARRAY['91350100M000100Y43', '9144030071526726XG']) AS e`,
    ),
  ]);
  await run('VACUUM ANALYZE', 'VACUUM ANALYZE');
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(autocannon, { address, path, headers, ids, rate, connections, seconds }) {
  const durations = [];
  const instance = autocannon({
    url: address,
    connections,
    overallRate: rate,
    duration: seconds,
    ignoreCoordinatedOmission: true,
    requests: [
      {
        method: 'GET',
        headers,
        setupRequest: (request) => {
          request.path = path(ids[Math.floor(Math.random() * ids.length)]);
          return request;
        },
      },
    ],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 200) durations.push(responseTime);
  });
  const result = await instance;
  durations.sort((a, b) => a - b);
  return {
    requests: result.requests.total,
    reqPerSec: result.requests.total / seconds,
    non2xx: result.non2xx,
    errors: result.errors,
    p50: percentile(durations, 50),
    p90: percentile(durations, 90),
    p99: percentile(durations, 99),
    p999: percentile(durations, 99.9),
    max: durations[durations.length - 1],
    autocannonP99: result.latency.p99,
  };
}

/**
 * Evenly paced open-loop load: request k is due at start + k / rate and its latency counts from that due time (so a
 * late generator or a full connection pool shows up as latency, not as a missing request). Keep-alive agent.
 */
async function paced({ address, path, headers, ids, rate, seconds }) {
  const http = require('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL(address);
  const total = Math.round(rate * seconds);
  const durations = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let done = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const fire = (due) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: 'GET',
          headers,
          path: path(ids[Math.floor(Math.random() * ids.length)]),
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            if (res.statusCode === 200) durations.push(performance.now() - due);
            else non2xx++;
            if (++done === total) resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        if (++done === total) resolve();
      });
      req.end();
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) fire(start + (sent++ * 1000) / rate);
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / rate - performance.now()));
    };
    tick();
  });
  agent.destroy();
  durations.sort((a, b) => a - b);
  return {
    requests: done,
    reqPerSec: done / ((performance.now() - start) / 1000),
    non2xx,
    errors,
    p50: percentile(durations, 50),
    p90: percentile(durations, 90),
    p99: percentile(durations, 99),
    p999: percentile(durations, 99.9),
    max: durations[durations.length - 1],
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '200000' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '5' },
      rate: { type: 'string', default: '500' },
      connections: { type: 'string', default: '10' },
      'log-level': { type: 'string', default: 'warn' },
      'no-cache': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      database: { type: 'string' },
      only: { type: 'string' },
      'no-paced': { type: 'boolean', default: false },
    },
  });
  const ITEMS = Number(values.items);
  const SECONDS = Number(values.seconds);
  const RATE = Number(values.rate);
  const CONNECTIONS = Number(values.connections);
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('set DATABASE_URL (source tmp/services/env)');
  const autocannon = require('autocannon');
  const pg = require('../gateway/dist/adapters/pg/index.js');
  const { apiKeyDigest, generateApiKey } = require('../gateway/dist/domain/api-key.js');

  const name = values.database ?? `bench_provenance_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const reuse = values.database !== undefined;
  if (!reuse) await admin(base, `CREATE DATABASE ${name}`);
  let child;
  try {
    await pg.migrate(databaseUrl);
    const counted = Number((await admin(databaseUrl, 'SELECT count(*) AS n FROM item_events')).rows[0].n);
    if (counted === 0) {
      console.log(`loading ${ITEMS} items x 5 transactions into ${name} ...`);
      await load(databaseUrl, ITEMS);
    } else if (counted !== ITEMS * 5) {
      throw new Error(
        `database ${name} holds ${counted} item events, not ${ITEMS * 5}: pass the --items it was loaded with`,
      );
    }
    const sizes = (
      await admin(
        databaseUrl,
        `SELECT
        (SELECT count(*) FROM item_events) AS item_events, (SELECT count(*) FROM ledger_transactions) AS ledger_transactions,
        (SELECT count(*) FROM epcis_events) AS epcis_events, (SELECT count(*) FROM items) AS items,
        pg_size_pretty(pg_database_size(current_database())) AS size`,
      )
    ).rows[0];
    console.log(
      `projection: ${sizes.item_events} item_events, ${sizes.ledger_transactions} ledger_transactions, ${sizes.epcis_events} epcis_events, ${sizes.items} items; database ${sizes.size}`,
    );

    const key = generateApiKey();
    const pool = pg.createPool({ connectionString: databaseUrl });
    await pg
      .newApiKeysRepository(pool)
      .insert({ id: randomUUID(), digest: apiKeyDigest(key), role: 'customs', enterpriseId: null, label: 'bench' });
    await pool.end();

    child = fork(__filename, ['--serve'], {
      execArgv: process.env.BENCH_CHILD_NODE_OPTIONS ? process.env.BENCH_CHILD_NODE_OPTIONS.split(' ') : [],
      env: {
        ...process.env,
        BENCH_SERVE: JSON.stringify({ databaseUrl, logLevel: values['log-level'], readCache: !values['no-cache'] }),
      },
    });
    const address = await new Promise((resolve, reject) => {
      child.once('message', (m) => resolve(m.address));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const stats = () =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send('stats');
      });

    const ids = Array.from({ length: ITEMS }, (_, i) => sgtinOf(i));
    const auth = { authorization: `Bearer ${key}` };
    const routes = [
      {
        label: 'GET /v1/items/{id}/history',
        path: (id) => `/v1/items/${encodeURIComponent(id)}/history`,
        headers: auth,
      },
      { label: 'GET /v1/items/{id}', path: (id) => `/v1/items/${encodeURIComponent(id)}`, headers: auth },
      {
        label: 'GET /bench/bare/{sgtin} (one indexed SELECT, no auth)',
        path: (id) => `/bench/bare/${encodeURIComponent(id)}`,
        headers: {},
      },
    ];
    // Sanity: every route answers 200 with the item.
    for (const route of routes) {
      const res = await fetch(address + route.path(ids[0]), { headers: route.headers });
      const body = await res.text();
      if (res.status !== 200 || !body.includes(ids[0]))
        throw new Error(`${route.label}: ${res.status} ${body.slice(0, 200)}`);
    }
    console.log(
      `server: real gateway app in a child process (ledger port STUBBED, unused on this path; read cache ${values['no-cache'] ? 'OFF' : 'on, as server.ts wires it'}; log level ${values['log-level']}; rate limit raised)`,
    );
    console.log(
      `load: autocannon overallRate ${RATE}/s, ${CONNECTIONS} connections, ${SECONDS} s per route (then the same seconds evenly paced), after ${values.warmup} s warm-up of each route; random item of ${ITEMS}, customs key`,
    );
    const results = {};
    const line = (r) =>
      `${r.reqPerSec.toFixed(0)} req/s (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors)` +
      ` p50 ${r.p50.toFixed(2)} ms, p90 ${r.p90.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, p99.9 ${r.p999.toFixed(2)} ms, max ${r.max.toFixed(2)} ms`;
    const measured = routes.filter((route) => values.only === undefined || route.label.includes(values.only));
    // Warm-up of every route before any measurement (JIT, pool connections, prepared statements), not counted.
    for (const route of measured) {
      await measure(autocannon, {
        address,
        path: route.path,
        headers: route.headers,
        ids,
        rate: RATE,
        connections: CONNECTIONS,
        seconds: Number(values.warmup),
      });
    }
    for (const route of measured) {
      const common = { address, path: route.path, headers: route.headers, ids, rate: RATE, connections: CONNECTIONS };
      const before = await stats();
      const r = await measure(autocannon, { ...common, seconds: SECONDS });
      const after = await stats();
      const hits = after.stats ? after.stats.hits - before.stats.hits : null;
      const misses = after.stats ? after.stats.misses - before.stats.misses : null;
      const cpuUser = (after.cpu.user - before.cpu.user) / Math.max(1, r.requests);
      const cpuSystem = (after.cpu.system - before.cpu.system) / Math.max(1, r.requests);
      const p = values['no-paced'] ? undefined : await paced({ ...common, seconds: SECONDS });
      results[route.label] = { autocannon: r, paced: p };
      console.log(
        `${route.label}\n  autocannon overallRate ${RATE}: ${line(r)} [autocannon latency.p99 ${r.autocannonP99} ms]` +
          `\n    gateway process CPU ${(cpuUser + cpuSystem).toFixed(0)} µs/request (user ${cpuUser.toFixed(0)}, system ${cpuSystem.toFixed(0)})` +
          (hits === null ? '' : `; read cache lookups hit/missed ${hits}/${misses}`) +
          (p ? `\n  evenly paced ${RATE}/s:          ${line(p)}` : ''),
      );
    }
    const failed = Object.values(results).some((r) =>
      [r.autocannon, r.paced].some((x) => x && (x.non2xx > 0 || x.errors > 0)),
    );
    if (failed)
      console.log(
        'INVALID RUN: some requests failed (was PostgreSQL restarted meanwhile?); the figures below do not count',
      );
    if (values.only !== undefined) return;
    const [history, item, bare] = routes.map((route) => results[route.label]);
    const ratio = (a, b) => (a / b).toFixed(2);
    for (const kind of values['no-paced'] ? ['autocannon'] : ['autocannon', 'paced']) {
      console.log(
        `${kind === 'autocannon' ? `autocannon overallRate ${RATE}, ${CONNECTIONS} connections` : `evenly paced ${RATE}/s`}: ` +
          `history p99 ${history[kind].p99.toFixed(2)} ms (target <= 10) = ${ratio(history[kind].p99, bare[kind].p99)}x bare p99 ${bare[kind].p99.toFixed(2)} ms (target <= 5x); ` +
          `item p99 ${item[kind].p99.toFixed(2)} ms = ${ratio(item[kind].p99, bare[kind].p99)}x`,
      );
    }
    const figures = (kind) =>
      results[routes[0].label][kind] && {
        historyP50Ms: Number(history[kind].p50.toFixed(2)),
        historyP99Ms: Number(history[kind].p99.toFixed(2)),
        itemP50Ms: Number(item[kind].p50.toFixed(2)),
        itemP99Ms: Number(item[kind].p99.toFixed(2)),
        bareP50Ms: Number(bare[kind].p50.toFixed(2)),
        bareP99Ms: Number(bare[kind].p99.toFixed(2)),
        historyRatioP99: Number(ratio(history[kind].p99, bare[kind].p99)),
        itemRatioP99: Number(ratio(item[kind].p99, bare[kind].p99)),
      };
    console.log(
      JSON.stringify({
        bench: 'provenance-latency',
        itemEvents: Number(sizes.item_events),
        rate: RATE,
        connections: CONNECTIONS,
        seconds: SECONDS,
        ledger: 'stub (unused on this path)',
        readCache: !values['no-cache'],
        logLevel: values['log-level'],
        autocannon: figures('autocannon'),
        paced: figures('paced') ?? null,
        valid: !failed,
      }),
    );
    if (failed) process.exitCode = 1;
  } finally {
    if (child && child.exitCode === null) {
      child.send('stop');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    if (values.keep || reuse) {
      console.log(`database kept: ${name} (reuse with --database ${name} --items ${ITEMS})`);
    } else {
      await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }
}

module.exports = { SGTIN_PREFIX, sgtinOf, admin, load, serve };
