// Proves the LedgerEvent's compact item form (payload version 2) loses nothing: grouping then expanding gives back every item record exactly, in
// a stable order, and the gateway's projection reads version 1 and version 2 payloads of the same items into identical rows.
// How: literal item records (equal but for the SGTIN, differing in a nested field, in an optional field, interleaved), then both payload
// versions through the gateway's decodeLedgerEvent + projectEvents.
import t from 'tap';
import { expandItemGroups, groupItems } from '../../chaincode/src/ledger/item-groups';
import type { ItemRecord } from '../../chaincode/src/domain/records';
import { encode } from '../../chaincode/src/ledger-codec';
import {
  decodeLedgerEvent,
  itemCountOf,
  itemsOf,
  projectEvents,
  type LedgerEventPayload,
} from '../../gateway/src/projection/ledger-event';

const base = {
  product: { gtin: '80614141123458', hsCode: '330300', category: 'COSMETICS' },
  regime: 'ZERO_TARIFF',
  valueFen: 10_000,
  importedMaterialsFen: 10_000,
  status: 'IN_STOCK',
  holder: '91460000MA5TKJ000H',
  location: '6901234000016',
  entry: { declarationNo: 'D-1', enteredAt: '2026-11-25T08:00:00.000Z', enteredBy: '91460000MA5TKJ000H' },
  lastEventTime: '2026-11-25T08:00:00.000Z',
  lastTxId: 'a'.repeat(64),
} as unknown as Omit<ItemRecord, 'sgtin'>;
const sgtin = (n: number): string => `urn:epc:id:sgtin:0614141.812345.${n}`;
const item = (n: number, extra: Partial<ItemRecord> = {}): ItemRecord =>
  ({ ...base, sgtin: sgtin(n), ...extra }) as ItemRecord;

t.test('items equal but for the SGTIN become one group; expanding gives them back', async (t) => {
  const items = [item(1), item(2), item(3)];
  const groups = groupItems(items);
  t.equal(groups.length, 1);
  t.same(groups[0]!.sgtins, [sgtin(1), sgtin(2), sgtin(3)]);
  t.notOk('sgtin' in groups[0]!.record, 'the shared record carries no SGTIN');
  t.same(expandItemGroups(groups), items);
});

t.test('a different nested field, an extra optional field or a different value starts another group', async (t) => {
  const items = [
    item(1),
    item(2, { product: { ...base.product, hsCode: '330499' } } as Partial<ItemRecord>),
    item(3, { traceCode: '4600123456789012' } as Partial<ItemRecord>),
    item(4, { valueFen: 12_000 } as Partial<ItemRecord>),
    item(5),
  ];
  const groups = groupItems(items);
  t.same(
    groups.map((g) => g.sgtins),
    [[sgtin(1), sgtin(5)], [sgtin(2)], [sgtin(3)], [sgtin(4)]],
  );
  t.same(
    new Set(expandItemGroups(groups).map((i) => encode(i).toString())),
    new Set(items.map((i) => encode(i).toString())),
    'same records, byte for byte',
  );
});

t.test('all-different items: one group each, nothing lost, bounded comparisons', async (t) => {
  const items = Array.from({ length: 50 }, (_, n) => item(n, { valueFen: n + 1 } as Partial<ItemRecord>));
  const groups = groupItems(items);
  t.equal(groups.length, 50);
  t.same(expandItemGroups(groups), items);
});

t.test('the projection reads payload versions 1 and 2 of the same items into the same rows', async (t) => {
  const items = [item(1), item(2), item(3, { traceCode: '4600123456789012' } as Partial<ItemRecord>)];
  const common = {
    txId: 'b'.repeat(64),
    type: 'ENTRY',
    eventTime: base.lastEventTime,
    recordTime: base.lastEventTime,
    actor: { mspId: 'Org1MSP', enterpriseId: base.holder },
    movements: [],
  };
  const v1 = { ...common, items };
  const v2 = { ...common, v: 2, itemGroups: groupItems(items) };
  const position = (payload: object) => ({
    blockNumber: 7n,
    txSeq: 0,
    transactionId: 'b'.repeat(64),
    payload: encode(payload),
  });
  const p1 = decodeLedgerEvent(position(v1));
  const p2 = decodeLedgerEvent(position(v2));
  t.same(itemsOf(p2), itemsOf(p1));
  t.equal(itemCountOf(p2), 3);
  const rows = (payload: LedgerEventPayload, pos: ReturnType<typeof position>) => {
    const { items: itemRows, itemEvents, parties } = projectEvents([{ position: pos, payload }]);
    return { itemRows, itemEvents, parties };
  };
  // Version 2 rows also name their group's record (recordBase / itemBase) so that the writer sends it once: each
  // row's record is that base with the row's SGTIN, and without the bases the rows are those of version 1.
  const { itemRows: rows2, itemEvents: events2, parties: parties2 } = rows(p2, position(v2));
  for (const r of rows2) t.same(r.record, { ...r.recordBase, sgtin: r.sgtin }, `${r.sgtin}: record = base + SGTIN`);
  for (const e of events2) t.same(e.item, { ...e.itemBase, sgtin: e.sgtin }, `${e.sgtin}: item = base + SGTIN`);
  t.same(
    {
      itemRows: rows2.map(({ recordBase: _b, ...r }) => ({ ...r, recordBase: undefined })),
      itemEvents: events2.map(({ itemBase: _b, ...e }) => ({ ...e, itemBase: undefined })),
      parties: parties2,
    },
    rows(p1, position(v1)),
    'items, history rows and parties are identical',
  );
  t.throws(
    () => decodeLedgerEvent(position({ ...common, v: 2, itemGroups: [{ sgtins: [] }] })),
    /not a LedgerEvent/,
    'a malformed group is refused',
  );
  t.throws(
    () => decodeLedgerEvent(position({ ...common, v: 2 })),
    /not a LedgerEvent/,
    'version 2 without groups is refused',
  );
});
