// Proves the second-line exit of whole pallets through the real shim (issue 18 Must 3): a pallet of 2 cases and one of
// 20 cases (10 and 100 items) exit writing the same number of world-state keys (counted in the endorsed read/write
// set), the book goes down by the contents, the items inside read EXITED and cannot exit alone, the pallet cannot exit
// twice, and at the gate a release list naming a case on the pallet (or an item inside one) passes once; a case of
// another release list is named in the refusal.
// How: the traceability chaincode on a dev peer through the official client; each exit is endorsed, its transaction's
// read/write set parsed (the dev peer's envelope parser) and its writes counted, then submitted.
import t from 'tap';
import { connectGateway, startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { stateAccessOf, totalKeys } from '../../testkit/src/rwset';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient, sscc } from '../../testkit/src/trace';

const { importer } = ENTERPRISES;
const L1 = gln(1);
const GOODS = product(313);
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

/** Endorses and submits goods:Exit as the importer; the keys its transaction writes and its result. */
async function countedExit(request: unknown): Promise<{ writes: number; result: { movements: { qty: number }[] } }> {
  const gw = connectGateway(dn.profile, importer.identity);
  try {
    const contract = gw.getNetwork(dn.profile.channel).getContract('traceability', 'goods');
    const tx = await contract.newProposal('Exit', { arguments: [JSON.stringify(request)] }).endorse();
    const writes = totalKeys(stateAccessOf(tx.getBytes()).writes);
    const submitted = await tx.submit();
    const status = await submitted.getStatus();
    if (!status.successful) throw new Error(`exit did not commit: ${status.code}`);
    return { writes, result: JSON.parse(Buffer.from(submitted.getResult()).toString('utf8')) };
  } finally {
    gw.close();
    (gw as unknown as { grpcClient: { close(): void } }).grpcClient.close();
  }
}

/** Enters `cases` x 5 items, packs them in cases on a pallet; the pallet's id. */
async function pallet(n: number, cases: number): Promise<{ pallet: string; cases: string[]; items: string[] }> {
  const items = Array.from({ length: cases * 5 }, (_, i) => GOODS.sgtin(`X${n}-${i}`));
  await c.submit(importer.identity, 'goods:Enter', {
    declarationNo: `DECL-X${n}`,
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items,
  });
  const ids = Array.from({ length: cases }, (_, i) => sscc(n * 100 + i + 1));
  for (const [i, id] of ids.entries())
    await c.submit(importer.identity, 'goods:Pack', { parent: id, items: items.slice(i * 5, i * 5 + 5) });
  await c.submit(importer.identity, 'goods:Pack', { parent: sscc(n * 100), items: [], containers: ids });
  return { pallet: sscc(n * 100), cases: ids, items };
}

t.test('a pallet exit writes as many keys with 100 items as with 10; the gate passes a case on it once', async (t) => {
  const written: number[] = [];
  let first: Awaited<ReturnType<typeof pallet>> | undefined;
  for (const [n, cases] of [
    [1, 2],
    [2, 20],
  ] as const) {
    const p = await pallet(n, cases);
    first ??= p;
    const { writes, result } = await countedExit({
      releaseListNo: `RL-X${n}`,
      port: 'HAIKOU_PORT',
      containers: [{ id: p.pallet, exitValueFen: 1_000_000 }],
    });
    written.push(writes);
    t.same(
      result.movements.map((m) => m.qty),
      [-cases * 5],
      `the book goes down by the ${cases * 5} items in one movement`,
    );
  }
  t.equal(written[0], written[1], `a pallet of 10 and of 100 items write the same number of keys (${written[0]})`);
  t.ok(written[0]! <= 6, 'a handful: the exit, the pallet, the movement, the event and its reference');

  const p = first!;
  const inside = await c.evaluate<{ status: string }>(importer.identity, 'query:GetItem', { id: p.items[0] });
  t.equal(inside.status, 'EXITED', 'an item inside reads EXITED');
  const alone = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Exit', {
      releaseListNo: 'RL-ALONE',
      port: 'HAIKOU_PORT',
      items: [{ id: p.items[0], exitValueFen: 1 }],
    }),
  );
  t.equal(alone.code, 'ITEM_IN_CONTAINER', 'an item inside does not exit again alone');
  const twice = await TraceClient.refused(
    c.submit(importer.identity, 'goods:Exit', {
      releaseListNo: 'RL-TWICE',
      port: 'HAIKOU_PORT',
      containers: [{ id: p.pallet, exitValueFen: 1 }],
    }),
  );
  t.equal(twice.code, 'INVALID_TRANSITION', 'the pallet does not exit twice');

  const stranger = await TraceClient.refused(
    c.submit('customs-admin', 'customs:ReleaseAtGate', {
      releaseListNo: 'RL-X1',
      gate: 'HKP-GATE-1',
      items: [p.cases[0], sscc(2 * 100 + 1)],
    }),
  );
  t.equal(stranger.code, 'GATE_BLOCKED', 'a case of another release list blocks the truck');
  t.match(stranger.message, `${sscc(2 * 100 + 1)}: not on release list RL-X1`, 'named');
  // The gate reads a case and a tag of an item inside another case: both resolve to the pallet's exit.
  const gate = { releaseListNo: 'RL-X1', gate: 'HKP-GATE-1', items: [p.cases[0], p.items[5]] };
  const passed = await c.submit<{ gateRelease: { gate: string } }>('customs-admin', 'customs:ReleaseAtGate', gate);
  t.equal(passed.gateRelease.gate, 'HKP-GATE-1', 'a case on the pallet and an item in a case pass the gate');
  const again = await TraceClient.refused(c.submit('customs-admin', 'customs:ReleaseAtGate', gate));
  t.equal(again.code, 'GATE_ALREADY_RELEASED', 'not twice');
});
