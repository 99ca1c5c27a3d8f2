// Proves the provenance API answers from the projection: each id form names the same item, ordered history, EPCIS 2.0 document, verifiable dossier, 403 for non-holders, EPCIS query filters and pages.
// How: chaincode transactions on a dev peer process, the projection follower into a real PostgreSQL, the gateway app via fastify.inject.
import t from 'tap';
import { join } from 'node:path';
import * as epcTdsModule from 'epc-tds';
import type { FastifyInstance } from 'fastify';
import { HN_NAMESPACE as CHAINCODE_HN_NAMESPACE } from '../../chaincode/src/domain/epcis';
import { HN_NAMESPACE } from '../../gateway/src/projection/epcis-document';
import { sha256Hex } from '../../gateway/src/projection/canonical-json';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, personCode, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';
import { createMigratedDatabase } from './helpers/database';
import { startProjection } from './helpers/projection';
import { waitFor } from './helpers/wait';

type Tds = typeof epcTdsModule.default;
const tds: Tds = (epcTdsModule as unknown as { default?: Tds }).default ?? (epcTdsModule as unknown as Tds);

const { operator, importer, processor } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const PERFUME = product(101);
const ITEMS = [1001, 1002, 1003, 1004].map((serial) => PERFUME.sgtin(serial));
const [SOLD, SHIPPED, STAYED] = ITEMS as [string, string, string, string];
const TRACE_CODE = '4600000000000017';

let dn: DevnetProcess;
let chain: TraceClient;
let app: FastifyInstance;
let keys: { customs: string; importer: string; operator: string; processor: string };
let submitted = 0;

async function submit(
  identity: string,
  fn: string,
  request: unknown,
  transient?: Record<string, unknown>,
): Promise<void> {
  await chain.submit(identity, fn, request, transient);
  submitted++;
}

async function get(url: string, key: string) {
  return app.inject({ method: 'GET', url, headers: bearer(key) });
}

async function newKey(id: string, name: string, role: 'enterprise' | 'operator', mspId: string): Promise<string> {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(keys.customs),
    payload: { id, name, roles: [role], mspId },
  });
  if (created.statusCode !== 201) throw new Error(created.body);
  const key = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${id}/keys`,
    headers: bearer(keys.customs),
    payload: { role, label: 'test' },
  });
  return (key.json() as { key: string }).key;
}

t.before(async () => {
  dn = await startDevnetProcess();
  chain = new TraceClient(dn);
  await registerDevnetEnterprises(chain);
  submitted += Object.keys(ENTERPRISES).length;
  await submit(importer.identity, 'goods:Enter', {
    declarationNo: 'D-1',
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items: ITEMS,
  });
  await submit(importer.identity, 'goods:Associate', { pairs: [{ sgtin: SOLD, code: TRACE_CODE }] });
  await submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-1',
    toEnterprise: operator.id,
    toLocation: L2,
    items: [SOLD, SHIPPED],
  });
  await submit(operator.identity, 'goods:Receive', { shipmentId: 'S-1', location: L2, items: [SOLD, SHIPPED] });
  await submit(
    operator.identity,
    'sale:Sell',
    {
      saleId: 'SALE-1',
      personCode: personCode('buyer'),
      location: L2,
      pickupMode: 'DEPARTURE_PICKUP',
      departure: {
        mode: 'FLIGHT',
        ticketRef: 'HU7181',
        departureTime: new Date(Date.now() + 86_400_000).toISOString(),
      },
      lines: [{ id: SOLD, unitPriceFen: 50_000 }],
    },
    { buyer: { birthDate: '1990-01-01' } },
  );

  const databaseUrl = await createMigratedDatabase(t);
  const built = await buildTestApp(t, { databaseUrl });
  app = built.app;
  keys = { customs: built.customsKey, importer: '', operator: '', processor: '' };
  keys.importer = await newKey(importer.id, 'Importer', 'enterprise', importer.mspId);
  keys.operator = await newKey(operator.id, 'Operator', 'operator', operator.mspId);
  keys.processor = await newKey(processor.id, 'Processor', 'enterprise', processor.mspId);

  const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  const follower = startProjection(t, settings!, databaseUrl);
  await waitFor('the projection to catch up', () => follower.status().eventsApplied === submitted);
});
t.teardown(async () => {
  chain?.close();
  await dn?.stop();
});

t.test("every id form names the same item, with the ledger's current state", async (t) => {
  const onChain = await chain.evaluate<Record<string, unknown>>('customs-admin', 'query:GetItem', { id: SOLD });
  const serial = SOLD.split('.').pop()!;
  const hex = new tds.Sgtin96()
    .setFilter(1)
    .setPartition(5)
    .setCompanyPrefix(6901234)
    .setItemReference(101)
    .setSerial(Number(serial))
    .toHexString();
  const digitalLink = `https://id.example.com/01/${PERFUME.gtin}/21/${serial}`;
  for (const id of [SOLD, hex, hex.toLowerCase(), digitalLink, TRACE_CODE]) {
    const res = await get(`/v1/items/${encodeURIComponent(id)}`, keys.customs);
    t.equal(res.statusCode, 200, `${id}: ${res.body.slice(0, 200)}`);
    const body = res.json() as {
      sgtin: string;
      status: string;
      holder: string;
      location: string;
      traceCode: string;
      record: unknown;
    };
    t.same(
      [body.sgtin, body.status, body.holder, body.location, body.traceCode],
      [SOLD, 'SOLD', operator.id, L2, TRACE_CODE],
      `${id}: state`,
    );
    t.same(body.record, onChain, `${id}: the record equals the ledger's`);
  }
  const bad = await get(`/v1/items/${encodeURIComponent('not-an-id')}`, keys.customs);
  t.equal(bad.statusCode, 400);
  t.equal((bad.json() as { code: string }).code, 'INVALID_ITEM_ID');
  const unknown = await get(`/v1/items/${encodeURIComponent(PERFUME.sgtin(999_999))}`, keys.customs);
  t.equal(unknown.statusCode, 404);
});

