// Proves the issue 15 decisions: an observation is anchored under its event hash id, noted on the chain of each item it
// names and leaves every item as it was (nothing written under the item keys); an enterprise cannot put observations
// on goods it neither holds nor is sent (NOT_HOLDER), an item with no entry is NOT_FOUND in a custody step and kept in
// the body only in other steps, the same event twice is recorded once. An error declaration marks the declared event
// (who, when, why, corrective ids) only for the party that captured it or customs (ACCESS_DENIED for another party's
// event), once; a declaration of an event not on this ledger is kept and marks nothing.
// How: pure calls on hand-built requests and ledger state (no peer, no store); the decisions are what the contracts commit.
import t from 'tap';
import {
  decodeDeclareErrorRequest,
  decodeObserveRequest,
  ErrorCode,
  newNotFound,
  type ObserveRequest,
} from '@hainan/ledger-model';
import type { Tx } from '../../../chaincode/src/domain/decision';
import type { EpcisEvent } from '../../../chaincode/src/domain/epcis';
import {
  decideErrorDeclarations,
  DECLARES_FIELD,
  decideObservations,
  EVENT_JSON_FIELD,
  sgtinsOfEvent,
  type DeclarableEvent,
  type Recorder,
} from '../../../chaincode/src/domain/observation';
import type { ItemRecord } from '../../../chaincode/src/domain/records';
import { eventIdKey, KeyType } from '../../../chaincode/src/ledger/keys';
import { product } from '../../../testkit/src/trace';
import { throwsCode } from './helpers/throws-code';

const GOODS = product(43);
const SHOP = '91460000MA5T000001';
const OTHER = '91460000MA5T000002';
const AT = '2025-12-10T02:00:00.000Z';
const TX: Tx = { id: 'c'.repeat(64), iso: AT, ms: Date.parse(AT) };
const CLOCK = { ms: TX.ms, iso: TX.iso };
const HASH = `ni:///sha-256;${'1'.repeat(64)}?ver=CBV2.0`;
const SHOP_RECORDER: Recorder = { mspId: 'Org1MSP', enterpriseId: SHOP, customs: false };
const OTHER_RECORDER: Recorder = { mspId: 'Org1MSP', enterpriseId: OTHER, customs: false };
const CUSTOMS: Recorder = { mspId: 'CustomsMSP', enterpriseId: null, customs: true };

function item(serial: number, changes: Partial<ItemRecord> = {}): ItemRecord {
  return {
    sgtin: GOODS.sgtin(serial),
    product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
    regime: 'ZERO_TARIFF',
    valueFen: 40_000,
    importedMaterialsFen: 40_000,
    status: 'IN_STOCK',
    holder: SHOP,
    location: '6901234000012',
    entry: { declarationNo: 'D-1', enteredAt: '2025-12-01T00:00:00.000Z', enteredBy: SHOP },
    lastEventTime: '2025-12-01T00:00:00.000Z',
    lastTxId: 'b'.repeat(64),
    ...changes,
  };
}

const READING = {
  type: 'ObjectEvent',
  action: 'OBSERVE',
  bizStep: 'inspecting',
  eventTime: '2025-12-09T10:00:00+08:00',
  eventTimeZoneOffset: '+08:00',
  epcList: [GOODS.sgtin(1), GOODS.sgtin(2)],
  sensorElementList: [{ sensorReport: [{ type: 'Temperature', value: 21.5, uom: 'CEL' }] }],
  'example:myField': { nested: true },
};

function observe(event: Record<string, unknown> = READING, items = [GOODS.sgtin(1), GOODS.sgtin(2)]): ObserveRequest {
  return decodeObserveRequest({ observations: [{ eventId: 'urn:uuid:obs-1', eventHash: HASH, event, items }] }, CLOCK);
}

