// Proves issue 15 Musts 1 and 4 over HTTP on a dev peer: an EPCIS event that maps to no customs step (an OBSERVE
// inspection with sensor data and a user extension) is accepted, committed as goods:Observe, leaves the items as they
// were, and shows in the item's provenance (projection and chain) and in /v1/events with its whole body; an observation
// of goods another enterprise holds is refused on the chain (NOT_HOLDER), of a GTIN no entry declared and with a bad
// EPC at once (UNKNOWN_GTIN, INVALID_EPC). An error declaration marks the declared event, provenance shows both and the
// corrective event of the same document is applied; a declaration of another party's event is refused (ACCESS_DENIED).
// How: the gateway app (fastify.inject) on a real PostgreSQL and its queue, real ledger clients to a dev peer process,
// the capture job and the projection follower running as in the server.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { entryEvent, epcisDocument } from '../../testkit/src/epcis';
import { ENTERPRISES, product, type TraceClient } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { startCaptureStack } from './helpers/capture-stack';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const TEA = product(311);
const OTHER_GTIN = product(312);
const A = [TEA.sgtin(1), TEA.sgtin(2), TEA.sgtin(3)];

let chain: TraceClient;
let app: FastifyInstance;
let keys: { customs: string; importer: string; operator: string };

interface Status {
  state: string;
  outcome: string;
  transactions: { fn: string; state: string }[];
  errors: { eventID: string; code: string; message: string }[];
  events: { eventID: string; state: string }[];
}

async function capture(key: string, events: Record<string, unknown>[]) {
  const doc = epcisDocument(events);
  (doc['@context'] as unknown[]).push({ example: 'http://ns.example.com/epcis/' });
  return app.inject({
    method: 'POST',
    url: '/v1/capture',
    headers: { ...bearer(key), 'content-type': 'application/ld+json' },
    payload: JSON.stringify(doc),
  });
}

async function settled(res: { statusCode: number; body: string; headers: Record<string, unknown> }, key: string) {
  if (res.statusCode !== 202) throw new Error(`capture answered ${res.statusCode}: ${res.body}`);
  return waitFor(`capture ${String(res.headers.location)} to settle`, async () => {
    const status = await app.inject({ method: 'GET', url: String(res.headers.location), headers: bearer(key) });
    const body = status.json() as Status;
    return body.state === 'done' || body.state === 'parked' ? body : undefined;
  });
}

interface HistoryBody {
  item: { status: string; holder: string };
  events: { type: string; epcis: Record<string, unknown>[] }[];
}

