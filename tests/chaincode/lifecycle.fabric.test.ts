// Proves the chaincode enforces one goods, one chain on the ledger itself: every invalid transition and every access
// denial is refused with its stable code, account movements follow each step, and each transaction emits one event.
// How: the traceability chaincode on a dev peer, driven through the official client as customs and as enterprises.
import t from 'tap';
import { startDevnetProcess, DevnetProcess, connectGateway } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';

const { operator, importer, processor } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const L3 = gln(3);
const PERFUME = product(101);
let dn: DevnetProcess;
let c: TraceClient;
let serial = 0;

async function enter(
  n: number,
  opts: {
    as?: string;
    location?: string;
    regime?: string;
    eventTime?: string;
    p?: ReturnType<typeof product>;
    category?: string;
    unitValueFen?: number;
  } = {},
): Promise<string[]> {
  const p = opts.p ?? PERFUME;
  const items = Array.from({ length: n }, () => p.sgtin(`L${++serial}`));
  await c.submit(opts.as ?? importer.identity, 'goods:Enter', {
    declarationNo: `DECL-${serial}`,
    location: opts.location ?? L1,
    regime: opts.regime ?? 'ZERO_TARIFF',
    product: { gtin: p.gtin, hsCode: '330300', category: opts.category ?? 'COSMETICS' },
    unitValueFen: opts.unitValueFen ?? 10_000,
    items,
    ...(opts.eventTime ? { eventTime: opts.eventTime } : {}),
  });
  return items;
}

t.before(async () => {
  dn = await startDevnetProcess();
  c = new TraceClient(dn);
});
t.teardown(async () => {
  c?.close();
  await dn?.stop();
});

t.test('only customs registers enterprises; unregistered enterprises cannot act', async (t) => {
  const denied = await TraceClient.refused(
    c.submit(importer.identity, 'customs:RegisterEnterprise', {
      id: importer.id,
      name: 'x',
      mspId: importer.mspId,
      roles: ['importer'],
    }),
  );
  t.equal(denied.code, 'ACCESS_DENIED');
  const unknown = await TraceClient.refused(enter(1));
  t.equal(unknown.code, 'UNKNOWN_ENTERPRISE', 'an enterprise must be registered before it declares anything');
  await registerDevnetEnterprises(c);
  const again = await TraceClient.refused(
    c.submit('customs-admin', 'customs:RegisterEnterprise', {
      id: importer.id,
      name: 'x',
      mspId: importer.mspId,
      roles: ['importer'],
    }),
  );
  t.equal(again.code, 'ALREADY_EXISTS');
  const bad = await TraceClient.refused(
    c.submit('customs-admin', 'customs:RegisterEnterprise', {
      id: 'not-a-uscc',
      name: 'x',
      mspId: 'X',
      roles: ['importer'],
    }),
  );
  t.equal(bad.code, 'INVALID_ARGUMENT');
});

t.test('entry: items on the chain, on the book, findable by 16-digit code; duplicates refused', async (t) => {
  const [a, b] = await enter(2);
  const item = await c.evaluate<{ status: string; holder: string; location: string; regime: string }>(
    'customs-admin',
    'query:GetItem',
    { id: a },
  );
  t.match(item, { status: 'IN_STOCK', holder: importer.id, location: L1, regime: 'ZERO_TARIFF' });
  const dup = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Enter', {
      declarationNo: 'D-dup',
      location: L1,
      regime: 'BONDED',
      product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 1,
      items: [a],
    }),
  );
  t.equal(dup.code, 'ALREADY_EXISTS');
  const wrongGtin = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Enter', {
      declarationNo: 'D-g',
      location: L1,
      regime: 'BONDED',
      product: { gtin: product(999).gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 1,
      items: [PERFUME.sgtin('zz')],
    }),
  );
  t.equal(wrongGtin.code, 'INVALID_ARGUMENT');
  await c.submit(importer.identity, 'goods:Associate', { pairs: [{ sgtin: b, code: '4600000000000017' }] });
  const byCode = await c.evaluate<{ sgtin: string; traceCode: string }>('customs-admin', 'query:GetItem', {
    id: '4600000000000017',
  });
  t.equal(byCode.sgtin, b, 'the 16-digit code finds the item');
  const reuse = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Associate', { pairs: [{ sgtin: a, code: '4600000000000017' }] }),
  );
  t.equal(reuse.code, 'ALREADY_EXISTS', 'a code belongs to one item');
  const big = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Enter', {
      declarationNo: 'D-big',
      location: L1,
      regime: 'BONDED',
      product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 1,
      items: Array.from({ length: 1001 }, (_, i) => PERFUME.sgtin(`big${i}`)),
    }),
  );
  t.equal(big.code, 'INVALID_ARGUMENT', 'more than 1,000 items per transaction refused');
});

