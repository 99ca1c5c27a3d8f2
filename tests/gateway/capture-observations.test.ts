// Proves the capture mapping of issue 15: an event that is no customs step becomes one goods:Observe observation
// (its body whole, its hash id, the trade items it names as the chain keys them, other GS1 keys left in the body); the
// customs steps map as before; an errorDeclaration becomes goods:DeclareError naming the declared event (by eventID,
// else by the hash id, which leaves errorDeclaration out); a bad EPC is still INVALID_EPC; observations share
// transactions up to the chain's item bound, and the chain's request rules accept what the mapping builds.
// How: pure calls (no database, no peer).
import t from 'tap';
import { chunkSteps } from '../../gateway/src/capture/chunking';
import { canonicalEventId, eventHashContext } from '../../gateway/src/capture/event-hash';
import { isRefusal, type StepRequest } from '../../gateway/src/capture/event-mapping';
import { ledgerRuleRefusal } from '../../gateway/src/capture/ledger-rules';
import { capturedEventIdOf, mapCapturedEvent } from '../../gateway/src/capture/observation-mapping';
import { entryEvent } from '../../testkit/src/epcis';
import { product } from '../../testkit/src/trace';

const GOODS = product(77);
const NO_BOOK = new Map<string, ReadonlySet<number>>();
const CLOCK = { ms: Date.now(), iso: new Date().toISOString() };
const CTX = eventHashContext({});
const hashOf = (event: Record<string, unknown>) => canonicalEventId(event, CTX);

const READING = {
  type: 'ObjectEvent',
  action: 'OBSERVE',
  bizStep: 'inspecting',
  eventTime: '2026-01-05T10:00:00+08:00',
  eventTimeZoneOffset: '+08:00',
  epcList: [GOODS.sgtin(1), 'urn:epc:id:sscc:0614141.1234567890', 'urn:epc:tag:sgtin-96:1.6901234.000077.2'],
  sensorElementList: [{ sensorReport: [{ type: 'Temperature', value: 21.5, uom: 'CEL' }] }],
  'example:x': 1,
};

function mapped(event: Record<string, unknown>) {
  const id = capturedEventIdOf(event, CTX);
  return mapCapturedEvent(event, NO_BOOK as never, id, () => hashOf(event));
}

t.test('an event that is no step: one observation with its body, hash id and trade items', async (t) => {
  const step = mapped(READING) as StepRequest;
  t.equal(step.fn, 'goods:Observe');
  const hash = hashOf(READING);
  t.same(step.items, [
    {
      eventId: hash,
      eventHash: hash,
      event: { ...READING, eventID: hash },
      items: [GOODS.sgtin(1), GOODS.sgtin(2)],
    },
  ]);
  t.same(step.sgtins, [GOODS.sgtin(1), GOODS.sgtin(2)], 'the SSCC stays in the body only');
  t.same(step.gtins, [GOODS.gtin], 'its GTIN must be declared by an entry');
  t.equal(ledgerRuleRefusal(step, hash, CLOCK), undefined, 'the chain request rules accept it');

  const withId = { ...READING, eventID: 'urn:uuid:1', recordTime: '2026-01-05T10:00:01Z' };
  const own = mapped(withId) as StepRequest;
  t.match(own.items[0], { eventId: 'urn:uuid:1', eventHash: hash }, 'its own id, anchored by its hash id');
  t.notOk('recordTime' in (own.items[0] as { event: object }).event, 'the chain sets the record time');

  for (const event of [
    { ...READING, action: 'ADD', bizStep: 'commissioning_x' },
    { ...READING, bizStep: 'storing' },
    { ...READING, bizStep: 'stock_taking' },
    {
      type: 'TransformationEvent',
      eventTime: READING.eventTime,
      eventTimeZoneOffset: '+08:00',
      inputEPCList: [GOODS.sgtin(1)],
    },
    {
      type: 'TransactionEvent',
      action: 'ADD',
      eventTime: READING.eventTime,
      eventTimeZoneOffset: '+08:00',
      epcList: [GOODS.sgtin(1)],
      bizTransactionList: [{ type: 'po', bizTransaction: 'urn:x:po:1' }],
    },
    {
      type: 'AssociationEvent',
      action: 'ADD',
      eventTime: READING.eventTime,
      eventTimeZoneOffset: '+08:00',
      parentID: 'urn:epc:id:grai:0614141.12345.400',
      childEPCs: [GOODS.sgtin(1)],
    },
    {
      type: 'ObjectEvent',
      action: 'OBSERVE',
      eventTime: READING.eventTime,
      eventTimeZoneOffset: '+08:00',
      quantityList: [{ epcClass: 'urn:epc:class:lgtin:6901234.000077.L1', quantity: 5 }],
    },
  ] as Record<string, unknown>[]) {
    const step = mapped(event);
    t.equal(isRefusal(step) ? step.code : step.fn, 'goods:Observe', `${event.type} ${String(event.bizStep)}`);
  }
});

