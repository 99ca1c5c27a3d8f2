// Proves the EPCIS 2.0 REST binding at /v1/epcis answers from the chain's events: the standard query parameters
// (EQ_, GE_, LT_, MATCH_ with patterns, eventType, EQ_bizTransaction_*, orderBy, eventCountLimit, maxEventCount) each
// select exactly the events they name, pages neither skip nor repeat, an unknown parameter is the binding's
// QueryParameterException, responses carry GS1-EPCIS-Version / GS1-CBV-Version, the vocabulary resources and
// /epcs/{epc}/events list what the caller may see, named queries belong to their owner, and customs sees every event
// while an enterprise sees only events of goods it held.
// How: chaincode transactions on a dev peer process, the projection follower into a real PostgreSQL, the gateway app
// via fastify.inject; expected results computed from the full event list the chain produced.
import t from 'tap';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';
import { createMigratedDatabase } from './helpers/database';
import { startProjection } from './helpers/projection';
import { waitFor } from './helpers/wait';

const { operator, importer, processor } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const WINE = product(301);
const ITEMS = [1, 2, 3, 4].map((serial) => WINE.sgtin(serial));
const [TAGGED, SHIPPED, STAYED] = ITEMS as [string, string, string, string];
const TRACE_CODE = '4600000000000017';

type Event = Record<string, any>;

let dn: DevnetProcess;
let chain: TraceClient;
let app: FastifyInstance;
let keys: { customs: string; importer: string; operator: string; processor: string };
let submitted = 0;
/** Every event the chain produced, in chain order (customs, unfiltered, walked page by page). */
let all: Event[] = [];

async function get(url: string, key: string) {
  return app.inject({ method: 'GET', url, headers: bearer(key) });
}

function eventsOf(res: { json(): unknown }): Event[] {
  return (res.json() as { epcisBody: { queryResults: { resultsBody: { eventList: Event[] } } } }).epcisBody.queryResults
    .resultsBody.eventList;
}

/** Every page of a query, following Link rel="next"; asserts each page's status. */
async function walk(url: string, key: string): Promise<Event[]> {
  const events: Event[] = [];
  let next: string | undefined = url;
  for (let page = 0; next !== undefined && page < 100; page++) {
    const res = await get(next, key);
    if (res.statusCode !== 200) throw new Error(`${next}: ${res.statusCode} ${res.body}`);
    events.push(...eventsOf(res));
    const link = res.headers.link as string | undefined;
    next = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
  }
  return events;
}

const ids = (events: readonly Event[]) => events.map((e) => e.eventID as string);
const q = encodeURIComponent;

async function newKey(id: string, role: 'enterprise' | 'operator', mspId: string): Promise<string> {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(keys.customs),
    payload: { id, name: id, roles: [role], mspId },
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
  const submit = async (identity: string, fn: string, request: unknown) => {
    await chain.submit(identity, fn, request);
    submitted++;
  };
  await submit(importer.identity, 'goods:Enter', {
    declarationNo: 'D-1',
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: WINE.gtin, hsCode: '220421', category: 'ALCOHOL' },
    unitValueFen: 10_000,
    items: ITEMS,
  });
  await submit(importer.identity, 'goods:Associate', { pairs: [{ sgtin: TAGGED, code: TRACE_CODE }] });
  await submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-1',
    toEnterprise: operator.id,
    toLocation: L2,
    items: [SHIPPED],
  });
  await submit(operator.identity, 'goods:Receive', { shipmentId: 'S-1', location: L2, items: [SHIPPED] });

  const databaseUrl = await createMigratedDatabase(t);
  const built = await buildTestApp(t, { databaseUrl });
  app = built.app;
  keys = { customs: built.customsKey, importer: '', operator: '', processor: '' };
  keys.importer = await newKey(importer.id, 'enterprise', importer.mspId);
  keys.operator = await newKey(operator.id, 'operator', operator.mspId);
  keys.processor = await newKey(processor.id, 'enterprise', processor.mspId);
  const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  const follower = startProjection(t, settings!, databaseUrl);
  await waitFor('the projection to catch up', () => follower.status().eventsApplied === submitted);
  all = await walk('/v1/epcis/events?perPage=2', keys.customs);
});
t.teardown(async () => {
  chain?.close();
  await dn?.stop();
});

