// Proves what two gateway processes of one deployment share through Redis: a stream ticket issued by one opens a
// stream on the other, once in the whole deployment; failed authentications and the per-key rate limit are counted
// over both; live stocktake counts and read-cache invalidations reach the other process; a draining process answers
// /readyz 503 `draining` while it still serves requests.
// How: two apps in this test process (fastify.inject), each with its own cluster (cluster/index.ts: its own Redis
// connections and bus) on one private database and one Redis, as two gateway processes would have.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { ProjectionReadCache } from '../../gateway/src/cache/read-cache';
import { startCluster, type Cluster } from '../../gateway/src/cluster';
import { drain, resetDraining } from '../../gateway/src/cluster/drain';
import type { LiveEvent } from '../../gateway/src/stocktake/live';
import { redisUrl } from '../../testkit/src/services';
import { bearer, buildTestApp, type TestApp } from './helpers/app';
import { createMigratedDatabase } from './helpers/database';
import { waitFor } from './helpers/wait';

const quiet = { info: () => undefined, warn: () => undefined };

function newCluster(t: Test, prefix: string, readCache = new ProjectionReadCache()): Cluster {
  const cluster = startCluster({
    databaseUrl: 'postgres://unused', // no leader election in this test
    redisUrl: redisUrl(),
    prefix,
    streamTokenSecret: 'a-stream-token-secret-shared-by-every-process',
    personCodeSecret: undefined,
    readCache,
    drainDelayMs: 0,
    log: quiet,
  });
  t.teardown(() => cluster.stop());
  return cluster;
}

/** Two processes' apps on one database and one Redis; the customs key is valid on both. */
async function twoProcesses(
  t: Test,
  limits: { rateLimitMax?: number; authFailuresMax?: number } = {},
): Promise<{ a: TestApp; b: TestApp; key: string; ca: Cluster; cb: Cluster }> {
  const prefix = `cluster-${randomUUID().slice(0, 8)}`;
  const databaseUrl = await createMigratedDatabase(t);
  const ca = newCluster(t, prefix);
  const cb = newCluster(t, prefix);
  const options = { databaseUrl, apiKeyCacheTtlMs: 0, ...limits };
  const a = await buildTestApp(t, { ...options, shared: ca.shared });
  const b = await buildTestApp(t, { ...options, shared: cb.shared });
  return { a, b, key: b.customsKey, ca, cb }; // b's bootstrap key replaced a's
}

t.test('a stream ticket minted on process A opens a stream on B, once in the deployment', async (t) => {
  const { a, b, key } = await twoProcesses(t);
  const minted = await a.app.inject({ method: 'POST', url: '/v1/stream-tokens', headers: bearer(key) });
  t.equal(minted.statusCode, 201);
  const token = minted.json().token as string;
  // A stocktake that does not exist: authentication passed when the answer is 404, not 401.
  const url = `/v1/stocktakes/${randomUUID()}/stream?access_token=${encodeURIComponent(token)}`;
  const onB = await b.app.inject({ method: 'GET', url });
  t.equal(onB.statusCode, 404, `B accepts A's ticket: ${onB.body}`);
  t.notOk(onB.body.includes(token), 'the problem does not echo the ticket back');
  t.match(onB.json().instance, /access_token=REDACTED$/, 'its instance names the parameter, not its value');
  const againOnA = await a.app.inject({ method: 'GET', url });
  t.equal(againOnA.statusCode, 401, 'A refuses it after B redeemed it');
  t.match(againOnA.json().detail, /already used/);
  const againOnB = await b.app.inject({ method: 'GET', url });
  t.equal(againOnB.statusCode, 401, 'so does B');
});

t.test('failed authentications and the per-key rate limit are counted over both processes', async (t) => {
  const { a, b, key } = await twoProcesses(t, { authFailuresMax: 4, rateLimitMax: 6 });
  const wrong = bearer(`htk_${'x'.repeat(40)}`);
  const failures = [];
  for (const app of [a, b, a, b, a, b])
    failures.push(
      (await app.app.inject({ method: 'GET', url: '/v1/me', headers: wrong, remoteAddress: '10.9.8.7' })).statusCode,
    );
  t.same(
    failures,
    [401, 401, 401, 401, 429, 429],
    'the fifth failure from one address is refused, whichever process it reaches',
  );

  const statuses = [];
  for (const app of [a, b, a, b, a, b, a, b])
    statuses.push((await app.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) })).statusCode);
  t.same(statuses, [200, 200, 200, 200, 200, 200, 429, 429], '6 requests per window for the key over both processes');
});

t.test('live stocktake counts and read-cache invalidations reach the other process', async (t) => {
  const prefix = `cluster-${randomUUID().slice(0, 8)}`;
  const cacheB = new ProjectionReadCache({ admission: 'every-read' });
  const ca = newCluster(t, prefix);
  const cb = newCluster(t, prefix, cacheB);
  await new Promise((resolve) => setTimeout(resolve, 200)); // subscriptions in place

  const seen: LiveEvent[] = [];
  const stop = cb.shared.stocktakeLive!.subscribe('st-1', (event) => seen.push(event));
  t.teardown(stop);
  for (let batch = 1; batch <= 5; batch++)
    ca.shared.stocktakeLive!.publishTotals('st-1', {
      uniqueItems: batch * 10,
      reads: batch * 12,
      undecodable: 0,
      batches: batch,
    });
  ca.shared.stocktakeLive!.publishClosed('st-1', { closed: true });
  await waitFor('the report on B', () => seen.some((e) => e.kind === 'closed'));
  t.same(
    seen.map((e) => (e.kind === 'counts' ? e.counts.batches : 'closed')),
    [1, 2, 3, 4, 5, 'closed'],
    "B's watcher saw every count, then the report",
  );

  cacheB.set('sgtin-1', 'item', { v: 1 }, 10, cacheB.epoch());
  cacheB.set('sgtin-2', 'item', { v: 2 }, 10, cacheB.epoch());
  t.same(cacheB.get('sgtin-1', 'item'), { v: 1 }, 'cached on B');
  ca.invalidate(['sgtin-1']);
  await waitFor('B to drop the item', () => cacheB.get('sgtin-1', 'item') === undefined);
  t.same(cacheB.get('sgtin-2', 'item'), { v: 2 }, 'only the items of the batch are dropped');
});

t.test('draining: /readyz 503 `draining` while requests are still served', async (t) => {
  const app = await buildTestApp(t);
  t.teardown(resetDraining);
  t.equal((await app.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  const draining = drain(300);
  const ready = await app.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().reason, 'draining');
  t.equal(
    (await app.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(app.customsKey) })).statusCode,
    200,
    'requests are still served',
  );
  await draining;
});