t.test(
  'shipment and receipt: only the holder ships; only the receiver at the shipped-to location receives',
  async (t) => {
    const items = await enter(3);
    const notHolder = await TraceClient.refused(
      c.submit(operator.identity, 'goods:Ship', {
        shipmentId: 'S-x',
        toEnterprise: operator.id,
        toLocation: L2,
        items,
      }),
    );
    t.equal(notHolder.code, 'NOT_HOLDER', 'moved by a non-holder');
    await c.submit(importer.identity, 'goods:Ship', {
      shipmentId: 'S-1',
      toEnterprise: operator.id,
      toLocation: L2,
      items,
    });
    const wrongPlace = await TraceClient.refused(
      c.submit(operator.identity, 'goods:Receive', { shipmentId: 'S-1', location: L3, items }),
    );
    t.equal(wrongPlace.code, 'WRONG_RECEIPT', 'receipt at a location the items were not sent to');
    const wrongParty = await TraceClient.refused(
      c.submit(processor.identity, 'goods:Receive', { shipmentId: 'S-1', location: L2, items }),
    );
    t.equal(wrongParty.code, 'WRONG_RECEIPT', 'receipt by an enterprise the items were not sent to');
    const twice = await TraceClient.refused(
      c.submit(importer.identity, 'goods:Ship', {
        shipmentId: 'S-2',
        toEnterprise: operator.id,
        toLocation: L2,
        items,
      }),
    );
    t.equal(twice.code, 'INVALID_TRANSITION', 'in transit cannot ship again');
    const received = await c.submit<{ movements: { enterprise: string; qty: number; location: string }[] }>(
      operator.identity,
      'goods:Receive',
      { shipmentId: 'S-1', location: L2, items },
    );
    t.same(
      received.movements.map((m) => [m.enterprise, m.location, m.qty]),
      [[operator.id, L2, 3]],
    );
    const item = await c.evaluate<{ holder: string; location: string; status: string }>(
      operator.identity,
      'query:GetItem',
      { id: items[0] },
    );
    t.match(item, { holder: operator.id, location: L2, status: 'IN_STOCK' });
  },
);

t.test('a submission id commits once: the retry is told which transaction already carried it', async (t) => {
  const items = await enter(2);
  const request = {
    shipmentId: 'S-sub',
    toEnterprise: operator.id,
    toLocation: L2,
    items,
    submissionId: 'capture-chunk-1',
  };
  const first = await c.submit<{ txId: string }>(importer.identity, 'goods:Ship', request);
  const retry = await TraceClient.refused(c.submit(importer.identity, 'goods:Ship', request));
  t.equal(retry.code, 'DUPLICATE_SUBMISSION', 'a retry after a lost answer is not mistaken for a new shipment');
  t.match(retry.message, first.txId, 'the refusal names the transaction that committed it');
  const other = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Enter', {
      declarationNo: 'D-sub',
      location: L1,
      regime: 'BONDED',
      product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 1,
      items: [PERFUME.sgtin('sub-x')],
      submissionId: 'capture-chunk-1',
    }),
  );
  t.equal(other.code, 'DUPLICATE_SUBMISSION', 'ids are unique across transaction types');
  const item = await c.evaluate<{ status: string }>('customs-admin', 'query:GetItem', { id: items[0] });
  t.equal(item.status, 'IN_TRANSIT');
  const bad = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Enter', {
      declarationNo: 'D-sub2',
      location: L1,
      regime: 'BONDED',
      product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 1,
      items: [PERFUME.sgtin('sub-y')],
      submissionId: 'has space',
    }),
  );
  t.equal(bad.code, 'INVALID_ARGUMENT');
});

