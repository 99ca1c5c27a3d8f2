// Proves the capture of processing (issue 15 Must 3): a TransformationEvent with hn: figures maps to goods:Process (inputs
// in any GS1 form, outputs of one GTIN, the figures under the names the chaincode's own event uses), one transaction in a
// wave of its own; the chaincode's TransformationEvent for a processing captures back to the request that made it; a
// partner's transformation without hn: members stays an observation; partial figures and bad values are refused. The
// chaincode's entry event captures back too.
// How: pure calls (the capture mapping, chunking, the chain's request rules and its processing decision); no I/O.
import t from 'tap';
import { decodeEnterRequest, decodeProcessRequest } from '@hainan/ledger-model';
import { decideEntry, decideProcessing } from '../../chaincode/src/domain/goods';
import type { ItemRecord } from '../../chaincode/src/domain/records';
import { chunkSteps } from '../../gateway/src/capture/chunking';
import { canonicalEventId, eventHashContext } from '../../gateway/src/capture/event-hash';
import { isRefusal, mapEvent, type StepRequest } from '../../gateway/src/capture/event-mapping';
import { ledgerRuleRefusal } from '../../gateway/src/capture/ledger-rules';
import { capturedEventIdOf, mapCapturedEvent } from '../../gateway/src/capture/observation-mapping';
import { processingEvent, sgln, shippingEvent } from '../../testkit/src/epcis';
import { gln, product } from '../../testkit/src/trace';

const RAW = product(81);
const LOTION = product(82);
const PROCESSOR = '91460000MA5T000001';
const CLOCK = { ms: Date.now(), iso: new Date().toISOString() };
const CTX = eventHashContext({});
const BOOK = new Map([[RAW.gtin, new Set([7])]]);

function mapped(event: Record<string, unknown>): StepRequest | ReturnType<typeof mapEvent> {
  const id = capturedEventIdOf(event, CTX);
  return mapCapturedEvent(event, BOOK, id, () => canonicalEventId(event, CTX));
}

function codeOf(step: ReturnType<typeof mapped>): string {
  return isRefusal(step) ? step.code : step.fn;
}

const EVENT = processingEvent({
  inputs: [RAW.sgtin(1), `https://id.gs1.org/01/${RAW.gtin}/21/2`, 'urn:epc:tag:sgtin-96:1.6901234.000081.3'],
  outputs: [LOTION.sgtin(1), LOTION.sgtin(2)],
  processingId: 'PR-7',
  location: 1,
  eventTime: '2026-01-05T10:00:00+08:00',
});

t.test('a TransformationEvent with hn: figures is goods:Process, one transaction', async (t) => {
  const step = mapped(EVENT) as StepRequest;
  t.equal(step.fn, 'goods:Process');
  t.same(step.items, [RAW.sgtin(1), RAW.sgtin(2), RAW.sgtin(3)], 'inputs in any GS1 form, as the chain keys them');
  t.same(step.header, {
    eventTime: '2026-01-05T10:00:00+08:00',
    processingId: 'PR-7',
    location: gln(1),
    outputs: [LOTION.sgtin(1), LOTION.sgtin(2)],
    outputProduct: { gtin: LOTION.gtin, hsCode: '330499', category: 'COSMETICS' },
    outputUnitValueFen: 30_000,
  });
  t.same(step.gtins, [RAW.gtin], 'the inputs must be of declared GTINs');
  t.same(step.creates, [LOTION.sgtin(1), LOTION.sgtin(2)], "the outputs' GTIN is declared by the processing");
  t.equal(step.divisible, false, 'a processing is never split');
  t.equal(ledgerRuleRefusal(step, 'urn:uuid:1', CLOCK), undefined, "the chain's request rules accept it");

  const [chunk, ...rest] = chunkSteps([{ seq: 0, eventId: 'urn:uuid:1', step }]);
  t.equal(rest.length, 0, 'one transaction');
  t.same(chunk?.request.inputs, step.items);
  t.equal(chunk?.request.eventId, 'urn:uuid:1', "the chain's event keeps the captured id");
});

t.test("the chaincode's own TransformationEvent captures back to the same processing", async (t) => {
  const request = {
    eventTime: '2026-01-05T02:00:00.000Z',
    processingId: 'PR-8',
    location: gln(1),
    inputs: [RAW.sgtin(1), RAW.sgtin(2)],
    outputs: [LOTION.sgtin(5)],
    outputProduct: { gtin: LOTION.gtin, hsCode: '330499', category: 'ALCOHOL', volumeMl: 500 },
    outputUnitValueFen: 52_000,
    cumulativeCode: 'PR-1',
  };
  const decoded = decodeProcessRequest(request, CLOCK);
  const input = (serial: number): ItemRecord => ({
    sgtin: RAW.sgtin(serial),
    product: { gtin: RAW.gtin, hsCode: '330300', category: 'COSMETICS' },
    regime: 'PROCESSED',
    valueFen: 20_000,
    importedMaterialsFen: 15_000,
    cumulativeCode: 'PR-1',
    status: 'IN_STOCK',
    holder: PROCESSOR,
    location: gln(1),
    entry: { declarationNo: 'D-1', enteredAt: '2026-01-01T00:00:00.000Z', enteredBy: PROCESSOR },
    lastEventTime: '2026-01-01T00:00:00.000Z',
    lastTxId: 'b'.repeat(64),
  });
  const tx = { id: 'a'.repeat(64), iso: '2026-01-05T02:00:01.000Z', ms: Date.parse('2026-01-05T02:00:01.000Z') };
  const decision = decideProcessing(decoded, PROCESSOR, [input(1), input(2)], [undefined], tx);
  const chainEvent = decision.epcis?.[0] as unknown as Record<string, unknown>;
  t.equal(chainEvent['hn:valueAddedBp'], 7_333, 'the chain computes the value added: (52,000 - 30,000) / 30,000');

  const step = mapped(chainEvent) as StepRequest;
  t.equal(step.fn, 'goods:Process');
  const [chunk] = chunkSteps([{ seq: 0, eventId: String(chainEvent.eventID), step }]);
  const { eventId, ...again } = chunk?.request ?? {};
  t.same(again, request, 'the same request: figures, product, cumulative code, place and time');
  t.equal(eventId, chainEvent.eventID);
});