async function history(id: string, types: number): Promise<HistoryBody> {
  return waitFor(`the history of ${id} to show ${types} transactions`, async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/items/${encodeURIComponent(id)}/history`,
      headers: bearer(keys.customs),
    });
    const body = res.json() as HistoryBody;
    return body.events?.length >= types ? body : undefined;
  });
}

const READING = {
  type: 'ObjectEvent',
  eventID: 'urn:uuid:6a0e3f4e-0000-4000-8000-000000000001',
  action: 'OBSERVE',
  bizStep: 'inspecting',
  eventTime: '2026-01-05T10:00:00+08:00',
  eventTimeZoneOffset: '+08:00',
  epcList: [A[0], A[1]],
  readPoint: { id: 'urn:epc:id:sgln:6901234.00001.0' },
  sensorElementList: [
    {
      sensorMetadata: { time: '2026-01-05T09:59:00+08:00', deviceID: 'urn:epc:id:giai:4000001.111' },
      sensorReport: [{ type: 'Temperature', value: 21.5, uom: 'CEL' }],
    },
  ],
  'example:inspector': { name: 'lab 7' },
};

t.before(async () => {
  const stack = await startCaptureStack(t);
  ({ chain, app } = stack);
  keys = { customs: stack.customsKey, importer: '', operator: '' };
  keys.importer = await stack.newKey(importer.id, 'Importer', 'enterprise', importer.mspId);
  keys.operator = await stack.newKey(operator.id, 'Operator', 'operator', operator.mspId);
  const entered = await settled(
    await capture(keys.importer, [entryEvent({ items: A, declarationNo: 'OBS-D-1', location: 1 })]),
    keys.importer,
  );
  if (entered.outcome !== 'committed') throw new Error(JSON.stringify(entered.errors));
});

t.test('an inspection with sensor data: observed on each item chain, items unchanged, the body whole', async (t) => {
  const status = await settled(await capture(keys.importer, [READING]), keys.importer);
  t.same([status.state, status.outcome], ['done', 'committed'], JSON.stringify(status.errors));
  t.same(
    status.transactions.map((c) => c.fn),
    ['goods:Observe'],
  );
  const h = await history(A[0]!, 2);
  t.same(
    h.events.map((e) => e.type),
    ['ENTRY', 'OBSERVATION'],
    'provenance shows the observation',
  );
  t.same([h.item.status, h.item.holder], ['IN_STOCK', importer.id], 'the item is as it was');
  const observed = h.events[1]!.epcis[0]!;
  t.match(observed, {
    eventID: READING.eventID,
    bizStep: 'inspecting',
    sensorElementList: READING.sensorElementList,
    'example:inspector': { name: 'lab 7' },
  });
  t.match(observed.recordTime, /^\d{4}-/, 'the chain set its record time');

  const onChain = await chain.evaluate<{ history: { unchanged?: boolean; events: { eventID: string }[] }[] }>(
    'customs-admin',
    'query:GetItemHistory',
    { id: A[1]! },
  );
  t.same(
    onChain.history.map((e) => [e.unchanged === true, e.events[0]?.eventID !== undefined]),
    [
      [false, true],
      [true, true],
    ],
    'the chain item history has the observation too',
  );
  t.equal(onChain.history[1]!.events[0]!.eventID, READING.eventID);

  const events = await app.inject({
    method: 'GET',
    url: `/v1/events?EQ_bizStep=inspecting&MATCH_epc=${encodeURIComponent(A[1]!)}`,
    headers: bearer(keys.importer),
  });
  t.equal(events.statusCode, 200, events.body);
  const list = (events.json() as { epcisBody: { queryResults: { resultsBody: { eventList: unknown[] } } } }).epcisBody
    .queryResults.resultsBody.eventList;
  t.match(list, [{ eventID: READING.eventID, sensorElementList: READING.sensorElementList }], 'in EPCIS queries');

  const again = await settled(await capture(keys.importer, [READING]), keys.importer);
  t.equal(again.outcome, 'committed', 'posting it again changes nothing');
});

t.test('observations refused: goods of another holder, an unknown GTIN, a bad EPC', async (t) => {
  const foreign = await settled(
    await capture(keys.operator, [
      { ...READING, eventID: 'urn:uuid:6a0e3f4e-0000-4000-8000-000000000002', epcList: [A[2]] },
    ]),
    keys.operator,
  );
  t.match(foreign.errors, [{ code: 'NOT_HOLDER' }], 'the operator holds none of them');
  const unknown = await capture(keys.importer, [{ ...READING, eventID: 'urn:x:3', epcList: [OTHER_GTIN.sgtin(1)] }]);
  t.equal(unknown.statusCode, 422);
  t.match(unknown.json(), { code: 'UNKNOWN_GTIN' });
  const bad = await capture(keys.importer, [{ ...READING, eventID: 'urn:x:4', epcList: ['urn:epc:id:sgtin:123'] }]);
  t.equal(bad.statusCode, 422);
  t.match(bad.json(), { code: 'INVALID_EPC' });
});

t.test('an error declaration with its corrective event; another party may not declare it', async (t) => {
  const corrective = {
    ...READING,
    eventID: 'urn:uuid:6a0e3f4e-0000-4000-8000-000000000005',
    eventTime: '2026-01-05T10:05:00+08:00',
    sensorElementList: [{ sensorReport: [{ type: 'Temperature', value: 12.5, uom: 'CEL' }] }],
  };
  const declaration = {
    ...READING,
    errorDeclaration: {
      declarationTime: '2026-01-06T09:00:00+08:00',
      reason: 'incorrect_data',
      correctiveEventIDs: [corrective.eventID],
    },
  };

  const theirs = await settled(await capture(keys.operator, [declaration]), keys.operator);
  t.match(theirs.errors, [{ code: 'ACCESS_DENIED', message: /captured by another party/ }], 'not the operator’s event');

  const ours = await settled(await capture(keys.importer, [declaration, corrective]), keys.importer);
  t.same([ours.state, ours.outcome], ['done', 'committed'], JSON.stringify(ours.errors));
  t.same(ours.transactions.map((c) => c.fn).sort(), ['goods:DeclareError', 'goods:Observe']);
  const h = await history(A[0]!, 4);
  t.same(
    h.events.map((e) => e.type),
    ['ENTRY', 'OBSERVATION', 'ERROR_DECLARATION', 'OBSERVATION'],
    'provenance shows the event, its error declaration and the corrective event',
  );
  t.match(h.events[2]!.epcis[0], {
    eventID: READING.eventID,
    errorDeclaration: { reason: 'incorrect_data', correctiveEventIDs: [corrective.eventID] },
  });
  t.match(h.events[3]!.epcis[0], { eventID: corrective.eventID });

  // Customs may declare any event erroneous (on the chain: customs does not capture over HTTP); this one is declared.
  await t.rejects(
    chain.submit('customs-admin', 'goods:DeclareError', {
      declarations: [{ declaredEventId: READING.eventID, event: declaration }],
    }),
    { code: 'ALREADY_EXISTS' },
    'an event is declared erroneous once',
  );
});
