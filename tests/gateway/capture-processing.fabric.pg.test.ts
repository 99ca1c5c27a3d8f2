// Proves processing captured over HTTP on a dev peer (issue 15 Must 3, TransformationEvent): a TransformationEvent with
// hn: figures consumes its inputs (named as SGTIN URN and Digital Link) and creates its outputs with the value added the
// chain computes; the items' histories show it, the account book follows, and the chain's own event, read back from
// GET /v1/epcis/events, carries the figures and captures back as a processing (other id, input and output); a
// processing of an unknown or already consumed input is refused per event with the chain's code and changes nothing.
// How: the gateway app (fastify.inject) on a real PostgreSQL and its queue, real ledger clients to a dev peer process,
// the capture job and the projection follower running as in the server.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { entryEvent, processingEvent } from '../../testkit/src/epcis';
import { ENTERPRISES, product } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { captureAndSettle, startCaptureStack } from './helpers/capture-stack';
import { waitFor } from './helpers/wait';

const { processor } = ENTERPRISES;
const RAW = product(341);
const LOTION = product(342);
const INPUTS = [RAW.sgtin('X1'), RAW.sgtin('X2'), RAW.sgtin('X3')];
const OUTPUT = LOTION.sgtin('Y1');

let app: FastifyInstance;
/** The chain's TransformationEvent of the first processing, as GET /v1/epcis/events serves it. */
let served: Record<string, unknown> | undefined;
let keys: { customs: string; processor: string };

const captured = (key: string, events: Record<string, unknown>[]) => captureAndSettle(app, key, events);

/** The enterprise's book lines with a quantity, as `gtin regime quantity`, sorted. */
async function book(id: string): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: `/v1/enterprises/${id}/account`, headers: bearer(keys.customs) });
  const body = res.json() as { balances: { gtin: string; regime: string; quantity: number }[] };
  return body.balances
    .filter((b) => b.quantity !== 0 && (b.gtin === RAW.gtin || b.gtin === LOTION.gtin))
    .map((b) => `${b.gtin} ${b.regime} ${b.quantity}`)
    .sort();
}

/** The types of an item's projected history, in order. */
async function projectedSteps(sgtin: string): Promise<string[]> {
  const res = await app.inject({
    method: 'GET',
    url: `/v1/items/${encodeURIComponent(sgtin)}/history`,
    headers: bearer(keys.customs),
  });
  if (res.statusCode !== 200) return [];
  const body = res.json() as { events?: { type: string }[]; history?: { type: string }[] };
  return (body.events ?? body.history ?? []).map((e) => e.type);
}

async function item(sgtin: string): Promise<{ status: string; regime: string; record: Record<string, unknown> }> {
  const res = await app.inject({
    method: 'GET',
    url: `/v1/items/${encodeURIComponent(sgtin)}`,
    headers: bearer(keys.processor),
  });
  return res.json() as { status: string; regime: string; record: Record<string, unknown> };
}

t.before(async () => {
  const stack = await startCaptureStack(t);
  app = stack.app;
  keys = { customs: stack.customsKey, processor: '' };
  keys.processor = await stack.newKey(processor.id, 'Processor', 'enterprise', processor.mspId);
});