t.test('responses carry the binding headers and content types; pages neither skip nor repeat', async (t) => {
  const res = await get('/v1/epcis/events', keys.customs);
  t.equal(res.statusCode, 200);
  t.equal(res.headers['gs1-epcis-version'], '2.0.0');
  t.equal(res.headers['gs1-cbv-version'], '2.0.0');
  t.match(res.headers['content-type'], /^application\/json/);
  t.equal((res.json() as { type: string }).type, 'EPCISQueryDocument');
  const whole = eventsOf(res);
  t.ok(whole.length >= 4, `entry, association, shipping and receiving: ${whole.length}`);
  t.same(ids(all), ids(whole), 'perPage=2 pages, followed by Link rel="next", give the same events in the same order');
  t.equal(new Set(ids(all)).size, all.length, 'no event twice');

  const refused = await get('/v1/epcis/events?EQ_colour=red', keys.customs);
  t.equal(refused.statusCode, 400);
  t.match(refused.headers['content-type'], /^application\/problem\+json/);
  t.equal(refused.headers['gs1-epcis-version'], '2.0.0', 'errors carry the headers too');
  t.match(refused.json(), {
    type: 'epcisException:QueryParameterException',
    code: 'EPCIS_QUERY_PARAMETER',
    status: 400,
  });
  for (const bad of [
    'EQ_action=JUMP',
    'perPage=1001',
    'GE_eventTime=yesterday',
    'EQ_quantity=3',
    'eventCountLimit=2',
    'orderBy=colour',
    `nextPageToken=${q('not-ours')}`,
  ]) {
    const r = await get(`/v1/epcis/events?${bad}`, keys.customs);
    t.equal(r.statusCode, 400, `${bad} refused`);
    t.equal((r.json() as { type: string }).type, 'epcisException:QueryParameterException', bad);
  }
  const tooMany = await get(
    `/v1/epcis/events?EQ_bizStep=${Array.from({ length: 101 }, (_, i) => `s${i}`).join('|')}`,
    keys.customs,
  );
  t.equal(tooMany.statusCode, 400, 'a list is bounded');
  const version = await app.inject({
    method: 'GET',
    url: '/v1/epcis/events',
    headers: { ...bearer(keys.customs), 'gs1-epcis-min': '3.0.0' },
  });
  t.equal(version.statusCode, 406);
  t.equal((version.json() as { type: string }).type, 'epcisException:NotAcceptableException');
  const anonymous = await app.inject({ method: 'GET', url: '/v1/epcis/events' });
  t.equal(anonymous.statusCode, 401);
  t.equal((anonymous.json() as { type: string }).type, 'epcisException:SecurityException');
});

