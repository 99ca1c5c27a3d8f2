#!/usr/bin/env node
/*
 * Several gateway processes, one service: provenance reads/s and capture items/s with 1, 2 and 3 gateway processes
 * (the real `gateway/dist/server.js`, one event loop each) on one PostgreSQL, Redis and dev peer, load spread over the
 * processes round robin as a balancer would.
 *
 * For each process count, on a scratch database (created and dropped here) and its own queue prefix in Redis:
 * - capture: --documents EPCIS documents of --events entry events of --items-per-event items, posted 4 in flight over
 *   the processes; items/s = items / (first POST until every item is in the projection). Every process runs capture
 *   jobs (BullMQ); one, the projection leader, runs the projection follower.
 * - reads: GET /v1/items/{id}/history for random ids among --ids of the items just captured, every id first read twice
 *   through every process (each has its own read cache), --connections connections split over the processes,
 *   --seconds seconds (autocannon in this process, which shares the machine's cores with the gateways: say so when
 *   quoting).
 * - CPU: user + system time of the gateway processes during each measurement (/proc). (PostgreSQL and Redis are left
 *   out: their servers' processes cannot be told from other servers' on a shared machine, and backends come and go.)
 * - The first process count also pays for the dev peer's and chaincode's warm-up: list it twice (--processes 1,2,3,1)
 *   and quote the last.
 *
 *   npm run build && source tmp/services/env && node bench/multi-gateway.js [--processes 1,2,3] [--seconds 10]
 */
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const { createServer } = require('node:net');
const os = require('node:os');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const autocannon = require('autocannon');
const pg = require('../gateway/dist/adapters/pg/index.js');
const { startDevnetProcess } = require('../testkit/dist/devnet.js');
const { entryEvent, epcisDocument } = require('../testkit/dist/epcis.js');
const { ENTERPRISES, product, registerDevnetEnterprises, TraceClient } = require('../testkit/dist/trace.js');
const { cpuMsOf } = require('./proc-cpu.js');

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '1,2,3' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '12' },
    ids: { type: 'string', default: '1000' },
    documents: { type: 'string', default: '12' },
    events: { type: 'string', default: '2' },
    'items-per-event': { type: 'string', default: '250' },
  },
});
const COUNTS = values.processes.split(',').map(Number);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const IDS = Number(values.ids);
const DOCS = Number(values.documents);
const EVENTS = Number(values.events);
const PER_EVENT = Number(values['items-per-event']);
const TOTAL = DOCS * EVENTS * PER_EVENT;
const CUSTOMS_KEY = `customs-${'b'.repeat(40)}`;
const GATEWAY = join(__dirname, '..', 'gateway', 'dist', 'server.js');
const { importer } = ENTERPRISES;

async function admin(url, sql) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(what, probe, maxMs = 600_000) {
  const deadline = Date.now() + maxMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Start one gateway process; resolves when it logged "gateway ready". */
async function startGateway(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [GATEWAY], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = [];
  await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (line.includes('"gateway ready"')) resolve(); // logged at info (the log is otherwise not kept)
    });
    child.stderr.on('data', (d) => tail.push(d.toString()));
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${tail.join('\n')}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

async function call(base, method, path, key, body) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => undefined), headers: res.headers };
}

const cpuNow = (gateways) => cpuMsOf(gateways.map((g) => g.child.pid));

