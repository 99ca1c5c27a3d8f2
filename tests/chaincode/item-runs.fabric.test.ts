// Proves through the real shim and the dev peer that a first-line entry checks its items one run of serials at a time
// and keeps the MVCC guarantee: a 1,000-item entry's read set holds 10 run keys and no item key; two entries endorsed
// together into one run conflict at commit (MVCC_READ_CONFLICT, which clients retry), and the retry commits when its
// items are new or is refused ALREADY_EXISTS when the winner entered them; entries into other runs both commit.
// The same for runs of traceability codes (trace-code-runs.ts): entries claiming codes of one run conflict alike.
// How: the traceability chaincode on a dev peer; proposals endorsed with the official client, their read/write sets
// decoded from the prepared transactions, and submitted one after the other so both were endorsed on the same state.
import t from 'tap';
import type { Contract } from '@hyperledger/fabric-gateway';
import { connectGateway, startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { stateAccessOf, totalKeys } from '../../testkit/src/rwset';
import {
  ENTERPRISES,
  entryRequest,
  gln,
  product,
  registerDevnetEnterprises,
  TraceClient,
} from '../../testkit/src/trace';

const { importer } = ENTERPRISES;
const P = product(910);
const L1 = gln(910);
let dn: DevnetProcess;
let c: TraceClient;
let goods: Contract;

t.before(async () => {
  dn = await startDevnetProcess();
  c = new TraceClient(dn);
  await registerDevnetEnterprises(c);
  const gw = connectGateway(dn.profile, importer.identity);
  t.teardown(() => (gw.close(), gw.grpcClient.close()));
  goods = gw.getNetwork(dn.profile.channel).getContract('traceability', 'goods');
});
t.teardown(async () => {
  c?.close();
  await dn?.stop();
});

const entry = (declarationNo: string, serials: readonly (string | number)[]) =>
  goods.newProposal('Enter', { arguments: [JSON.stringify(entryRequest(P, L1, serials, declarationNo))] });

t.test('a 1,000-item entry reads and writes 10 run keys and no item key', async (t) => {
  const tx = await entry(
    'D-RW',
    Array.from({ length: 1_000 }, (_, k) => 1_000 + k),
  ).endorse();
  const rw = stateAccessOf(tx.getBytes());
  t.equal(rw.reads.item ?? 0, 0, 'no item key in the read set');
  t.equal(rw.reads.irun, 10, 'one run key per 100 serials');
  t.equal(rw.rangeReads.queries, 0, 'no range query');
  t.equal(totalKeys(rw.writes), 10 + 3, 'each run (with its items first states), the movement and the event keys');
  t.equal((await (await tx.submit()).getStatus()).code, 0, 'and it commits');
});

t.test('two entries into one run endorsed together: one commits, the other conflicts, its retry decides', async (t) => {
  const first = await entry('D-A', [5_000, 5_001]).endorse();
  const second = await entry('D-B', [5_002, 5_003]).endorse();
  const sameItem = await entry('D-C', [5_001, 5_004]).endorse();
  t.equal((await (await first.submit()).getStatus()).code, 0, 'the first commits');
  const lost = await (await second.submit()).getStatus();
  t.equal(lost.code, 11, 'the second read the run before the first wrote it: MVCC_READ_CONFLICT, nothing written');
  t.equal((await (await sameItem.submit()).getStatus()).code, 11, 'so does an entry of an item the first entered');
  const retry = await c.submit(importer.identity, 'goods:Enter', {
    declarationNo: 'D-B',
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: P.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items: [P.sgtin(5_002), P.sgtin(5_003)],
  });
  t.equal(retry.items, 2, 'the retry of new items commits');
  const refused = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Enter', {
      declarationNo: 'D-C',
      location: L1,
      regime: 'ZERO_TARIFF',
      product: { gtin: P.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 10_000,
      items: [P.sgtin(5_001), P.sgtin(5_004)],
    }),
  );
  t.equal(refused.code, 'ALREADY_EXISTS', 'the retry of an entered item is refused as it always was');
  for (const s of [5_000, 5_001, 5_002, 5_003]) {
    const item = await c.evaluate<{ sgtin: string; status: string }>(importer.identity, 'query:GetItem', {
      id: P.sgtin(s),
    });
    t.equal(item.status, 'IN_STOCK', `${s} is on the ledger once`);
  }
  await t.rejects(
    c.evaluate(importer.identity, 'query:GetItem', { id: P.sgtin(5_004) }),
    'the refused entry wrote nothing',
  );
});

t.test('entries into different runs endorsed together both commit', async (t) => {
  const a = await entry('D-X', [6_000, 6_001]).endorse();
  const b = await entry('D-Y', [6_100, 6_101]).endorse();
  t.equal((await (await a.submit()).getStatus()).code, 0);
  t.equal((await (await b.submit()).getStatus()).code, 0, 'runs 60 and 61 are different keys');
});