t.test('invalid transitions: exit without entry, sold twice, exit of a sold item; access by role', async (t) => {
  const ghost = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Exit', {
      releaseListNo: 'R-ghost',
      port: 'HAIKOU_PORT',
      items: [{ id: PERFUME.sgtin('never'), exitValueFen: 1 }],
    }),
  );
  t.equal(ghost.code, 'NOT_FOUND', 'exit without entry');
  const [x] = await enter(1, { as: operator.identity, location: L2 });
  const sale = (id: string, saleId: string) =>
    c.submit(
      operator.identity,
      'sale:Sell',
      {
        saleId,
        personCode: 'a'.repeat(64),
        location: L2,
        pickupMode: 'DEPARTURE_PICKUP',
        departure: {
          mode: 'FLIGHT',
          ticketRef: 'HU7181',
          departureTime: new Date(Date.now() + 86_400_000).toISOString(),
        },
        lines: [{ id, unitPriceFen: 50_000 }],
      },
      { buyer: { birthDate: '1990-01-01' } },
    );
  const notOperator = await TraceClient.refused(
    c.submit(
      importer.identity,
      'sale:Sell',
      {
        saleId: 'S0',
        personCode: 'a'.repeat(64),
        location: L1,
        pickupMode: 'DEPARTURE_PICKUP',
        lines: [{ id: x, unitPriceFen: 1 }],
      },
      { buyer: { birthDate: '1990-01-01' } },
    ),
  );
  t.equal(notOperator.code, 'ACCESS_DENIED', 'only a duty-free operator sells');
  const noBuyer = await TraceClient.refused(
    c.submit(operator.identity, 'sale:Sell', {
      saleId: 'S00',
      personCode: 'a'.repeat(64),
      location: L2,
      pickupMode: 'DEPARTURE_PICKUP',
      departure: { mode: 'FLIGHT', ticketRef: 'T', departureTime: new Date(Date.now() + 86_400_000).toISOString() },
      lines: [{ id: x, unitPriceFen: 1 }],
    }),
  );
  t.equal(noBuyer.code, 'BUYER_DETAILS_REQUIRED');
  await sale(x!, 'SALE-1');
  const soldTwice = await TraceClient.refused(sale(x!, 'SALE-2'));
  t.equal(soldTwice.code, 'INVALID_TRANSITION', 'sold twice');
  const exitSold = await TraceClient.refused(
    c.submit(operator.identity, 'goods:Exit', {
      releaseListNo: 'R-sold',
      port: 'HAIKOU_PORT',
      items: [{ id: x, exitValueFen: 1 }],
    }),
  );
  t.equal(exitSold.code, 'INVALID_TRANSITION', 'exit of a sold item');
  const procDenied = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Process', {
      processingId: 'P-x',
      location: L1,
      inputs: [x],
      outputs: [product(5).sgtin('1')],
      outputProduct: { gtin: product(5).gtin, hsCode: '330300', category: 'OTHER' },
      outputUnitValueFen: 1,
    }),
  );
  t.equal(procDenied.code, 'ACCESS_DENIED', 'only a processor processes');
  const quotaDenied = await TraceClient.refused(
    c.evaluate(importer.identity, 'query:GetPersonQuota', { personCode: 'a'.repeat(64) }),
  );
  t.equal(quotaDenied.code, 'ACCESS_DENIED', 'person quotas are for customs and operators only');
  const quota = await c.evaluate<{ usedFen: number }>(operator.identity, 'query:GetPersonQuota', {
    personCode: 'a'.repeat(64),
  });
  t.equal(quota.usedFen, 50_000);
  const readOther = await TraceClient.refused(c.evaluate(processor.identity, 'query:GetItem', { id: x }));
  t.equal(readOther.code, 'ACCESS_DENIED', 'an enterprise reads only items it held');
});

t.test('customs hold, release and seizure; held goods cannot move; only customs holds', async (t) => {
  const [a, b] = await enter(2);
  const denied = await TraceClient.refused(c.submit(importer.identity, 'customs:Hold', { items: [a], reason: 'x' }));
  t.equal(denied.code, 'ACCESS_DENIED');
  await c.submit('customs-admin', 'customs:Hold', { items: [a, b], reason: 'suspected undervaluation' });
  const moveHeld = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Ship', {
      shipmentId: 'S-h',
      toEnterprise: operator.id,
      toLocation: L2,
      items: [a],
    }),
  );
  t.equal(moveHeld.code, 'ITEM_HELD');
  await c.submit('customs-admin', 'customs:Release', { items: [a] });
  const seized = await c.submit<{ movements: { qty: number }[] }>('customs-admin', 'customs:Seize', {
    items: [b],
    reason: 'smuggling',
  });
  t.same(
    seized.movements.map((m) => m.qty),
    [-1],
    "a seized item leaves its holder's book",
  );
  const after = await c.evaluate<{ status: string }>('customs-admin', 'query:GetItem', { id: b });
  t.equal(after.status, 'SEIZED');
  const endOfChain = await TraceClient.refused(
    c.submit('customs-admin', 'customs:Hold', { items: [b], reason: 'again' }),
  );
  t.equal(endOfChain.code, 'INVALID_ARGUMENT');
  await c.submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-r',
    toEnterprise: operator.id,
    toLocation: L2,
    items: [a],
  });
});

