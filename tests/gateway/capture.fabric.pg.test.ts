// Proves capture end to end: an EPCIS document is answered 202 with a Location, grouped into chaincode transactions of
// at most 1,000 items that commit in document order, followed per event, visible in the projection; re-posting the
// document or one of its events changes nothing; bad documents are refused with their codes; a chaincode refusal is
// shown on the event; a chunk that committed just before a crash is recognised on the ledger, never committed twice.
// How: the gateway app (fastify.inject) on a real PostgreSQL and its queue, real ledger clients to a dev peer process,
// the capture job and the projection follower running as in the server.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { CAPTURE_QUEUE, type CaptureJob } from '../../gateway/src/capture/processor';
import type { DbPool } from '../../gateway/src/adapters/pg';
import type { JobHandler } from '../../gateway/src/ports';
import { entryEvent, epcisDocument, receivingEvent, shippingEvent } from '../../testkit/src/epcis';
import { ENTERPRISES, product, type TraceClient } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { startCaptureStack } from './helpers/capture-stack';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const PERFUME = product(301);
const WATCH = product(302);
const SCARF = product(303);

let chain: TraceClient;
let app: FastifyInstance;
let db: DbPool;
let handler: JobHandler<CaptureJob>;
let keys: { customs: string; importer: string; operator: string };

interface Status {
  id: string;
  state: string;
  outcome: string;
  eventCount: number;
  itemCount: number;
  counts: { committed: number; refused: number; pending: number; duplicate: number };
  transactions: { seq: number; fn: string; items: number; state: string; txId: string | null }[];
  errors: { eventID: string; code: string; message: string }[];
  events: { eventID: string; state: string; txIds: string[] }[];
  duplicates: { eventID: string; captureId: string }[];
}

async function capture(key: string, doc: unknown, contentType = 'application/json') {
  return app.inject({
    method: 'POST',
    url: '/v1/capture',
    headers: { ...bearer(key), 'content-type': contentType },
    payload: JSON.stringify(doc),
  });
}

async function settled(location: string, key: string): Promise<Status> {
  return waitFor(`capture ${location} to settle`, async () => {
    const res = await app.inject({ method: 'GET', url: location, headers: bearer(key) });
    const body = res.json() as Status;
    return body.state === 'done' || body.state === 'parked' ? body : undefined;
  });
}

t.before(async () => {
  const stack = await startCaptureStack(t);
  ({ chain, app, db, handler } = stack);
  keys = { customs: stack.customsKey, importer: '', operator: '' };
  keys.importer = await stack.newKey(importer.id, 'Importer', 'enterprise', importer.mspId);
  keys.operator = await stack.newKey(operator.id, 'Operator', 'operator', operator.mspId);
});

const ITEMS = Array.from({ length: 1_500 }, (_, i) => PERFUME.sgtin(`c${i}`));
const SHIPPED = ITEMS.slice(0, 1_200);
const DOC = epcisDocument([
  entryEvent({ items: ITEMS, declarationNo: 'CAP-D-1', location: 1 }),
  shippingEvent({ items: SHIPPED, shipmentId: 'CAP-S-1', toEnterprise: operator.id, toLocation: 2 }),
]);
let firstLocation = '';

