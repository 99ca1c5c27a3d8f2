#!/usr/bin/env node
/*
 * Cached provenance reads: requests/s of the gateway serving GET /v1/items/{id} from its read cache, as a ratio to a
 * raw node:http server answering the same pre-serialised JSON bytes, same load generator, same run (issue 5, read
 * figure (b)).
 *
 * - A scratch database on DATABASE_URL (created and dropped here) with --items items x 5 transactions, loaded as in
 *   bench/provenance-latency.js.
 * - Each server in its OWN CHILD PROCESS (one event loop each, started the same way, only one of them under load at
 *   a time); autocannon runs in this parent process:
 *     gateway: the real app (gateway/dist/app.js, FASTIFY_OPTIONS, real pg pool, PostgreSQL job queue, read cache as
 *       server.ts wires it; ledger port STUBBED, unused on this path; log level --log-level, default warn; per-key
 *       rate limit raised to 1,000,000/min). Full request path: auth hook (API key cache), rate limit, params
 *       validation, id parsing, item + body from the read cache, ETag, metrics.
 *     raw: `http.createServer` looking the URL up in a Map of the gateway's own response bodies (Buffers, fetched
 *       after the warm-up) and writing them with content-type and content-length. No auth, no routing, no hooks.
 * - The same --ids item ids (default 1,000), all warmed in the gateway's cache before measuring; autocannon with
 *   --connections (10), pipelining 1, --seconds (10) per measurement, random id per request (setupRequest), the
 *   same Authorization header to both. --rounds (3) rounds of raw then gateway; the ratio uses the totals.
 *
 *   npx tsc -b gateway && source tmp/services/env && node bench/cached-reads.js [--seconds 10] [--rounds 3]
 */
'use strict';
const http = require('node:http');
const { fork } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const { parseArgs } = require('node:util');
const shared = require('./provenance-latency.js');

if (require.main === module) {
  if (process.argv[2] === '--serve') {
    shared.serve().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  } else if (process.argv[2] === '--serve-raw') {
    serveRaw();
  } else {
    main().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  }
}

/** The raw node:http server: bodies arrive by IPC as [path, base64] pairs, then it listens. */
function serveRaw() {
  process.once('message', (message) => {
    const bodies = new Map(message.bodies.map(([path, body]) => [path, Buffer.from(body, 'base64')]));
    const server = http.createServer((req, res) => {
      const body = bodies.get(req.url);
      if (body === undefined) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
    server.keepAliveTimeout = 72_000;
    server.listen(0, '127.0.0.1', () => process.send({ address: `http://127.0.0.1:${server.address().port}` }));
    process.on('message', (m) => {
      if (m === 'stats') process.send({ cpu: process.cpuUsage() });
      if (m === 'stop') {
        server.closeAllConnections();
        server.close(() => process.exit(0));
      }
    });
  });
}

function start(args, env) {
  const execArgv = process.env.BENCH_CHILD_NODE_OPTIONS ? process.env.BENCH_CHILD_NODE_OPTIONS.split(' ') : [];
  const child = fork(__filename, args, { execArgv, env: { ...process.env, ...env } });
  return child;
}

function addressOf(child) {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.address));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function cpuOf(child) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m.cpu.user + m.cpu.system));
    child.send('stats');
  });
}

async function stop(child) {
  if (child.exitCode !== null) return;
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
}