t.test('period close freezes a month: a back-dated event into it is refused', async (t) => {
  const closed = await c.submit<{ snapshotHash: string; balances: unknown[] }>(
    importer.identity,
    'account:ClosePeriod',
    { enterprise: importer.id, period: '2026-09' },
  );
  t.match(closed.snapshotHash, /^[0-9a-f]{64}$/);
  const backDated = await TraceClient.refused(enter(1, { eventTime: '2026-09-15T10:00:00+08:00' }));
  t.equal(backDated.code, 'PERIOD_CLOSED');
  const open = await enter(1, { eventTime: '2026-10-15T10:00:00+08:00' });
  t.equal(open.length, 1, 'the next month is still open');
  const again = await TraceClient.refused(
    c.submit(importer.identity, 'account:ClosePeriod', { enterprise: importer.id, period: '2026-09' }),
  );
  t.equal(again.code, 'ALREADY_EXISTS');
  const future = await TraceClient.refused(
    c.submit(importer.identity, 'account:ClosePeriod', { enterprise: importer.id, period: '2030-01' }),
  );
  t.equal(future.code, 'INVALID_ARGUMENT', 'a month that has not ended cannot be closed');
  const october = await c.evaluate<{ movements: { period: string; qty: number }[]; bookmark: string }>(
    importer.identity,
    'account:GetMovements',
    { enterprise: importer.id, period: '2026-10', pageSize: 10 },
  );
  t.same(
    october.movements.map((m) => [m.period, m.qty]),
    [['2026-10', 1]],
    'movements of one period',
  );
  const page1 = await c.evaluate<{ movements: unknown[]; bookmark: string }>(
    importer.identity,
    'account:GetMovements',
    { enterprise: importer.id, pageSize: 2 },
  );
  t.equal(page1.movements.length, 2);
  t.not(page1.bookmark, '', 'more movements follow');
  const page2 = await c.evaluate<{ movements: unknown[] }>(importer.identity, 'account:GetMovements', {
    enterprise: importer.id,
    pageSize: 2,
    bookmark: page1.bookmark,
  });
  t.notSame(page2.movements[0], page1.movements[0], 'the next page continues after the bookmark');
  const other = await TraceClient.refused(
    c.submit(operator.identity, 'account:ClosePeriod', { enterprise: importer.id, period: '2026-08' }),
  );
  t.equal(other.code, 'ACCESS_DENIED', 'an enterprise closes only its own book');
});

t.test('history: every step with tx id, time and its EPCIS event; one chaincode event per transaction', async (t) => {
  const [a] = await enter(1);
  await c.submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-hist',
    toEnterprise: operator.id,
    toLocation: L2,
    items: [a],
  });
  await c.submit(operator.identity, 'goods:Receive', { shipmentId: 'S-hist', location: L2, items: [a] });
  const { history } = await c.evaluate<{
    history: {
      txId: string;
      timestamp: string;
      item: { status: string };
      events: { type: string; bizStep: string; eventTime: string }[];
    }[];
  }>('customs-admin', 'query:GetItemHistory', { id: a });
  t.same(
    history.map((h) => h.item.status),
    ['IN_STOCK', 'IN_TRANSIT', 'IN_STOCK'],
  );
  t.same(
    history.map((h) => h.events[0]?.bizStep),
    ['entering_exiting', 'shipping', 'receiving'],
  );
  for (const h of history) t.match(h.txId, /^[0-9a-f]{64}$/);
  const gw = connectGateway(dn.profile);
  t.teardown(() => (gw.close(), gw.grpcClient.close()));
  const events = await gw.getNetwork(dn.profile.channel).getChaincodeEvents('traceability', { startBlock: 0n });
  const byTx = new Map<string, number>();
  let shipPayload:
    | {
        v: number;
        type: string;
        itemGroups: { record: { status: string; sgtin?: string }; sgtins: string[] }[];
        items?: unknown;
        movements: { qty: number }[];
      }
    | undefined;
  for await (const e of events) {
    byTx.set(e.transactionId, (byTx.get(e.transactionId) ?? 0) + 1);
    t.equal(e.eventName, 'LedgerEvent');
    if (e.transactionId === history[1]!.txId) shipPayload = JSON.parse(Buffer.from(e.payload).toString());
    if (e.transactionId === history[2]!.txId) break;
  }
  events.close();
  t.ok(
    [...byTx.values()].every((n) => n === 1),
    'one event per transaction',
  );
  t.equal(shipPayload?.type, 'SHIPMENT');
  t.equal(shipPayload?.v, 2, 'payload version 2: items travel grouped');
  t.equal(shipPayload?.items, undefined, 'no whole-item list beside the groups');
  t.same(
    shipPayload?.itemGroups.map((g) => [g.sgtins, g.record.status, g.record.sgtin]),
    [[[a], 'IN_TRANSIT', undefined]],
  );
  t.same(
    shipPayload?.movements.map((m) => m.qty),
    [-1],
  );
});
