// Proves cases and pallets over HTTP on a dev peer (issue 15 Must 3 proof, most of it): 1,000 items entered, packed
// into 10 cases (AggregationEvent ADD) and the cases onto 1 pallet, the pallet shipped and received (ObjectEvents
// naming the SSCC) as one transaction each, one case taken off the pallet and opened (AggregationEvent DELETE);
// GET /v1/containers/{id} shows the pallet at the receiver with its 1,000 items in 10 cases, then 900 in 9; both
// account books equal the items' effective states; the chain's item history shows the pallet's moves.
// How: the gateway app (fastify.inject) on a real PostgreSQL and its queue, real ledger clients to a dev peer process,
// the capture job and the projection follower running as in the server.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { entryEvent, receivingEvent, sgln, shippingEvent } from '../../testkit/src/epcis';
import { ENTERPRISES, gln, product, type TraceClient, sscc } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { captureAndSettle, startCaptureStack } from './helpers/capture-stack';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const GOODS = product(331);
const ITEMS = Array.from({ length: 1_000 }, (_, i) => GOODS.sgtin(`P${i}`));
const PALLET = sscc(500);
const CASES = Array.from({ length: 10 }, (_, i) => sscc(501 + i));

let chain: TraceClient;
let app: FastifyInstance;
let keys: { customs: string; importer: string; operator: string };

const captured = (key: string, events: Record<string, unknown>[]) => captureAndSettle(app, key, events);

const aggregation = (action: 'ADD' | 'DELETE', parentID: string, childEPCs: string[]) => ({
  type: 'AggregationEvent',
  eventTime: new Date().toISOString(),
  eventTimeZoneOffset: '+08:00',
  action,
  bizStep: action === 'ADD' ? 'packing' : 'unpacking',
  parentID,
  childEPCs,
});

async function book(id: string, key: string): Promise<number> {
  const res = await app.inject({ method: 'GET', url: `/v1/enterprises/${id}/account`, headers: bearer(key) });
  const body = res.json() as { balances: { quantity: number }[] };
  return body.balances.reduce((n, b) => n + b.quantity, 0);
}

/** The types of an item's projected history (GET /v1/items/{id}/history), in order. */
async function projectedSteps(sgtin: string): Promise<string[]> {
  const res = await app.inject({
    method: 'GET',
    url: `/v1/items/${encodeURIComponent(sgtin)}/history`,
    headers: bearer(keys.customs),
  });
  if (res.statusCode !== 200) throw new Error(`history answered ${res.statusCode}: ${res.body}`);
  const body = res.json() as { events?: { type: string }[]; history?: { type: string }[] };
  return (body.events ?? body.history ?? []).map((e) => e.type);
}

t.before(async () => {
  const stack = await startCaptureStack(t);
  ({ chain, app } = stack);
  keys = { customs: stack.customsKey, importer: '', operator: '' };
  keys.importer = await stack.newKey(importer.id, 'Importer', 'enterprise', importer.mspId);
  keys.operator = await stack.newKey(operator.id, 'Operator', 'operator', operator.mspId);
});

