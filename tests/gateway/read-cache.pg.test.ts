// Proves the read caches never serve stale state: a provenance read after a projection commit sees the new item, history and party rights (even though the old state was cached, and even when the database changed behind the cache); ETag/If-None-Match gives 304 until the item changes; a database read that raced a commit is not cached; a revoked API key is refused on the next request, and a revocation made elsewhere within the TTL.
// How: the real app (fastify.inject) with a ProjectionReadCache on a private PostgreSQL database, the real projection follower fed by an in-memory chaincode event stream, invalidating through onCommitted as server.ts wires it.
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import type { LedgerChaincodeEvent, LedgerCheckpoint, LedgerEventStream } from '../../gateway/src/adapters/fabric';
import { newProjectionRepository, type DbPool } from '../../gateway/src/adapters/pg';
import { ProjectionReadCache, readThrough } from '../../gateway/src/cache/read-cache';
import { newProjectionFollower, type ProjectionFollower } from '../../gateway/src/projection/follower';
import { LEDGER_EVENT_NAME, type LedgerEventPayload, type LedgerItem } from '../../gateway/src/projection/ledger-event';
import { bearer, buildTestApp } from './helpers/app';
import { waitFor } from './helpers/wait';

const IMPORTER = '91350100M000100Y43';
const OPERATOR = '9144030071526726XG';
const L1 = '6901234000016';
const L2 = '6901234000023';
const SGTIN = 'urn:epc:id:sgtin:6901234.000101.7001';
const OTHER = 'urn:epc:id:sgtin:6901234.000101.7002';

/** A chaincode event stream the test pushes LedgerEvents into (one per block). */
function newFakeChain() {
  const delivered: LedgerChaincodeEvent[] = [];
  const waiting: ((result: IteratorResult<LedgerChaincodeEvent>) => void)[] = [];
  let block = 0n;
  return {
    push(payload: LedgerEventPayload): void {
      block++;
      const event: LedgerChaincodeEvent = {
        blockNumber: block,
        transactionId: payload.txId,
        chaincodeName: 'trace',
        eventName: LEDGER_EVENT_NAME,
        payload: Buffer.from(JSON.stringify(payload)),
      };
      delivered.push(event);
      waiting.shift()?.({ value: event, done: false });
    },
    /** A stream from the checkpoint on, as a peer resumes one. */
    open(checkpoint: LedgerCheckpoint): LedgerEventStream {
      const fromBlock = checkpoint.getBlockNumber() ?? 0n;
      const afterTx = checkpoint.getTransactionId();
      let next = delivered.findIndex((event) => event.blockNumber >= fromBlock);
      if (next < 0) next = delivered.length;
      if (afterTx !== undefined && delivered[next]?.transactionId === afterTx) next++;
      let closed = false;
      return {
        close() {
          closed = true;
          for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
        },
        [Symbol.asyncIterator]() {
          return {
            next: () => {
              if (closed) return Promise.resolve({ value: undefined, done: true });
              const event = delivered[next];
              if (event !== undefined) {
                next++;
                return Promise.resolve({ value: event, done: false });
              }
              return new Promise<IteratorResult<LedgerChaincodeEvent>>((resolve) =>
                waiting.push((result) => {
                  if (!result.done) next++;
                  resolve(result);
                }),
              );
            },
          };
        },
      };
    },
  };
}

let txCounter = 0;
function txId(): string {
  txCounter++;
  return txCounter.toString(16).padStart(64, 'a');
}

function item(
  sgtin: string,
  fields: Partial<LedgerItem> & { status: string; holder: string; location: string },
  tx: string,
): LedgerItem {
  return {
    sgtin,
    product: { gtin: '06901234001018' },
    regime: 'ZERO_TARIFF',
    lastEventTime: '2025-01-01T00:00:00.000Z',
    lastTxId: tx,
    ...fields,
  };
}

