// Proves the capture mapping of issue 15: an event that is no customs step becomes one goods:Observe observation
// (its body whole, its hash id, the trade items it names as the chain keys them, other GS1 keys left in the body); the
// customs steps map as before; an errorDeclaration becomes goods:DeclareError naming the declared event (by eventID,
// else by the hash id, which leaves errorDeclaration out); a bad EPC is still INVALID_EPC; observations share
// transactions up to the chain's item bound, and the chain's request rules accept what the mapping builds. A partner's
// event without the ledger's vocabulary is an observation; its user-extension prefixes travel with it.
// How: pure calls (no database, no peer).
import t from 'tap';
import { chunkSteps } from '../../gateway/src/capture/chunking';
import { canonicalEventId, eventHashContext } from '../../gateway/src/capture/event-hash';
import { isRefusal, type StepRequest } from '../../gateway/src/capture/event-mapping';
import { ledgerRuleRefusal } from '../../gateway/src/capture/ledger-rules';
import { capturedEventIdOf, mapCapturedEvent, namespacesOf } from '../../gateway/src/capture/observation-mapping';
import { HN_NAMESPACE, newEpcisQueryDocument } from '../../gateway/src/projection/epcis-document';
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

t.test('a partner event without the ledger vocabulary is an observation, not a refused customs step', async (t) => {
  const shipping = {
    type: 'ObjectEvent',
    action: 'OBSERVE',
    bizStep: 'shipping',
    eventTime: '2026-01-05T10:00:00+08:00',
    eventTimeZoneOffset: '+08:00',
    epcList: [GOODS.sgtin(1)],
    bizTransactionList: [{ type: 'po', bizTransaction: 'http://transaction.acme.com/po/1' }],
  };
  t.equal((mapped(shipping) as StepRequest).fn, 'goods:Observe', 'no customs facts: recorded as it is');
  const receiving = {
    ...shipping,
    bizStep: 'receiving',
    bizLocation: { id: 'urn:epc:id:sgln:0012345.11111.0' },
    bizTransactionList: [{ type: 'desadv', bizTransaction: 'urn:epcglobal:cbv:bt:0614141073467:1152' }],
  };
  t.equal((mapped(receiving) as StepRequest).fn, 'goods:Observe', 'a partner desadv names no shipment of the ledger');
  const commissioning = { ...shipping, action: 'ADD', bizStep: 'commissioning' };
  t.equal((mapped(commissioning) as StepRequest).fn, 'goods:Observe', 'a commissioning abroad is no first-line entry');
  t.match(
    mapped({ ...shipping, bizTransactionList: [{ type: 'desadv', bizTransaction: 'urn:hn:shipment:S-1' }] }),
    { code: 'EPCIS_EVENT_INCOMPLETE', message: /owning_party/ },
    'a shipment of the ledger without its receiver is still refused for what it misses',
  );
  t.match(
    mapped({ ...commissioning, 'hn:regime': 'ZERO_TARIFF' }),
    { code: 'EPCIS_EVENT_INCOMPLETE' },
    'an entry with some hn: figures is an entry missing the others',
  );
  const link = {
    ...shipping,
    epcList: ['https://id.gs1.org/01/09506000134352/21/7', GOODS.sgtin(2)],
  };
  t.same(
    (mapped(link) as StepRequest).sgtins,
    [GOODS.sgtin(2)],
    'a Digital Link of a GTIN no entry declared names no item on the ledger: kept in the body',
  );
  t.match(
    mapped({ ...link, bizStep: 'inspecting' }),
    { code: 'UNKNOWN_GTIN' },
    'in a custody step the ledger needs the item',
  );
});

t.test('user-extension prefixes travel with the event and are lifted into the query document', async (t) => {
  const namespaces = namespacesOf([
    'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
    { example: 'http://ns.example.com/epcis/', unused: 'http://unused.example/' },
  ]);
  const event = { ...READING, eventID: 'urn:uuid:e-1', 'example:x': { 'example:y': 2 } };
  const step = mapCapturedEvent(event, NO_BOOK as never, 'urn:uuid:e-1', () => hashOf(event), namespaces);
  const body = ((step as StepRequest).items[0] as { event: Record<string, unknown> }).event;
  t.same(body['@context'], [{ example: 'http://ns.example.com/epcis/' }], 'only the prefixes it uses');
  const other = { ...body, eventID: 'urn:uuid:e-2', '@context': [{ example: 'http://elsewhere.example/' }] };
  const doc = newEpcisQueryDocument([body, other], new Date());
  t.same(doc['@context'][1], { hn: HN_NAMESPACE, example: 'http://ns.example.com/epcis/' });
  const [first, second] = doc.epcisBody.queryResults.resultsBody.eventList as Record<string, unknown>[];
  t.notOk('@context' in first!, 'the first event reads as it was sent');
  t.same(
    second!['@context'],
    [{ example: 'http://elsewhere.example/' }],
    'a prefix bound elsewhere stays on its event',
  );
});