t.test('an observation: one record under the hash id, a note per item, the body kept, no item written', async (t) => {
  const items = [item(1), item(2, { hold: { reason: 'check', heldAt: AT, by: 'customs' } })];
  const d = decideObservations(observe(), SHOP_RECORDER, [items], [undefined], TX);
  t.equal(d.type, 'OBSERVATION');
  t.same(d.items ?? [], [], 'no item changes');
  t.same(d.movements ?? [], [], 'no book movement');
  t.same(d.observed, items, 'the items travel as they are, so followers put the observation into their history');
  const records = (d.writes ?? []).filter((w) => w.type === KeyType.observation);
  t.same(
    records.map((w) => w.attrs),
    [[HASH]],
    'one record, keyed by the event hash id',
  );
  t.match(records[0]!.value, {
    eventId: 'urn:uuid:obs-1',
    bizStep: 'inspecting',
    items: [GOODS.sgtin(1), GOODS.sgtin(2)],
    capturedBy: { enterpriseId: SHOP },
  });
  t.same(
    (d.writes ?? []).filter((w) => w.type === KeyType.itemNote).map((w) => [w.attrs, w.value]),
    [
      [[GOODS.sgtin(1), TX.id], { recordedAt: AT, events: [0] }],
      [[GOODS.sgtin(2), TX.id], { recordedAt: AT, events: [0] }],
    ],
    'a note on each item chain',
  );
  t.notOk(
    (d.writes ?? []).some((w) => w.type === KeyType.item),
    'no item key rewritten',
  );
  const kept = d.epcis![0] as unknown as Record<string, unknown>;
  t.match(kept, { type: 'ObjectEvent', eventID: 'urn:uuid:obs-1', recordTime: AT, bizStep: 'inspecting' }, 'indexed');
  t.same(
    JSON.parse(kept[EVENT_JSON_FIELD] as string),
    { ...READING, eventID: 'urn:uuid:obs-1', recordTime: AT },
    'the whole body, decimals and extensions kept, as text the ledger codec writes',
  );
});

t.test('observations: not the holder and no entry in a custody step refused, recorded before kept once', async (t) => {
  throwsCode(
    t,
    () => decideObservations(observe(), OTHER_RECORDER, [[item(1), item(2)]], [undefined], TX),
    ErrorCode.NOT_HOLDER,
    'another enterprise',
  );
  const sent = item(1, {
    status: 'IN_TRANSIT',
    transit: { shipmentId: 'S', to: OTHER, toLocation: 'x', from: SHOP, fromLocation: 'y' },
  });
  t.ok(
    decideObservations(observe(READING, [GOODS.sgtin(1)]), OTHER_RECORDER, [[sent]], [undefined], TX),
    'the receiver of goods on their way may observe them',
  );
  t.ok(decideObservations(observe(), CUSTOMS, [[item(1), item(2)]], [undefined], TX), 'customs observes any item');
  throwsCode(
    t,
    () =>
      decideObservations(observe(), SHOP_RECORDER, [[item(1), newNotFound('item 2 has no entry')]], [undefined], TX),
    ErrorCode.NOT_FOUND,
    'an item with no entry',
  );
  const prior = decideObservations(observe(), SHOP_RECORDER, [[item(1), item(2)]], [undefined], TX).writes![0]!.value;
  const again = decideObservations(observe(), SHOP_RECORDER, [[item(1), item(2)]], [prior as never], TX);
  t.same(
    [again.writes, again.epcis, again.observed, again.records],
    [[], [], [], { observations: [] }],
    'the same event again (by its hash id) is on the ledger once: recording it again writes nothing',
  );
  const shipped = { ...READING, bizStep: 'shipping' };
  const partner = decideObservations(
    observe(shipped),
    SHOP_RECORDER,
    [[item(1), newNotFound('item 2 has no entry')]],
    [undefined],
    TX,
  );
  t.same(
    [partner.observed, partner.epcis?.length, (partner.writes ?? []).filter((w) => w.type === KeyType.itemNote).length],
    [[item(1)], 1, 1],
    'outside the custody steps an item with no entry is kept in the body only: no chain to note it on',
  );
  t.match(partner.writes![0]!.value, { items: [GOODS.sgtin(1)] }, 'the record names the chains that carry it');
  const noItems = decideObservations(
    observe({ ...READING, epcList: ['urn:epc:id:sscc:0614141.1234567890'] }, []),
    SHOP_RECORDER,
    [[]],
    [undefined],
    TX,
  );
  t.same([noItems.observed, noItems.epcis?.length], [[], 1], 'an event naming no trade item is anchored all the same');
});

t.test('the request rules: a hash id, a known event type, a bounded body', async (t) => {
  throwsCode(
    t,
    () =>
      decodeObserveRequest({ observations: [{ eventId: 'x', eventHash: 'sha', event: READING, items: [] }] }, CLOCK),
    ErrorCode.INVALID_ARGUMENT,
    'not a hash id',
  );
  throwsCode(
    t,
    () =>
      decodeObserveRequest(
        { observations: [{ eventId: 'x', eventHash: HASH, event: { ...READING, type: 'Nope' }, items: [] }] },
        CLOCK,
      ),
    ErrorCode.INVALID_ARGUMENT,
    'not an EPCIS event type',
  );
  throwsCode(
    t,
    () =>
      decodeObserveRequest(
        {
          observations: [{ eventId: 'x', eventHash: HASH, event: { ...READING, pad: 'x'.repeat(300_000) }, items: [] }],
        },
        CLOCK,
      ),
    ErrorCode.INVALID_ARGUMENT,
    'a body too large',
  );
});

