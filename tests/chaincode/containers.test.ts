// Proves cases and pallets on the chain (issue 15 Must 3, issue 16 Must 1): packing, a pallet's shipment and receipt
// and unpacking decide what a user sees (a sold item cannot be packed, a held one neither, an item inside a case cannot
// be sold alone, the book follows the pallet), and a container move writes a number of world-state keys that does not
// grow with the items inside it (a case of 10 and one of 1,000 write the same), while a loose-item shipment writes one
// key per item.
// How: the pure decisions, committed by ledger/commit.ts into an in-memory world state that counts every putState
// (the commit path is the chaincode's own; only the peer's state store is a Map here).
import t from 'tap';
import { ChaincodeError, ErrorCode } from '@hainan/ledger-model';
import type { Decision } from '../../chaincode/src/domain/decision';
import {
  contentCount,
  decideContainerReceipt,
  decideContainerShipment,
  decidePack,
  decideUnpack,
  effectiveItem,
  type ContainerRecord,
} from '../../chaincode/src/domain/containers';
import { decideEntry, decideShipment } from '../../chaincode/src/domain/goods';
import { bookLine } from '../../chaincode/src/domain/lifecycle';
import type { ItemRecord, MovementRecord } from '../../chaincode/src/domain/records';
import { runOf } from '../../chaincode/src/ledger/item-runs';
import { KeyType } from '../../chaincode/src/ledger/keys';
import { throwsCode } from './domain/helpers/throws-code';
import {
  A,
  AT,
  B,
  CountingState,
  GOODS,
  item,
  L1,
  L2,
  nextTx,
  packCase,
  packReq,
  sscc,
  time,
} from './helpers/container-world';

const containerOf = (d: Decision, id: string) =>
  (d.writes ?? []).filter((w) => w.type === KeyType.container && w.attrs[0] === id).at(-1)!.value as ContainerRecord;

t.test('a container move writes a constant number of keys: a case of 10 and of 1,000 alike', async (t) => {
  const written: number[] = [];
  for (const [n, id] of [
    [10, sscc(1)],
    [1_000, sscc(2)],
  ] as const) {
    const world = new CountingState();
    const { decision } = packCase(id, n * 10, n);
    const packed = await world.commit(decision, nextTx());
    t.equal(packed.writes, n + 1 + 2, `packing ${n} items writes each item once, the case, and its event (2 keys)`);
    const tx = nextTx();
    const c = await world.get<ContainerRecord>(KeyType.container, [id]);
    t.equal(contentCount(c!), n, `the case counts its ${n} items`);
    const shipReq = {
      eventTime: time,
      shipmentId: `SH-${n}`,
      toEnterprise: B,
      toLocation: L2,
      containers: [id],
      eventId: undefined,
    };
    const shipped = await world.commit(decideContainerShipment(shipReq, A, B, [c], tx), tx);
    t.same(
      shipped.movements.map((m) => [m.enterprise, m.location, m.qty]),
      [[A, L1, -n]],
      'one book movement per product line, not per item',
    );
    const tx2 = nextTx();
    const inTransit = await world.get<ContainerRecord>(KeyType.container, [id]);
    const received = await world.commit(
      decideContainerReceipt(
        { eventTime: time, shipmentId: `SH-${n}`, location: L2, containers: [id], eventId: undefined },
        B,
        [inTransit],
        tx2,
      ),
      tx2,
      B,
    );
    t.same(
      received.movements.map((m) => [m.enterprise, m.location, m.qty]),
      [[B, L2, n]],
      'the receiver books the case',
    );
    written.push(shipped.writes, received.writes);
  }
  t.same(written, [4, 4, 4, 4], 'ship and receive: the container, one movement, the event and its reference');

  // The loose-item path for comparison: one key per item (plus the movement and the event).
  const world = new CountingState();
  for (const n of [10, 1_000]) {
    const items = Array.from({ length: n }, (_, i) => item(50_000 + n + i));
    const tx = nextTx();
    const d = decideShipment(
      {
        eventTime: time,
        shipmentId: `LOOSE-${n}`,
        toEnterprise: B,
        toLocation: L2,
        items: items.map((i) => i.sgtin),
        eventId: undefined,
      },
      A,
      B,
      items,
      tx,
    );
    t.equal((await world.commit(d, tx)).writes, n + 3, `a loose shipment of ${n} items writes ${n} item keys + 3`);
  }
  for (const n of [10, 1_000]) {
    const items = Array.from({ length: n }, (_, i) => GOODS.sgtin(`E${n}-${i}`));
    const tx = nextTx();
    const d = decideEntry(
      {
        eventTime: time,
        declarationNo: `D-${n}`,
        location: L1,
        regime: 'ZERO_TARIFF',
        product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
        unitValueFen: 10_000,
        items,
        traceCodes: {},
        eventId: undefined,
      },
      A,
      items.map(() => undefined),
      new Map(),
      tx,
    );
    // An entry adds its serials to their runs and keeps the items' first states there (ledger/item-runs.ts): one
    // key per run of up to 100 serials, no item key.
    const runs = new Set(items.map((s) => `${runOf(s).cls} ${runOf(s).run}`)).size;
    t.equal(
      (await world.commit(d, tx)).writes,
      runs + 3,
      `a loose-item entry of ${n} items writes no item key: its ${runs} runs + 3`,
    );
  }
});