function ledgerEvent(type: string, items: (tx: string) => LedgerItem[]): LedgerEventPayload {
  const tx = txId();
  const listed = items(tx);
  return {
    txId: tx,
    type,
    eventTime: '2025-01-01T00:00:00.000Z',
    recordTime: '2025-01-01T00:00:01.000Z',
    actor: { mspId: 'EnterpriseMSP', enterpriseId: IMPORTER },
    items: listed,
    movements: [],
    epcis: [
      {
        eventID: `urn:uuid:00000000-0000-5000-8000-${tx.slice(-12)}`,
        eventTime: '2025-01-01T00:00:00.000Z',
        bizStep: type.toLowerCase(),
        epcList: listed.map((i) => i.sgtin),
      },
    ],
  };
}

interface Harness {
  app: FastifyInstance;
  customsKey: string;
  cache: ProjectionReadCache;
  chain: ReturnType<typeof newFakeChain>;
  follower: ProjectionFollower;
  /** Push an event and wait until the follower committed it. */
  commit(payload: LedgerEventPayload): Promise<void>;
  db: DbPool;
}

async function harness(t: Test, apiKeyCacheTtlMs?: number): Promise<Harness> {
  const cache = new ProjectionReadCache();
  const built = await buildTestApp(t, {
    readCache: cache,
    ...(apiKeyCacheTtlMs === undefined ? {} : { apiKeyCacheTtlMs }),
  });
  const chain = newFakeChain();
  let committedBatches = 0;
  const follower = newProjectionFollower({
    pool: built.db,
    openEvents: async (_fromBlock, checkpoint) => chain.open(checkpoint),
    flushIdleMs: 5,
    onCommitted: (sgtins) => {
      cache.invalidate(sgtins);
      committedBatches++;
    },
  });
  follower.start();
  t.teardown(() => follower.stop());
  let pushed = 0;
  return {
    app: built.app,
    customsKey: built.customsKey,
    cache,
    chain,
    follower,
    db: built.db,
    async commit(payload) {
      pushed++;
      const before = committedBatches;
      chain.push(payload);
      await waitFor(
        'the follower to commit the event',
        () => follower.status().eventsApplied === pushed && committedBatches > before,
        300,
        10,
      );
    },
  };
}

t.test('a provenance read after a projection commit sees the new state, though the old one was cached', async (t) => {
  const h = await harness(t);
  const customs = bearer(h.customsKey);
  await h.commit(
    ledgerEvent('ENTRY', (tx) => [
      item(SGTIN, { status: 'IN_STOCK', holder: IMPORTER, location: L1 }, tx),
      item(OTHER, { status: 'IN_STOCK', holder: IMPORTER, location: L1 }, tx),
    ]),
  );

  const first = await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}`, headers: customs });
  t.equal(first.statusCode, 200, first.body);
  t.equal(first.json().status, 'IN_STOCK');
  const history1 = await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}/history`, headers: customs });
  t.same(
    history1.json().events.map((e: { type: string }) => e.type),
    ['ENTRY'],
  );

  // Proof that the cache answers: change the row behind its back; the cached state is still served.
  await h.db.query(`UPDATE items SET status = 'CHANGED_BEHIND_THE_CACHE' WHERE sgtin = $1`, [SGTIN]);
  const hitsBefore = h.cache.stats().hits;
  const cached = await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}`, headers: customs });
  t.equal(cached.json().status, 'IN_STOCK', 'served from the cache');
  t.equal(cached.body, first.body, 'byte for byte the same body');
  t.ok(h.cache.stats().hits > hitsBefore);

  // A projection commit touching the item: the next read is the database's state.
  await h.commit(
    ledgerEvent('SHIPMENT', (tx) => [
      item(SGTIN, { status: 'IN_TRANSIT', holder: IMPORTER, location: L1, transit: { to: OPERATOR } }, tx),
    ]),
  );
  const after = await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}`, headers: customs });
  t.equal(after.json().status, 'IN_TRANSIT', 'the committed state, not the cached one');
  const history2 = await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}/history`, headers: customs });
  t.same(
    history2.json().events.map((e: { type: string }) => e.type),
    ['ENTRY', 'SHIPMENT'],
    'the history grew',
  );
  t.equal(history2.json().item.status, 'IN_TRANSIT');
  const epcis = await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}/history?format=epcis`, headers: customs });
  t.equal(epcis.json().epcisBody.queryResults.resultsBody.eventList.length, 2, 'the EPCIS document too');
  const dossier = await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}/dossier`, headers: customs });
  t.equal(dossier.json().transactions.length, 2, 'and the dossier');

  // An item the batch did not touch keeps its cache entry (read twice: the second read admits it).
  await h.app.inject({ method: 'GET', url: `/v1/items/${OTHER}`, headers: customs });
  await h.app.inject({ method: 'GET', url: `/v1/items/${OTHER}`, headers: customs });
  await h.db.query(`UPDATE items SET status = 'CHANGED_BEHIND_THE_CACHE' WHERE sgtin = $1`, [OTHER]);
  await h.commit(
    ledgerEvent('RECEIPT', (tx) => [item(SGTIN, { status: 'IN_STOCK', holder: OPERATOR, location: L2 }, tx)]),
  );
  t.equal(
    (await h.app.inject({ method: 'GET', url: `/v1/items/${OTHER}`, headers: customs })).json().status,
    'IN_STOCK',
    'untouched item still cached',
  );
  t.equal((await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}`, headers: customs })).json().holder, OPERATOR);
});

