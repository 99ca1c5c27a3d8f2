// Proves the one-account book always equals the items: after a randomized run of thousands of lifecycle events, for
// every (enterprise, GTIN, regime, location) the sum of movements equals the count of items the ledger says are there;
// and that endorsement is deterministic (the same proposal endorsed twice gives byte-identical results).
// How: a seeded random walk of entries, shipments, receipts, sales, processing, exits, holds and seizures through the
// official client against a dev peer, then every item read back and every enterprise's balances compared.
import t from 'tap';
import { common, gateway as gp, peer } from '@hyperledger/fabric-protos';
import { connectGateway, startDevnetProcess, DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, personCode, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { seededRandom } from '../../testkit/src/random';

const { operator, importer, processor } = ENTERPRISES;
const ACTORS = [importer, operator, processor];
const LOCATIONS = [gln(21), gln(22), gln(23)];
const PRODUCTS = [product(801), product(802), product(803)];
const OUTPUT = product(804);
const TRANSACTIONS = 420;

interface Local {
  sgtin: string;
  holder: string;
  location: string;
  state: 'IN_STOCK' | 'IN_TRANSIT' | 'GONE';
  held: boolean;
  shipment?: { id: string; to: string; toLocation: string };
}

let dn: DevnetProcess;
let c: TraceClient;
t.before(async () => {
  dn = await startDevnetProcess({ args: ['--batch-timeout-ms', '5'] });
  c = new TraceClient(dn);
  await registerDevnetEnterprises(c);
});
t.teardown(async () => {
  c?.close();
  await dn?.stop();
});

t.test('after a randomized run, every book line equals the items the ledger places there', async (t) => {
  const seed = Number(process.env.BOOK_SEED ?? 20261125);
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const items: Local[] = [];
  let n = 0;
  let events = 0;
  const counts: Record<string, number> = {};
  const inStock = (holder: string) => items.filter((i) => i.state === 'IN_STOCK' && i.holder === holder && !i.held);
  const take = (xs: Local[], max: number) => {
    const out: Local[] = [];
    for (const x of xs) if (out.length < max && rnd() < 0.5) out.push(x);
    return out.length > 0 ? out : xs.slice(0, 1);
  };
  const groupAt = (xs: Local[]) => {
    const loc = xs[0]!.location;
    return xs.filter((x) => x.location === loc);
  };
  for (let tx = 0; tx < TRANSACTIONS; tx++) {
    const roll = rnd();
    const actor = pick(ACTORS);
    const mine = inStock(actor.id);
    n++;
    if (roll < 0.22 || mine.length === 0) {
      const p = pick(PRODUCTS);
      const location = pick(LOCATIONS);
      const batch = Array.from({ length: 1 + Math.floor(rnd() * 25) }, (_, k) => p.sgtin(`B${n}x${k}`));
      await c.submit(actor.identity, 'goods:Enter', {
        declarationNo: `D${n}`,
        location,
        regime: pick(['ZERO_TARIFF', 'BONDED', 'DUTY_PAID']),
        product: { gtin: p.gtin, hsCode: '330300', category: 'CLOTHING' },
        unitValueFen: 10_000,
        items: batch,
      });
      for (const s of batch) items.push({ sgtin: s, holder: actor.id, location, state: 'IN_STOCK', held: false });
      events += batch.length;
      counts.entry = (counts.entry ?? 0) + 1;
    } else if (roll < 0.42) {
      const goods = take(groupAt(mine), 20);
      const to = pick(ACTORS);
      const toLocation = pick(LOCATIONS.filter((l) => to.id !== actor.id || l !== goods[0]!.location));
      await c.submit(actor.identity, 'goods:Ship', {
        shipmentId: `S${n}`,
        toEnterprise: to.id,
        toLocation,
        items: goods.map((g) => g.sgtin),
      });
      for (const g of goods)
        Object.assign(g, { state: 'IN_TRANSIT', shipment: { id: `S${n}`, to: to.id, toLocation } });
      events += goods.length;
      counts.ship = (counts.ship ?? 0) + 1;
    } else if (roll < 0.6) {
      const pending = items.filter((i) => i.state === 'IN_TRANSIT' && !i.held);
      if (pending.length === 0) continue;
      const shipment = pending[0]!.shipment!;
      const same = pending.filter((i) => i.shipment!.id === shipment.id);
      const receiver = ACTORS.find((a) => a.id === shipment.to)!;
      await c.submit(receiver.identity, 'goods:Receive', {
        shipmentId: shipment.id,
        location: shipment.toLocation,
        items: same.map((g) => g.sgtin),
      });
      for (const g of same)
        Object.assign(g, {
          state: 'IN_STOCK',
          holder: receiver.id,
          location: shipment.toLocation,
          shipment: undefined,
        });
      events += same.length;
      counts.receive = (counts.receive ?? 0) + 1;
    } else if (roll < 0.7 && actor.id === operator.id) {
      const goods = take(mine, 10);
      await c.submit(
        operator.identity,
        'sale:Sell',
        {
          saleId: `SALE${n}`,
          personCode: personCode(`rnd${n}`),
          location: goods[0]!.location,
          pickupMode: 'DEPARTURE_PICKUP',
          departure: {
            mode: 'SHIP',
            ticketRef: `T${n}`,
            departureTime: new Date(Date.now() + 86_400_000).toISOString(),
          },
          lines: goods.map((g) => ({ id: g.sgtin, unitPriceFen: 1_000 })),
        },
        { buyer: { birthDate: '1980-05-05' } },
      );
      for (const g of goods) g.state = 'GONE';
      events += goods.length;
      counts.sale = (counts.sale ?? 0) + 1;
    } else if (roll < 0.78 && actor.id === processor.id) {
      const goods = take(groupAt(mine), 8);
      const outputs = Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, k) => OUTPUT.sgtin(`O${n}x${k}`));
      await c.submit(processor.identity, 'goods:Process', {
        processingId: `P${n}`,
        location: goods[0]!.location,
        inputs: goods.map((g) => g.sgtin),
        outputs,
        outputProduct: { gtin: OUTPUT.gtin, hsCode: '392690', category: 'OTHER' },
        outputUnitValueFen: 50_000,
      });
      for (const g of goods) g.state = 'GONE';
      for (const s of outputs)
        items.push({ sgtin: s, holder: processor.id, location: goods[0]!.location, state: 'IN_STOCK', held: false });
      events += goods.length + outputs.length;
      counts.process = (counts.process ?? 0) + 1;
    } else if (roll < 0.86) {
      const candidates = take(mine, 10);
      const fn = rnd() < 0.5 ? 'goods:Destroy' : 'goods:ReturnAbroad';
      await c.submit(actor.identity, fn, { reference: `X${n}`, items: candidates.map((g) => g.sgtin) });
      for (const g of candidates) g.state = 'GONE';
      events += candidates.length;
      counts.endOfLife = (counts.endOfLife ?? 0) + 1;
    } else {
      const live = items.filter((i) => i.state !== 'GONE');
      const target = pick(live);
      if (!target.held) {
        await c.submit('customs-admin', 'customs:Hold', { items: [target.sgtin], reason: 'random check' });
        target.held = true;
      } else if (rnd() < 0.7) {
        await c.submit('customs-admin', 'customs:Release', { items: [target.sgtin] });
        target.held = false;
      } else {
        await c.submit('customs-admin', 'customs:Seize', { items: [target.sgtin], reason: 'random seizure' });
        target.held = false;
        target.state = 'GONE';
      }
      events += 1;
      counts.customs = (counts.customs ?? 0) + 1;
    }
  }
  t.ok(
    events >= 2000,
    `${events} item events in ${TRANSACTIONS} transactions (seed ${seed}): ${JSON.stringify(counts)}`,
  );

  // What the ledger says about each item.
  const onBook = new Map<string, number>();
  for (const local of items) {
    const item = await c.evaluate<{
      status: string;
      holder: string;
      location: string;
      regime: string;
      product: { gtin: string };
    }>('customs-admin', 'query:GetItem', { id: local.sgtin });
    if (item.status !== 'IN_STOCK') continue;
    const key = [item.holder, item.product.gtin, item.regime, item.location].join('|');
    onBook.set(key, (onBook.get(key) ?? 0) + 1);
  }
  // What the books say.
  const books = new Map<string, number>();
  for (const a of ACTORS) {
    const { balances } = await c.evaluate<{
      balances: { enterprise: string; gtin: string; regime: string; location: string; qty: number }[];
    }>(a.identity, 'account:GetBalances', { enterprise: a.id });
    for (const b of balances) books.set([b.enterprise, b.gtin, b.regime, b.location].join('|'), b.qty);
  }
  t.ok(onBook.size > 5, `${onBook.size} book lines hold stock`);
  t.same(
    Object.fromEntries([...books].sort()),
    Object.fromEntries([...onBook].sort()),
    'every book line equals the items the ledger places there',
  );
});

