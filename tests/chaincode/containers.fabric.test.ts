// Proves cases and pallets through the real shim (issue 15 Must 3): items packed in cases on a pallet travel with the
// pallet (ship, receive) and are where it is; a step on an item alone inside a case is refused (ITEM_IN_CONTAINER), a
// sold item cannot be packed (INVALID_TRANSITION); unpacked, an item is sold; its history shows the pallet's moves;
// query:GetContainer shows the pallet, its cases and its history; the receiver's book holds what the pallet carried.
// How: the traceability chaincode on a dev peer, driven through the official client as the enterprises.
import t from 'tap';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient, sscc } from '../../testkit/src/trace';

const { operator, importer } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const GOODS = product(303);
const PALLET = sscc(1);
const CASES = [sscc(2), sscc(3)];
let dn: DevnetProcess;
let c: TraceClient;

t.before(async () => {
  dn = await startDevnetProcess();
  c = new TraceClient(dn);
  await registerDevnetEnterprises(c);
});
t.teardown(async () => {
  c?.close();
  await dn?.stop();
});

const sell = (id: string, saleId: string) =>
  c.submit(
    operator.identity,
    'sale:Sell',
    {
      saleId,
      personCode: 'b'.repeat(64),
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

t.test('pack, ship and receive a pallet of cases, unpack one case, sell one item', async (t) => {
  const items = Array.from({ length: 20 }, (_, i) => GOODS.sgtin(`C${i}`));
  await c.submit(importer.identity, 'goods:Enter', {
    declarationNo: 'DECL-C1',
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items,
  });
  for (const [i, id] of CASES.entries())
    await c.submit(importer.identity, 'goods:Pack', { parent: id, items: items.slice(i * 10, i * 10 + 10) });
  await c.submit(importer.identity, 'goods:Pack', { parent: PALLET, items: [], containers: CASES });

  const twice = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Pack', { parent: sscc(9), items: [items[0]] }),
  );
  t.equal(twice.code, 'ITEM_IN_CONTAINER', 'an item in a case is not packed into another');

  const shipped = await c.submit<{ movements: { qty: number }[] }>(importer.identity, 'goods:ShipContainer', {
    shipmentId: 'SH-P1',
    toEnterprise: operator.id,
    toLocation: L2,
    containers: [PALLET],
  });
  t.same(
    shipped.movements.map((m) => m.qty),
    [-20],
    'one movement takes the 20 items off the sender book',
  );
  const received = await c.submit<{ movements: { qty: number; enterprise: string }[] }>(
    operator.identity,
    'goods:ReceiveContainer',
    { shipmentId: 'SH-P1', location: L2, containers: [PALLET] },
  );
  t.same(
    received.movements.map((m) => [m.enterprise, m.qty]),
    [[operator.id, 20]],
    'the receiver books the 20 items',
  );

  const inside = await c.evaluate<{ holder: string; location: string; container: string }>(
    operator.identity,
    'query:GetItem',
    { id: items[0] },
  );
  t.same(
    [inside.holder, inside.location, inside.container],
    [operator.id, L2, CASES[0]],
    'the item is where its pallet is',
  );
  const alone = await TraceClient.refused(sell(items[0]!, 'SALE-C0'));
  t.equal(alone.code, 'ITEM_IN_CONTAINER', 'an item inside a case is not sold alone');

  const pallet = await c.evaluate<{
    container: { holder: string; lines: { qty: number }[] };
    containers: { id: string }[];
    history: unknown[];
  }>(operator.identity, 'query:GetContainer', { id: PALLET });
  t.equal(pallet.container.holder, operator.id);
  t.same(
    pallet.containers.map((x) => x.id),
    CASES,
    'the pallet lists its cases',
  );
  t.equal(pallet.container.lines[0]!.qty, 20, 'and counts their items');
  t.equal(pallet.history.length, 3, 'its history: packed, shipped, received');

  await c.submit(operator.identity, 'goods:Unpack', { parent: PALLET, items: [], containers: [CASES[0]] });
  await c.submit(operator.identity, 'goods:Unpack', { parent: CASES[0], items: items.slice(0, 10) });
  await sell(items[0]!, 'SALE-C1');
  const sold = await c.evaluate<{ status: string; holder: string }>(operator.identity, 'query:GetItem', {
    id: items[0],
  });
  t.same([sold.status, sold.holder], ['SOLD', operator.id], 'unpacked, the item is sold');
  const soldPack = await TraceClient.refused(
    c.submit(operator.identity, 'goods:Pack', { parent: CASES[0], items: [items[0]] }),
  );
  t.equal(soldPack.code, 'INVALID_TRANSITION', 'a sold item cannot be packed');

  const { history } = await c.evaluate<{ history: { events: { bizStep: string }[]; container?: string }[] }>(
    'customs-admin',
    'query:GetItemHistory',
    { id: items[0] },
  );
  t.same(
    history.map((h) => h.events.map((e) => e.bizStep).join('+')),
    ['entering_exiting', 'packing', 'packing', 'shipping', 'receiving', 'unpacking', 'unpacking', 'retail_selling'],
    "the item's chain: entry, packed in its case, the case onto the pallet, the pallet's shipment and receipt, the case off the pallet, the item out of its case, sold",
  );
  t.same(
    history.filter((h) => h.container).map((h) => h.container),
    [CASES[0], PALLET, PALLET, CASES[0]],
    "the case's own steps while the item was in it, and the pallet's moves while the case was on it",
  );
});