t.test("history: ordered events with tx id, block and time, equal to the ledger's history", async (t) => {
  const ledger = await chain.evaluate<{ history: { txId: string }[] }>('customs-admin', 'query:GetItemHistory', {
    id: SOLD,
  });
  const res = await get(`/v1/items/${encodeURIComponent(SOLD)}/history`, keys.customs);
  t.equal(res.statusCode, 200, res.body);
  const body = res.json() as {
    events: { txId: string; blockNumber: string; txSeq: number; type: string; eventTime: string }[];
    truncated: boolean;
  };
  t.same(
    body.events.map((e) => e.txId),
    ledger.history.map((h) => h.txId),
    'same transactions, same order',
  );
  t.same(
    body.events.map((e) => e.type),
    ['ENTRY', 'ASSOCIATION', 'SHIPMENT', 'RECEIPT', 'SALE'],
    'entry, association, shipment, receipt, sale',
  );
  t.equal(body.truncated, false);
  for (let i = 1; i < body.events.length; i++) {
    const [a, b] = [body.events[i - 1]!, body.events[i]!];
    t.ok(
      BigInt(a.blockNumber) < BigInt(b.blockNumber) || (a.blockNumber === b.blockNumber && a.txSeq < b.txSeq),
      'chain order',
    );
  }
  t.ok(
    body.events.every(
      (e) => /^[0-9a-f]{64}$/.test(e.txId) && Number(e.blockNumber) >= 1 && !Number.isNaN(Date.parse(e.eventTime)),
    ),
  );
});

t.test('?format=epcis is an EPCIS 2.0 query document with the hn namespace', async (t) => {
  t.equal(HN_NAMESPACE, CHAINCODE_HN_NAMESPACE, "the gateway declares the chaincode's extension namespace");
  const res = await get(`/v1/items/${encodeURIComponent(SHIPPED)}/history?format=epcis`, keys.customs);
  t.equal(res.statusCode, 200, res.body);
  const doc = res.json() as {
    '@context': unknown[];
    type: string;
    schemaVersion: string;
    creationDate: string;
    epcisBody: {
      queryResults: {
        resultsBody: { eventList: { type: string; eventTime: string; bizStep: string; eventID: string }[] };
      };
    };
  };
  t.equal(doc.type, 'EPCISQueryDocument');
  t.equal(doc.schemaVersion, '2.0');
  t.ok(
    doc['@context'].some(
      (c) => typeof c === 'object' && c !== null && (c as { hn?: string }).hn === CHAINCODE_HN_NAMESPACE,
    ),
    'hn: in @context',
  );
  const events = doc.epcisBody.queryResults.resultsBody.eventList;
  t.ok(events.length >= 3, 'entry, shipment, receipt');
  t.ok(
    events.every(
      (e) =>
        /Event$/.test(e.type) && !Number.isNaN(Date.parse(e.eventTime)) && typeof e.bizStep === 'string' && e.eventID,
    ),
  );
  t.same(
    events.map((e) => e.bizStep).filter((s) => s === 'shipping' || s === 'receiving'),
    ['shipping', 'receiving'],
  );
});