t.test('determinism: the same entry proposal endorsed twice yields byte-identical read/write sets', async (t) => {
  const gw = connectGateway(dn.profile, importer.identity);
  t.teardown(() => (gw.close(), gw.grpcClient.close()));
  const contract = gw.getNetwork(dn.profile.channel).getContract('traceability', 'goods');
  const p = PRODUCTS[0]!;
  const request = {
    declarationNo: 'D-DET',
    location: LOCATIONS[0],
    regime: 'BONDED',
    product: { gtin: p.gtin, hsCode: '330300', category: 'CLOTHING' },
    unitValueFen: 1,
    items: Array.from({ length: 50 }, (_, k) => p.sgtin(`DET${k}`)),
  };
  const proposal = contract.newProposal('Enter', { arguments: [JSON.stringify(request)] });
  const actionOf = (bytes: Uint8Array) => {
    const env = gp.PreparedTransaction.deserializeBinary(bytes).getEnvelope()!;
    const tx = peer.Transaction.deserializeBinary(
      common.Payload.deserializeBinary(env.getPayload_asU8()).getData_asU8(),
    );
    const cap = peer.ChaincodeActionPayload.deserializeBinary(tx.getActionsList()[0]!.getPayload_asU8());
    return Buffer.from(
      peer.ProposalResponsePayload.deserializeBinary(
        cap.getAction()!.getProposalResponsePayload_asU8(),
      ).getExtension_asU8(),
    );
  };
  const first = actionOf((await proposal.endorse()).getBytes());
  const second = actionOf((await proposal.endorse()).getBytes());
  t.ok(first.length > 50 * 100, 'the action carries the write set of 50 items and the event');
  t.ok(first.equals(second), 'read/write set, event and response are byte-identical');
});