/** One process count: capture items/s, then reads/s. */
async function measure(count, connectionProfile, itemRef) {
  const base = process.env.DATABASE_URL;
  const name = `bench_multi_${randomBytes(4).toString('hex')}`;
  await admin(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  await pg.migrate(url.toString());
  const db = pg.createPool({ connectionString: url.toString() });
  const env = {
    DATABASE_URL: url.toString(),
    REDIS_URL: process.env.REDIS_URL,
    QUEUE_PREFIX: `bench-${randomUUID().slice(0, 8)}`,
    FABRIC_CONNECTION_PROFILE: connectionProfile,
    BOOTSTRAP_CUSTOMS_KEY: CUSTOMS_KEY,
    PERSON_CODE_SECRET: 'p'.repeat(40),
    RATE_LIMIT_MAX: '1000000',
  };
  const gateways = [];
  try {
    for (let i = 0; i < count; i++) gateways.push(await startGateway(env));
    const first = gateways[0].base;
    await call(first, 'POST', '/v1/enterprises', CUSTOMS_KEY, {
      id: importer.id,
      name: 'Importer',
      roles: ['enterprise'],
      mspId: importer.mspId,
    });
    const key = (
      await call(first, 'POST', `/v1/enterprises/${importer.id}/keys`, CUSTOMS_KEY, {
        role: 'enterprise',
        label: 'bench',
      })
    ).json.key;

    // Capture.
    const P = product(itemRef);
    const bodies = Array.from({ length: DOCS }, (_, d) =>
      epcisDocument(
        Array.from({ length: EVENTS }, (_, e) =>
          entryEvent({
            items: Array.from({ length: PER_EVENT }, (_, i) => P.sgtin(`${count}.${d}.${e}.${i}`)),
            declarationNo: `MB-${count}-${d}-${e}`,
            location: 1,
          }),
        ),
      ),
    );
    const cpu0 = cpuNow(gateways);
    const t0 = process.hrtime.bigint();
    let turn = 0;
    const queue = [...bodies];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
          const res = await call(gateways[turn++ % count].base, 'POST', '/v1/capture', key, body);
          if (res.status !== 202) throw new Error(`capture refused: ${res.status} ${JSON.stringify(res.json)}`);
        }
      }),
    );
    await waitUntil(
      'items visible',
      async () =>
        Number((await db.query(`SELECT count(*) AS n FROM items WHERE gtin = $1`, [P.gtin])).rows[0].n) === TOTAL,
    );
    const captureS = Number(process.hrtime.bigint() - t0) / 1e9;
    const captureCpuMs = cpuNow(gateways) - cpu0;

    // Reads.
    const ids = (
      await db.query(`SELECT sgtin FROM items WHERE gtin = $1 ORDER BY random() LIMIT $2`, [P.gtin, IDS])
    ).rows.map((r) => r.sgtin);
    const paths = ids.map((id) => `/v1/items/${encodeURIComponent(id)}/history`);
    const headers = { authorization: `Bearer ${CUSTOMS_KEY}` };
    const load = (seconds) =>
      Promise.all(
        gateways.map((g, i) =>
          autocannon({
            url: g.base,
            connections: Math.floor(CONNECTIONS / count) + (i < CONNECTIONS % count ? 1 : 0),
            pipelining: 1,
            duration: seconds,
            requests: [
              {
                method: 'GET',
                headers,
                setupRequest: (request) => {
                  request.path = paths[Math.floor(Math.random() * paths.length)];
                  return request;
                },
              },
            ],
          }),
        ),
      );
    // Warm-up: every id read twice through every process (each process has its own read cache, which admits an
    // item on its second read), then 2 s of load (JIT, connections).
    for (const g of gateways) {
      const queue = [...paths, ...paths];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let path = queue.shift(); path !== undefined; path = queue.shift())
            await (await fetch(g.base + path, { headers })).arrayBuffer();
        }),
      );
    }
    await load(2);
    const cpu1 = cpuNow(gateways);
    const results = await load(SECONDS);
    const readCpuMs = cpuNow(gateways) - cpu1;
    const requests = results.reduce((n, r) => n + r.requests.total, 0);
    const non2xx = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
    return {
      processes: count,
      captureItemsPerS: Math.round(TOTAL / captureS),
      captureGatewayCpuMsPerThousandItems: Math.round((captureCpuMs * 1000) / TOTAL),
      readsPerS: Math.round(requests / SECONDS),
      readP99Ms: Math.max(...results.map((r) => r.latency.p99)),
      readErrors: non2xx,
      readGatewayCpuUsPerRead: Math.round((readCpuMs * 1000) / requests),
    };
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await db.end();
    await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

(async () => {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL)
    throw new Error('set DATABASE_URL and REDIS_URL (source tmp/services/env)');
  console.log(
    `multi-gateway: ${COUNTS.join(', ')} gateway processes; capture ${DOCS} x ${EVENTS} x ${PER_EVENT} = ${TOTAL} items; reads ${CONNECTIONS} connections x ${SECONDS} s over ${IDS} ids; ${os.cpus().length} cores`,
  );
  const dn = await startDevnetProcess();
  try {
    const chain = new TraceClient(dn);
    await registerDevnetEnterprises(chain);
    chain.close();
    const connectionProfile = join(dn.dataDir, 'connection.json');
    const rows = [];
    for (const [i, count] of COUNTS.entries()) {
      const row = await measure(count, connectionProfile, 701 + i);
      rows.push(row);
      console.log(
        `${count} process(es): capture ${row.captureItemsPerS} items/s (gateway CPU ${row.captureGatewayCpuMsPerThousandItems} ms per 1,000 items); ` +
          `reads ${row.readsPerS}/s, p99 ${row.readP99Ms} ms, ${row.readErrors} errors (gateway CPU ${row.readGatewayCpuUsPerRead} µs per read)`,
      );
    }
    console.log(JSON.stringify({ bench: 'multi-gateway', cores: os.cpus().length, rows }));
  } finally {
    await dn.stop();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