t.test(
  'a document of 1,500 entered and 1,200 shipped items: 202, four transactions in two waves, every event committed',
  async (t) => {
    const res = await capture(keys.importer, DOC, 'application/ld+json');
    t.equal(res.statusCode, 202, res.body);
    const body = res.json() as { captureId: string; created: boolean; eventCount: number };
    firstLocation = res.headers.location as string;
    t.equal(firstLocation, `/v1/capture/${body.captureId}`);
    t.same([body.created, body.eventCount], [true, 2]);
    const status = await settled(firstLocation, keys.importer);
    t.same([status.state, status.outcome], ['done', 'committed'], JSON.stringify(status.errors));
    t.same(
      status.transactions.map((c) => [c.fn, c.items, c.state]),
      [
        ['goods:Enter', 1000, 'committed'],
        ['goods:Enter', 500, 'committed'],
        ['goods:Ship', 1000, 'committed'],
        ['goods:Ship', 200, 'committed'],
      ],
    );
    t.ok(
      status.transactions.every((c) => /^[0-9a-f]{64}$/.test(c.txId ?? '')),
      'each transaction has its tx id',
    );
    t.same(
      status.events.map((e) => [e.state, e.txIds.length]),
      [
        ['committed', 2],
        ['committed', 2],
      ],
    );
    t.ok(
      status.events.every((e) => e.eventID.startsWith('ni:///sha-256;')),
      'events without eventID get the canonical hash id',
    );

    const shipped = await chain.evaluate<{ status: string; holder: string }>('customs-admin', 'query:GetItem', {
      id: SHIPPED[1_199]!,
    });
    t.same([shipped.status, shipped.holder], ['IN_TRANSIT', importer.id], 'the ledger has the shipment');
    const stayed = await chain.evaluate<{ status: string }>('customs-admin', 'query:GetItem', { id: ITEMS[1_499]! });
    t.equal(stayed.status, 'IN_STOCK');
    const projected = await waitFor('the projection to show the capture', async () => {
      const { rows } = await db.query<{ status: string; n: string }>(
        `SELECT status, count(*) AS n FROM items WHERE gtin = $1 GROUP BY status ORDER BY status`,
        [PERFUME.gtin],
      );
      return rows.length === 2 && rows.every((r) => Number(r.n) > 0) && Number(rows[1]!.n) === 1_200 ? rows : undefined;
    });
    t.same(
      projected.map((r) => [r.status, Number(r.n)]),
      [
        ['IN_STOCK', 300],
        ['IN_TRANSIT', 1_200],
      ],
      'visible in the projection',
    );
    const history = await app.inject({
      method: 'GET',
      url: `/v1/items/${encodeURIComponent(SHIPPED[0]!)}/history`,
      headers: bearer(keys.customs),
    });
    t.same(
      (history.json() as { events: { type: string }[] }).events.map((e) => e.type),
      ['ENTRY', 'SHIPMENT'],
      'each item entered once, shipped once',
    );
  },
);

t.test('re-posting the document, or one of its events, changes nothing', async (t) => {
  const again = await capture(keys.importer, { ...DOC, creationDate: new Date().toISOString() });
  t.equal(again.statusCode, 202);
  t.equal(again.headers.location, firstLocation, 'the same capture');
  t.equal((again.json() as { created: boolean }).created, false);
  const events = (DOC.epcisBody as { eventList: unknown[] }).eventList;
  const single = await capture(keys.importer, epcisDocument([events[0] as Record<string, unknown>]));
  t.equal(single.statusCode, 202);
  t.not(single.headers.location, firstLocation, 'a different document is a different capture');
  const status = await settled(single.headers.location as string, keys.importer);
  t.equal(status.outcome, 'nothing_new');
  t.equal(status.duplicates.length, 1);
  t.equal(`/v1/capture/${status.duplicates[0]!.captureId}`, firstLocation, 'names the capture that owns the event');
  t.same(status.transactions, [], 'no transaction submitted');
  const history = await app.inject({
    method: 'GET',
    url: `/v1/items/${encodeURIComponent(ITEMS[0]!)}/history`,
    headers: bearer(keys.customs),
  });
  t.equal((history.json() as { events: unknown[] }).events.length, 2, 'still one entry and one shipment');
});

