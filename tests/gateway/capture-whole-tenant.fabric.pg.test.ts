// Proves issue 12 items 4 and 5 through the HTTP API on a dev peer and PostgreSQL:
// - event identity is scoped by tenant: enterprise B captures an event with eventID X, enterprise A captures its own,
//   different event with the same eventID X; A's capture is created, its items are entered on the chain and visible in
//   the projection, B's capture is untouched, a re-post by A changes nothing and names only A's own capture, and
//   customs sees both events in GET /v1/events;
// - a document is accepted whole or refused whole: a document of two entry events whose event 0 carries a value the
//   chain's request rules refuse (amount -100, 0, 1.5, "45000"; unknown category, regime, HS code "12AB"; volume 0 ml)
//   is refused with 422, the chain's code and the event's document index; nothing is stored and nothing reaches the
//   chain; the chaincode itself refuses the same request with the same code and words.
// How: the gateway app (fastify.inject) on a real PostgreSQL and its queue, real ledger clients to a dev peer process,
// the capture job and the projection follower running as in the server (as tests/gateway/capture.fabric.pg.test.ts).
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { isRefusal, mapEvent } from '../../gateway/src/capture/event-mapping';
import type { DbPool } from '../../gateway/src/adapters/pg';
import { entryEvent, epcisDocument } from '../../testkit/src/epcis';
import { ENTERPRISES, product, TraceClient } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { startCaptureStack } from './helpers/capture-stack';
import { waitFor } from './helpers/wait';

// B and A: two enterprises of one MSP (the scope must tell them apart by enterprise, not only by organisation).
const { importer: B, processor: A } = ENTERPRISES;
const B_GOODS = product(401);
const A_GOODS = product(402);
const REFUSED_GOODS = product(403);
const SHARED_EVENT_ID = 'urn:uuid:0c4c6f0e-5b1d-4d7a-9a43-12a4e0000012';

let chain: TraceClient;
let app: FastifyInstance;
let db: DbPool;
let keys: { customs: string; a: string; b: string };

interface Status {
  id: string;
  state: string;
  outcome: string;
  counts: { committed: number; refused: number; pending: number; duplicate: number };
  events: { eventID: string; state: string; txIds: string[] }[];
  duplicates: { eventID: string; captureId: string }[];
}
interface Problem {
  code: string;
  status: number;
  detail: string;
  errors: { index: number; eventID: string; code: string; message: string }[];
}
type EventsDoc = {
  epcisBody: { queryResults: { resultsBody: { eventList: { eventID: string; epcList?: string[] }[] } } };
};

async function capture(key: string, doc: unknown) {
  return app.inject({
    method: 'POST',
    url: '/v1/capture',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    payload: JSON.stringify(doc),
  });
}

async function settled(location: string, key: string): Promise<Status> {
  return waitFor(`capture ${location} to settle`, async () => {
    const body = (await app.inject({ method: 'GET', url: location, headers: bearer(key) })).json() as Status;
    return body.state === 'done' || body.state === 'parked' ? body : undefined;
  });
}

async function onChain(sgtin: string): Promise<{ status: string; holder: string } | string> {
  try {
    return await chain.evaluate<{ status: string; holder: string }>('customs-admin', 'query:GetItem', { id: sgtin });
  } catch (err) {
    return (err as { code: string }).code;
  }
}

t.before(async () => {
  const stack = await startCaptureStack(t);
  ({ chain, app, db } = stack);
  keys = { customs: stack.customsKey, a: '', b: '' };
  keys.b = await stack.newKey(B.id, 'Enterprise B', 'enterprise', B.mspId);
  keys.a = await stack.newKey(A.id, 'Enterprise A', 'enterprise', A.mspId);
});

