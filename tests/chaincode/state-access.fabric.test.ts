// Proves what the ingest paths cost in world-state access as a Fabric peer records it (issue 16 proofs): a loose-item
// entry writes one key per run of serials (item-runs.ts: the items' first states are kept there) and a constant few,
// no item key, and reads no item key: it checks existence with one read per run (issue 16 Must 2); a pallet's shipment and receipt read and write the same
// keys whether it carries 20 items or 200 (Must 1). An entry with traceability codes reads and writes one key per run
// of 100 codes (trace-code-runs.ts), none per code.
import t from 'tap';
import { connectGateway, startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { stateAccessOf, totalKeys, type StateAccess } from '../../testkit/src/rwset';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { itemRunOf, traceCodeRunOf } from '@hainan/ledger-model';

const { operator, importer } = ENTERPRISES;
const GOODS = product(404);
const sscc = (n: number) => `urn:epc:id:sscc:6901234.${String(n).padStart(10, '0')}`;
/** Run keys (`irun`) a batch of SGTINs falls in: the entry reads and writes each once. */
const runsOf = (sgtins: string[]) =>
  new Set(
    sgtins.map((s) => {
      const r = itemRunOf(s);
      if (!r) throw new Error(`not an SGTIN: ${s}`);
      return `${r.cls}/${r.run}`;
    }),
  ).size;

let dn: DevnetProcess;
let chain: TraceClient;
const gateways: ReturnType<typeof connectGateway>[] = [];

t.before(async () => {
  dn = await startDevnetProcess();
  chain = new TraceClient(dn);
  await registerDevnetEnterprises(chain);
});
t.teardown(async () => {
  for (const gw of gateways) {
    gw.close();
    gw.grpcClient.close();
  }
  chain?.close();
  await dn?.stop();
});

/** Endorses `contract:Fn` as `identity`, records its state access, submits it and waits for VALID. */
async function accessOf(identity: string, fn: string, request: unknown): Promise<StateAccess> {
  const [contractName, name] = fn.split(':') as [string, string];
  const gw = connectGateway(dn.profile, identity);
  gateways.push(gw);
  const contract = gw.getNetwork(dn.profile.channel).getContract('traceability', contractName);
  const endorsed = await contract.newProposal(name, { arguments: [JSON.stringify(request)] }).endorse();
  const access = stateAccessOf(endorsed.getBytes());
  const status = await (await endorsed.submit()).getStatus();
  if (!status.successful) throw new Error(`${fn} was not committed: validation code ${status.code}`);
  return access;
}

t.test('a loose-item entry reads and writes one key per run of serials and no item key', async (t) => {
  const seen: StateAccess[] = [];
  for (const n of [10, 1_000]) {
    const items = Array.from({ length: n }, (_, i) => GOODS.sgtin(`E${n}-${i}`));
    const runs = runsOf(items);
    const a = await accessOf(importer.identity, 'goods:Enter', {
      submissionId: `entry-${n}`,
      declarationNo: `SA-D-${n}`,
      location: gln(1),
      regime: 'ZERO_TARIFF',
      product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 10_000,
      items,
    });
    seen.push(a);
    t.equal(a.writes.item ?? 0, 0, `${n} items: no item key written (their first states are in their runs)`);
    t.same(
      a.writes,
      { irun: runs, sub: 1, mv: 1, evt: 1, evtref: 1 },
      `${n} items: the keys written, by type (${runs} runs of serials, submission id, movement, event, event ref)`,
    );
    t.equal(a.reads.item ?? 0, 0, `${n} items: no item key read`);
    t.equal(a.reads.irun, runs, `${n} items: one read per run of serials`);
    t.equal(a.rangeReads.queries, 0, `${n} items: no range reads`);
    t.equal(
      totalKeys(a.reads) - a.reads.irun!,
      5,
      `${n} items: 5 other point reads (suspension, submission, enterprise, period, the run index marker)`,
    );
  }
  const other = (a: StateAccess) => ({ ...a.reads, irun: undefined });
  t.same(other(seen[0]!), other(seen[1]!), 'the reads besides runs of serials do not grow with the batch');
});

t.test('a 1,000-item entry with codes reads no code key and writes one key per run of codes', async (t) => {
  const n = 1_000;
  const items = Array.from({ length: n }, (_, i) => GOODS.sgtin(`T${n}-${i}`));
  // One roll of labels: consecutive 16-digit codes, so 100 per run key.
  const codes = items.map((_, i) => String(4_600_000_000_100_000 + i));
  const codeRuns = new Set(
    codes.map((c) => {
      const r = traceCodeRunOf(c);
      if (!r) throw new Error(`not a trace code: ${c}`);
      return r.run;
    }),
  ).size;
  const runs = runsOf(items);
  const a = await accessOf(importer.identity, 'goods:Enter', {
    submissionId: 'entry-codes',
    declarationNo: 'SA-T-1',
    location: gln(1),
    regime: 'ZERO_TARIFF',
    product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items,
    traceCodes: Object.fromEntries(items.map((s, i) => [s, codes[i]])),
  });
  t.equal(codeRuns, 10);
  t.same(
    a.writes,
    { irun: runs, tcrun: codeRuns, sub: 1, mv: 1, evt: 1, evtref: 1 },
    `the keys written: ${runs} item runs + ${codeRuns} code runs + 4 (no key per item or code)`,
  );
  t.equal(a.reads.tcode ?? 0, 0, 'no code key read');
  t.equal(a.reads.tcrun, codeRuns, 'one read per run of codes');
  t.equal(a.reads.item ?? 0, 0, 'no item key read');
  t.equal(a.rangeReads.queries, 0, 'no range reads');
  t.equal(
    totalKeys(a.reads) - a.reads.irun! - a.reads.tcrun!,
    6,
    '6 other point reads (suspension, submission, enterprise, period, the two run index markers)',
  );
  const found = await chain.evaluate<{ sgtin: string; traceCode: string }>('customs-admin', 'query:GetItem', {
    id: codes[567],
  });
  t.same([found.sgtin, found.traceCode], [items[567], codes[567]], 'query:GetItem finds an item by its code');
  const taken = await TraceClient.refused(
    chain.submit(importer.identity, 'goods:Enter', {
      declarationNo: 'SA-T-2',
      location: gln(1),
      regime: 'ZERO_TARIFF',
      product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 10_000,
      items: [GOODS.sgtin('T-new')],
      traceCodes: { [GOODS.sgtin('T-new')]: codes[999] },
    }),
  );
  t.equal(taken.code, 'ALREADY_EXISTS', 'a code the entry claimed is refused to another item');
});

t.test('a pallet move reads and writes the same keys whether it carries 20 or 200 items', async (t) => {
  const moves: StateAccess[] = [];
  for (const [p, n] of [
    [0, 20],
    [1, 200],
  ] as const) {
    const items = Array.from({ length: n }, (_, i) => GOODS.sgtin(`C${p}-${i}`));
    await chain.submit(importer.identity, 'goods:Enter', {
      declarationNo: `SA-C-${p}`,
      location: gln(1),
      regime: 'ZERO_TARIFF',
      product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 10_000,
      items,
    });
    const cases = [sscc(700 + p * 10), sscc(701 + p * 10)];
    for (const [i, c] of cases.entries())
      await chain.submit(importer.identity, 'goods:Pack', {
        parent: c,
        items: items.slice((i * n) / 2, ((i + 1) * n) / 2),
      });
    const pallet = sscc(800 + p);
    await chain.submit(importer.identity, 'goods:Pack', { parent: pallet, items: [], containers: cases });
    const ship = await accessOf(importer.identity, 'goods:ShipContainer', {
      submissionId: `ship-${p}`,
      shipmentId: `SA-SH-${p}`,
      toEnterprise: operator.id,
      toLocation: gln(2),
      containers: [pallet],
    });
    const receive = await accessOf(operator.identity, 'goods:ReceiveContainer', {
      submissionId: `receive-${p}`,
      shipmentId: `SA-SH-${p}`,
      location: gln(2),
      containers: [pallet],
    });
    for (const [what, a] of [
      ['shipment', ship],
      ['receipt', receive],
    ] as const) {
      t.equal(a.reads.item ?? 0, 0, `${n} items: the ${what} reads no item key`);
      t.equal(a.writes.item ?? 0, 0, `${n} items: the ${what} writes no item key`);
      t.same(
        a.writes,
        { cont: 1, sub: 1, mv: 1, evt: 1, evtref: 1 },
        `${n} items: the ${what} writes the pallet, its submission id, one movement, the event and its ref`,
      );
    }
    moves.push(ship, receive);
  }
  t.same(moves[0], moves[2], 'the shipment of 200 items reads and writes what the shipment of 20 does');
  t.same(moves[1], moves[3], 'and so does the receipt');
});