t.test('each standard parameter selects exactly the events it names', async (t) => {
  const check = async (query: string, expected: (e: Event) => boolean, minimum = 1) => {
    const got = await walk(`/v1/epcis/events?${query}&perPage=3`, keys.customs);
    const want = all.filter(expected);
    t.same(ids(got), ids(want), query);
    t.ok(want.length >= minimum, `${query} selects ${want.length}`);
  };
  await check('eventType=AssociationEvent', (e) => e.type === 'AssociationEvent');
  await check('eventType=ObjectEvent|AssociationEvent', (e) => ['ObjectEvent', 'AssociationEvent'].includes(e.type), 4);
  await check('EQ_action=OBSERVE', (e) => e.action === 'OBSERVE');
  await check('EQ_bizStep=shipping|receiving', (e) => ['shipping', 'receiving'].includes(e.bizStep), 2);
  await check(`EQ_bizStep=${q('https://ref.gs1.org/cbv/BizStep-shipping')}`, (e) => e.bizStep === 'shipping');
  await check('EQ_disposition=in_transit', (e) => e.disposition === 'in_transit');
  await check(`EQ_disposition=${q('urn:epcglobal:cbv:disp:in_progress')}`, (e) => e.disposition === 'in_progress');
  const shipping = all.find((e) => e.bizStep === 'shipping')!;
  await check(`EQ_readPoint=${q(shipping.readPoint.id)}`, (e) => e.readPoint?.id === shipping.readPoint.id);
  await check(`WD_readPoint=${q(shipping.readPoint.id)}`, (e) => e.readPoint?.id === shipping.readPoint.id);
  const received = all.find((e) => e.bizStep === 'receiving')!;
  await check(`EQ_bizLocation=${q(received.bizLocation.id)}`, (e) => e.bizLocation?.id === received.bizLocation.id);
  await check(`MATCH_epc=${q(SHIPPED)}`, (e) => [...(e.epcList ?? []), ...(e.childEPCs ?? [])].includes(SHIPPED), 3);
  await check(`MATCH_epc=${q(TAGGED)}`, (e) => [...(e.epcList ?? []), ...(e.childEPCs ?? [])].includes(TAGGED), 2);
  const pattern = `urn:epc:idpat:sgtin:${TAGGED.slice('urn:epc:id:sgtin:'.length, TAGGED.lastIndexOf('.'))}.*`;
  await check(
    `MATCH_epc=${q(pattern)}`,
    (e) => [...(e.epcList ?? []), ...(e.childEPCs ?? [])].some((x: string) => ITEMS.includes(x)),
    4,
  );
  const parent = all.find((e) => e.type === 'AssociationEvent')!.parentID as string;
  await check(`MATCH_parentID=${q(parent)}`, (e) => e.parentID === parent);
  await check(`MATCH_anyEPC=${q(parent)}`, (e) => e.parentID === parent);
  await check(`MATCH_inputEPC=${q(STAYED)}`, () => false, 0);
  await check(`MATCH_outputEPC=${q(STAYED)}`, () => false, 0);
  await check(
    `EQ_bizTransaction_desadv=${q('urn:hn:shipment:S-1')}`,
    (e) =>
      (e.bizTransactionList ?? []).some(
        (b: Event) => b.type === 'desadv' && b.bizTransaction === 'urn:hn:shipment:S-1',
      ),
    2,
  );
  await check(`EQ_source_owning_party=${q(shipping.sourceList[0].source)}`, (e) =>
    (e.sourceList ?? []).some((s: Event) => s.type === 'owning_party' && s.source === shipping.sourceList[0].source),
  );
  await check(`EQ_eventID=${q(shipping.eventID)}`, (e) => e.eventID === shipping.eventID);
  const middle = shipping.eventTime as string;
  await check(`GE_eventTime=${q(middle)}`, (e) => Date.parse(e.eventTime) >= Date.parse(middle));
  await check(`LT_eventTime=${q(middle)}`, (e) => Date.parse(e.eventTime) < Date.parse(middle));
  await check(
    `GE_recordTime=${q(shipping.recordTime)}`,
    (e) => Date.parse(e.recordTime) >= Date.parse(shipping.recordTime),
  );
  await check(
    `LT_recordTime=${q(shipping.recordTime)}`,
    (e) => Date.parse(e.recordTime) < Date.parse(shipping.recordTime),
  );
  await check('EXISTS_errorDeclaration', () => false, 0);
  await check(`EQ_bizStep=shipping&MATCH_epc=${q(STAYED)}`, () => false, 0);

  const byTime = await walk('/v1/epcis/events?orderBy=eventTime&orderDirection=ASC&perPage=1', keys.customs);
  t.same(
    [...ids(byTime)].sort(),
    [...ids(all)].sort(),
    'orderBy=eventTime pages (one event each) hold every event once',
  );
  t.ok(
    byTime.every((e, i) => i === 0 || Date.parse(byTime[i - 1]!.eventTime) <= Date.parse(e.eventTime)),
    'in event time order',
  );
  const newest = await walk('/v1/epcis/events?orderBy=eventTime&eventCountLimit=2&perPage=1', keys.customs);
  t.equal(newest.length, 2, 'eventCountLimit holds across pages');
  t.ok(Date.parse(newest[0]!.eventTime) >= Date.parse(newest[1]!.eventTime), 'orderDirection defaults to DESC');
  const tooLarge = await get('/v1/epcis/events?maxEventCount=1', keys.customs);
  t.equal(tooLarge.statusCode, 413);
  t.equal((tooLarge.json() as { type: string }).type, 'epcisException:QueryTooLargeException');
  t.equal(
    (await get(`/v1/epcis/events?maxEventCount=1&EQ_eventID=${q(shipping.eventID)}`, keys.customs)).statusCode,
    200,
  );

  const one = await get(`/v1/epcis/events/${q(shipping.eventID)}`, keys.customs);
  t.same(ids(eventsOf(one)), [shipping.eventID], '/events/{eventID}');
  t.equal(
    (await get(`/v1/epcis/events/${q('urn:uuid:00000000-0000-4000-8000-000000000000')}`, keys.customs)).statusCode,
    404,
  );
});

