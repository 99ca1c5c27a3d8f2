// Proves customs holds on packed goods (issue 15 Must 3): customs may hold an item inside a case, and then the pallet
// carrying that case does not ship (ITEM_HELD naming the item) until the item is released, after which the pallet's
// shipment writes as few keys as before; customs may hold a whole case, which stops its pallet's move and its
// unpacking and shows as held on every item inside; a held item or case taken out stays held.
// How: the pure decisions, committed by ledger/commit.ts into an in-memory world state that counts every putState
// (the commit path is the chaincode's own; only the peer's state store is a Map here).
import t from 'tap';
import { ErrorCode } from '@hainan/ledger-model';
import type { Decision } from '../../chaincode/src/domain/decision';
import {
  decideContainerShipment,
  decidePack,
  decideUnpack,
  effectiveItem,
  type ContainerRecord,
} from '../../chaincode/src/domain/containers';
import { decideSupervision, type SupervisionKind } from '../../chaincode/src/domain/supervision';
import type { ItemRecord } from '../../chaincode/src/domain/records';
import { KeyType } from '../../chaincode/src/ledger/keys';
import { throwsCode } from './domain/helpers/throws-code';
import { A, AT, B, CountingState, GOODS, L2, nextTx, packCase, packReq, sscc, time } from './helpers/container-world';

const PALLET = sscc(500);
const C1 = sscc(501);
const C2 = sscc(502);

/** Two cases of 3 items (serials 1-3 and 4-6) on a pallet, packed by A at L1. */
async function palletOfTwoCases(world: CountingState): Promise<void> {
  for (const [id, first] of [
    [C1, 1],
    [C2, 4],
  ] as const)
    await world.commit(packCase(id, first, 3).decision, nextTx());
  const cases = await Promise.all([C1, C2].map((id) => world.get<ContainerRecord>(KeyType.container, [id])));
  await world.commit(
    decidePack(packReq(PALLET, [], [C1, C2]), A, { parent: undefined, items: [], containers: cases }, nextTx()),
    nextTx(),
  );
}

const load = (world: CountingState, id: string) => world.get<ContainerRecord>(KeyType.container, [id]);
const loadItem = (world: CountingState, serial: number) =>
  world.get<ItemRecord>(KeyType.item, [GOODS.sgtin(serial)]) as Promise<ItemRecord>;

/** Loads what customs:Hold / customs:Release read (the items, the named containers, every container above them). */
async function supervisionState(
  world: CountingState,
  serials: number[],
  containerIds: string[] = [],
): Promise<(kind: SupervisionKind) => Decision> {
  const items = await Promise.all(serials.map((s) => loadItem(world, s)));
  const named = (await Promise.all(containerIds.map((id) => load(world, id)))) as ContainerRecord[];
  const around = new Map<string, ContainerRecord>();
  for (let id of [...items.map((i) => i.container), ...named.map((c) => c.parent)]) {
    while (id) {
      const c = (await load(world, id))!;
      around.set(id, c);
      id = c.parent;
    }
  }
  return (kind) =>
    decideSupervision(
      { kind, reason: 'suspected mislabelling', by: 'customs', eventTime: AT, eventId: undefined },
      items,
      nextTx(),
      named,
      around,
    );
}

const supervise = async (world: CountingState, kind: SupervisionKind, serials: number[], containerIds: string[] = []) =>
  (await supervisionState(world, serials, containerIds))(kind);

t.test('an item held inside a case stops its pallet until released; the move still writes 4 keys', async (t) => {
  const world = new CountingState();
  await palletOfTwoCases(world);
  const ship = async () => {
    const tx = nextTx();
    const req = {
      eventTime: time,
      shipmentId: `SH-${tx.id.slice(-6)}`,
      toEnterprise: B,
      toLocation: L2,
      containers: [PALLET],
      eventId: undefined,
    };
    const pallet = await load(world, PALLET);
    return { decision: () => decideContainerShipment(req, A, B, [pallet], tx), tx };
  };

  const held = await world.commit(await supervise(world, 'HOLD', [2]), nextTx());
  t.equal(held.writes, 1 + 2 + 2, 'the hold writes the item, its case and its pallet, and its event (2 keys)');
  t.same(held.movements, [], 'a hold changes no book line');
  t.ok((await loadItem(world, 2)).hold, 'the packed item itself is held');
  t.same((await load(world, C1))!.held, { count: 1, ids: [GOODS.sgtin(2)] }, 'its case counts and names it');
  t.same((await load(world, PALLET))!.held, { count: 1, ids: [GOODS.sgtin(2)] }, 'so does the pallet');

  const blocked = await ship();
  const refusal = throwsCode(t, blocked.decision, ErrorCode.ITEM_HELD, 'the pallet does not ship with a held item');
  t.match(refusal, GOODS.sgtin(2), 'the refusal names the held item');
  const seizure = await supervisionState(world, [2]);
  throwsCode(
    t,
    () => seizure('SEIZURE'),
    ErrorCode.ITEM_IN_CONTAINER,
    'a packed item is not seized (it is on the book through its case)',
  );

  const released = await world.commit(await supervise(world, 'RELEASE', [2]), nextTx());
  t.equal(released.writes, 5, 'the release writes the same keys');
  t.notOk((await loadItem(world, 2)).hold, 'the item is released');
  t.equal((await load(world, PALLET))!.held, undefined, 'the pallet no longer counts a held item');
  t.equal((await load(world, C1))!.held, undefined, 'nor does its case');
  const go = await ship();
  const shipped = await world.commit(go.decision(), go.tx);
  t.equal(shipped.writes, 4, 'released, the pallet ships writing 4 keys (the pallet, its event, 1 book line)');
  t.equal((await load(world, PALLET))!.status, 'IN_TRANSIT');
});