t.test('a TransformationEvent with hn: figures consumes its inputs and creates its outputs', async (t) => {
  const entered = await captured(keys.processor, [
    entryEvent({ items: INPUTS, declarationNo: 'XF-D-1', location: 1, unitValueFen: 10_000 }),
  ]);
  t.equal(entered.outcome, 'committed', JSON.stringify(entered.errors));
  t.same(
    await waitFor('the book to follow the entry', async () => {
      const lines = await book(processor.id);
      return lines.length > 0 ? lines : undefined;
    }),
    [`${RAW.gtin} ZERO_TARIFF 3`],
  );

  const processed = await captured(keys.processor, [
    processingEvent({
      inputs: [INPUTS[0]!, `https://id.gs1.org/01/${RAW.gtin}/21/X2`],
      outputs: [OUTPUT],
      processingId: 'XF-PR-1',
      location: 1,
      unitValueFen: 26_000,
      eventID: 'urn:uuid:6a3c1f2e-0000-4000-8000-000000000001',
    }),
  ]);
  t.equal(processed.outcome, 'committed', JSON.stringify(processed.errors));
  t.same(
    processed.transactions.map((x) => x.fn),
    ['goods:Process'],
    'one transaction',
  );

  const output = await waitFor('the projection to show the output', async () => {
    const o = await item(OUTPUT);
    return o.status === 'IN_STOCK' ? o : undefined;
  });
  t.equal(output.regime, 'PROCESSED', 'the output is processed goods');
  t.match(output.record, { valueFen: 26_000, importedMaterialsFen: 20_000, cumulativeCode: 'XF-PR-1' });
  t.equal((await item(INPUTS[0]!)).status, 'TRANSFORMED', 'an input is consumed');
  t.equal((await item(INPUTS[2]!)).status, 'IN_STOCK', 'an input not named is untouched');
  t.same(await projectedSteps(INPUTS[1]!), ['ENTRY', 'PROCESSING'], "the input's history ends with the processing");
  t.same(await projectedSteps(OUTPUT), ['PROCESSING'], "the output's history begins with it");
  t.same(
    await waitFor('the book to follow the processing', async () => {
      const lines = await book(processor.id);
      return lines.length === 2 ? lines : undefined;
    }),
    [`${RAW.gtin} ZERO_TARIFF 1`, `${LOTION.gtin} PROCESSED 1`].sort(),
    'inputs out, outputs in',
  );

  const events = await app.inject({
    method: 'GET',
    url: '/v1/epcis/events?eventType=TransformationEvent',
    headers: bearer(keys.processor),
  });
  t.equal(events.statusCode, 200, events.body.slice(0, 300));
  const doc = events.json() as {
    epcisBody: { queryResults: { resultsBody: { eventList: Record<string, unknown>[] } } };
  };
  const mine = doc.epcisBody.queryResults.resultsBody.eventList.find(
    (e) => e.eventID === 'urn:uuid:6a3c1f2e-0000-4000-8000-000000000001',
  );
  served = mine;
  t.match(
    mine,
    {
      inputEPCList: [INPUTS[0], INPUTS[1]],
      outputEPCList: [OUTPUT],
      'hn:unitValueFen': 26_000,
      'hn:hsCode': '330499',
      'hn:category': 'COSMETICS',
      'hn:valueAddedBp': 3_000,
    },
    "the chain's event carries the figures it was captured with, and the value added: (26,000 - 20,000) / 20,000",
  );
});

t.test('unknown and consumed inputs are refused with the chain’s code; nothing changes', async (t) => {
  const unknown = await captured(keys.processor, [
    processingEvent({
      inputs: [INPUTS[2]!, RAW.sgtin('NEVER-ENTERED')],
      outputs: [LOTION.sgtin('Y2')],
      processingId: 'XF-PR-2',
      location: 1,
    }),
  ]);
  t.match(unknown, { outcome: 'refused', errors: [{ code: 'NOT_FOUND' }] }, JSON.stringify(unknown.errors));
  const consumed = await captured(keys.processor, [
    processingEvent({
      inputs: [INPUTS[0]!],
      outputs: [LOTION.sgtin('Y3')],
      processingId: 'XF-PR-3',
      location: 1,
    }),
  ]);
  t.match(consumed, { outcome: 'refused', errors: [{ code: 'INVALID_TRANSITION' }] }, JSON.stringify(consumed.errors));
  t.equal((await item(INPUTS[2]!)).status, 'IN_STOCK', 'the known input of the refused processing is not consumed');
  const none = await app.inject({
    method: 'GET',
    url: `/v1/items/${encodeURIComponent(LOTION.sgtin('Y2'))}`,
    headers: bearer(keys.customs),
  });
  t.equal(none.statusCode, 404, 'no output of a refused processing');
  t.same(
    await book(processor.id),
    [`${RAW.gtin} ZERO_TARIFF 1`, `${LOTION.gtin} PROCESSED 1`].sort(),
    'the book as before',
  );
});

t.test('the event GET /v1/epcis/events serves captures back as a processing', async (t) => {
  t.ok(served, 'read in the first test');
  const { recordTime: _set_by_the_chain, ...event } = served ?? {};
  const again = await captured(keys.processor, [
    {
      ...event,
      eventID: 'urn:uuid:6a3c1f2e-0000-4000-8000-000000000009',
      inputEPCList: [INPUTS[2]],
      outputEPCList: [LOTION.sgtin('Y9')],
      bizTransactionList: [{ type: 'prodorder', bizTransaction: 'urn:hn:processing:XF-PR-9' }],
    },
  ]);
  t.equal(again.outcome, 'committed', JSON.stringify(again.errors));
  t.same(
    again.transactions.map((x) => x.fn),
    ['goods:Process'],
  );
  const output = await waitFor('the projection to show the output', async () => {
    const o = await item(LOTION.sgtin('Y9'));
    return o.status === 'IN_STOCK' ? o : undefined;
  });
  t.match(output.record, { valueFen: 26_000, importedMaterialsFen: 10_000 }, 'the same figures, on its own input');
});