t.test(
  'an item kept in its run: read, moved alone without a run write, its chain starting with its entry',
  async (t) => {
    await c.submit(importer.identity, 'goods:Enter', entryRequest(P, L1, [8_000, 8_001, 8_002], 'D-K'));
    const { operator } = ENTERPRISES;
    const ship = (shipmentId: string, serial: number) =>
      goods.newProposal('Ship', {
        arguments: [
          JSON.stringify({ shipmentId, toEnterprise: operator.id, toLocation: gln(911), items: [P.sgtin(serial)] }),
        ],
      });
    // Two shipments of items of one run endorsed on the same state: neither writes the run, so both commit.
    const a = await ship('S-K1', 8_000).endorse();
    const b = await ship('S-K2', 8_001).endorse();
    const rw = stateAccessOf(a.getBytes());
    t.equal(rw.reads.irun, 1, 'the shipment read the item first state in its run');
    t.equal(rw.writes.item, 1, 'and wrote the item own key');
    t.equal(rw.writes.irun ?? 0, 0, 'not its run');
    t.equal((await (await a.submit()).getStatus()).code, 0, 'the first shipment commits');
    t.equal((await (await b.submit()).getStatus()).code, 0, 'the second, of a neighbour in the run, commits too');
    const shipped = await c.evaluate<{ status: string; transit?: { to: string } }>(importer.identity, 'query:GetItem', {
      id: P.sgtin(8_000),
    });
    t.same([shipped.status, shipped.transit?.to], ['IN_TRANSIT', operator.id], 'the item own key is its state now');
    const still = await c.evaluate<{ status: string; entry: { declarationNo: string } }>(
      importer.identity,
      'query:GetItem',
      { id: P.sgtin(8_002) },
    );
    t.same([still.status, still.entry.declarationNo], ['IN_STOCK', 'D-K'], 'an item never moved reads from its run');
    type History = { history: { txId: string; item: { status: string } | null; events: unknown[] }[] };
    const { history } = await c.evaluate<History>('customs-admin', 'query:GetItemHistory', { id: P.sgtin(8_000) });
    t.same(
      history.map((h) => h.item?.status),
      ['IN_STOCK', 'IN_TRANSIT'],
      'its chain: the entry (from the run), then the shipment (its own key)',
    );
    t.equal(history[0]!.events.length, 1, 'with the entry EPCIS event');
    const never = await c.evaluate<History>('customs-admin', 'query:GetItemHistory', { id: P.sgtin(8_002) });
    t.same(
      never.history.map((h) => h.item?.status),
      ['IN_STOCK'],
      'an item never moved has its entry as its chain',
    );
  },
);

/** An entry of one item carrying one traceability code (codes of one run share the key `tcrun` [code[0..14]]). */
const codedEntry = (declarationNo: string, serial: number, code: string) => ({
  declarationNo,
  location: L1,
  regime: 'ZERO_TARIFF',
  product: { gtin: P.gtin, hsCode: '330300', category: 'COSMETICS' },
  unitValueFen: 10_000,
  items: [P.sgtin(serial)],
  traceCodes: { [P.sgtin(serial)]: code },
});
const propose = (request: object) => goods.newProposal('Enter', { arguments: [JSON.stringify(request)] });

t.test('two entries claiming codes of one run endorsed together: one commits, the other conflicts', async (t) => {
  // Items in different runs of serials (70, 71, 72): only the run of codes is shared.
  const first = await propose(codedEntry('D-TA', 7_000, '4600000000700000')).endorse();
  const second = await propose(codedEntry('D-TB', 7_100, '4600000000700001')).endorse();
  const sameCode = await propose(codedEntry('D-TC', 7_200, '4600000000700000')).endorse();
  t.equal((await (await first.submit()).getStatus()).code, 0, 'the first commits');
  t.equal(
    (await (await second.submit()).getStatus()).code,
    11,
    'the second read the code run first: MVCC_READ_CONFLICT',
  );
  t.equal((await (await sameCode.submit()).getStatus()).code, 11, 'so does a claim of the code the first took');
  const retry = await c.submit(importer.identity, 'goods:Enter', codedEntry('D-TB', 7_100, '4600000000700001'));
  t.equal(retry.items, 1, 'the retry of a free code commits');
  const refused = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Enter', codedEntry('D-TC', 7_200, '4600000000700000')),
  );
  t.equal(refused.code, 'ALREADY_EXISTS', 'the retry of a taken code is refused as it always was');
  const a = await propose(codedEntry('D-TX', 7_300, '4600000000710000')).endorse();
  const b = await propose(codedEntry('D-TY', 7_400, '4600000000720000')).endorse();
  t.equal((await (await a.submit()).getStatus()).code, 0);
  t.equal((await (await b.submit()).getStatus()).code, 0, 'codes of different runs do not conflict');
});