t.test('1,000 items in 10 cases on a pallet: shipped and received as one container each time', async (t) => {
  const entered = await captured(keys.importer, [entryEvent({ items: ITEMS, declarationNo: 'AGG-D-1', location: 1 })]);
  t.equal(entered.outcome, 'committed', JSON.stringify(entered.errors));
  const packed = await captured(keys.importer, [
    ...CASES.map((c, i) => aggregation('ADD', c, ITEMS.slice(i * 100, i * 100 + 100))),
    aggregation('ADD', PALLET, CASES),
  ]);
  t.equal(packed.outcome, 'committed', JSON.stringify(packed.errors));
  t.same([...new Set(packed.transactions.map((x) => x.fn))], ['goods:Pack']);

  const shipped = await captured(keys.importer, [
    shippingEvent({ items: [PALLET], shipmentId: 'AGG-SH-1', toEnterprise: operator.id, toLocation: 2 }),
  ]);
  t.equal(shipped.outcome, 'committed', JSON.stringify(shipped.errors));
  t.same(
    shipped.transactions.map((x) => x.fn),
    ['goods:ShipContainer'],
    'one transaction moves the pallet',
  );
  const received = await captured(keys.operator, [
    receivingEvent({ items: [PALLET], shipmentId: 'AGG-SH-1', location: 2 }),
  ]);
  t.equal(received.outcome, 'committed', JSON.stringify(received.errors));

  const res = await app.inject({
    method: 'GET',
    url: `/v1/containers/${encodeURIComponent(PALLET)}`,
    headers: bearer(keys.operator),
  });
  t.equal(res.statusCode, 200, res.body);
  const pallet = res.json() as {
    container: { holder: string; location: string; lines: { qty: number }[] };
    containers: { id: string }[];
    history: unknown[];
  };
  t.same(
    [pallet.container.holder, pallet.container.location, pallet.container.lines[0]?.qty],
    [operator.id, gln(2), 1_000],
    'the pallet is at the receiver with its 1,000 items',
  );
  t.equal(pallet.containers.length, 10, 'in 10 cases');
  t.equal(pallet.history.length, 3, 'packed, shipped, received');

  t.equal(
    await waitFor('the books to follow the pallet', async () =>
      (await book(operator.id, keys.customs)) === 1_000 ? 1_000 : undefined,
    ),
    1_000,
    "the receiver's book holds the 1,000 items",
  );
  t.equal(await book(importer.id, keys.customs), 0, "the sender's book is empty");

  // The projection (GET /v1/items) resolves the item's case and pallet: the pallet's moves wrote no item row.
  const packedItem = await waitFor('the projection to follow the pallet', async () => {
    const r = await app.inject({
      method: 'GET',
      url: `/v1/items/${encodeURIComponent(ITEMS[999]!)}`,
      headers: bearer(keys.operator),
    });
    const body = r.json() as { holder: string; location: string; status: string };
    return r.statusCode === 200 && body.holder === operator.id ? body : undefined;
  });
  t.same(
    [packedItem.holder, packedItem.location, packedItem.status],
    [operator.id, gln(2), 'IN_STOCK'],
    'an item inside the received pallet is at the receiver in the projection',
  );
  t.same(
    await projectedSteps(ITEMS[999]!),
    ['ENTRY', 'PACK', 'PACK', 'CONTAINER_SHIPMENT', 'CONTAINER_RECEIPT'],
    "its projected history shows its case's and pallet's moves in chain order",
  );

  const opened = await captured(keys.operator, [
    aggregation('DELETE', PALLET, [CASES[0]!]),
    aggregation('DELETE', CASES[0]!, ITEMS.slice(0, 100)),
  ]);
  t.equal(opened.outcome, 'committed', JSON.stringify(opened.errors));
  const after = (
    await app.inject({
      method: 'GET',
      url: `/v1/containers/${encodeURIComponent(PALLET)}`,
      headers: bearer(keys.customs),
    })
  ).json() as { container: { lines: { qty: number }[] }; containers: unknown[] };
  t.same([after.container.lines[0]?.qty, after.containers.length], [900, 9], 'the pallet keeps 900 items in 9 cases');
  t.equal(await book(operator.id, keys.customs), 1_000, 'unpacking changes no book');

  const item = await chain.evaluate<{ holder: string; location: string; container?: string }>(
    'customs-admin',
    'query:GetItem',
    { id: ITEMS[999] },
  );
  t.same(
    [item.holder, item.location, item.container],
    [operator.id, gln(2), CASES[9]],
    'an item still packed is at the receiver',
  );
  const { history } = await chain.evaluate<{ history: { container?: string; events: { bizStep: string }[] }[] }>(
    'customs-admin',
    'query:GetItemHistory',
    { id: ITEMS[0] },
  );
  t.same(
    history.map((h) => h.events[0]?.bizStep),
    ['entering_exiting', 'packing', 'packing', 'shipping', 'receiving', 'unpacking', 'unpacking'],
    "an item's chain shows its case and pallet steps while it was in them",
  );
  t.same(
    await waitFor('the projection to follow the unpacking', async () => {
      const steps = await projectedSteps(ITEMS[0]!);
      return steps.length >= 7 ? steps : undefined;
    }),
    ['ENTRY', 'PACK', 'PACK', 'CONTAINER_SHIPMENT', 'CONTAINER_RECEIPT', 'UNPACK', 'UNPACK'],
    "the projected history equals the chain's: the steps of the case and pallet while the item was in them",
  );

  // An unpacked item is sold alone: its own state again, and the book follows.
  const sale = await app.inject({
    method: 'POST',
    url: '/v1/sales',
    headers: bearer(keys.operator),
    payload: {
      saleId: 'AGG-SALE-1',
      person: { documentType: 'PASSPORT', documentNumber: 'E12345678' },
      location: gln(2),
      pickupMode: 'DEPARTURE_PICKUP',
      departure: {
        mode: 'FLIGHT',
        ticketRef: 'HU7181',
        departureTime: new Date(Date.now() + 86_400_000).toISOString(),
      },
      lines: [{ id: ITEMS[0], unitPriceFen: 50_000 }],
      buyer: { birthDate: '1990-01-01' },
    },
  });
  t.equal(sale.statusCode, 201, sale.body.slice(0, 300));
  const sold = await waitFor('the projection to follow the sale', async () => {
    const r = await app.inject({
      method: 'GET',
      url: `/v1/items/${encodeURIComponent(ITEMS[0]!)}`,
      headers: bearer(keys.operator),
    });
    const body = r.json() as { holder: string; status: string };
    return body.status === 'SOLD' ? body : undefined;
  });
  t.equal(sold.holder, operator.id, 'the sold item was the receiver’s');
  t.same(
    (await projectedSteps(ITEMS[0]!)).slice(-3),
    ['UNPACK', 'UNPACK', 'SALE'],
    'its history ends with the sale after the unpacking',
  );
  const inStock = await waitFor('the book to follow the sale', async () =>
    (await book(operator.id, keys.customs)) === 999 ? 999 : undefined,
  );
  t.equal(inStock, 999, 'the book holds the 999 items still in stock (999 in cases or loose, 1 sold)');
  const stillPacked = (
    await app.inject({
      method: 'GET',
      url: `/v1/items/${encodeURIComponent(ITEMS[500]!)}`,
      headers: bearer(keys.customs),
    })
  ).json() as { holder: string; status: string };
  t.same([stillPacked.holder, stillPacked.status], [operator.id, 'IN_STOCK'], 'an item still on the pallet too');

  const unknown = await app.inject({
    method: 'GET',
    url: `/v1/containers/${encodeURIComponent(sscc(999))}`,
    headers: bearer(keys.customs),
  });
  t.equal(unknown.statusCode, 404, 'a container not on the chain');
  t.match(unknown.headers['content-type'], /application\/problem\+json/);
  void sgln;
});