t.test('customs sees every event; an enterprise only the events of goods it held', async (t) => {
  const touches = (e: Event, items: readonly string[]) =>
    [...(e.epcList ?? []), ...(e.childEPCs ?? [])].some((x: string) => items.includes(x));
  const ofImporter = await walk('/v1/epcis/events', keys.importer);
  t.same(ids(ofImporter), ids(all.filter((e) => touches(e, ITEMS))), 'the importer held every item');
  const ofOperator = await walk('/v1/epcis/events', keys.operator);
  t.same(ids(ofOperator), ids(all.filter((e) => touches(e, [SHIPPED]))), 'the operator: the shipped item only');
  t.same(await walk('/v1/epcis/events', keys.processor), [], 'an enterprise that held nothing sees nothing');
  t.same(await walk(`/v1/epcis/epcs/${q(TAGGED)}/events`, keys.processor), [], 'nor through /epcs/{epc}/events');
  t.same(
    ids(await walk(`/v1/epcis/epcs/${q(TAGGED)}/events`, keys.operator)),
    ids(all.filter((e) => touches(e, [TAGGED]) && touches(e, [SHIPPED]))),
    "another item's events only where they name the operator's item too",
  );
  const epcsOfOperator = (await get('/v1/epcis/epcs', keys.operator)).json() as { member: string[] };
  t.same(epcsOfOperator.member, [SHIPPED], '/epcs lists only the goods the caller held');
});

t.test('vocabulary resources and /epcs/{epc}/events', async (t) => {
  const collection = async (path: string, key = keys.customs) => {
    const res = await get(path, key);
    t.equal(res.statusCode, 200, path);
    t.equal(res.headers['gs1-epcis-version'], '2.0.0', path);
    const body = res.json() as { type: string; member: string[] };
    t.equal(body.type, 'Collection', path);
    return body.member;
  };
  t.same(await collection('/v1/epcis/eventTypes'), [
    'ObjectEvent',
    'AggregationEvent',
    'TransactionEvent',
    'TransformationEvent',
    'AssociationEvent',
  ]);
  t.ok((await collection('/v1/epcis')).includes('queries'), 'the top-level resources');
  const steps = await collection('/v1/epcis/bizSteps?perPage=1000');
  t.ok(steps.includes('shipping') && steps.includes('accepting'), 'used and standard business steps');
  const dispositions = await collection('/v1/epcis/dispositions?perPage=1000');
  t.ok(dispositions.includes('in_transit') && dispositions.includes('recalled'));
  const locations = await collection('/v1/epcis/bizLocations');
  t.same(locations, [...new Set(all.map((e) => e.bizLocation?.id).filter(Boolean))].sort());
  const readPoints = await collection('/v1/epcis/readPoints');
  t.same(readPoints, [...new Set(all.map((e) => e.readPoint?.id).filter(Boolean))].sort());
  t.same(await walkCollection('/v1/epcis/epcs?perPage=1'), [...ITEMS].sort(), '/epcs pages through every item');
  t.same(
    ids(await walk(`/v1/epcis/epcs/${q(SHIPPED)}/events`, keys.customs)),
    ids(all.filter((e) => [...(e.epcList ?? []), ...(e.childEPCs ?? [])].includes(SHIPPED))),
    '/epcs/{epc}/events',
  );
  t.same(
    ids(await walk('/v1/epcis/bizSteps/shipping/events', keys.customs)),
    ids(all.filter((e) => e.bizStep === 'shipping')),
    '/bizSteps/{bizStep}/events',
  );
  t.same(
    ids(await walk('/v1/epcis/eventTypes/AssociationEvent/events', keys.customs)),
    ids(all.filter((e) => e.type === 'AssociationEvent')),
    '/eventTypes/{eventType}/events',
  );
});