t.test('pack 1,000 items in 10 cases on a pallet, ship, receive, unpack one case: items and book right', async (t) => {
  const world = new CountingState();
  const pallet = sscc(100);
  const cases = Array.from({ length: 10 }, (_, i) => sscc(101 + i));
  const all: ItemRecord[] = [];
  for (const [i, id] of cases.entries()) {
    const { decision, items } = packCase(id, 1_000 + i * 100, 100);
    await world.commit(decision, nextTx());
    all.push(...items);
  }
  const load = (id: string) => world.get<ContainerRecord>(KeyType.container, [id]);
  const loadItem = (sgtin: string) => world.get<ItemRecord>(KeyType.item, [sgtin]);
  const caseRecords = await Promise.all(cases.map(load));
  const onPallet = await world.commit(
    decidePack(packReq(pallet, [], cases), A, { parent: undefined, items: [], containers: caseRecords }, nextTx()),
    nextTx(),
  );
  t.equal(onPallet.writes, 10 + 1 + 2, 'palletising writes the 10 cases and the pallet, no item');
  t.equal(contentCount((await load(pallet))!), 1_000, 'the pallet counts the 1,000 items of its cases');

  // A case on a pallet does not move alone.
  const tx = nextTx();
  throwsCode(
    t,
    () =>
      decideContainerShipment(
        {
          eventTime: time,
          shipmentId: 'X',
          toEnterprise: B,
          toLocation: L2,
          containers: [cases[0]!],
          eventId: undefined,
        },
        A,
        B,
        [caseRecords[0] && { ...caseRecords[0], parent: pallet }],
        tx,
      ),
    ErrorCode.INVALID_TRANSITION,
    'a case on a pallet ships with its pallet only',
  );

  const shipTx = nextTx();
  const shipped = await world.commit(
    decideContainerShipment(
      {
        eventTime: time,
        shipmentId: 'SH-P',
        toEnterprise: B,
        toLocation: L2,
        containers: [pallet],
        eventId: undefined,
      },
      A,
      B,
      [await load(pallet)],
      shipTx,
    ),
    shipTx,
  );
  t.equal(shipped.writes, 4, 'the pallet of 1,000 items ships with 4 keys');
  const rxTx = nextTx();
  const received = await world.commit(
    decideContainerReceipt(
      { eventTime: time, shipmentId: 'SH-P', location: L2, containers: [pallet], eventId: undefined },
      B,
      [await load(pallet)],
      rxTx,
    ),
    rxTx,
    B,
  );
  t.equal(received.writes, 4, 'and is received with 4 keys');

  // Effective state of an item deep inside: the pallet's.
  const inside = (await loadItem(all[0]!.sgtin))!;
  const chain = [(await load(cases[0]!))!, (await load(pallet))!];
  const eff = effectiveItem(inside, chain);
  t.same([eff.holder, eff.location, eff.status], [B, L2, 'IN_STOCK'], 'an item in a case on the pallet is at B, L2');
  t.same([inside.holder, inside.location], [A, L1], 'its own key was not written by the move');

  // Unpacking a case still on the pallet is refused; first off the pallet, then open it.
  throwsCode(
    t,
    () =>
      decideUnpack(
        packReq(cases[0]!, [all[0]!.sgtin]),
        B,
        { parent: chain[0], items: [inside], containers: [] },
        nextTx(),
      ),
    ErrorCode.INVALID_TRANSITION,
    'a case on a pallet is unpacked after it leaves the pallet',
  );
  const offTx = nextTx();
  await world.commit(
    decideUnpack(packReq(pallet, [], [cases[0]!]), B, { parent: chain[1], items: [], containers: [chain[0]] }, offTx),
    offTx,
    B,
  );
  const caseNow = (await load(cases[0]!))!;
  t.same([caseNow.holder, caseNow.location, caseNow.parent], [B, L2, undefined], 'the case off the pallet is at B, L2');
  const firstCase = all.slice(0, 100);
  const openTx = nextTx();
  const opened = await world.commit(
    decideUnpack(
      packReq(
        cases[0]!,
        firstCase.map((i) => i.sgtin),
      ),
      B,
      { parent: caseNow, items: await Promise.all(firstCase.map((i) => loadItem(i.sgtin))), containers: [] },
      openTx,
    ),
    openTx,
    B,
  );
  t.same(opened.movements, [], 'unpacking changes no book');
  const loose = (await loadItem(all[0]!.sgtin))!;
  t.same([loose.holder, loose.location, loose.status, loose.container], [B, L2, 'IN_STOCK', undefined]);

  // Book equals item states: A has nothing left at L1, B holds the 1,000 at L2 (900 in cases on the pallet).
  const book = new Map<string, number>();
  for (const [k, v] of world.state) {
    if (!k.startsWith(`\u0000${KeyType.movement}\u0000`)) continue;
    const m = JSON.parse(Buffer.from(v).toString('utf8')) as MovementRecord;
    const line = `${m.enterprise}@${m.location}`;
    book.set(line, (book.get(line) ?? 0) + m.qty);
  }
  const states = new Map<string, number>();
  for (const i of all) {
    const own = (await loadItem(i.sgtin))!;
    const chainOf: ContainerRecord[] = [];
    for (let c = own.container; c; ) {
      const rec = (await load(c))!;
      chainOf.push(rec);
      c = rec.parent;
    }
    const line = bookLine(effectiveItem(own, chainOf));
    if (line)
      states.set(`${line.enterprise}@${line.location}`, (states.get(`${line.enterprise}@${line.location}`) ?? 0) + 1);
  }
  t.same(Object.fromEntries(states), { [`${B}@${L2}`]: 1_000 }, 'every item is at B, L2');
  t.equal(book.get(`${B}@${L2}`), 1_000, "B's book holds the 1,000 items");
  t.equal(book.get(`${A}@${L1}`), -1_000, "A's book at L1 moved -1,000 (its entries, +1,000, are not in this world)");
});

