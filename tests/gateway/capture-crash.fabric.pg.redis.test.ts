// Proves a capture accepted is a capture committed exactly once, whatever happens to the gateway process and its
// servers: the gateway (the real `server.js` with BullMQ on Redis, PostgreSQL, the dev peer) is killed with SIGKILL
// while it submits a bulk capture, then restarted; later Redis is restarted, and PostgreSQL is restarted, each while
// captures are in flight. Every capture ends committed, every item has exactly one entry, one shipment and one
// receipt on the chain, and the live projection equals a projection rebuilt from block 0.
// How: child processes for the dev peer and the gateway; HTTP to the gateway's port; scripts/services.sh restarts.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import Redis from 'ioredis';
import { createPool } from '../../gateway/src/adapters/pg';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { openProjectionLedgerClient } from '../../gateway/src/projection/ledger-source';
import { rebuildProjection } from '../../gateway/src/projection/rebuild';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { entryEvent, epcisDocument, receivingEvent, shippingEvent } from '../../testkit/src/epcis';
import { postgresManaged, redisManaged, redisUrl, restartPostgres, restartRedis } from '../../testkit/src/services';
import { ENTERPRISES, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { createMigratedDatabase } from './helpers/database';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const SPIRITS = product(401);
const DOCUMENTS = 12;
const ITEMS_PER_EVENT = 250;
const GATEWAY = join(__dirname, '..', '..', 'gateway', 'dist', 'server.js');
const CUSTOMS_KEY = `customs-${'k'.repeat(40)}`;

const skip = !postgresManaged() || !redisManaged()
  ? 'PostgreSQL and Redis must be provisioned by scripts/services.sh (npm test) to be restarted'
  : false;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

t.test('kill -9 of the gateway, Redis and PostgreSQL restarts: every capture committed once', { skip }, async (t) => {
  const started = Date.now();
  const mark = (what: string) => t.comment(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const dn: DevnetProcess = await startDevnetProcess();
  t.teardown(() => dn.stop());
  const chain = new TraceClient(dn);
  t.teardown(() => chain.close());
  await registerDevnetEnterprises(chain);
  const databaseUrl = await createMigratedDatabase(t);
  // Queues of their own in the shared Redis, so that no other process's jobs (or workers) are in the way.
  const queueRedisUrl = redisUrl();
  const queuePrefix = `crash-${randomUUID().slice(0, 8)}`;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: queueRedisUrl,
    QUEUE_PREFIX: queuePrefix,
    FABRIC_CONNECTION_PROFILE: join(dn.dataDir, 'connection.json'),
    BOOTSTRAP_CUSTOMS_KEY: CUSTOMS_KEY,
    PERSON_CODE_SECRET: 's'.repeat(40),
    LOG_LEVEL: 'info',
  };
  let gateway: ChildProcess | undefined;
  const logTail: string[] = [];
  const startGateway = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [GATEWAY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        logTail.push(line);
        if (logTail.length > 50) logTail.shift();
        if (line.includes('"gateway ready"')) resolve();
      });
      child.stderr!.on('data', (d: Buffer) => logTail.push(d.toString()));
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before it was ready:\n${logTail.join('\n')}`)));
    });
    await ready;
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') t.comment(`gateway exited (${code ?? signal}):\n${logTail.filter((l) => !l.includes('"level":30')).join('\n').slice(-6000)}`);
    });
    return child;
  };
  t.teardown(() => void gateway?.kill('SIGKILL'));
  // Also when tap gives up on this file (timeout): no orphaned gateway keeps working on the shared servers.
  process.once('exit', () => void gateway?.kill('SIGKILL'));
  gateway = await startGateway();

  const call = async (method: string, path: string, key: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> => {
    // Bounded retries on "retry later" answers and refused connections (the gateway or a server restarting).
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(base + path, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = await res.json().catch(() => undefined);
        if ((res.status === 503 || res.status === 502 || res.status === 504) && attempt < 60) {
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        return { status: res.status, json, headers: res.headers };
      } catch (err) {
        if (attempt >= 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const newKey = async (id: string, role: 'enterprise' | 'operator', mspId: string) => {
    const created = await call('POST', '/v1/enterprises', CUSTOMS_KEY, { id, name: id, roles: [role], mspId });
    t.equal(created.status, 201, JSON.stringify(created.json));
    return (await call('POST', `/v1/enterprises/${id}/keys`, CUSTOMS_KEY, { role, label: 'crash-test' })).json.key as string;
  };
  const importerKey = await newKey(importer.id, 'enterprise', importer.mspId);
  const operatorKey = await newKey(operator.id, 'operator', operator.mspId);

  const itemsOf = (doc: number, event: number) => Array.from({ length: ITEMS_PER_EVENT }, (_, i) => SPIRITS.sgtin(`k${doc}-${event}-${i}`));
  const postAll = async (key: string, docs: Record<string, unknown>[]): Promise<string[]> => {
    const locations: string[] = [];
    for (const doc of docs) {
      const res = await call('POST', '/v1/capture', key, doc);
      t.equal(res.status, 202, `${JSON.stringify(res.json)}\n${res.status === 500 ? logTail.filter((l) => l.includes(res.json?.requestId ?? '-')).join('\n').slice(0, 3000) : ''}`);
      locations.push(res.headers.get('location')!);
    }
    return locations;
  };
  const allCommitted = async (key: string, locations: string[], what: string) => {
    let last: unknown[] = [];
    const outcomes = await waitFor(`${what}: every capture done`, async () => {
      const statuses = await Promise.all(locations.map((l) => call('GET', l, key)));
      last = statuses.map((s) => s.json?.state ?? s.status);
      return statuses.every((s) => s.json?.state === 'done' || s.json?.state === 'parked') ? statuses.map((s) => s.json) : undefined;
    }, 240, 250).catch(async (err: Error) => {
      const r = new Redis(queueRedisUrl);
      const q = `${queuePrefix}:captures`;
      const counts = { wait: await r.llen(`${q}:wait`), active: await r.llen(`${q}:active`), delayed: await r.zcard(`${q}:delayed`), failed: await r.zcard(`${q}:failed`), completed: await r.zcard(`${q}:completed`), prioritized: await r.zcard(`${q}:prioritized`), paused: await r.llen(`${q}:paused`), };
      r.disconnect();
      const c = new Client({ connectionString: databaseUrl });
      await c.connect();
      const chunkStates = (await c.query(`SELECT c.state AS capture, k.state AS chunk, count(*) AS n FROM captures c JOIN capture_chunks k ON k.capture_id = c.id GROUP BY 1, 2`)).rows;
      await c.end();
      throw new Error(`${err.message}; chunks ${JSON.stringify(chunkStates)}; states ${JSON.stringify(last)}; queue ${JSON.stringify(counts)}; gateway log:\n${logTail.filter((l) => !l.includes('"level":30')).join('\n')}`);
    });
    t.same(outcomes.map((o: { outcome: string }) => o.outcome), locations.map(() => 'committed'), `${what}: all committed`);
  };
  const committedChunks = async (): Promise<number> => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return Number((await client.query(`SELECT count(*) AS n FROM capture_chunks WHERE state = 'committed'`)).rows[0].n);
    } finally {
      await client.end();
    }
  };

  // 1. Entries: SIGKILL once some chunks have committed and others have not.
  const entries = await postAll(importerKey, Array.from({ length: DOCUMENTS }, (_, d) => epcisDocument([
    entryEvent({ items: itemsOf(d, 0), declarationNo: `CR-${d}-0`, location: 1 }),
    entryEvent({ items: itemsOf(d, 1), declarationNo: `CR-${d}-1`, location: 1 }),
  ])));
  const atKill = await waitFor('some chunks committed', async () => ((await committedChunks()) >= 3 ? committedChunks() : undefined), 600, 20);
  gateway.kill('SIGKILL');
  await new Promise((r) => gateway!.once('exit', r));
  t.ok(atKill < DOCUMENTS * 2, `killed with ${atKill} of ${DOCUMENTS * 2} chunks committed`);
  gateway = await startGateway();
  await allCommitted(importerKey, entries, 'entries after kill -9');

  mark('entries done');
  // 2. Shipments: Redis restarted while they are in flight.
  const shipments = postAll(importerKey, Array.from({ length: DOCUMENTS }, (_, d) => epcisDocument([
    shippingEvent({ items: [...itemsOf(d, 0), ...itemsOf(d, 1)], shipmentId: `CR-S-${d}`, toEnterprise: operator.id, toLocation: 2 }),
  ])));
  await restartRedis();
  await allCommitted(importerKey, await shipments, 'shipments across a Redis restart');

  mark('shipments done');
  // 3. Receipts: PostgreSQL restarted while they are in flight.
  const receipts = postAll(operatorKey, Array.from({ length: DOCUMENTS }, (_, d) => epcisDocument([
    receivingEvent({ items: [...itemsOf(d, 0), ...itemsOf(d, 1)], shipmentId: `CR-S-${d}`, location: 2 }),
  ])));
  await restartPostgres();
  await allCommitted(operatorKey, await receipts, 'receipts across a PostgreSQL restart');

  mark('receipts done');
  // The chain: every item entered, shipped and received exactly once.
  const sample = [itemsOf(0, 0)[0]!, itemsOf(DOCUMENTS - 1, 1)[ITEMS_PER_EVENT - 1]!, itemsOf(5, 1)[17]!];
  for (const id of sample) {
    const { history } = await chain.evaluate<{ history: { item: { status: string } }[] }>('customs-admin', 'query:GetItemHistory', { id });
    t.same(history.map((h) => h.item.status), ['IN_STOCK', 'IN_TRANSIT', 'IN_STOCK'], `${id}: entered, shipped, received, each once on the chain`);
  }

  // The live projection (which lived through all of it) equals one rebuilt from block 0.
  const total = DOCUMENTS * 2 * ITEMS_PER_EVENT;
  const live = createPool({ connectionString: databaseUrl });
  t.teardown(() => live.end());
  const liveEvents = await waitFor('the projection to catch up', async () => {
    const { rows } = await live.query<{ sgtin: string; tx_id: string; type: string }>(
      `SELECT sgtin, tx_id, type FROM item_events WHERE sgtin LIKE $1 ORDER BY sgtin, block_number, tx_seq`, [`urn:epc:id:sgtin:6901234.000401.%`]);
    return rows.length === total * 3 ? rows : undefined;
  });
  const perItem = new Map<string, string[]>();
  for (const r of liveEvents) perItem.set(r.sgtin, [...(perItem.get(r.sgtin) ?? []), r.type]);
  t.equal(perItem.size, total, `${total} items projected`);
  t.ok([...perItem.values()].every((types) => types.join() === 'ENTRY,SHIPMENT,RECEIPT'), 'no gap, no duplicate: entry, shipment, receipt for each item');

  mark('projection checked');
  const rebuiltUrl = await createMigratedDatabase(t);
  const rebuilt = createPool({ connectionString: rebuiltUrl });
  t.teardown(() => rebuilt.end());
  const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  const source = openProjectionLedgerClient(settings!, 'CustomsMSP');
  t.teardown(() => source.close());
  const rebuildWarnings: string[] = [];
  const note = (o: unknown, m?: string) => void rebuildWarnings.push(`${m ?? ''} ${o instanceof Object && 'err' in o ? String((o as { err: unknown }).err) : JSON.stringify(o)}`);
  await rebuildProjection({ pool: rebuilt, openEvents: (from, checkpoint) => source.chaincodeEvents(from, checkpoint), idleMs: 5_000, log: { info: () => undefined, warn: note } });
  t.same(rebuildWarnings, [], 'the rebuild ran without a failed batch');
  const { rows: rebuiltEvents } = await rebuilt.query<{ sgtin: string; tx_id: string; type: string }>(
    `SELECT sgtin, tx_id, type FROM item_events WHERE sgtin LIKE $1 ORDER BY sgtin, block_number, tx_seq`, [`urn:epc:id:sgtin:6901234.000401.%`]);
  mark('rebuilt');
  // Compared as lines (a deep diff of 18,000 rows would take tap minutes to print).
  const lines = (rows: { sgtin: string; tx_id: string; type: string }[]) => rows.map((r) => `${r.sgtin} ${r.tx_id} ${r.type}`);
  const rebuiltLines = new Set(lines(rebuiltEvents));
  const liveLines = lines(liveEvents);
  const missing = liveLines.filter((l) => !rebuiltLines.has(l));
  t.equal(rebuiltEvents.length, liveEvents.length, 'as many item events in the rebuild as in the live projection');
  t.same(missing.slice(0, 5), [], 'the live projection equals a rebuild from the chain');
  const count = async (pool: typeof live) => Number((await pool.query(`SELECT count(*) AS n FROM ledger_transactions`)).rows[0].n);
  t.equal(await count(live), await count(rebuilt), 'same transactions');

  mark('compared');
  // A graceful stop drains the queue and closes Fabric, Redis and PostgreSQL in order: it ends by itself.
  const stopped = new Promise((r) => gateway!.once('exit', r));
  gateway.kill('SIGTERM');
  await stopped;
  mark('gateway stopped');
});