async function walkCollection(url: string): Promise<string[]> {
  const members: string[] = [];
  let next: string | undefined = url;
  for (let page = 0; next !== undefined && page < 100; page++) {
    const res = await get(next, keys.customs);
    members.push(...(res.json() as { member: string[] }).member);
    const link = res.headers.link as string | undefined;
    next = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
  }
  return members;
}

t.test('named queries belong to their owner', async (t) => {
  const create = (key: string, body: unknown) =>
    app.inject({ method: 'POST', url: '/v1/epcis/queries', headers: bearer(key), payload: body as object });
  const created = await create(keys.customs, { name: 'moves', query: { EQ_bizStep: ['shipping', 'receiving'] } });
  t.equal(created.statusCode, 201, created.body);
  t.equal(created.headers.location, '/v1/epcis/queries/moves');
  t.equal(created.headers['gs1-epcis-version'], '2.0.0');
  const again = await create(keys.customs, { name: 'moves', query: {} });
  t.equal(again.statusCode, 409);
  t.equal((again.json() as { type: string }).type, 'epcisException:ResourceAlreadyExistsException');
  const bad = await create(keys.customs, { name: 'bad', query: { EQ_colour: ['red'] } });
  t.equal(bad.statusCode, 400, 'a query that cannot run is refused when it is stored');
  t.equal((bad.json() as { type: string }).type, 'epcisException:QueryParameterException');
  t.equal(
    (await create(keys.operator, { name: 'moves', query: { eventType: ['ObjectEvent'] } })).statusCode,
    201,
    'another owner, same name',
  );

  t.same((await get('/v1/epcis/queries', keys.customs)).json(), [
    { name: 'moves', query: { EQ_bizStep: ['shipping', 'receiving'] } },
  ]);
  t.same((await get('/v1/epcis/queries/moves', keys.operator)).json(), {
    name: 'moves',
    query: { eventType: ['ObjectEvent'] },
  });
  const results = await walk('/v1/epcis/queries/moves/events?perPage=1', keys.customs);
  t.same(ids(results), ids(all.filter((e) => ['shipping', 'receiving'].includes(e.bizStep))));
  t.equal((await get('/v1/epcis/queries/moves/events?EQ_action=ADD', keys.customs)).statusCode, 400);
  t.equal((await get('/v1/epcis/queries/nope/events', keys.customs)).statusCode, 404);
  const gone = await app.inject({ method: 'DELETE', url: '/v1/epcis/queries/moves', headers: bearer(keys.processor) });
  t.equal(gone.statusCode, 404, "one owner cannot delete another's query");
  t.equal(
    (await app.inject({ method: 'DELETE', url: '/v1/epcis/queries/moves', headers: bearer(keys.customs) })).statusCode,
    204,
  );
  t.equal((await get('/v1/epcis/queries/moves', keys.customs)).statusCode, 404);
  t.equal((await get('/v1/epcis/queries/moves', keys.operator)).statusCode, 200, "the operator's stays");
});
