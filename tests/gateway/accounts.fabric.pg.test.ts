// Proves one enterprise, one account over HTTP: balances after real entries and a shipment (equal to the chain's account:GetBalances), keyset movement pages, a reconciliation whose variances carry the tx ids behind them (stored, read back), 403 for another tenant, and a period close (Idempotency-Key as the chain submission id) after which a back-dated event is refused with PERIOD_CLOSED.
// How: chaincode transactions on a dev peer process, the projection follower into a real PostgreSQL, the gateway app via fastify.inject with real ledger clients to the same peer.
import t from 'tap';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DbPool } from '../../gateway/src/adapters/pg';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import type { ProjectionFollower } from '../../gateway/src/projection/follower';
import { diffAccount } from '../../gateway/src/services/accounts/reconcile';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';
import { createMigratedDatabase } from './helpers/database';
import { startProjection } from './helpers/projection';
import { waitFor } from './helpers/wait';

const { operator, importer, processor } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const L3 = gln(3);
const PERFUME = product(101);
const CREAM = product(202);
const COFFEE = product(303); // never entered
/** A valid credit code that nobody registered. */
const UNKNOWN_ENTERPRISE = '91350100M000100Y43';

/** `yyyy-mm` of the Asia/Shanghai month `monthsBack` months before the current one. */
function shanghaiMonth(monthsBack: number): string {
  const now = new Date(Date.now() + 8 * 3_600_000); // UTC fields of this are Shanghai wall-clock fields
  const index = now.getUTCFullYear() * 12 + now.getUTCMonth() - monthsBack;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
const CLOSED = shanghaiMonth(3); // closed by the test
const EARLIER = shanghaiMonth(2); // stays open
const CURRENT = shanghaiMonth(0);
const inMonth = (month: string, day: number) => `${month}-${String(day).padStart(2, '0')}T10:00:00+08:00`;
const monthStart = (month: string) => `${month}-01T00:00:00+08:00`;
/** The last millisecond of a month in Asia/Shanghai, as an ISO instant. */
function endOf(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
  return new Date(Date.parse(monthStart(next)) - 1).toISOString();
}

let dn: DevnetProcess;
let chain: TraceClient;
let app: FastifyInstance;
let follower: ProjectionFollower;
let db: DbPool;
let keys: { customs: string; importer: string; importer2: string; operator: string; processor: string };
let submitted = 0;

async function submit(identity: string, fn: string, request: unknown): Promise<void> {
  await chain.submit(identity, fn, request);
  submitted++;
}

async function caughtUp(): Promise<void> {
  await waitFor('the projection to catch up', () => follower.status().eventsApplied === submitted);
}

const get = (url: string, key: string) => app.inject({ method: 'GET', url, headers: bearer(key) });
const post = (url: string, key: string, payload?: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    headers: { ...bearer(key), ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const account = (id: string) => `/v1/enterprises/${id}/account`;

async function newKey(
  id: string,
  name: string,
  role: 'enterprise' | 'operator',
  mspId: string,
  register = true,
): Promise<string> {
  if (register) {
    const created = await post('/v1/enterprises', keys.customs, { id, name, roles: [role], mspId });
    if (created.statusCode !== 201) throw new Error(created.body);
  }
  const key = await post(`/v1/enterprises/${id}/keys`, keys.customs, { role, label: 'test' });
  return (key.json() as { key: string }).key;
}

interface ChainMovement {
  gtin: string;
  regime: string;
  location: string;
  qty: number;
  txId: string;
  eventType: string;
}

async function chainMovements(enterprise: string): Promise<ChainMovement[]> {
  const page = await chain.evaluate<{ movements: ChainMovement[] }>('customs-admin', 'account:GetMovements', {
    enterprise,
    pageSize: 1000,
  });
  return page.movements;
}

t.before(async () => {
  dn = await startDevnetProcess();
  chain = new TraceClient(dn);
  await registerDevnetEnterprises(chain);
  submitted += Object.keys(ENTERPRISES).length;
  const enter = (
    declarationNo: string,
    p: typeof PERFUME,
    location: string,
    regime: string,
    serials: number[],
    eventTime?: string,
  ) =>
    submit(importer.identity, 'goods:Enter', {
      declarationNo,
      location,
      regime,
      product: { gtin: p.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 10_000,
      items: serials.map((s) => p.sgtin(s)),
      ...(eventTime ? { eventTime } : {}),
    });
  await enter('D-1', PERFUME, L1, 'ZERO_TARIFF', [1, 2, 3, 4, 5], inMonth(CLOSED, 15));
  await enter('D-2', CREAM, L1, 'BONDED', [1, 2, 3], inMonth(EARLIER, 15));
  await submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-1',
    toEnterprise: operator.id,
    toLocation: L2,
    items: [PERFUME.sgtin(1), PERFUME.sgtin(2)],
  });
  await submit(operator.identity, 'goods:Receive', {
    shipmentId: 'S-1',
    location: L2,
    items: [PERFUME.sgtin(1), PERFUME.sgtin(2)],
  });
  await enter('D-3', PERFUME, L3, 'ZERO_TARIFF', [6]);

  const databaseUrl = await createMigratedDatabase(t);
  const { settings, problems } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  if (problems.length > 0) throw new Error(problems.join('; '));
  const ledgers = newLedgerClients({ settings: settings!, customsMspId: 'CustomsMSP' });
  const built = await buildTestApp(t, { databaseUrl, ledgers });
  app = built.app;
  db = built.db;
  keys = { customs: built.customsKey, importer: '', importer2: '', operator: '', processor: '' };
  keys.importer = await newKey(importer.id, 'Importer', 'enterprise', importer.mspId);
  keys.importer2 = await newKey(importer.id, 'Importer', 'enterprise', importer.mspId, false);
  keys.operator = await newKey(operator.id, 'Operator', 'operator', operator.mspId);
  keys.processor = await newKey(processor.id, 'Processor', 'enterprise', processor.mspId);

  t.teardown(() => ledgers.close());
  follower = startProjection(t, settings!, databaseUrl);
  await caughtUp();
});
t.teardown(async () => {
  chain?.close();
  await dn?.stop();
});

t.test(
  "balances after entries and a shipment equal the chain's, with the projection position; asOf goes back in time",
  async (t) => {
    type Balances = {
      enterprise: string;
      asOf: string;
      projection: { blockNumber: string; txId: string } | null;
      balances: { gtin: string; regime: string; location: string; quantity: number }[];
      truncated: boolean;
      closedPeriods: unknown[];
    };
    const res = await get(account(importer.id), keys.importer);
    t.equal(res.statusCode, 200, res.body);
    const body = res.json() as Balances;
    t.same(
      body.balances,
      [
        { gtin: PERFUME.gtin, regime: 'ZERO_TARIFF', location: L1, quantity: 3 },
        { gtin: PERFUME.gtin, regime: 'ZERO_TARIFF', location: L3, quantity: 1 },
        { gtin: CREAM.gtin, regime: 'BONDED', location: L1, quantity: 3 },
      ].sort((a, b) => (a.gtin + a.location < b.gtin + b.location ? -1 : 1)),
      '5 entered - 2 shipped at L1, 1 at L3, 3 bonded',
    );
    const onChain = await chain.evaluate<{
      balances: { gtin: string; regime: string; location: string; qty: number }[];
    }>('customs-admin', 'account:GetBalances', { enterprise: importer.id });
    t.same(
      body.balances,
      onChain.balances.map((b) => ({ gtin: b.gtin, regime: b.regime, location: b.location, quantity: b.qty })),
      'same lines, same order as account:GetBalances',
    );
    t.equal(body.truncated, false);
    t.ok(
      body.projection && BigInt(body.projection.blockNumber) >= 1n && /^[0-9a-f]{64}$/.test(body.projection.txId),
      'the projection position the answer reflects',
    );
    t.same(body.closedPeriods, []);

    const back = (
      await get(`${account(importer.id)}?asOf=${encodeURIComponent(endOf(CLOSED))}`, keys.importer)
    ).json() as Balances;
    t.same(
      back.balances,
      [{ gtin: PERFUME.gtin, regime: 'ZERO_TARIFF', location: L1, quantity: 5 }],
      `at the end of ${CLOSED}: only the first entry`,
    );
    const backOnChain = await chain.evaluate<{ balances: { qty: number }[] }>('customs-admin', 'account:GetBalances', {
      enterprise: importer.id,
      asOf: endOf(CLOSED),
    });
    t.same(
      back.balances.map((b) => b.quantity),
      backOnChain.balances.map((b) => b.qty),
    );

    const op = (await get(account(operator.id), keys.operator)).json() as Balances;
    t.same(
      op.balances,
      [{ gtin: PERFUME.gtin, regime: 'ZERO_TARIFF', location: L2, quantity: 2 }],
      'the receiver has the shipped items at L2',
    );
    t.same(
      ((await get(account(processor.id), keys.processor)).json() as Balances).balances,
      [],
      'an enterprise without movements has an empty book',
    );
  },
);

t.test('access: customs reads every account; an enterprise or operator only its own', async (t) => {
  t.equal((await get(account(operator.id), keys.customs)).statusCode, 200, 'customs');
  for (const path of ['', '/movements', '/reconciliations/00000000-0000-4000-8000-000000000000']) {
    const res = await get(`${account(importer.id)}${path}`, keys.operator);
    t.equal(res.statusCode, 403, `operator reading the importer: ${path || 'balances'}`);
    t.equal((res.json() as { code: string }).code, 'FORBIDDEN_TENANT');
  }
  const recon = await post(`${account(operator.id)}/reconciliations`, keys.importer, { lines: [] });
  t.equal((recon.json() as { code: string }).code, 'FORBIDDEN_TENANT', "nor reconcile another's account");
  const close = await post(`${account(operator.id)}/periods/${CLOSED}/close`, keys.importer);
  t.equal(close.statusCode, 403);
  t.equal((close.json() as { code: string }).code, 'FORBIDDEN_TENANT', "nor close another's period");
  const unknown = await get(account(UNKNOWN_ENTERPRISE), keys.customs);
  t.equal(unknown.statusCode, 404, 'an enterprise the gateway does not know');
  t.equal((await get(`/v1/enterprises/not-a-credit-code/account`, keys.customs)).statusCode, 400);
  t.equal(
    (await get(`${account(importer.id)}?asOf=yesterday`, keys.customs)).statusCode,
    400,
    'asOf must be a date-time',
  );
});

t.test('movements: chain order, keyset pages that cover every movement once, filters', async (t) => {
  type Page = {
    movements: {
      txId: string;
      blockNumber: string;
      txSeq: number;
      gtin: string;
      qty: number;
      eventType: string;
      eventTime: string;
    }[];
    nextPageToken?: string;
  };
  const all = await get(`${account(importer.id)}/movements`, keys.importer);
  t.equal(all.statusCode, 200, all.body);
  const movements = (all.json() as Page).movements;
  t.same(
    movements.map((m) => [m.eventType, m.gtin, m.qty]),
    [
      ['ENTRY', PERFUME.gtin, 5],
      ['ENTRY', CREAM.gtin, 3],
      ['SHIPMENT', PERFUME.gtin, -2],
      ['ENTRY', PERFUME.gtin, 1],
    ],
    'entries and the shipment, in the order the chain committed them',
  );
  const onChain = await chainMovements(importer.id);
  t.same(
    movements.map((m) => m.txId).sort(),
    onChain.map((m) => m.txId).sort(),
    'the same transactions as account:GetMovements',
  );
  for (let i = 1; i < movements.length; i++) {
    const [a, b] = [movements[i - 1]!, movements[i]!];
    t.ok(
      BigInt(a.blockNumber) < BigInt(b.blockNumber) || (a.blockNumber === b.blockNumber && a.txSeq <= b.txSeq),
      'chain order',
    );
  }

  const paged: string[] = [];
  let token: string | undefined;
  for (let page = 0; page <= movements.length; page++) {
    const res = await get(
      `${account(importer.id)}/movements?perPage=1${token ? `&nextPageToken=${encodeURIComponent(token)}` : ''}`,
      keys.importer,
    );
    t.equal(res.statusCode, 200, res.body);
    paged.push(...(res.json() as Page).movements.map((m) => m.txId));
    token = (res.json() as Page).nextPageToken;
    if (token) t.match(res.headers.link, /rel="next"/);
    if (!token) break;
  }
  t.same(
    paged,
    movements.map((m) => m.txId),
    'pages of one cover the movements once each, in order',
  );

  const perfume = (await get(`${account(importer.id)}/movements?gtin=${PERFUME.gtin}`, keys.importer)).json() as Page;
  t.same(
    perfume.movements.map((m) => m.qty),
    [5, -2, 1],
    'gtin filter',
  );
  const recent = (
    await get(`${account(importer.id)}/movements?from=${encodeURIComponent(monthStart(CURRENT))}`, keys.importer)
  ).json() as Page;
  t.same(
    recent.movements.map((m) => m.eventType),
    ['SHIPMENT', 'ENTRY'],
    "from: this month's movements",
  );
  const old = (
    await get(`${account(importer.id)}/movements?to=${encodeURIComponent(monthStart(CURRENT))}`, keys.importer)
  ).json() as Page;
  t.same(
    old.movements.map((m) => m.eventTime),
    [inMonth(CLOSED, 15), inMonth(EARLIER, 15)].map((time) => new Date(time).toISOString()),
    'at their event times',
  );
  t.same(
    old.movements.map((m) => m.gtin),
    [PERFUME.gtin, CREAM.gtin],
    'to (exclusive): the back-dated entries',
  );

  t.equal((await get(`${account(importer.id)}/movements?perPage=0`, keys.importer)).statusCode, 400, 'perPage >= 1');
  t.equal(
    (await get(`${account(importer.id)}/movements?perPage=1001`, keys.importer)).statusCode,
    400,
    'perPage <= 1000',
  );
  const bad = await get(`${account(importer.id)}/movements?nextPageToken=bm9wZQ`, keys.importer);
  t.equal(bad.statusCode, 400);
  t.equal((bad.json() as { code: string }).code, 'INVALID_PAGE_TOKEN');
});

t.test(
  'reconciliation: every variance with the transactions behind the ledger figure; stored and read back',
  async (t) => {
    type Reconciliation = {
      id: string;
      enterprise: string;
      asOf: string;
      createdAt: string;
      projection: unknown;
      summary: { erpLines: number; ledgerLines: number; matched: number; variances: number };
      variances: {
        gtin: string;
        regime: string | null;
        location: string | null;
        erpQuantity: number | null;
        ledgerQuantity: number;
        difference: number;
        status: string;
        eventCount: number;
        events: { txId: string; eventType: string; eventTime: string; qty: number }[];
        truncated: boolean;
      }[];
    };
    const url = `${account(importer.id)}/reconciliations`;
    const res = await post(url, keys.importer, {
      lines: [
        { gtin: PERFUME.gtin, regime: 'ZERO_TARIFF', location: L1, quantity: 4 }, // the ERP missed the shipment
        { gtin: PERFUME.gtin, regime: 'ZERO_TARIFF', location: L3, quantity: 1 }, // agrees
        { gtin: COFFEE.gtin, regime: 'ZERO_TARIFF', location: L1, quantity: 7 }, // never on the ledger
        // CREAM is not in the ERP at all
      ],
    });
    t.equal(res.statusCode, 201, res.body);
    const body = res.json() as Reconciliation;
    t.equal(res.headers.location, `${url}/${body.id}`);
    t.same(body.summary, { erpLines: 3, ledgerLines: 3, matched: 1, variances: 3 });

    const onChain = await chainMovements(importer.id);
    const txOf = (gtin: string, location: string) =>
      onChain.filter((m) => m.gtin === gtin && m.location === location).map((m) => m.txId);
    const [cream, perfume, coffee] = [CREAM, PERFUME, COFFEE].map(
      (p) => body.variances.find((v) => v.gtin === p.gtin)!,
    );
    t.match(perfume, {
      regime: 'ZERO_TARIFF',
      location: L1,
      erpQuantity: 4,
      ledgerQuantity: 3,
      difference: 1,
      status: 'QUANTITY_DIFFERS',
      eventCount: 2,
      truncated: false,
    });
    t.same(
      perfume!.events.map((e) => [e.eventType, e.qty]),
      [
        ['ENTRY', 5],
        ['SHIPMENT', -2],
      ],
      'the entry and the shipment behind the figure',
    );
    t.same(perfume!.events.map((e) => e.txId).sort(), txOf(PERFUME.gtin, L1).sort(), 'with their ledger tx ids');
    t.match(cream, {
      regime: 'BONDED',
      location: L1,
      erpQuantity: null,
      ledgerQuantity: 3,
      difference: -3,
      status: 'MISSING_IN_ERP',
      eventCount: 1,
    });
    t.same(
      cream!.events.map((e) => e.txId),
      txOf(CREAM.gtin, L1),
    );
    t.match(coffee, {
      erpQuantity: 7,
      ledgerQuantity: 0,
      difference: 7,
      status: 'MISSING_IN_LEDGER',
      eventCount: 0,
      events: [],
      truncated: false,
    });

    const back = await get(`${url}/${body.id}`, keys.importer);
    t.equal(back.statusCode, 200, back.body);
    t.same(back.json(), body, 'read back exactly as answered');
    t.equal((await get(`${url}/${body.id}`, keys.customs)).statusCode, 200, 'customs reads it too');
    t.equal(
      (await get(`${account(operator.id)}/reconciliations/${body.id}`, keys.customs)).statusCode,
      404,
      'under another enterprise it does not exist',
    );
    t.equal((await get(`${url}/00000000-0000-4000-8000-000000000000`, keys.importer)).statusCode, 404);

    const coarse = (
      await post(url, keys.importer, {
        lines: [
          { gtin: PERFUME.gtin, quantity: 4 },
          { gtin: CREAM.gtin, regime: 'BONDED', quantity: 3 },
        ],
      })
    ).json() as Reconciliation;
    t.same(
      coarse.summary,
      { erpLines: 2, ledgerLines: 3, matched: 2, variances: 0 },
      'an ERP booking per GTIN (or GTIN and regime) is compared with the sum of the book lines',
    );
    const past = (
      await post(url, keys.importer, {
        asOf: endOf(CLOSED),
        lines: [{ gtin: PERFUME.gtin, regime: 'ZERO_TARIFF', location: L1, quantity: 5 }],
      })
    ).json() as Reconciliation;
    t.same([past.summary.matched, past.summary.variances], [1, 0], 'asOf: the book at the end of a past month');

    const mixed = await post(url, keys.importer, {
      lines: [
        { gtin: PERFUME.gtin, quantity: 4 },
        { gtin: PERFUME.gtin, location: L1, quantity: 3 },
      ],
    });
    t.equal(mixed.statusCode, 422, 'two grains for one GTIN');
    t.equal((mixed.json() as { code: string }).code, 'UNPROCESSABLE');
    const twice = await post(url, keys.importer, {
      lines: [
        { gtin: PERFUME.gtin, quantity: 4 },
        { gtin: PERFUME.gtin, quantity: 4 },
      ],
    });
    t.equal(twice.statusCode, 422, 'the same line twice');
    const tooMany = await post(url, keys.importer, {
      lines: Array.from({ length: 10_001 }, (_, i) => ({ gtin: PERFUME.gtin, location: gln(1000 + i), quantity: 1 })),
    });
    t.equal(tooMany.statusCode, 400, 'at most 10,000 lines');
    t.equal((tooMany.json() as { code: string }).code, 'VALIDATION_FAILED');
    const badLine = await post(url, keys.importer, { lines: [{ gtin: 'abc', quantity: 1.5 }] });
    t.equal(badLine.statusCode, 400);
  },
);

t.test(
  'period close: Idempotency-Key is the chain submission id; a back-dated event is then refused with PERIOD_CLOSED',
  async (t) => {
    type Closed = {
      enterprise: string;
      period: string;
      duplicateSubmission: boolean;
      txId: string;
      snapshotHash?: string;
      balances?: unknown[];
    };
    const close = (period: string, key: string, idempotencyKey?: string, enterprise: string = importer.id) =>
      post(
        `${account(enterprise)}/periods/${period}/close`,
        key,
        undefined,
        idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      );

    const notEnded = await close(CURRENT, keys.importer);
    t.equal(notEnded.statusCode, 422, 'the current month has not ended');
    t.equal((notEnded.json() as { code: string }).code, 'INVALID_ARGUMENT');
    t.equal((await close('2024-13', keys.importer)).statusCode, 400, 'period must be yyyy-mm');

    const first = await close(CLOSED, keys.importer, 'close-key-1');
    t.equal(first.statusCode, 200, first.body);
    submitted++;
    const closed = first.json() as Closed;
    t.match(closed, { enterprise: importer.id, period: CLOSED, duplicateSubmission: false });
    t.match(closed.txId, /^[0-9a-f]{64}$/, 'the close names its transaction');
    t.match(closed.snapshotHash, /^[0-9a-f]{64}$/);
    t.same(
      closed.balances,
      [{ gtin: PERFUME.gtin, regime: 'ZERO_TARIFF', location: L1, quantity: 5 }],
      'the frozen month-end book',
    );

    const replay = await close(CLOSED, keys.importer, 'close-key-1');
    t.equal(replay.statusCode, 200);
    t.equal(replay.headers['idempotent-replayed'], 'true', 'the same key again: the stored answer');
    t.same(replay.json(), closed);

    const backDated = await TraceClient.refused(
      chain.submit(importer.identity, 'goods:Enter', {
        declarationNo: 'D-LATE',
        location: L1,
        regime: 'ZERO_TARIFF',
        product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
        unitValueFen: 10_000,
        items: [PERFUME.sgtin(7)],
        eventTime: inMonth(CLOSED, 20),
      }),
    );
    t.equal(backDated.code, 'PERIOD_CLOSED', `an event back-dated into ${CLOSED} is refused`);

    await caughtUp();
    const book = (await get(account(importer.id), keys.importer)).json() as {
      closedPeriods: { period: string; snapshotHash: string; txId: string }[];
    };
    t.same(
      book.closedPeriods.map((p) => [p.period, p.snapshotHash]),
      [[CLOSED, closed.snapshotHash]],
      'the closed period shows on the account',
    );
    const closeTx = book.closedPeriods[0]!.txId;
    t.equal(closeTx, closed.txId, 'the transaction the close answered is the one the chain recorded');

    // Another key of the same enterprise with the same Idempotency-Key is another client's request: submission ids are
    // scoped by API key, so it is not mistaken for the first client's retry.
    const otherClient = await close(CLOSED, keys.importer2, 'close-key-1');
    t.equal(otherClient.statusCode, 409, "a second client's key does not collide with the first client's");
    t.equal((otherClient.json() as { code: string }).code, 'ALREADY_EXISTS');

    // The lost answer: the close committed but the gateway died before storing its response. The retry with the same
    // key reaches the chain again, which names the first transaction; the gateway answers success.
    await db.query(`DELETE FROM idempotency_records WHERE key = 'close-key-1'`);
    const retried = await close(CLOSED, keys.importer, 'close-key-1');
    t.equal(retried.statusCode, 200, retried.body);
    t.match(retried.json(), {
      enterprise: importer.id,
      period: CLOSED,
      duplicateSubmission: true,
      txId: closeTx,
      snapshotHash: closed.snapshotHash,
    });

    // The same key for another period, with no stored answer: the transaction the chain names closed another period.
    await db.query(`DELETE FROM idempotency_records WHERE key = 'close-key-1'`);
    const reused = await close(EARLIER, keys.importer, 'close-key-1');
    t.equal(reused.statusCode, 422, 'the same key for another period: the transaction the chain names closed another');
    t.equal((reused.json() as { code: string }).code, 'IDEMPOTENCY_KEY_REUSED');

    const again = await close(CLOSED, keys.importer);
    t.equal(again.statusCode, 409, 'closing a closed period without the key');
    t.equal((again.json() as { code: string }).code, 'ALREADY_EXISTS');

    const byCustoms = await close(CLOSED, keys.customs, undefined, operator.id);
    t.equal(byCustoms.statusCode, 200, byCustoms.body);
    submitted++;
    t.match(
      byCustoms.json(),
      { enterprise: operator.id, period: CLOSED, duplicateSubmission: false, balances: [] },
      'customs closes any account',
    );
    await caughtUp();
  },
);

t.test('the diff at a coarser grain: unmentioned lines of a known GTIN, and lines that net to zero', async (t) => {
  const G = PERFUME.gtin;
  const book = [
    { gtin: G, regime: 'ZERO_TARIFF', location: L1, quantity: 3 },
    { gtin: G, regime: 'ZERO_TARIFF', location: L2, quantity: 2 },
    { gtin: G, regime: 'BONDED', location: L1, quantity: 4 },
    { gtin: G, regime: 'BONDED', location: L2, quantity: -4 }, // never on a real book; here: a bucket that nets to zero
  ];
  const byRegime = diffAccount([{ gtin: G, regime: 'ZERO_TARIFF', quantity: 5 }], book);
  t.same(
    byRegime,
    { matched: 1, variances: [] },
    'ZERO_TARIFF sums L1 and L2; the BONDED bucket nets to zero, so nothing is missing from the ERP',
  );
  const byLocation = diffAccount([{ gtin: G, location: L1, quantity: 7 }], book);
  t.same(
    byLocation.variances,
    [
      {
        gtin: G,
        regime: null,
        location: L2,
        erpQuantity: null,
        ledgerQuantity: -2,
        difference: 2,
        status: 'MISSING_IN_ERP',
      },
    ],
    "the unmentioned location, at the ERP's grain",
  );
  t.throws(
    () =>
      diffAccount(
        [
          { gtin: G, regime: 'BONDED', quantity: 1 },
          { gtin: G, location: L1, quantity: 1 },
        ],
        book,
      ),
    /one grain per GTIN/,
  );
});
