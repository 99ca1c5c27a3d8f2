#!/usr/bin/env node
/*
 * Ingest at the platform's limit (issue 16 Must 5), in one run, each figure from HTTP accept (POST /v1/capture, 202)
 * to visible in the projection, through the whole pipeline: EPCIS validation and hashing, the capture outbox in
 * PostgreSQL, the queue, chunking, submission through the official Fabric client to a dev peer process (chaincode
 * under fabric-shim), chaincode events, the projection follower:
 *   (b) loose-item entry: first-line entry ObjectEvents of --items-per-event items (1,000);
 *   (a) pallet moves: --pallets pallets (10) of --cases cases (100) of --items-per-case items (24), entered and packed
 *       beforehand (not timed), then --rounds rounds of ship (one ObjectEvent naming one pallet's SSCC per
 *       document) and receive, back and forth between two enterprises; visible = every pallet in its new state in the
 *       projection's container_state (an item's state is read through its container there, no item row is written);
 *   provenance: GET /v1/items/{id}/history through the same gateway, an item inside a pallet vs a loose item, p99;
 *   (c) the loose-item pipeline again with the chain write replaced by a no-op (the ledger port answers at once; the
 *       end is "every capture done", there being no chain events to project);
 *   (d) the one-key floor: `putState` only, PutBatch of --floor-batch-items keys per transaction through the probe
 *       chaincode on its own dev peer, as bench/devnet-throughput.js measures it.
 * CPU µs per item by process (this process = gateway + queue worker + projection + the HTTP client, dev peer,
 * chaincode, PostgreSQL, Redis) for (a), (b) and (c). MVCC invalidations: transactions the dev peer committed with a
 * validation code other than VALID, read from its block file (the gateway retries them, so they cost, not lose).
 * Prints a table, then as its LAST line one JSON object (palletItemsPerSecond, looseItemsPerSecond,
 * noopItemsPerSecond, floorKeysPerSecond, mvccInvalidations, ratios, provenance p99s, CPU).
 *   npm run build && node bench/ingest.js [--documents 5] [--events 4] [--items-per-event 1000] [--pallets 10]
 *     [--cases 100] [--items-per-case 24] [--rounds 3] [--pallets-per-event 1] [--floor-seconds 10] [--provenance-reads 1000]
 *     [--profile-dir DIR]
 * With DATABASE_URL / REDIS_URL unset it starts its own PostgreSQL / Redis (scripts/services.sh, state in
 * tmp/bench-ingest-services) and stops them after, as `npm test` does; with REDIS_URL the queue is BullMQ (own key
 * prefix), else the PostgreSQL queue.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const { existsSync, readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join, resolve } = require('node:path');
const { parseArgs } = require('node:util');
const { common } = require('@hyperledger/fabric-protos');
const { Client } = require('pg');
const fastify = require('fastify');
const app = require('../gateway/dist/app.js');
const pg = require('../gateway/dist/adapters/pg/index.js');
const { newPgQueue } = require('../gateway/dist/adapters/queue/pg-queue.js');
const { newBullmqQueue } = require('../gateway/dist/adapters/queue/bullmq.js');
const { apiKeyDigest, generateApiKey } = require('../gateway/dist/domain/api-key.js');
const { CAPTURE_QUEUE, newCaptureJobHandler } = require('../gateway/dist/capture/processor.js');
const { prepareEpcisSchema } = require('../gateway/dist/capture/epcis-schema.js');
const { readConnectionProfile } = require('../gateway/dist/ledger/ledger-settings.js');
const { newLedgerClients } = require('../gateway/dist/ledger/ledger-clients.js');
const { newProjectionFollower } = require('../gateway/dist/projection/follower.js');
const { openProjectionLedgerClient } = require('../gateway/dist/projection/ledger-source.js');
const tk = require('../testkit/dist/devnet.js');
const { kvRwSetOf } = require('../testkit/dist/rwset.js');
const { cpuMsOf, pgrep } = require('./proc-cpu.js');
const { entryEvent, epcisDocument, packingEvent, receivingEvent, shippingEvent } = require('../testkit/dist/epcis.js');
const { ENTERPRISES, product, registerDevnetEnterprises, TraceClient } = require('../testkit/dist/trace.js');

const ROOT = resolve(__dirname, '..');
const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '5' },
    events: { type: 'string', default: '4' },
    'items-per-event': { type: 'string', default: '1000' },
    'posts-in-flight': { type: 'string', default: '4' },
    pallets: { type: 'string', default: '10' },
    cases: { type: 'string', default: '100' },
    'items-per-case': { type: 'string', default: '24' },
    rounds: { type: 'string', default: '3' },
    'pallets-per-event': { type: 'string', default: '1' },
    'floor-seconds': { type: 'string', default: '10' },
    'floor-concurrency': { type: 'string', default: '32' },
    'floor-batch-items': { type: 'string', default: '250' },
    'provenance-reads': { type: 'string', default: '1000' },
    'profile-dir': { type: 'string' },
  },
});
const num = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
  return n;
};
const DOCS = num('documents');
const EVENTS = num('events');
const PER_EVENT = num('items-per-event');
const POSTS_IN_FLIGHT = num('posts-in-flight');
const PALLETS = num('pallets');
const CASES = num('cases');
const PER_CASE = num('items-per-case');
const ROUNDS = num('rounds');
const PALLETS_PER_EVENT = num('pallets-per-event');
const FLOOR_SECONDS = num('floor-seconds');
const FLOOR_CONCURRENCY = num('floor-concurrency');
const FLOOR_BATCH = num('floor-batch-items');
const PROVENANCE_READS = num('provenance-reads');
const LOOSE_TOTAL = DOCS * EVENTS * PER_EVENT;
const PALLET_ITEMS = PALLETS * CASES * PER_CASE;
/** Events per capture document when preparing (entry of the pallet goods, packing): well under the gateway's limit. */
const PREP_EVENTS_PER_DOC = 20;
/** Most items per entry event when preparing the pallet goods (the chain's per-transaction limit is 1,000). */
const PREP_ITEMS_PER_EVENT = 1_000;
const { importer, operator } = ENTERPRISES;