t.test(
  'dossier: per transaction its block, tx id and the event payload whose SHA-256 a third party can recompute',
  async (t) => {
    const ledger = await chain.evaluate<{ history: { txId: string }[] }>('customs-admin', 'query:GetItemHistory', {
      id: SOLD,
    });
    const res = await get(`/v1/items/${TRACE_CODE}/dossier`, keys.operator);
    t.equal(res.statusCode, 200, res.body);
    const dossier = res.json() as {
      subject: { sgtin: string };
      transactions: {
        txId: string;
        blockNumber: string;
        chaincodeEvent: {
          payloadSha256: string;
          payload: { txId: string; v: number; itemGroups: { sgtins: string[] }[] };
        };
      }[];
    };
    t.equal(dossier.subject.sgtin, SOLD);
    t.same(
      dossier.transactions.map((tx) => tx.txId),
      ledger.history.map((h) => h.txId),
    );
    for (const tx of dossier.transactions) {
      t.equal(
        sha256Hex({ json: tx.chaincodeEvent.payload }),
        tx.chaincodeEvent.payloadSha256,
        `${tx.txId}: canonical payload hashes to the peer-delivered bytes' hash`,
      );
      t.equal(tx.chaincodeEvent.payload.txId, tx.txId);
      t.equal(tx.chaincodeEvent.payload.v, 2);
      t.ok(
        tx.chaincodeEvent.payload.itemGroups.some((g) => g.sgtins.includes(SOLD)),
        'the payload names the item',
      );
    }
  },
);

t.test('access: customs any item; an enterprise or operator only items it held or was sent', async (t) => {
  t.equal((await get(`/v1/items/${encodeURIComponent(STAYED)}`, keys.importer)).statusCode, 200, 'the holder');
  t.equal(
    (await get(`/v1/items/${encodeURIComponent(SOLD)}/history`, keys.importer)).statusCode,
    200,
    'a former holder',
  );
  t.equal((await get(`/v1/items/${encodeURIComponent(SOLD)}`, keys.operator)).statusCode, 200, 'the receiver');
  // An item the caller may not read gets the very answer of an item that does not exist: existence does not leak.
  type Refusal = { code: string; detail: string; title: string; status: number };
  const shape = (res: { json(): unknown }, id: string) => {
    const { code, detail, title, status } = res.json() as Refusal;
    return { code, detail: detail.split(id).join('<id>'), title, status };
  };
  const MISSING = PERFUME.sgtin(9999); // a valid SGTIN that no entry declared
  const stayed = await get(`/v1/items/${encodeURIComponent(STAYED)}`, keys.operator);
  const missing = await get(`/v1/items/${encodeURIComponent(MISSING)}`, keys.operator);
  t.equal(missing.statusCode, 404, 'an item that does not exist');
  t.equal(stayed.statusCode, 404, 'an operator that never held it: as if it did not exist');
  t.same(shape(stayed, STAYED), shape(missing, MISSING), 'the same code, title and detail as a missing item');
  t.equal((stayed.json() as Refusal).code, 'NOT_FOUND');
  for (const path of ['', '/history', '/dossier', '/history?format=epcis']) {
    const res = await get(`/v1/items/${encodeURIComponent(SOLD)}${path}`, keys.processor);
    const none = await get(`/v1/items/${encodeURIComponent(MISSING)}${path}`, keys.processor);
    t.equal(res.statusCode, 404, `never held: ${path || 'item'}`);
    t.equal(none.statusCode, 404, `missing: ${path || 'item'}`);
    t.same(shape(res, SOLD), shape(none, MISSING), `never held and missing answer alike: ${path || 'item'}`);
  }
  const customs = await get(`/v1/items/${encodeURIComponent(MISSING)}`, keys.customs);
  t.equal(customs.statusCode, 404, 'customs: a missing item is 404 as before');
});