t.test('an eventID another tenant captured neither shadows nor reveals anything', async (t) => {
  const bItems = [B_GOODS.sgtin('b1'), B_GOODS.sgtin('b2')];
  const aItems = [A_GOODS.sgtin('a1'), A_GOODS.sgtin('a2'), A_GOODS.sgtin('a3')];
  const docB = epcisDocument([
    entryEvent({ items: bItems, declarationNo: 'TEN-B-1', location: 1, eventID: SHARED_EVENT_ID }),
  ]);
  const docA = epcisDocument([
    entryEvent({
      items: aItems,
      declarationNo: 'TEN-A-1',
      location: 2,
      eventID: SHARED_EVENT_ID,
      hsCode: '910211',
      category: 'WATCH',
    }),
  ]);

  const resB = await capture(keys.b, docB);
  t.equal(resB.statusCode, 202, resB.body);
  const statusB = await settled(resB.headers.location as string, keys.b);
  t.same([statusB.state, statusB.outcome], ['done', 'committed']);

  const resA = await capture(keys.a, docA);
  t.equal(resA.statusCode, 202, resA.body);
  t.equal((resA.json() as { created: boolean }).created, true, "A's capture is created");
  t.not(resA.headers.location, resB.headers.location, "A's capture is its own");
  const statusA = await settled(resA.headers.location as string, keys.a);
  t.same([statusA.state, statusA.outcome], ['done', 'committed'], 'not nothing_new: B does not shadow A');
  t.same(statusA.duplicates, [], "B's capture is not named to A");
  t.same(
    statusA.events.map((e) => [e.eventID, e.state]),
    [[SHARED_EVENT_ID, 'committed']],
  );

  for (const sgtin of aItems)
    t.match(await onChain(sgtin), { status: 'IN_STOCK', holder: A.id }, `${sgtin} entered for A on the chain`);
  for (const sgtin of bItems) t.match(await onChain(sgtin), { status: 'IN_STOCK', holder: B.id }, `${sgtin} still B's`);
  const projected = await waitFor("the projection to show A's items", async () => {
    const { rows } = await db.query<{ holder: string; n: string }>(
      `SELECT holder, count(*) AS n FROM items WHERE gtin = ANY($1) GROUP BY holder ORDER BY holder`,
      [[A_GOODS.gtin, B_GOODS.gtin]],
    );
    return rows.reduce((n, r) => n + Number(r.n), 0) === aItems.length + bItems.length ? rows : undefined;
  });
  t.same(
    projected.map((r) => [r.holder, Number(r.n)]).sort(),
    [
      [A.id, 3],
      [B.id, 2],
    ].sort(),
    'both entries in the projection',
  );

  const againB = (
    await app.inject({ method: 'GET', url: resB.headers.location as string, headers: bearer(keys.b) })
  ).json() as Status;
  t.same(
    [againB.state, againB.outcome, againB.counts.committed, againB.duplicates],
    ['done', 'committed', 1, []],
    "B's capture unaffected",
  );

  const repostA = await capture(keys.a, { ...docA, creationDate: new Date().toISOString() });
  t.equal(repostA.statusCode, 202);
  t.equal(repostA.headers.location, resA.headers.location, 'A re-posting its document finds its own capture');
  t.equal((repostA.json() as { created: boolean }).created, false, 'nothing new');
  const aEvent = (docA.epcisBody as { eventList: Record<string, unknown>[] }).eventList[0]!;
  const extra = entryEvent({
    items: [A_GOODS.sgtin('a4')],
    declarationNo: 'TEN-A-2',
    location: 2,
    hsCode: '910211',
    category: 'WATCH',
  });
  const mixed = await capture(keys.a, epcisDocument([aEvent, extra]));
  t.equal(mixed.statusCode, 202, mixed.body);
  const mixedStatus = await settled(mixed.headers.location as string, keys.a);
  t.same(
    mixedStatus.duplicates,
    [{ eventID: SHARED_EVENT_ID, captureId: statusA.id }],
    "A's event again is a duplicate of A's own capture only",
  );
  t.same(
    [mixedStatus.outcome, mixedStatus.counts.committed, mixedStatus.events.map((e) => e.state)],
    ['committed', 1, ['committed']],
    'the new event commits; the status follows it by its position',
  );
  t.not(mixedStatus.events[0]!.eventID, SHARED_EVENT_ID);
  const { rows: histories } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM item_events WHERE sgtin = $1`, [
    aItems[0],
  ]);
  t.equal(Number(histories[0]!.n), 1, "A's item entered once");

  const events = await waitFor('both events with the shared id in GET /v1/events', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/events?perPage=100', headers: bearer(keys.customs) });
    const list = (res.json() as EventsDoc).epcisBody.queryResults.resultsBody.eventList.filter(
      (e) => e.eventID === SHARED_EVENT_ID,
    );
    return list.length === 2 ? list : undefined;
  });
  t.same(
    events.map((e) => [...(e.epcList ?? [])].sort()),
    [bItems, aItems].map((l) => [...l].sort()),
    "customs sees B's and A's event, in chain order",
  );
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM epcis_events WHERE event_id = $1`, [
    SHARED_EVENT_ID,
  ]);
  t.equal(Number(rows[0]!.n), 2, 'the projection keeps both');
});