t.test('customs steps map as before; what the ledger must refuse is refused', async (t) => {
  t.equal(
    (mapped(entryEvent({ items: [GOODS.sgtin(1)], declarationNo: 'D', location: 1 })) as StepRequest).fn,
    'goods:Enter',
  );
  t.match(
    mapped({ ...entryEvent({ items: [GOODS.sgtin(1)], declarationNo: 'D', location: 1 }), 'hn:regime': undefined }),
    {
      code: 'EPCIS_EVENT_INCOMPLETE',
    },
  );
  t.match(mapped({ ...READING, epcList: ['not-an-epc'] }), { code: 'INVALID_EPC' });
  t.match(
    mapped({
      type: 'AssociationEvent',
      action: 'DELETE',
      eventTime: READING.eventTime,
      eventTimeZoneOffset: '+08:00',
      parentID: 'https://ns.hainan-traceability.dev/epcis/tcode/4600000000000017',
      childEPCs: [GOODS.sgtin(1)],
    }),
    { code: 'EPCIS_EVENT_UNSUPPORTED' },
    'taking a traceability code off an item is no step the chain has',
  );
});

t.test('an error declaration names the declared event', async (t) => {
  const errorDeclaration = {
    declarationTime: '2026-01-06T00:00:00Z',
    reason: 'incorrect_data',
    correctiveEventIDs: ['urn:uuid:fix'],
  };
  const byId = { ...READING, eventID: 'urn:uuid:orig', errorDeclaration };
  t.equal(capturedEventIdOf(byId, CTX), 'urn:uuid:orig#errorDeclaration', 'not taken for the declared event again');
  const step = mapped(byId) as StepRequest;
  t.equal(step.fn, 'goods:DeclareError');
  t.match(step.items, [{ declaredEventId: 'urn:uuid:orig', event: { eventID: 'urn:uuid:orig', errorDeclaration } }]);
  t.equal(ledgerRuleRefusal(step, 'x', CLOCK), undefined, 'the chain request rules accept it');
  const byHash = mapped({ ...READING, errorDeclaration }) as StepRequest;
  t.match(byHash.items, [{ declaredEventId: hashOf(READING) }], 'the hash id of the declared event');
  t.match(ledgerRuleRefusal(mapped({ ...byId, errorDeclaration: { reason: 'x' } }) as StepRequest, 'x', CLOCK), {
    code: 'INVALID_ARGUMENT',
    message: /declarationTime/,
  });
});

t.test('observations share transactions up to the chain item bound', async (t) => {
  const steps = [1, 2, 3].map((n) => ({
    seq: n - 1,
    eventId: `e${n}`,
    step: mapped({ ...READING, epcList: [GOODS.sgtin(`a${n}`), GOODS.sgtin(`b${n}`)] }) as StepRequest,
  }));
  const chunks = chunkSteps(steps, 4);
  t.same(
    chunks.map((c) => [c.fn, c.itemCount, (c.request.observations as unknown[]).length]),
    [
      ['goods:Observe', 2, 2],
      ['goods:Observe', 1, 1],
    ],
    'two observations of two items fill a 4-item transaction',
  );
});
