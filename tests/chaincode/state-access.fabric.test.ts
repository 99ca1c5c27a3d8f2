// Proves what the ingest paths cost in world-state access as a Fabric peer records it (issue 16 proofs): a loose-item
// entry writes one key per item (plus a constant few) and, today, reads each item with one point read (GetState) —
// a range read over the batch would replace those (issue 16 Must 2; change EXPECTED_ENTRY_ITEM_READS then); a pallet's
// shipment and receipt read and write the same keys whether it carries 20 items or 200 (Must 1).
// How: the traceability chaincode on a dev peer, each step endorsed through the official client as the enterprise
// and its read/write set decoded from the endorsed transaction (what the peer validates and commits), then submitted.
import t from 'tap';
import { common, gateway as gp, ledger, peer } from '@hyperledger/fabric-protos';
import { connectGateway, startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';

const { operator, importer } = ENTERPRISES;
const GOODS = product(404);
const sscc = (n: number) => `urn:epc:id:sscc:6901234.${String(n).padStart(10, '0')}`;
/** Point reads of item keys by a loose-item entry of n items: n today (one GetState per item). */
const EXPECTED_ENTRY_ITEM_READS = (n: number) => n;
/** Range reads by a loose-item entry (none today). */
const EXPECTED_ENTRY_RANGE_READS = 0;

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

/** Keys of one kind, counted by key type (the composite key's object type: item, cont, mv, ...). */
type ByType = Record<string, number>;
interface StateAccess {
  reads: ByType;
  writes: ByType;
  /** Range queries (getStateByRange / partial composite key) and the keys they returned. */
  rangeReads: { queries: number; keys: number };
}

const keyType = (key: string) => (key.startsWith('\u0000') ? (key.split('\u0000')[1] ?? '') : key);
const tally = (keys: string[]): ByType => {
  const out: ByType = {};
  for (const k of keys) out[keyType(k)] = (out[keyType(k)] ?? 0) + 1;
  return out;
};

/** The traceability chaincode's read/write set in an endorsed transaction. */
function stateAccessOf(prepared: Uint8Array): StateAccess {
  const env = gp.PreparedTransaction.deserializeBinary(prepared).getEnvelope()!;
  const payload = common.Payload.deserializeBinary(env.getPayload_asU8());
  const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const cap = peer.ChaincodeActionPayload.deserializeBinary(tx.getActionsList()[0]!.getPayload_asU8());
  const prp = peer.ProposalResponsePayload.deserializeBinary(cap.getAction()!.getProposalResponsePayload_asU8());
  const action = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(action.getResults_asU8());
  const ns = rwset.getNsRwsetList().find((n) => n.getNamespace() === 'traceability');
  if (!ns) throw new Error('no read/write set of the traceability chaincode');
  const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
  const ranges = kv.getRangeQueriesInfoList();
  return {
    reads: tally(kv.getReadsList().map((r) => r.getKey())),
    writes: tally(kv.getWritesList().map((w) => w.getKey())),
    rangeReads: {
      queries: ranges.length,
      keys: ranges.reduce((n, q) => n + (q.getRawReads()?.getKvReadsList().length ?? 0), 0),
    },
  };
}

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

const total = (by: ByType) => Object.values(by).reduce((n, v) => n + v, 0);

t.test('a loose-item entry writes one key per item and reads each item once (today)', async (t) => {
  const seen: StateAccess[] = [];
  for (const n of [10, 1_000]) {
    const a = await accessOf(importer.identity, 'goods:Enter', {
      submissionId: `entry-${n}`,
      declarationNo: `SA-D-${n}`,
      location: gln(1),
      regime: 'ZERO_TARIFF',
      product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 10_000,
      items: Array.from({ length: n }, (_, i) => GOODS.sgtin(`E${n}-${i}`)),
    });
    seen.push(a);
    t.equal(a.writes.item, n, `${n} items: one item key written per item`);
    t.equal(total(a.writes) - n, 4, `${n} items: and 4 more keys (submission id, movement, event, event ref)`);
    t.same(a.writes, { item: n, sub: 1, mv: 1, evt: 1, evtref: 1 }, `${n} items: the keys written, by type`);
    t.equal(a.reads.item ?? 0, EXPECTED_ENTRY_ITEM_READS(n), `${n} items: point reads of item keys`);
    t.equal(a.rangeReads.queries, EXPECTED_ENTRY_RANGE_READS, `${n} items: range reads`);
    t.equal(
      total(a.reads) - (a.reads.item ?? 0),
      4,
      `${n} items: 4 other point reads (suspension, submission, enterprise, period)`,
    );
  }
  const other = (a: StateAccess) => ({ ...a.reads, item: undefined });
  t.same(other(seen[0]!), other(seen[1]!), 'the reads besides items do not grow with the batch');
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