t.test("the chaincode's own entry event captures back too (its product's category and volume included)", async (t) => {
  const request = {
    eventTime: '2026-01-05T02:00:00.000Z',
    declarationNo: 'D-9',
    location: gln(1),
    regime: 'ZERO_TARIFF',
    product: { gtin: RAW.gtin, hsCode: '220830', category: 'ALCOHOL', volumeMl: 700 },
    unitValueFen: 12_000,
    items: [RAW.sgtin(7), RAW.sgtin(8)],
  };
  const tx = { id: 'c'.repeat(64), iso: '2026-01-05T02:00:01.000Z', ms: Date.parse('2026-01-05T02:00:01.000Z') };
  const decision = decideEntry(decodeEnterRequest(request, CLOCK), PROCESSOR, [undefined, undefined], new Map(), tx);
  const chainEvent = decision.epcis?.[0] as unknown as Record<string, unknown>;
  const step = mapped(chainEvent) as StepRequest;
  t.equal(step.fn, 'goods:Enter');
  const [chunk] = chunkSteps([{ seq: 0, eventId: String(chainEvent.eventID), step }]);
  const { eventId: _id, ...again } = chunk?.request ?? {};
  t.same(again, request, 'the same request');
});

t.test("a partner's transformation without hn: members stays an observation", async (t) => {
  const partner = {
    type: 'TransformationEvent',
    eventTime: '2026-01-05T10:00:00+08:00',
    eventTimeZoneOffset: '+08:00',
    inputEPCList: [RAW.sgtin(1)],
    outputEPCList: [LOTION.sgtin(1)],
    bizStep: 'commissioning',
    bizLocation: { id: 'urn:epc:id:sgln:0614141.00777.0' },
  };
  t.equal(codeOf(mapped(partner)), 'goods:Observe');
  t.equal(codeOf(mapped({ ...partner, bizLocation: { id: sgln(1) } })), 'goods:Observe', 'whatever its location');
});

t.test('partial figures, missing facts and values the chain refuses are refused per event', async (t) => {
  const { 'hn:category': _c, 'hn:unitValueFen': _v, ...partial } = EVENT;
  const incomplete = mapped(partial);
  t.equal(codeOf(incomplete), 'EPCIS_EVENT_INCOMPLETE');
  t.match(isRefusal(incomplete) ? incomplete.message : '', /missing: hn:category, hn:unitValueFen/);
  t.match(mapped({ ...EVENT, bizTransactionList: [] }), {
    code: 'EPCIS_EVENT_INCOMPLETE',
    message: /prodorder bizTransaction/,
  });
  t.match(mapped({ ...EVENT, bizLocation: undefined }), { code: 'EPCIS_EVENT_INCOMPLETE', message: /bizLocation/ });
  t.match(mapped({ ...EVENT, inputEPCList: [] }), { code: 'EPCIS_EVENT_INCOMPLETE', message: /inputEPCList/ });
  t.match(mapped({ ...EVENT, outputEPCList: [LOTION.sgtin(1), RAW.sgtin(9)] }), {
    code: 'EPCIS_EVENT_INCOMPLETE',
    message: /one GTIN/,
  });
  t.match(mapped({ ...EVENT, inputEPCList: ['not-an-epc'] }), { code: 'INVALID_EPC', message: /inputEPCList\[0\]/ });
  t.match(mapped({ ...EVENT, inputEPCList: ['urn:epc:id:sscc:0614141.1234567890'] }), {
    code: 'EPC_SCHEME_UNSUPPORTED',
  });

  for (const [what, event] of [
    ['no value', { ...EVENT, 'hn:unitValueFen': 0 }],
    ['an unknown category', { ...EVENT, 'hn:category': 'TOYS' }],
    ['an HS code with letters', { ...EVENT, 'hn:hsCode': '33AB' }],
  ] as const) {
    const step = mapped(event) as StepRequest;
    t.equal(ledgerRuleRefusal(step, 'urn:uuid:1', CLOCK)?.code, 'INVALID_ARGUMENT', what);
  }
  const twice = mapped({ ...EVENT, outputEPCList: [RAW.sgtin(1)] }) as StepRequest;
  t.equal(ledgerRuleRefusal(twice, 'urn:uuid:1', CLOCK)?.code, 'INVALID_ARGUMENT', 'an input named as an output');
});

t.test('a shipment of the outputs in the same document waits for the processing', async (t) => {
  const step = mapped(EVENT) as StepRequest;
  const ship = mapEvent(
    shippingEvent({ items: [LOTION.sgtin(1)], shipmentId: 'S-1', toEnterprise: PROCESSOR, toLocation: 2 }),
  ) as StepRequest;
  const chunks = chunkSteps([
    { seq: 0, eventId: 'urn:uuid:1', step },
    { seq: 1, eventId: 'urn:uuid:2', step: ship },
  ]);
  t.same(
    chunks.map((c) => [c.fn, c.wave]),
    [
      ['goods:Process', 0],
      ['goods:Ship', 1],
    ],
  );
});