t.test('a held item unpacked stays held; a held item is not packed again', async (t) => {
  const world = new CountingState();
  await world.commit(packCase(C1, 1, 3).decision, nextTx());
  await world.commit(await supervise(world, 'HOLD', [1]), nextTx());
  const state = async () => ({
    parent: await load(world, C1),
    items: [await loadItem(world, 1)],
    containers: [],
  });
  await world.commit(decideUnpack(packReq(C1, [GOODS.sgtin(1)]), A, await state(), nextTx()), nextTx());
  const loose = await loadItem(world, 1);
  t.same([loose.container, Boolean(loose.hold)], [undefined, true], 'the unpacked item is loose and still held');
  t.equal((await load(world, C1))!.held, undefined, 'the case no longer counts it');
  const again = await state();
  throwsCode(
    t,
    () => decidePack(packReq(C1, [GOODS.sgtin(1)]), A, again, nextTx()),
    ErrorCode.ITEM_HELD,
    'a held item is not packed',
  );
});

t.test('a held case stops its pallet and its unpacking, and its items show held', async (t) => {
  const world = new CountingState();
  await palletOfTwoCases(world);
  const held = await world.commit(await supervise(world, 'HOLD', [], [C1]), nextTx());
  t.equal(held.writes, 2 + 2, 'holding a case writes the case and its pallet (and the event), no item');
  t.ok((await load(world, C1))!.hold, 'the case is held');
  t.same((await load(world, PALLET))!.held, { count: 1, ids: [C1] }, 'the pallet names the held case');

  const pallet = (await load(world, PALLET))!;
  const req = {
    eventTime: time,
    shipmentId: 'SH-C',
    toEnterprise: B,
    toLocation: L2,
    containers: [PALLET],
    eventId: undefined,
  };
  throwsCode(
    t,
    () => decideContainerShipment(req, A, B, [pallet], nextTx()),
    ErrorCode.ITEM_HELD,
    'the pallet does not ship with a held case on it',
  );
  // Take the held case off the pallet: allowed (it stays held), then its own unpacking is refused.
  await world.commit(
    decideUnpack(
      packReq(PALLET, [], [C1]),
      A,
      { parent: pallet, items: [], containers: [await load(world, C1)] },
      nextTx(),
    ),
    nextTx(),
  );
  t.equal((await load(world, PALLET))!.held, undefined, 'the pallet no longer counts the case it lost');
  const heldCase = (await load(world, C1))!;
  t.ok(heldCase.hold, 'the case off the pallet is still held');
  const one = await loadItem(world, 1);
  throwsCode(
    t,
    () => decideUnpack(packReq(C1, [GOODS.sgtin(1)]), A, { parent: heldCase, items: [one], containers: [] }, nextTx()),
    ErrorCode.ITEM_HELD,
    'a held case is not unpacked',
  );
  const palletNow = await load(world, PALLET);
  throwsCode(
    t,
    () => decidePack(packReq(PALLET, [], [C1]), A, { parent: palletNow, items: [], containers: [heldCase] }, nextTx()),
    ErrorCode.ITEM_HELD,
    'a held case is not packed onto a pallet',
  );
  const inside = effectiveItem(await loadItem(world, 1), [heldCase]);
  t.equal(inside.hold?.reason, 'suspected mislabelling', "an item's effective state shows its case's hold");
  t.equal((await loadItem(world, 1)).hold, undefined, 'its own key was not written');

  await world.commit(await supervise(world, 'RELEASE', [], [C1]), nextTx());
  const freed = (await load(world, C1))!;
  t.equal(freed.hold, undefined, 'released, the case is no longer held');
  t.equal(effectiveItem(await loadItem(world, 1), [freed]).hold, undefined, 'nor are its items');
  const whole = await supervisionState(world, [], [C1]);
  throwsCode(t, () => whole('SEIZURE'), ErrorCode.INVALID_ARGUMENT, 'a container is not seized whole');
});
