// Proves customs holds on packed goods through the real shim (issue 15 Must 3): customs holds an item inside a case on
// a pallet, and the pallet does not ship (ITEM_HELD naming the item) until customs releases it; customs holds a whole
// case, which stops the pallet and the case's unpacking and shows as held on an item inside (query:GetItem); released,
// the pallet ships and is received.
// How: the traceability chaincode on a dev peer, driven through the official client as customs and the importer.
import t from 'tap';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient, sscc } from '../../testkit/src/trace';

const { operator, importer } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const GOODS = product(304);
const PALLET = sscc(41);
const CASES = [sscc(42), sscc(43)];
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

t.test('a held item inside a case, then a held case, stop the pallet until released', async (t) => {
  const items = Array.from({ length: 6 }, (_, i) => GOODS.sgtin(`H${i}`));
  await c.submit(importer.identity, 'goods:Enter', {
    declarationNo: 'DECL-H1',
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items,
  });
  for (const [i, id] of CASES.entries())
    await c.submit(importer.identity, 'goods:Pack', { parent: id, items: items.slice(i * 3, i * 3 + 3) });
  await c.submit(importer.identity, 'goods:Pack', { parent: PALLET, items: [], containers: CASES });
  const ship = (shipmentId: string) =>
    c.submit(importer.identity, 'goods:ShipContainer', {
      shipmentId,
      toEnterprise: operator.id,
      toLocation: L2,
      containers: [PALLET],
    });

  await c.submit('customs-admin', 'customs:Hold', { items: [items[1]], reason: 'suspected mislabelling' });
  const blocked = await TraceClient.refused(ship('SH-H1'));
  t.equal(blocked.code, 'ITEM_HELD', 'the pallet does not ship with a held item inside');
  t.match(blocked.message, items[1]!, 'the refusal names the held item');
  const seize = await TraceClient.refused(
    c.submit('customs-admin', 'customs:Seize', { items: [items[1]], reason: 'x' }),
  );
  t.equal(seize.code, 'ITEM_IN_CONTAINER', 'a packed item is unpacked before a seizure');
  await c.submit('customs-admin', 'customs:Release', { items: [items[1]] });

  await c.submit('customs-admin', 'customs:Hold', { items: [], containers: [CASES[0]], reason: 'case check' });
  const caseBlocked = await TraceClient.refused(ship('SH-H2'));
  t.equal(caseBlocked.code, 'ITEM_HELD', 'the pallet does not ship with a held case on it');
  t.match(caseBlocked.message, CASES[0]!, 'the refusal names the held case');
  const inside = await c.evaluate<{ hold?: { reason: string } }>('customs-admin', 'query:GetItem', { id: items[0] });
  t.equal(inside.hold?.reason, 'case check', 'an item inside the held case shows held');
  await c.submit(importer.identity, 'goods:Unpack', { parent: PALLET, items: [], containers: [CASES[0]] });
  const unpack = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Unpack', { parent: CASES[0], items: [items[0]] }),
  );
  t.equal(unpack.code, 'ITEM_HELD', 'a held case is not unpacked');
  const repack = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Pack', { parent: PALLET, items: [], containers: [CASES[0]] }),
  );
  t.equal(repack.code, 'ITEM_HELD', 'a held case is not packed onto the pallet');
  await c.submit('customs-admin', 'customs:Release', { containers: [CASES[0]] });
  await c.submit(importer.identity, 'goods:Pack', { parent: PALLET, items: [], containers: [CASES[0]] });

  const shipped = await ship('SH-H3');
  t.ok(shipped, 'released, the pallet ships');
  await c.submit(operator.identity, 'goods:ReceiveContainer', {
    shipmentId: 'SH-H3',
    location: L2,
    containers: [PALLET],
  });
  const after = await c.evaluate<{ holder: string; hold?: unknown }>('customs-admin', 'query:GetItem', {
    id: items[0],
  });
  t.same([after.holder, after.hold], [operator.id, undefined], 'the items arrive with the pallet, not held');
});