t.test('bad documents are refused whole, each with its code', async (t) => {
  const noContext = { ...epcisDocument([entryEvent({ items: [WATCH.sgtin(1)], declarationNo: 'X', location: 1 })]) };
  delete noContext['@context'];
  const schema = await capture(keys.importer, noContext);
  t.equal(schema.statusCode, 400);
  t.match(schema.json(), { code: 'EPCIS_SCHEMA_INVALID', errors: [{ pointer: '/' }] });
  t.match(schema.headers['content-type'], /application\/problem\+json/);

  const badEpc = await capture(
    keys.importer,
    epcisDocument([entryEvent({ items: [WATCH.sgtin(1), 'urn:epc:id:sgtin:123'], declarationNo: 'X', location: 1 })]),
  );
  t.equal(badEpc.statusCode, 422);
  t.match(badEpc.json(), { code: 'INVALID_EPC', errors: [{ index: 0, code: 'INVALID_EPC', message: /epcList\[1\]/ }] });

  const unknownGtin = await capture(
    keys.importer,
    epcisDocument([
      shippingEvent({ items: [WATCH.sgtin(1)], shipmentId: 'S-X', toEnterprise: operator.id, toLocation: 2 }),
    ]),
  );
  t.equal(unknownGtin.statusCode, 422);
  t.match(unknownGtin.json(), { code: 'UNKNOWN_GTIN', detail: new RegExp(WATCH.gtin) });

  const exitItems = Array.from({ length: 1_001 }, (_, i) => PERFUME.sgtin(`x${i}`));
  const oversized = await capture(
    keys.importer,
    epcisDocument([
      {
        type: 'ObjectEvent',
        eventTime: new Date().toISOString(),
        eventTimeZoneOffset: '+08:00',
        epcList: exitItems,
        action: 'OBSERVE',
        bizStep: 'departing',
        readPoint: { id: 'urn:hn:port:HAIKOU_MEILAN_AIRPORT' },
        bizTransactionList: [
          { type: 'https://ns.hainan-traceability.dev/epcis/btt/release_list', bizTransaction: 'urn:hn:release:R-big' },
        ],
        'hn:exitValueFen': 1,
      },
    ]),
  );
  t.equal(oversized.statusCode, 413);
  t.equal((oversized.json() as { code: string }).code, 'CAPTURE_TOO_LARGE');

  // Events that are no customs step are observations (issue 15); removing a traceability code is a step the chain lacks.
  const unsupported = await capture(
    keys.importer,
    epcisDocument([
      {
        type: 'AssociationEvent',
        action: 'DELETE',
        eventTime: new Date().toISOString(),
        eventTimeZoneOffset: '+08:00',
        parentID: 'https://ns.hainan-traceability.dev/epcis/tcode/4600000000000017',
        childEPCs: [PERFUME.sgtin(1)],
      },
    ]),
  );
  t.equal((unsupported.json() as { code: string }).code, 'EPCIS_EVENT_UNSUPPORTED');

  const notJson = await app.inject({
    method: 'POST',
    url: '/v1/capture',
    headers: { ...bearer(keys.importer), 'content-type': 'application/json' },
    payload: '{"type":',
  });
  t.equal(notJson.statusCode, 400);
  const xml = await app.inject({
    method: 'POST',
    url: '/v1/capture',
    headers: { ...bearer(keys.importer), 'content-type': 'application/xml' },
    payload: '<epcis/>',
  });
  t.equal(xml.statusCode, 415);

  const byCustoms = await capture(keys.customs, DOC);
  t.equal(byCustoms.statusCode, 403, 'customs does not capture goods movements');
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM captures`);
  t.equal(Number(rows[0]!.n), 2, 'nothing of a refused document was stored');
});

t.test('a chaincode refusal is shown on its event; another enterprise cannot read the capture', async (t) => {
  const notHeld = await capture(
    keys.operator,
    epcisDocument([
      shippingEvent({
        items: ITEMS.slice(1_300, 1_310),
        shipmentId: 'S-steal',
        toEnterprise: operator.id,
        toLocation: 3,
      }),
    ]),
  );
  t.equal(notHeld.statusCode, 202, notHeld.body);
  const status = await settled(notHeld.headers.location as string, keys.operator);
  t.same([status.state, status.outcome], ['done', 'refused']);
  t.match(status.errors, [{ code: 'NOT_HOLDER', message: /held by/ }]);
  t.same(status.counts, { committed: 0, refused: 1, pending: 0, duplicate: 0 });
  const foreign = await app.inject({
    method: 'GET',
    url: notHeld.headers.location as string,
    headers: bearer(keys.importer),
  });
  t.equal(foreign.statusCode, 403);
  t.equal((foreign.json() as { code: string }).code, 'FORBIDDEN_TENANT');
  const asCustoms = await app.inject({
    method: 'GET',
    url: notHeld.headers.location as string,
    headers: bearer(keys.customs),
  });
  t.equal(asCustoms.statusCode, 200, 'customs reads every capture');
});

t.test('a chunk that committed before a crash is recognised on the ledger and kept once', async (t) => {
  const items = Array.from({ length: 20 }, (_, i) => PERFUME.sgtin(`k${i}`));
  const res = await capture(
    keys.importer,
    epcisDocument([entryEvent({ items, declarationNo: 'CAP-D-2', location: 1 })]),
  );
  const first = await settled(res.headers.location as string, keys.importer);
  const txId = first.transactions[0]!.txId;
  // The crash: the transaction is on the ledger, but the gateway died before recording it.
  await db.query(`UPDATE capture_chunks SET state = 'pending', tx_id = NULL WHERE capture_id = $1`, [first.id]);
  await db.query(`UPDATE captures SET state = 'processing' WHERE id = $1`, [first.id]);
  await handler({ queue: CAPTURE_QUEUE, id: first.id, data: { captureId: first.id }, attempt: 2, lastAttempt: false });
  const after = (
    await app.inject({ method: 'GET', url: res.headers.location as string, headers: bearer(keys.importer) })
  ).json() as Status;
  t.same([after.state, after.outcome], ['done', 'committed']);
  t.equal(after.transactions[0]!.txId, txId, 'the retry names the transaction that committed the first time');
  const history = await chain.evaluate<{ history: unknown[] }>('customs-admin', 'query:GetItemHistory', {
    id: items[0]!,
  });
  t.equal(history.history.length, 1, 'entered once on the chain');
});

t.test('items named by GS1 Digital Link or EPC tag URI land on the items their SGTIN URNs name', async (t) => {
  // Serials whose URN form (`%2F` for `/`, raw `!()`) and Digital Link form (`%2F`, `%21%28%29`) differ.
  const serials = ['dl1', 'A/B', 'x!(y)'];
  const urns = serials.map((s) => SCARF.sgtin(s.replace('/', '%2F')));
  const link = (serial: string) =>
    `https://id.gs1.org/01/${SCARF.gtin}/21/${encodeURIComponent(serial).replace(/[!()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
  const entered = await capture(
    keys.importer,
    epcisDocument([entryEvent({ items: urns, declarationNo: 'CAP-D-DL', location: 1 })]),
  );
  t.equal((await settled(entered.headers.location as string, keys.importer)).outcome, 'committed');
  const { rows } = await db.query<{ digits: number }>(
    `SELECT company_prefix_digits AS digits FROM known_gtins WHERE gtin = $1`,
    [SCARF.gtin],
  );
  t.same(rows, [{ digits: 7 }], "the entry recorded how long the GTIN's company prefix is");

  const shipped = await capture(
    keys.importer,
    epcisDocument([
      shippingEvent({
        items: [link('dl1'), link('A/B'), urns[2]!.replace('urn:epc:id:sgtin:', 'urn:epc:tag:sgtin-198:1.')],
        shipmentId: 'CAP-S-DL',
        toEnterprise: operator.id,
        toLocation: 2,
      }),
    ]),
  );
  t.equal(shipped.statusCode, 202, shipped.body);
  const shipStatus = await settled(shipped.headers.location as string, keys.importer);
  t.same(
    [shipStatus.outcome, shipStatus.transactions.map((c) => c.items)],
    ['committed', [3]],
    JSON.stringify(shipStatus.errors),
  );
  const received = await capture(
    keys.operator,
    epcisDocument([
      receivingEvent({
        items: [`https://brand.example/gtin/${SCARF.gtin.slice(1)}/ser/dl1`, link('A/B'), link('x!(y)')],
        shipmentId: 'CAP-S-DL',
        location: 2,
      }),
    ]),
  );
  t.equal(received.statusCode, 202, received.body);
  t.equal(
    (await settled(received.headers.location as string, keys.operator)).outcome,
    'committed',
    'received by GTIN-13 short-name links too',
  );
  for (const urn of urns) {
    const item = await chain.evaluate<{ status: string; holder: string }>('customs-admin', 'query:GetItem', {
      id: urn,
    });
    t.same([item.status, item.holder], ['IN_STOCK', operator.id], `${urn} moved on the chain under its URN key`);
  }

  const history = await waitFor('the projection to follow the receipt', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/items/${encodeURIComponent(link('A/B'))}/history`,
      headers: bearer(keys.customs),
    });
    const events =
      res.statusCode === 200 ? (res.json() as { events: { type: string }[] }).events.map((e) => e.type) : [];
    return events.length === 3 ? events : undefined;
  });
  t.same(
    history,
    ['ENTRY', 'SHIPMENT', 'RECEIPT'],
    'GET /v1/items/<Digital Link> resolves to the item, one entry, shipment and receipt',
  );
  for (const id of [link('x!(y)'), urns[2]!.replace('urn:epc:id:sgtin:', 'urn:epc:tag:sgtin-198:1.'), urns[0]!]) {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/items/${encodeURIComponent(id)}`,
      headers: bearer(keys.customs),
    });
    t.equal(res.statusCode, 200, `${id}: ${res.body.slice(0, 200)}`);
    t.equal((res.json() as { sgtin: string }).sgtin, id === urns[0] ? urns[0] : urns[2], id);
  }

  const unknownShip = await capture(
    keys.importer,
    epcisDocument([
      shippingEvent({
        items: [`https://id.gs1.org/01/${WATCH.gtin}/21/1`],
        shipmentId: 'S-DL-X',
        toEnterprise: operator.id,
        toLocation: 2,
      }),
    ]),
  );
  t.equal(unknownShip.statusCode, 422);
  t.match(unknownShip.json(), {
    code: 'UNKNOWN_GTIN',
    errors: [{ code: 'UNKNOWN_GTIN', message: new RegExp(WATCH.gtin) }],
  });
  const unknownEntry = await capture(
    keys.importer,
    epcisDocument([
      entryEvent({ items: [`https://id.gs1.org/01/${WATCH.gtin}/21/1`], declarationNo: 'X-DL', location: 1 }),
    ]),
  );
  t.match(
    unknownEntry.json(),
    { code: 'UNKNOWN_GTIN', detail: /company prefix/ },
    'the first entry of a GTIN needs its URN split',
  );
  const sscc = await capture(
    keys.importer,
    epcisDocument([
      shippingEvent({
        items: ['urn:epc:id:sscc:6901234.0000000001'],
        shipmentId: 'S-SSCC',
        toEnterprise: operator.id,
        toLocation: 2,
      }),
    ]),
  );
  // Since aggregation (issue 15 Must 3) a shipping event naming an SSCC moves that case or pallet: accepted, and the
  // chain refuses a container it does not know.
  t.equal(sscc.statusCode, 202, sscc.body);
  const moved = await settled(String(sscc.headers.location), keys.importer);
  t.match(moved, { outcome: 'refused', errors: [{ code: 'NOT_FOUND', message: /container urn:epc:id:sscc/ }] });
});