t.test(
  'admission: an item read once is not kept (one-read items would only churn the cache); its second read is',
  async (t) => {
    const h = await harness(t);
    const customs = bearer(h.customsKey);
    await h.commit(
      ledgerEvent('ENTRY', (tx) => [item(SGTIN, { status: 'IN_STOCK', holder: IMPORTER, location: L1 }, tx)]),
    );
    const read = async () =>
      (await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}/history`, headers: customs })).json().item
        .status as string;

    t.equal(await read(), 'IN_STOCK', 'first read: from the database');
    t.equal(h.cache.stats().entries, 0, 'and not kept');
    t.ok(h.cache.stats().notAdmitted > 0, 'counted as not admitted');
    await h.db.query(`UPDATE items SET status = 'CHANGED_BEHIND_THE_CACHE' WHERE sgtin = $1`, [SGTIN]);
    t.equal(
      await read(),
      'CHANGED_BEHIND_THE_CACHE',
      'second read: from the database again (proof nothing was cached)',
    );
    t.equal(h.cache.stats().entries, 1, 'and now kept');
    await h.db.query(`UPDATE items SET status = 'CHANGED_AGAIN' WHERE sgtin = $1`, [SGTIN]);
    t.equal(await read(), 'CHANGED_BEHIND_THE_CACHE', 'third read: served from the cache');

    const everyRead = new ProjectionReadCache({ admission: 'every-read' });
    t.ok(everyRead.set(OTHER, 'item', { status: 'X' }, 10, everyRead.epoch()), "'every-read' keeps a first fill");
    const secondRead = new ProjectionReadCache();
    t.notOk(
      secondRead.set(OTHER, 'item', { status: 'X' }, 10, secondRead.epoch()),
      'the default refuses a fill with no read noted',
    );
    secondRead.noteRead(OTHER);
    t.notOk(secondRead.set(OTHER, 'item', { status: 'X' }, 10, secondRead.epoch()), 'and one after a first read');
    secondRead.noteRead(OTHER);
    t.ok(secondRead.set(OTHER, 'item', { status: 'X' }, 10, secondRead.epoch()), 'but keeps one after a second read');
    t.ok(secondRead.set(OTHER, 'history', [], 10, secondRead.epoch()), 'and every slot of the item once it is in');
  },
);

t.test('the one-round-trip read of an item and its history equals the two separate reads', async (t) => {
  const h = await harness(t);
  await h.commit(
    ledgerEvent('ENTRY', (tx) => [
      item(SGTIN, { status: 'IN_STOCK', holder: IMPORTER, location: L1, traceCode: '4600000000000017' }, tx),
    ]),
  );
  await h.commit(
    ledgerEvent('SHIPMENT', (tx) => [
      item(SGTIN, { status: 'IN_TRANSIT', holder: IMPORTER, location: L1, transit: { to: OPERATOR } }, tx),
    ]),
  );
  await h.commit(
    ledgerEvent('RECEIPT', (tx) => [item(SGTIN, { status: 'IN_STOCK', holder: OPERATOR, location: L2 }, tx)]),
  );
  // Sub-millisecond and non-UTC times survive as the driver reads them (to the millisecond).
  await h.db.query(`UPDATE item_events SET event_time = '2025-03-04 05:06:07.891234+08' WHERE sgtin = $1`, [SGTIN]);
  const repository = newProjectionRepository(h.db);
  for (const limit of [1_001, 2]) {
    const combined = await repository.findItemWithHistory(SGTIN, limit);
    t.same(
      combined,
      { item: await repository.findItem(SGTIN), history: await repository.history(SGTIN, limit) },
      `limit ${limit}`,
    );
    t.equal(combined?.history.length, Math.min(3, limit));
    t.ok(combined?.history.every((e) => e.eventTime instanceof Date && typeof e.blockNumber === 'bigint'));
  }
  t.equal(await repository.findItemWithHistory(OTHER, 10), undefined, 'no such item');
});

t.test('ETag: If-None-Match is 304 until a commit changes the item', async (t) => {
  const h = await harness(t);
  const customs = bearer(h.customsKey);
  await h.commit(
    ledgerEvent('ENTRY', (tx) => [item(SGTIN, { status: 'IN_STOCK', holder: IMPORTER, location: L1 }, tx)]),
  );
  for (const path of ['', '/history', '/history?format=epcis']) {
    const url = `/v1/items/${SGTIN}${path}`;
    const first = await h.app.inject({ method: 'GET', url, headers: customs });
    const etag = first.headers.etag as string;
    t.ok(etag, `${path || 'item'}: has an ETag`);
    const again = await h.app.inject({ method: 'GET', url, headers: { ...customs, 'if-none-match': etag } });
    t.equal(again.statusCode, 304, `${path || 'item'}: not modified`);
    t.equal(again.body, '', 'no body');
    t.equal(again.headers.etag, etag);
    const listed = await h.app.inject({
      method: 'GET',
      url,
      headers: { ...customs, 'if-none-match': `"other", W/${etag.replace(/^W\//, '')}` },
    });
    t.equal(listed.statusCode, 304, `${path || 'item'}: one of a list, weak comparison`);
    const other = await h.app.inject({
      method: 'GET',
      url,
      headers: { ...customs, 'if-none-match': '"something-else"' },
    });
    t.equal(other.statusCode, 200);
  }
  const before = (await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}`, headers: customs })).headers
    .etag as string;
  await h.commit(
    ledgerEvent('SHIPMENT', (tx) => [item(SGTIN, { status: 'IN_TRANSIT', holder: IMPORTER, location: L1 }, tx)]),
  );
  const changed = await h.app.inject({
    method: 'GET',
    url: `/v1/items/${SGTIN}`,
    headers: { ...customs, 'if-none-match': before },
  });
  t.equal(changed.statusCode, 200, 'the item changed: full response');
  t.not(changed.headers.etag, before);
  t.equal(changed.json().status, 'IN_TRANSIT');
  // No 304 leaks past access control.
  const unauthenticated = await h.app.inject({
    method: 'GET',
    url: `/v1/items/${SGTIN}`,
    headers: { 'if-none-match': changed.headers.etag as string },
  });
  t.equal(unauthenticated.statusCode, 401);
});

t.test('party rights: a refused enterprise may read once a commit makes it a party', async (t) => {
  const h = await harness(t);
  const customs = bearer(h.customsKey);
  await h.app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: customs,
    payload: { id: OPERATOR, name: 'Operator', roles: ['operator'], mspId: 'OperatorMSP' },
  });
  const issued = await h.app.inject({
    method: 'POST',
    url: `/v1/enterprises/${OPERATOR}/keys`,
    headers: customs,
    payload: { role: 'operator', label: 'till' },
  });
  const operatorKey = bearer((issued.json() as { key: string }).key);
  await h.commit(
    ledgerEvent('ENTRY', (tx) => [item(SGTIN, { status: 'IN_STOCK', holder: IMPORTER, location: L1 }, tx)]),
  );
  // Refused as if the item did not exist (404 NOT_FOUND): an enterprise does not learn which items exist.
  const refused = await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}`, headers: operatorKey });
  t.equal(refused.statusCode, 404);
  t.equal((refused.json() as { code: string }).code, 'NOT_FOUND');
  t.equal(
    (await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}`, headers: operatorKey })).statusCode,
    404,
    'the refusal is cached',
  );
  await h.commit(
    ledgerEvent('SHIPMENT', (tx) => [
      item(SGTIN, { status: 'IN_TRANSIT', holder: IMPORTER, location: L1, transit: { to: OPERATOR } }, tx),
    ]),
  );
  const now = await h.app.inject({ method: 'GET', url: `/v1/items/${SGTIN}/history`, headers: operatorKey });
  t.equal(now.statusCode, 200, 'the receiver of the shipment may read it right after the commit');
});

t.test('a database read that raced a projection commit is not cached', async (t) => {
  const cache = new ProjectionReadCache({ admission: 'every-read' });
  // The commit's invalidation lands while the read is in flight: the value read may predate the commit.
  const raced = await readThrough(
    cache,
    SGTIN,
    'item',
    async () => {
      cache.invalidate([SGTIN]);
      return { status: 'OLD' };
    },
    () => 10,
  );
  t.same(raced, { status: 'OLD' }, 'the reader gets what it read');
  t.equal(cache.get(SGTIN, 'item'), undefined, 'but it is not cached');
  t.equal(cache.stats().refusedFills, 1);
  // An invalidation of another item also refuses the fill (the epoch is global: conservative, never stale).
  await readThrough(
    cache,
    SGTIN,
    'item',
    async () => {
      cache.invalidate([OTHER]);
      return { status: 'X' };
    },
    () => 10,
  );
  t.equal(cache.get(SGTIN, 'item'), undefined);
  await readThrough(
    cache,
    SGTIN,
    'item',
    async () => ({ status: 'NEW' }),
    () => 10,
  );
  t.same(cache.get(SGTIN, 'item'), { status: 'NEW' }, 'a quiet read is cached');
  cache.invalidate([SGTIN]);
  t.equal(cache.get(SGTIN, 'item'), undefined, 'and dropped by the next commit touching it');
});

t.test('the cache is bounded in bytes and age', async (t) => {
  let now = 0;
  const cache = new ProjectionReadCache({ maxBytes: 1_000, maxAgeMs: 100, now: () => now, admission: 'every-read' });
  for (let i = 0; i < 10; i++) cache.set(`s${i}`, 'body', 'x'.repeat(100), 100, cache.epoch());
  t.ok(cache.stats().bytes <= 1_000, 'within budget');
  t.equal(cache.get('s0', 'body'), undefined, 'least recently used dropped');
  t.equal(cache.get('s9', 'body'), 'x'.repeat(100));
  now = 101;
  t.equal(cache.get('s9', 'body'), undefined, 'expired');
});

t.test(
  'API key cache: a revoked key is refused on the next request; a revocation elsewhere within the TTL',
  async (t) => {
    const h = await harness(t, 300);
    const customs = bearer(h.customsKey);
    await h.app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: customs,
      payload: { id: IMPORTER, name: 'Importer', roles: ['enterprise'], mspId: 'EnterpriseMSP' },
    });
    const issue = async () => {
      const issued = await h.app.inject({
        method: 'POST',
        url: `/v1/enterprises/${IMPORTER}/keys`,
        headers: customs,
        payload: { role: 'enterprise', label: 'k' },
      });
      return issued.json() as { id: string; key: string };
    };

    const a = await issue();
    t.equal(
      (await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(a.key) })).statusCode,
      200,
      'works (and is now cached)',
    );
    t.equal((await h.app.inject({ method: 'DELETE', url: `/v1/keys/${a.id}`, headers: customs })).statusCode, 204);
    const refused = await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(a.key) });
    t.equal(refused.statusCode, 401, 'revoked in this process: refused on the very next request');
    t.equal(refused.json().code, 'UNAUTHENTICATED');

    // Revoked by another process (plain SQL here): the cached key works at most until the TTL runs out.
    const b = await issue();
    t.equal((await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(b.key) })).statusCode, 200);
    await h.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [b.id]);
    t.equal(
      (await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(b.key) })).statusCode,
      200,
      'still cached right after',
    );
    await waitFor(
      'the TTL to run out',
      async () => (await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(b.key) })).statusCode === 401,
      50,
      20,
    );
    t.pass('refused once the TTL ran out');
  },
);