t.test('per-item rules hold inside cases', async (t) => {
  const tx = nextTx();
  throwsCode(
    t,
    () =>
      decidePack(
        packReq(sscc(200), [GOODS.sgtin(1)]),
        A,
        { parent: undefined, items: [item(1, { status: 'SOLD' })], containers: [] },
        tx,
      ),
    ErrorCode.INVALID_TRANSITION,
    'a sold item cannot be packed',
  );
  throwsCode(
    t,
    () =>
      decidePack(
        packReq(sscc(200), [GOODS.sgtin(2)]),
        A,
        {
          parent: undefined,
          items: [item(2, { hold: { reason: 'x', heldAt: AT, by: 'customs' } })],
          containers: [],
        },
        tx,
      ),
    ErrorCode.ITEM_HELD,
    'a held item cannot be packed (so it never leaves inside a case)',
  );
  throwsCode(
    t,
    () =>
      decidePack(
        packReq(sscc(200), [GOODS.sgtin(3)]),
        A,
        { parent: undefined, items: [item(3, { container: sscc(201) })], containers: [] },
        tx,
      ),
    ErrorCode.ITEM_IN_CONTAINER,
    'an item in a case is not packed into another',
  );
  throwsCode(
    t,
    () =>
      decidePack(packReq(sscc(200), [GOODS.sgtin(4)]), B, { parent: undefined, items: [item(4)], containers: [] }, tx),
    ErrorCode.NOT_HOLDER,
    "another enterprise's item cannot be packed",
  );
  const shipped = {
    ...(containerOf(packCase(sscc(300), 9_000, 2).decision, sscc(300)) as ContainerRecord),
    status: 'IN_TRANSIT' as const,
    transit: { shipmentId: 'S', to: B, toLocation: L2, from: A, fromLocation: L1 },
  };
  throwsCode(
    t,
    () =>
      decideContainerReceipt(
        { eventTime: time, shipmentId: 'S', location: L1, containers: [shipped.id], eventId: undefined },
        B,
        [shipped],
        nextTx(),
      ),
    ErrorCode.WRONG_RECEIPT,
    'a case received elsewhere than its destination',
  );
  t.ok(new ChaincodeError(ErrorCode.ITEM_IN_CONTAINER, 'x').message.startsWith('ITEM_IN_CONTAINER: '));
});