// ---------- services (as `npm test` does) ----------

/** Starts PostgreSQL / Redis with scripts/services.sh when DATABASE_URL / REDIS_URL are unset; returns the stop. */
function ensureServices() {
  const want = [];
  if (!process.env.DATABASE_URL) want.push('pg');
  if (!process.env.REDIS_URL) want.push('redis');
  if (want.length === 0) return () => {};
  const dir = join(ROOT, 'tmp', 'bench-ingest-services');
  const env = { ...process.env, HAINAN_SERVICES_DIR: dir };
  const script = join(ROOT, 'scripts', 'services.sh');
  const down = () => execFileSync('bash', [script, 'down'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  // Ctrl-C stops them too (the finally of the run does not run on a signal).
  process.once('SIGINT', () => {
    down();
    process.exit(130);
  });
  try {
    execFileSync('bash', [script, 'up', ...want], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (err) {
    down();
    throw err;
  }
  for (const m of readFileSync(join(dir, 'env'), 'utf8').matchAll(/([A-Z_]+)=(\S+)/g)) process.env[m[1]] = m[2];
  return down;
}

// ---------- CPU by process ----------

/**
 * The server processes of this run's PostgreSQL (its postmaster and backends) and Redis, not other instances on the
 * machine: the postmaster from the data directory's postmaster.pid, Redis by its port. Empty when not local.
 */
const serverPids = { postgres: () => [], redis: () => [] };
async function findServerPids() {
  const c = new Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  try {
    const dir = (await c.query('SHOW data_directory')).rows[0].data_directory;
    const postmaster = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    serverPids.postgres = () => [postmaster, ...pgrep('-P', String(postmaster))];
  } catch {
    /* not readable here (a remote server): PostgreSQL's CPU is not counted */
  } finally {
    await c.end();
  }
  const port = process.env.REDIS_URL ? new URL(process.env.REDIS_URL).port || '6379' : undefined;
  if (port) serverPids.redis = () => pgrep('-f', `redis-server .*:${port}`);
}

/** CPU so far of this process (gateway + queue worker + projection), the dev peer, the chaincode, PostgreSQL, Redis. */
function cpuSnapshot(devnetPid) {
  return {
    gateway: process.cpuUsage(),
    devnet: devnetPid === undefined ? 0 : cpuMsOf([devnetPid]),
    chaincode: devnetPid === undefined ? 0 : cpuMsOf(pgrep('-P', String(devnetPid))),
    postgres: cpuMsOf(serverPids.postgres()),
    redis: cpuMsOf(serverPids.redis()),
  };
}
function cpuPerItem(a, b, items) {
  const us = (ms) => Math.round((ms * 1000) / items);
  const gatewayMs = (b.gateway.user + b.gateway.system - a.gateway.user - a.gateway.system) / 1000;
  const out = {
    gateway: us(gatewayMs),
    devPeer: us(b.devnet - a.devnet),
    chaincode: us(b.chaincode - a.chaincode),
    postgres: us(b.postgres - a.postgres),
    redis: us(b.redis - a.redis),
  };
  return { ...out, total: Object.values(out).reduce((s, v) => s + v, 0) };
}

// ---------- the dev peer's block file: validation codes ----------

/**
 * Transactions per validation code in the dev peer's block file (devnet/src/ledger/ledger.ts: records of
 * [u32 length][u32 crc32][u32 block length][common.Block]...), from block `fromBlock` on. Read-only; a record still
 * being written at the tail is skipped.
 */
function validationCodes(dataDir, fromBlock = 0) {
  const path = join(dataDir, 'ledger', 'blocks.bin');
  const codes = { blocks: 0, valid: 0, invalid: 0, byCode: {} };
  if (!existsSync(path)) return codes;
  const data = readFileSync(path);
  for (let offset = 0, n = 0; offset + 8 <= data.length; n++) {
    const length = data.readUInt32BE(offset);
    const end = offset + 8 + length;
    if (end > data.length) break;
    if (n >= fromBlock) {
      const record = data.subarray(offset + 8, end);
      const block = common.Block.deserializeBinary(record.subarray(4, 4 + record.readUInt32BE(0)));
      const filter = block.getMetadata().getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
      codes.blocks++;
      for (const code of filter ?? []) {
        if (code === 0) codes.valid++;
        else {
          codes.invalid++;
          codes.byCode[code] = (codes.byCode[code] ?? 0) + 1;
        }
      }
    }
    offset = end;
  }
  return codes;
}
const blockHeight = (dataDir) => validationCodes(dataDir).blocks;

/** Keys each VALID transaction of blocks `fromBlock`.. wrote in the traceability chaincode's namespace (what a real peer commits). */
function keysWrittenPerTransaction(dataDir, fromBlock) {
  const out = [];
  const data = readFileSync(join(dataDir, 'ledger', 'blocks.bin'));
  for (let offset = 0, n = 0; offset + 8 <= data.length; n++) {
    const end = offset + 8 + data.readUInt32BE(offset);
    if (end > data.length) break;
    if (n >= fromBlock) {
      const record = data.subarray(offset + 8, end);
      const block = common.Block.deserializeBinary(record.subarray(4, 4 + record.readUInt32BE(0)));
      const filter = block.getMetadata().getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
      block
        .getData()
        .getDataList_asU8()
        .forEach((bytes, i) => {
          if (filter?.[i] !== 0) return;
          const kv = kvRwSetOf(bytes);
          if (kv) out.push(kv.getWritesList().length);
        });
    }
    offset = end;
  }
  return out;
}

// ---------- the gateway stack ----------

async function admin(url, sql) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function waitUntil(what, probe, maxMs = 300_000) {
  const deadline = Date.now() + maxMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const count = async (db, sql, params = []) => Number((await db.query(sql, params)).rows[0].n);

/** The gateway app on a fresh database with its queue and capture job, and (chain runs) the projection follower. */
async function openStack({ ledgers, settings }) {
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
  const customs = generateApiKey();
  await pg.newApiKeysRepository(db).upsertBootstrap(apiKeyDigest(customs));
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
  const newKey = async (e, role) => {
    await instance.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: auth(customs),
      payload: { id: e.id, name: e.identity, roles: [role], mspId: e.mspId },
    });
    const res = await instance.inject({
      method: 'POST',
      url: `/v1/enterprises/${e.id}/keys`,
      headers: auth(customs),
      payload: { role, label: 'bench' },
    });
    return res.json().key;
  };
  const keys = {
    customs,
    importer: await newKey(importer, 'enterprise'),
    operator: await newKey(operator, 'operator'),
  };
  jobQueue.process(CAPTURE_QUEUE, newCaptureJobHandler({ captures: instance.repositories.captures, ledgers }), {
    concurrency: 4,
  });
  let follower;
  let source;
  if (settings) {
    source = openProjectionLedgerClient(settings, 'CustomsMSP');
    follower = newProjectionFollower({
      pool: db,
      openEvents: (from, checkpoint) => source.chaincodeEvents(from, checkpoint),
    });
    follower.start();
  }
  prepareEpcisSchema(); // as gateway/src/server.ts does before listening: the first capture must not pay the compile
  const address = await instance.listen({ port: 0, host: '127.0.0.1' });

  /** Posts capture documents (already serialized), --posts-in-flight at a time; each must answer 202. */
  const post = async (key, bodies) => {
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
  };
  /** Waits until every capture is done; throws when a chunk was refused by the chain. */
  const captured = async () => {
    await waitUntil(
      'captures done',
      async () => (await count(db, `SELECT count(*) AS n FROM captures WHERE state <> 'done'`)) === 0,
    );
    const refused = await db.query(`SELECT error_code, error FROM capture_chunks WHERE state = 'refused' LIMIT 1`);
    if (refused.rows[0]) throw new Error(`a chunk was refused: ${refused.rows[0].error_code} ${refused.rows[0].error}`);
  };
  const close = async () => {
    await follower?.stop();
    source?.close();
    await instance.close();
    await jobQueue.close();
    if (jobQueue.disconnect) await jobQueue.disconnect();
    await db.end();
    await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  return { db, address, auth, keys, post, captured, close };
}

// ---------- phases ----------

const seconds = (a, b) => Number(b - a) / 1e9;

/** Loose-item entry documents of one product (built before the clock starts: the client's cost is not the gateway's). */
function entryDocuments(P, label) {
  return Array.from({ length: DOCS }, (_, d) =>
    JSON.stringify(
      epcisDocument(
        Array.from({ length: EVENTS }, (_, e) =>
          entryEvent({
            items: Array.from({ length: PER_EVENT }, (_, i) => P.sgtin(`${label}${d}.${e}.${i}`)),
            declarationNo: `B-${label}-${d}-${e}`,
            location: 1,
          }),
        ),
      ),
    ),
  );
}

/** (b) or (c): loose-item entry, accept -> visible (chain) or accept -> every capture done (no-op). */
async function loosePhase(stack, { P, label, devnetPid, projected }) {
  const bodies = entryDocuments(P, label);
  const profile = projected ? await startProfile() : undefined;
  const cpu0 = cpuSnapshot(devnetPid);
  const t0 = process.hrtime.bigint();
  await stack.post(stack.keys.importer, bodies);
  const accepted = process.hrtime.bigint();
  await stack.captured();
  const done = process.hrtime.bigint();
  if (projected)
    await waitUntil(
      'entered items visible',
      async () => (await count(stack.db, `SELECT count(*) AS n FROM items WHERE gtin = $1`, [P.gtin])) === LOOSE_TOTAL,
    );
  const visible = process.hrtime.bigint();
  const cpu = cpuPerItem(cpu0, cpuSnapshot(devnetPid), LOOSE_TOTAL);
  await profile?.stop('loose-gateway');
  const chunks = await stack.db.query(`SELECT state, count(*)::int AS n FROM capture_chunks GROUP BY state`);
  return {
    cpu,
    acceptS: seconds(t0, accepted),
    doneS: seconds(t0, done),
    visibleS: seconds(t0, visible),
    itemsPerSecond: Math.round(LOOSE_TOTAL / seconds(t0, visible)),
    chunks: Object.fromEntries(chunks.rows.map((r) => [r.state, r.n])),
  };
}

/**
 * With --profile-dir, a V8 CPU profile of this process (gateway, queue worker, projection, HTTP client) over the loose
 * phase only, written as <dir>/<name>.cpuprofile (open in Chrome DevTools); the dev peer and chaincode processes are
 * profiled whole with DEVNET_NODE_ARGS / DEVNET_CHAINCODE_NODE_ARGS (testkit/src/devnet.ts).
 */
async function startProfile() {
  const dir = values['profile-dir'];
  if (!dir) return undefined;
  const { Session } = require('node:inspector/promises');
  const { mkdirSync, writeFileSync } = require('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    },
  };
}

const sscc = (n) => `urn:epc:id:sscc:6901234.${String(n).padStart(10, '0')}`;
const inDocuments = (events) => {
  const docs = [];
  for (let i = 0; i < events.length; i += PREP_EVENTS_PER_DOC)
    docs.push(JSON.stringify(epcisDocument(events.slice(i, i + PREP_EVENTS_PER_DOC))));
  return docs;
};

/** Enters the pallet goods, packs them in cases and the cases on pallets (not timed). */
async function preparePallets(stack, P) {
  const items = Array.from({ length: PALLET_ITEMS }, (_, i) => P.sgtin(`p${i}`));
  const entries = [];
  for (let i = 0; i < items.length; i += PREP_ITEMS_PER_EVENT)
    entries.push(entryEvent({ items: items.slice(i, i + PREP_ITEMS_PER_EVENT), declarationNo: `P-${i}`, location: 1 }));
  await stack.post(stack.keys.importer, inDocuments(entries));
  await stack.captured();
  const cases = Array.from({ length: PALLETS * CASES }, (_, c) => sscc(10_000 + c));
  await stack.post(
    stack.keys.importer,
    inDocuments(cases.map((c, i) => packingEvent(c, items.slice(i * PER_CASE, (i + 1) * PER_CASE)))),
  );
  await stack.captured();
  const pallets = Array.from({ length: PALLETS }, (_, p) => sscc(1_000 + p));
  const perPallet = CASES;
  await stack.post(
    stack.keys.importer,
    inDocuments(pallets.map((p, i) => packingEvent(p, cases.slice(i * perPallet, (i + 1) * perPallet)))),
  );
  await stack.captured();
  await waitUntil(
    'pallets in the projection',
    async () =>
      (await count(
        stack.db,
        `SELECT count(*) AS n FROM container_state WHERE parent IS NULL AND container_id = ANY($1) AND status = 'IN_STOCK'`,
        [pallets],
      )) === PALLETS,
  );
  return { items, pallets };
}

/** (a): rounds of ship + receive of every pallet, accept -> every pallet in its new state in the projection. */
async function palletPhase(stack, { pallets, devnetPid }) {
  const parties = [
    { e: importer, key: stack.keys.importer, location: 1 },
    { e: operator, key: stack.keys.operator, location: 2 },
  ];
  const inState = (status, holder) => async () =>
    (await count(
      stack.db,
      `SELECT count(*) AS n FROM container_state WHERE container_id = ANY($1) AND status = $2 AND holder = $3`,
      [pallets, status, holder],
    )) === pallets.length;
  const steps = [];
  const cpu0 = cpuSnapshot(devnetPid);
  for (let r = 0; r < ROUNDS; r++) {
    const from = parties[r % 2];
    const to = parties[(r + 1) % 2];
    // One capture document per shipment: one ObjectEvent naming --pallets-per-event pallets (1: each pallet alone).
    const groups = [];
    for (let i = 0; i < pallets.length; i += PALLETS_PER_EVENT) groups.push(pallets.slice(i, i + PALLETS_PER_EVENT));
    const shipments = groups.map((_, i) => `SH-${r}-${i}`);
    const ships = groups.map((g, i) =>
      JSON.stringify(
        epcisDocument([
          shippingEvent({ items: g, shipmentId: shipments[i], toEnterprise: to.e.id, toLocation: to.location }),
        ]),
      ),
    );
    let t0 = process.hrtime.bigint();
    await stack.post(from.key, ships);
    await stack.captured();
    await waitUntil('pallets shipped in the projection', inState('IN_TRANSIT', from.e.id));
    steps.push({ step: 'ship', s: seconds(t0, process.hrtime.bigint()) });
    const receipts = groups.map((g, i) =>
      JSON.stringify(epcisDocument([receivingEvent({ items: g, shipmentId: shipments[i], location: to.location })])),
    );
    t0 = process.hrtime.bigint();
    await stack.post(to.key, receipts);
    await stack.captured();
    await waitUntil('pallets received in the projection', inState('IN_STOCK', to.e.id));
    steps.push({ step: 'receive', s: seconds(t0, process.hrtime.bigint()) });
  }
  const moved = PALLET_ITEMS * steps.length;
  const timedS = steps.reduce((s, x) => s + x.s, 0);
  return {
    steps,
    timedS,
    itemMoves: moved,
    itemsPerSecond: Math.round(moved / timedS),
    cpu: cpuPerItem(cpu0, cpuSnapshot(devnetPid), moved),
    finalHolder: parties[ROUNDS % 2].e.id,
  };
}

/** p50/p99 (ms) of GET /v1/items/{id}/history for items inside pallets and for loose items, reads interleaved. */
async function provenancePhase(stack, { packed, loose }) {
  const read = async (id) => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${stack.address}/v1/items/${encodeURIComponent(id)}/history`, {
      headers: stack.auth(stack.keys.customs),
    });
    const body = await res.text();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 200) throw new Error(`history of ${id} answered ${res.status}: ${body}`);
    return { ms, body };
  };
  // The packed item's history must show its pallet's moves (else the figure would be of a shorter answer).
  const sample = JSON.parse((await read(packed[0])).body);
  const steps = (sample.events ?? sample.history ?? []).length;
  if (steps < 3 + 2 * ROUNDS)
    throw new Error(`a packed item's history has ${steps} steps, expected its pallet's moves`);
  const pick = (list, i) => list[(i * 7919) % list.length];
  for (let i = 0; i < 10; i++) await Promise.all([read(pick(packed, i)), read(pick(loose, i))]); // warm-up
  const times = { packed: [], loose: [] };
  for (let i = 0; i < PROVENANCE_READS; i++) {
    times.packed.push((await read(pick(packed, i + 10))).ms);
    times.loose.push((await read(pick(loose, i + 10))).ms);
  }
  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return Number(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)].toFixed(2));
  };
  return {
    packedSteps: steps,
    packedP50Ms: pct(times.packed, 50),
    packedP99Ms: pct(times.packed, 99),
    looseP50Ms: pct(times.loose, 50),
    looseP99Ms: pct(times.loose, 99),
  };
}

/** (d): PutBatch of FLOOR_BATCH keys per transaction, FLOOR_CONCURRENCY in flight, each waited for until VALID. */
async function floorPhase() {
  const dn = await tk.startDevnetProcess({
    args: [...tk.probeChaincodeArgs(), '--batch-size', '100', '--batch-timeout-ms', '20'],
  });
  const gw = tk.connectGateway(dn.profile);
  try {
    const contract = gw.getNetwork(dn.profile.channel).getContract('probe');
    await contract.submitTransaction('Put', 'warmup', '1');
    const deadline = Date.now() + FLOOR_SECONDS * 1000;
    let committed = 0;
    let invalid = 0;
    let seq = 0;
    const cpu0 = cpuSnapshot(dn.child.pid);
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: FLOOR_CONCURRENCY }, async () => {
        while (Date.now() < deadline) {
          const submitted = await contract.submitAsync('PutBatch', { arguments: [`b-${seq++}`, String(FLOOR_BATCH)] });
          if ((await submitted.getStatus()).successful) committed++;
          else invalid++;
        }
      }),
    );
    const s = seconds(t0, process.hrtime.bigint());
    const keys = committed * FLOOR_BATCH;
    const cpu = cpuPerItem(cpu0, cpuSnapshot(dn.child.pid), keys);
    return { keysPerSecond: Math.round(keys / s), committed, invalid, s, cpu };
  } finally {
    gw.close();
    gw.grpcClient.close();
    await dn.stop();
    rmSync(dn.dataDir, { recursive: true, force: true });
  }
}

// ---------- the run ----------

(async () => {
  const stopServices = ensureServices();
  try {
    await main();
  } finally {
    stopServices();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});

async function main() {
  const queueKind = process.env.REDIS_URL ? 'BullMQ' : 'PostgreSQL queue';
  console.log(
    `ingest: loose ${DOCS} documents x ${EVENTS} entry events x ${PER_EVENT} items = ${LOOSE_TOTAL} items; pallets ${PALLETS} x ${CASES} cases x ${PER_CASE} items = ${PALLET_ITEMS} items, ${ROUNDS} rounds of ship + receive (${PALLETS_PER_EVENT} pallet(s) per event); ${queueKind}; ${os.cpus().length} cores`,
  );
  await findServerPids();
  const dn = await tk.startDevnetProcess();
  const devnetPid = dn.child.pid;
  let loose;
  let pallet;
  let provenance;
  let chainCodes;
  let looseCodes;
  try {
    const chain = new TraceClient(dn);
    await registerDevnetEnterprises(chain);
    chain.close();
    const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
    const ledgers = newLedgerClients({ settings, customsMspId: 'CustomsMSP' });
    const stack = await openStack({ ledgers, settings });
    try {
      const start = blockHeight(dn.dataDir);
      const LOOSE = product(601);
      loose = await loosePhase(stack, { P: LOOSE, label: 'r', devnetPid, projected: true });
      looseCodes = validationCodes(dn.dataDir, start);
      const { items: packed, pallets } = await preparePallets(stack, product(603));
      const palletStart = blockHeight(dn.dataDir);
      pallet = await palletPhase(stack, { pallets, devnetPid });
      const writes = keysWrittenPerTransaction(dn.dataDir, palletStart);
      pallet.keysPerMove = { transactions: writes.length, min: Math.min(...writes), max: Math.max(...writes) };
      chainCodes = validationCodes(dn.dataDir, start);
      const looseIds = Array.from({ length: PROVENANCE_READS }, (_, i) =>
        LOOSE.sgtin(`r${i % DOCS}.${(i >> 3) % EVENTS}.${(i * 37) % PER_EVENT}`),
      );
      provenance = await provenancePhase(stack, { packed, loose: looseIds });
    } finally {
      await stack.close();
      ledgers.close();
    }
  } finally {
    await dn.stop();
    rmSync(dn.dataDir, { recursive: true, force: true });
  }
  const noopLedgers = {
    forCaller: () => ({
      evaluate: async () => undefined,
      submit: async () => ({ txId: randomBytes(32).toString('hex') }),
    }),
    ping: async () => {},
    close: () => {},
  };
  const noopStack = await openStack({ ledgers: noopLedgers, settings: undefined });
  let noop;
  try {
    noop = await loosePhase(noopStack, { P: product(602), label: 'n', devnetPid: undefined, projected: false });
  } finally {
    await noopStack.close();
  }
  const floor = await floorPhase();

  const cpuLine = (c) =>
    `gateway ${c.gateway}, dev peer ${c.devPeer}, chaincode ${c.chaincode}, PostgreSQL ${c.postgres}, Redis ${c.redis}; total ${c.total}`;
  const ratio = (a, b) => Number((a / b).toFixed(2));
  const steps = pallet.steps.map((x) => `${x.step} ${x.s.toFixed(2)} s`).join(', ');
  const rows = [
    [
      '(a) pallet moves',
      `${pallet.itemsPerSecond} items/s`,
      `${pallet.itemMoves} item moves in ${pallet.timedS.toFixed(2)} s (${steps})`,
    ],
    [
      '(b) loose entry',
      `${loose.itemsPerSecond} items/s`,
      `${LOOSE_TOTAL} items: accepted ${loose.acceptS.toFixed(2)} s, committed ${loose.doneS.toFixed(2)} s, visible ${loose.visibleS.toFixed(2)} s`,
    ],
    [
      '(c) no-op chain',
      `${noop.itemsPerSecond} items/s`,
      `${LOOSE_TOTAL} items: accepted ${noop.acceptS.toFixed(2)} s, done ${noop.doneS.toFixed(2)} s`,
    ],
    [
      '(d) one-key floor',
      `${floor.keysPerSecond} keys/s`,
      `PutBatch x ${FLOOR_BATCH}, ${FLOOR_CONCURRENCY} in flight, ${floor.s.toFixed(1)} s, ${floor.invalid} invalid`,
    ],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  console.log(`CPU µs per item (a) pallet moves: ${cpuLine(pallet.cpu)}`);
  console.log(`CPU µs per item (b) loose entry:  ${cpuLine(loose.cpu)}`);
  console.log(`CPU µs per item (c) no-op chain:  ${cpuLine(noop.cpu)}`);
  console.log(`CPU µs per key  (d) floor:        ${cpuLine(floor.cpu)} (gateway = the client here)`);
  console.log(
    `ratios: loose / floor ${ratio(loose.itemsPerSecond, floor.keysPerSecond)}, pallet / no-op ${ratio(pallet.itemsPerSecond, noop.itemsPerSecond)}, loose / no-op ${ratio(loose.itemsPerSecond, noop.itemsPerSecond)}`,
  );
  console.log(
    `provenance GET /v1/items/{id}/history, ${PROVENANCE_READS} reads each: item in a pallet p50 ${provenance.packedP50Ms} / p99 ${provenance.packedP99Ms} ms (${provenance.packedSteps} steps), loose item p50 ${provenance.looseP50Ms} / p99 ${provenance.looseP99Ms} ms`,
  );
  console.log(
    `world-state keys written per pallet move (${CASES} cases x ${PER_CASE} items): ${pallet.keysPerMove.min}–${pallet.keysPerMove.max} over ${pallet.keysPerMove.transactions} transactions`,
  );
  console.log(
    `transactions on the chain: ${chainCodes.valid} VALID, ${chainCodes.invalid} invalidated ${JSON.stringify(chainCodes.byCode)} (loose entry alone: ${looseCodes.invalid}); loose chunks ${JSON.stringify(loose.chunks)}`,
  );
  console.log(
    JSON.stringify({
      bench: 'ingest',
      palletItemsPerSecond: pallet.itemsPerSecond,
      looseItemsPerSecond: loose.itemsPerSecond,
      noopItemsPerSecond: noop.itemsPerSecond,
      floorKeysPerSecond: floor.keysPerSecond,
      mvccInvalidations: chainCodes.invalid,
      looseToFloor: ratio(loose.itemsPerSecond, floor.keysPerSecond),
      palletToNoop: ratio(pallet.itemsPerSecond, noop.itemsPerSecond),
      provenancePalletP99Ms: provenance.packedP99Ms,
      provenanceLooseP99Ms: provenance.looseP99Ms,
      looseItems: LOOSE_TOTAL,
      palletItems: PALLET_ITEMS,
      palletItemMoves: pallet.itemMoves,
      keysWrittenPerPalletMove: pallet.keysPerMove,
      cpuUsPerItem: { pallet: pallet.cpu, loose: loose.cpu, noop: noop.cpu, floorPerKey: floor.cpu },
    }),
  );
}