async function run(autocannon, { address, paths, headers, connections, seconds }) {
  const result = await autocannon({
    url: address,
    connections,
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
  });
  return {
    requests: result.requests.total,
    reqPerSec: result.requests.total / seconds,
    non2xx: result.non2xx,
    errors: result.errors,
    p99: result.latency.p99,
    bytesPerReq: result.throughput.total / Math.max(1, result.requests.total),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '10000' },
      ids: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '10' },
      'log-level': { type: 'string', default: 'warn' },
    },
  });
  const ITEMS = Number(values.items);
  const IDS = Math.min(ITEMS, Number(values.ids));
  const SECONDS = Number(values.seconds);
  const CONNECTIONS = Number(values.connections);
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('set DATABASE_URL (source tmp/services/env)');
  const autocannon = require('autocannon');
  const pg = require('../gateway/dist/adapters/pg/index.js');
  const { apiKeyDigest, generateApiKey } = require('../gateway/dist/domain/api-key.js');

  const name = `bench_cached_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await shared.admin(base, `CREATE DATABASE ${name}`);
  const children = [];
  try {
    await pg.migrate(databaseUrl);
    console.log(`loading ${ITEMS} items x 5 transactions ...`);
    await shared.load(databaseUrl, ITEMS);
    const key = generateApiKey();
    const pool = pg.createPool({ connectionString: databaseUrl });
    await pg
      .newApiKeysRepository(pool)
      .insert({ id: randomUUID(), digest: apiKeyDigest(key), role: 'customs', enterpriseId: null, label: 'bench' });
    await pool.end();
    const headers = { authorization: `Bearer ${key}` };
    const paths = Array.from({ length: IDS }, (_, i) => `/v1/items/${encodeURIComponent(shared.sgtinOf(i))}`);

    const gatewayChild = start(['--serve'], {
      BENCH_SERVE: JSON.stringify({ databaseUrl, logLevel: values['log-level'], readCache: true }),
    });
    children.push(gatewayChild);
    const gateway = await addressOf(gatewayChild);
    // Warm the cache: every id twice (the cache admits an item on its second read), keeping the bodies.
    const bodies = [];
    for (const path of paths) {
      await fetch(gateway + path, { headers }).then((res) => res.arrayBuffer());
      const res = await fetch(gateway + path, { headers });
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.toString().slice(0, 200)}`);
      bodies.push([path, body.toString('base64')]);
    }
    const cacheStats = await new Promise((resolve) => {
      gatewayChild.once('message', resolve);
      gatewayChild.send('stats');
    });
    console.log(
      `warmed ${IDS} ids; gateway read cache: ${cacheStats.stats.entries} entries, ${(cacheStats.stats.bytes / 1024).toFixed(0)} KiB; body ${((bodies[0][1].length * 3) / 4) | 0} bytes`,
    );

    const rawChild = start(['--serve-raw'], {});
    children.push(rawChild);
    rawChild.send({ bodies });
    const raw = await addressOf(rawChild);

    console.log(
      `servers: each in its own child process; autocannon in the parent: ${CONNECTIONS} connections, pipelining 1, ${SECONDS} s, random of ${IDS} ids`,
    );
    console.log(
      `gateway: real app, read cache on, ledger port STUBBED (unused), log level ${values['log-level']}, rate limit raised`,
    );
    const totals = { raw: 0, gateway: 0, rawCpu: 0, gatewayCpu: 0 };
    const common = { paths, headers, connections: CONNECTIONS };
    // Short warm-up of both (JIT), not counted.
    await run(autocannon, { ...common, address: raw, seconds: 2 });
    await run(autocannon, { ...common, address: gateway, seconds: 2 });
    for (let round = 1; round <= Number(values.rounds); round++) {
      const rawCpu0 = await cpuOf(rawChild);
      const r = await run(autocannon, { ...common, address: raw, seconds: SECONDS });
      const rawCpu = (await cpuOf(rawChild)) - rawCpu0;
      const gatewayCpu0 = await cpuOf(gatewayChild);
      const g = await run(autocannon, { ...common, address: gateway, seconds: SECONDS });
      const gatewayCpu = (await cpuOf(gatewayChild)) - gatewayCpu0;
      totals.raw += r.requests;
      totals.gateway += g.requests;
      totals.rawCpu += rawCpu;
      totals.gatewayCpu += gatewayCpu;
      const line = (label, x) =>
        `${label} ${x.reqPerSec.toFixed(0)} req/s (${x.non2xx} non-2xx, ${x.errors} errors, p99 ${x.p99} ms, ${x.bytesPerReq.toFixed(0)} B/response)`;
      console.log(
        `round ${round}: ${line('raw node:http', r)}; ${line('gateway cached GET /v1/items/{id}', g)}; ratio ${(g.requests / r.requests).toFixed(2)}` +
          ` (server CPU per request: raw ${(rawCpu / r.requests).toFixed(0)} µs, gateway ${(gatewayCpu / g.requests).toFixed(0)} µs)`,
      );
      if (g.non2xx > 0 || r.non2xx > 0) throw new Error('non-2xx answers: the figures would be wrong');
    }
    const after = await new Promise((resolve) => {
      gatewayChild.once('message', resolve);
      gatewayChild.send('stats');
    });
    const ratio = totals.gateway / totals.raw;
    const rawCpuPerRequest = totals.rawCpu / totals.raw;
    const gatewayCpuPerRequest = totals.gatewayCpu / totals.gateway;
    console.log(
      `gateway/raw = ${ratio.toFixed(2)} (target >= 0.6); server CPU per request raw ${rawCpuPerRequest.toFixed(0)} µs vs gateway ${gatewayCpuPerRequest.toFixed(0)} µs` +
        ` (CPU ratio raw/gateway ${(rawCpuPerRequest / gatewayCpuPerRequest).toFixed(2)}); read cache hits ${after.stats.hits}, misses ${after.stats.misses}`,
    );
    console.log(
      JSON.stringify({
        bench: 'cached-reads',
        ids: IDS,
        connections: CONNECTIONS,
        seconds: SECONDS,
        rounds: Number(values.rounds),
        rawReqPerSec: Math.round(totals.raw / (SECONDS * Number(values.rounds))),
        gatewayReqPerSec: Math.round(totals.gateway / (SECONDS * Number(values.rounds))),
        ratio: Number(ratio.toFixed(2)),
        rawCpuUsPerRequest: Math.round(rawCpuPerRequest),
        gatewayCpuUsPerRequest: Math.round(gatewayCpuPerRequest),
        ledger: 'stub (unused on this path)',
        logLevel: values['log-level'],
        processes: 'one child per server, autocannon in parent',
      }),
    );
  } finally {
    for (const child of children) await stop(child);
    await shared.admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}