const ORIGINAL = {
  type: 'ObjectEvent',
  eventID: 'urn:uuid:orig-1',
  eventTime: '2025-12-09T10:00:00.000Z',
  action: 'OBSERVE',
  bizStep: 'inspecting',
  epcList: [GOODS.sgtin(1), 'urn:epc:id:sscc:0614141.1234567890'],
} as unknown as EpcisEvent;

function declaration(correctiveEventIDs?: string[]) {
  return decodeDeclareErrorRequest(
    {
      declarations: [
        {
          declaredEventId: 'urn:uuid:orig-1',
          event: {
            ...ORIGINAL,
            errorDeclaration: {
              declarationTime: '2025-12-10T01:00:00Z',
              reason: 'incorrect_data',
              ...(correctiveEventIDs ? { correctiveEventIDs } : {}),
            },
          },
        },
      ],
    },
    CLOCK,
  );
}

function found(by: Recorder, mark?: unknown): DeclarableEvent {
  return {
    ref: { eventId: 'urn:uuid:orig-1', capturedBy: { mspId: by.mspId, enterpriseId: by.enterpriseId } },
    txId: 'd'.repeat(64),
    index: 0,
    event: ORIGINAL,
    mark: mark as never,
  };
}

t.test('an error declaration marks the declared event: who, when, why, corrective events', async (t) => {
  const items = new Map([[GOODS.sgtin(1), item(1)]]);
  const d = decideErrorDeclarations(
    declaration(['urn:uuid:fix-1']),
    SHOP_RECORDER,
    [[found(SHOP_RECORDER)]],
    items,
    TX,
  );
  t.equal(d.type, 'ERROR_DECLARATION');
  const marks = (d.writes ?? []).filter((w) => w.type === KeyType.errorMark);
  t.same(
    marks.map((w) => w.attrs),
    [[eventIdKey('urn:uuid:orig-1'), 'd'.repeat(64), '0']],
  );
  t.same(marks[0]!.value, {
    eventId: 'urn:uuid:orig-1',
    txId: 'd'.repeat(64),
    index: 0,
    declaredBy: { mspId: 'Org1MSP', enterpriseId: SHOP },
    declarationTime: '2025-12-10T01:00:00.000Z',
    reason: 'incorrect_data',
    correctiveEventIds: ['urn:uuid:fix-1'],
    recordedAt: AT,
    declarationTxId: TX.id,
  });
  t.same(d.observed, [item(1)], 'on the chain of the declared event item, which stays as it was');
  const kept = d.epcis![0] as unknown as Record<string, unknown>;
  t.match(kept, { eventID: 'urn:uuid:orig-1', [DECLARES_FIELD]: 'urn:uuid:orig-1' });
  t.match(JSON.parse(kept[EVENT_JSON_FIELD] as string), { errorDeclaration: { reason: 'incorrect_data' } });
  t.same(sgtinsOfEvent(ORIGINAL as never), [GOODS.sgtin(1)]);
  t.ok(
    decideErrorDeclarations(declaration(), CUSTOMS, [[found(SHOP_RECORDER)]], items, TX),
    'customs may declare any event erroneous',
  );
});

t.test('error declarations: another party event refused, an unknown event kept, twice refused', async (t) => {
  const items = new Map<string, ItemRecord>();
  const message = throwsCode(
    t,
    () => decideErrorDeclarations(declaration(), OTHER_RECORDER, [[found(SHOP_RECORDER)]], items, TX),
    ErrorCode.ACCESS_DENIED,
    'another party event',
  );
  t.match(message, /captured by another party/);
  const elsewhere = decideErrorDeclarations(declaration(), SHOP_RECORDER, [[]], items, TX);
  t.same(
    [elsewhere.writes, elsewhere.records, elsewhere.epcis?.length],
    [[], { errorDeclarations: [] }, 1],
    'a declaration of an event not on this ledger (captured elsewhere) is kept and marks nothing',
  );
  t.match(elsewhere.epcis![0], { eventID: 'urn:uuid:orig-1', [DECLARES_FIELD]: 'urn:uuid:orig-1' });
  const declarationEvent = {
    ...found(SHOP_RECORDER),
    event: { ...ORIGINAL, [DECLARES_FIELD]: 'urn:uuid:orig-1' } as never,
  };
  const twice = decideErrorDeclarations(declaration(), SHOP_RECORDER, [[declarationEvent]], items, TX);
  t.same(
    [twice.writes, twice.epcis],
    [[], []],
    'a declaration is not itself declarable: with only a declaration under the id, it is that one again (kept once)',
  );
  throwsCode(
    t,
    () =>
      decideErrorDeclarations(declaration(), SHOP_RECORDER, [[found(SHOP_RECORDER, { declaredBy: {} })]], items, TX),
    ErrorCode.ALREADY_EXISTS,
    'declared before',
  );
});