/** Event 0 of a refused document: an entry whose value the chain refuses. */
const BAD_VALUES: readonly { what: string; fields: Record<string, unknown>; message: RegExp }[] = [
  {
    what: 'unitValueFen -100',
    fields: { 'hn:unitValueFen': -100 },
    message: /^unitValueFen must be an integer from 1/,
  },
  { what: 'unitValueFen 0', fields: { 'hn:unitValueFen': 0 }, message: /^unitValueFen must be an integer from 1/ },
  { what: 'unitValueFen 1.5', fields: { 'hn:unitValueFen': 1.5 }, message: /^unitValueFen must be an integer from 1/ },
  {
    what: 'unitValueFen "45000"',
    fields: { 'hn:unitValueFen': '45000' },
    message: /^unitValueFen must be an integer from 1/,
  },
  {
    what: 'an unknown category',
    fields: { 'hn:category': 'SPIRITS' },
    message: /^category must be one of COSMETICS, /,
  },
  {
    what: 'an unknown regime',
    fields: { 'hn:regime': 'FREE_PORT' },
    message: /^regime must be one of ZERO_TARIFF, BONDED, DUTY_PAID$/,
  },
  { what: 'HS code "12AB"', fields: { 'hn:hsCode': '12AB' }, message: /^hsCode is malformed: "12AB"$/ },
  { what: 'volumeMl 0', fields: { 'hn:volumeMl': 0 }, message: /^volumeMl must be an integer from 1 to 100000$/ },
];

t.test(
  "a value the chain refuses refuses the whole document at accept, with the chain's code and the event index",
  async (t) => {
    const stored = async () =>
      (
        await db.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM captures) || '/' || (SELECT count(*) FROM capture_events) AS n`,
        )
      ).rows[0]!.n;
    const before = await stored();
    for (const [k, bad] of BAD_VALUES.entries()) {
      const refusedItem = REFUSED_GOODS.sgtin(`r${k}-0`);
      const goodItem = REFUSED_GOODS.sgtin(`r${k}-1`);
      const event0 = {
        ...entryEvent({ items: [refusedItem], declarationNo: `WHOLE-${k}-0`, location: 1 }),
        ...bad.fields,
      };
      const event1 = entryEvent({ items: [goodItem], declarationNo: `WHOLE-${k}-1`, location: 1 });
      const res = await capture(keys.b, epcisDocument([event0, event1]));
      t.equal(res.statusCode, 422, `${bad.what}: 422`);
      const problem = res.json() as Problem;
      t.equal(problem.code, 'INVALID_ARGUMENT', `${bad.what}: the chain's code`);
      t.equal(problem.errors.length, 1, `${bad.what}: one event refused`);
      t.match(
        problem.errors[0],
        { index: 0, code: 'INVALID_ARGUMENT', message: bad.message },
        `${bad.what}: event 0, the chain's words`,
      );
      t.match(res.headers['content-type'], /application\/problem\+json/);

      // The chaincode refuses the request this event maps to with the same code and words.
      const step = mapEvent(event0);
      if (isRefusal(step)) throw new Error(`${bad.what}: the mapping refused ${step.message}`);
      const direct = await TraceClient.refused(
        chain.submit(B.identity, step.fn, { ...step.header, items: step.items }),
      );
      t.same(
        [direct.code, direct.message],
        ['INVALID_ARGUMENT', problem.errors[0]!.message],
        `${bad.what}: the chaincode refuses it alike`,
      );

      t.equal(await onChain(goodItem), 'NOT_FOUND', `${bad.what}: event 1 did not reach the chain`);
      t.equal(await onChain(refusedItem), 'NOT_FOUND', `${bad.what}: event 0 did not reach the chain`);
    }
    t.equal(await stored(), before, 'no capture and no event stored for any refused document');

    // A valid document of the same shape is accepted whole.
    const ok = await capture(
      keys.b,
      epcisDocument([
        entryEvent({ items: [REFUSED_GOODS.sgtin('ok-0')], declarationNo: 'WHOLE-OK-0', location: 1 }),
        entryEvent({
          items: [REFUSED_GOODS.sgtin('ok-1')],
          declarationNo: 'WHOLE-OK-1',
          location: 1,
          unitValueFen: 45_000,
        }),
      ]),
    );
    t.equal(ok.statusCode, 202, ok.body);
    t.same((await settled(ok.headers.location as string, keys.b)).outcome, 'committed');
  },
);