t.test('GET /v1/events: filters, keyset pages, and what each caller may see', async (t) => {
  type Doc = {
    epcisBody: {
      queryResults: {
        resultsBody: {
          eventList: {
            eventID: string;
            bizStep: string;
            eventTime: string;
            bizLocation?: { id: string };
            epcList?: string[];
          }[];
        };
      };
    };
    nextPageToken?: string;
  };
  const eventsOf = (res: { json(): unknown }) => (res.json() as Doc).epcisBody.queryResults.resultsBody.eventList;

  const all = await get('/v1/events', keys.customs);
  t.equal(all.statusCode, 200, all.body);
  const allEvents = eventsOf(all);
  t.ok(allEvents.length >= 5, 'every goods event');

  const bySgtin = eventsOf(await get(`/v1/events?MATCH_epc=${encodeURIComponent(SHIPPED)}`, keys.customs));
  t.ok(bySgtin.length >= 3 && bySgtin.every((e) => JSON.stringify(e).includes(SHIPPED)), 'MATCH_epc');
  const shipping = eventsOf(await get('/v1/events?EQ_bizStep=shipping', keys.customs));
  t.ok(shipping.length === 1 && shipping[0]!.bizStep === 'shipping', 'EQ_bizStep');
  const cbvUri = eventsOf(
    await get(`/v1/events?EQ_bizStep=${encodeURIComponent('https://ref.gs1.org/cbv/BizStep-shipping')}`, keys.customs),
  );
  t.same(
    cbvUri.map((e) => e.eventID),
    shipping.map((e) => e.eventID),
    'the CBV URI form too',
  );
  const atL2 = allEvents.filter(
    (e) =>
      e.bizLocation?.id !== undefined &&
      e.bizLocation.id === allEvents.find((x) => x.bizStep === 'receiving')?.bizLocation?.id,
  );
  const byLocation = eventsOf(
    await get(`/v1/events?EQ_bizLocation=${encodeURIComponent(atL2[0]!.bizLocation!.id)}`, keys.customs),
  );
  t.same(
    byLocation.map((e) => e.eventID),
    atL2.map((e) => e.eventID),
    'EQ_bizLocation',
  );
  const times = allEvents.map((e) => e.eventTime).sort();
  const middle = times[Math.floor(times.length / 2)]!;
  const from = eventsOf(await get(`/v1/events?GE_eventTime=${encodeURIComponent(middle)}`, keys.customs));
  const before = eventsOf(await get(`/v1/events?LT_eventTime=${encodeURIComponent(middle)}`, keys.customs));
  t.equal(from.length + before.length, allEvents.length, 'GE_eventTime and LT_eventTime split the events');
  t.ok(
    from.every((e) => Date.parse(e.eventTime) >= Date.parse(middle)) &&
      before.every((e) => Date.parse(e.eventTime) < Date.parse(middle)),
  );

  // Pages of 2: together exactly the unpaginated list, in order, no repeat; bounded by the number of events.
  const paged: string[] = [];
  let token: string | undefined;
  for (let page = 0; page <= allEvents.length; page++) {
    const res = await get(
      `/v1/events?perPage=2${token ? `&nextPageToken=${encodeURIComponent(token)}` : ''}`,
      keys.customs,
    );
    t.equal(res.statusCode, 200, res.body);
    paged.push(...eventsOf(res).map((e) => e.eventID));
    token = (res.json() as Doc).nextPageToken;
    if (token) t.match(res.headers.link, /rel="next"/);
    if (!token) break;
  }
  t.same(
    paged,
    allEvents.map((e) => e.eventID),
    'pages cover the events once each, in order',
  );
  t.equal((await get('/v1/events?perPage=1001', keys.customs)).statusCode, 400, 'perPage is bounded');
  const badToken = await get('/v1/events?nextPageToken=bm9wZQ', keys.customs);
  t.equal((badToken.json() as { code: string }).code, 'INVALID_PAGE_TOKEN');

  const processorEvents = eventsOf(await get('/v1/events', keys.processor));
  t.same(processorEvents, [], 'an enterprise that held nothing sees no event');
  const operatorEvents = eventsOf(await get('/v1/events', keys.operator));
  const namesSent = (e: unknown) =>
    JSON.stringify(e).includes(`"${SOLD}"`) || JSON.stringify(e).includes(`"${SHIPPED}"`);
  t.same(
    operatorEvents.map((e) => e.eventID),
    allEvents.filter(namesSent).map((e) => e.eventID),
    'the operator sees exactly the events naming the items it was sent',
  );
  t.ok(allEvents.some((e) => !namesSent(e)) || allEvents.length === operatorEvents.length);
});
