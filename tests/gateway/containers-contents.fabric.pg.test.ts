// Proves GET /v1/containers/{id} shows contents and history over HTTP (issue 15 Must 3): a pallet holding a case of
// three items and two loose items lists its five items in pages (perPage, nextPageToken, Link) each with the case it is
// in, beside the chain's history (packing, shipping, receiving); a foreign token is 400; an enterprise that never held
// the pallet is refused until it is sent the pallet, then it lists every item inside.
// How: the gateway app (fastify.inject) on a real PostgreSQL and its queue, real ledger clients to a dev peer process,
// the capture job and the projection follower running as in the server.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { entryEvent, packingEvent, receivingEvent, shippingEvent } from '../../testkit/src/epcis';
import { ENTERPRISES, product } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { captureAndSettle, startCaptureStack } from './helpers/capture-stack';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const GOODS = product(351);
const ITEMS = [1, 2, 3, 4, 5].map((n) => GOODS.sgtin(`C${n}`));
const CASE = 'urn:epc:id:sscc:6901234.0000003511';
const PALLET = 'urn:epc:id:sscc:6901234.0000003512';

let app: FastifyInstance;
let keys: { customs: string; importer: string; operator: string };

interface Contents {
  items: { id: string; container: string }[];
  nextPageToken?: string;
  history: { events: { bizStep: string }[] }[];
}

async function captured(key: string, events: Record<string, unknown>[]): Promise<string> {
  const status = await captureAndSettle(app, key, events);
  return `${status.outcome} ${JSON.stringify(status.errors)}`;
}

async function contents(key: string, query = '') {
  return app.inject({
    method: 'GET',
    url: `/v1/containers/${encodeURIComponent(PALLET)}${query}`,
    headers: bearer(key),
  });
}

/** Every item of the pallet, following nextPageToken. */
async function walk(key: string, perPage: number): Promise<{ pages: number; items: [string, string][] }> {
  const items: [string, string][] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const res = await contents(key, `?perPage=${perPage}${token ? `&nextPageToken=${token}` : ''}`);
    if (res.statusCode !== 200) throw new Error(`contents answered ${res.statusCode}: ${res.body}`);
    const body = res.json() as Contents;
    items.push(...body.items.map((i): [string, string] => [i.id, i.container]));
    token = body.nextPageToken;
    pages += 1;
  } while (token !== undefined && pages < 10);
  return { pages, items };
}

t.before(async () => {
  const stack = await startCaptureStack(t);
  app = stack.app;
  keys = { customs: stack.customsKey, importer: '', operator: '' };
  keys.importer = await stack.newKey(importer.id, 'Importer', 'enterprise', importer.mspId);
  keys.operator = await stack.newKey(operator.id, 'Operator', 'operator', operator.mspId);
});

t.test('a pallet lists its items page by page beside its history', async (t) => {
  t.match(
    await captured(keys.importer, [entryEvent({ items: ITEMS, declarationNo: 'CC-D-1', location: 1 })]),
    /^committed/,
  );
  t.match(
    await captured(keys.importer, [
      packingEvent(CASE, ITEMS.slice(0, 3)),
      packingEvent(PALLET, [CASE, ...ITEMS.slice(3)]),
    ]),
    /^committed/,
  );
  const expected = [...ITEMS.slice(0, 3).map((id) => [id, CASE]), ...ITEMS.slice(3).map((id) => [id, PALLET])].sort();
  const all = await waitFor('the projection to follow the packing', async () => {
    const walked = await walk(keys.importer, 2);
    return walked.items.length === 5 ? walked : undefined;
  });
  t.same(all.items, expected, 'five items, each with the container it is directly in');
  t.equal(all.pages, 3, 'two, two and one');

  const first = await contents(keys.importer, '?perPage=2');
  t.match(String(first.headers.link), /rel="next"/, 'a Link to the next page');
  const bad = await contents(keys.importer, '?nextPageToken=bm90LW91cnM');
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { code: 'INVALID_PAGE_TOKEN' });
  t.equal((await contents(keys.operator)).statusCode, 403, 'an enterprise that never held the pallet');

  t.match(
    await captured(keys.importer, [
      shippingEvent({ items: [PALLET], shipmentId: 'CC-SH-1', toEnterprise: operator.id, toLocation: 2 }),
    ]),
    /^committed/,
  );
  t.match(
    await captured(keys.operator, [receivingEvent({ items: [PALLET], shipmentId: 'CC-SH-1', location: 2 })]),
    /^committed/,
  );
  const received = (await contents(keys.operator, '?perPage=1000')).json() as Contents;
  t.same(
    received.items.map((i) => [i.id, i.container]),
    expected,
    'the receiver lists every item inside',
  );
  t.same(
    received.history.map((h) => h.events[0]?.bizStep),
    ['packing', 'shipping', 'receiving'],
    "the pallet's history from the chain",
  );
  t.equal(received.nextPageToken, undefined, 'one page holds them all');
});
