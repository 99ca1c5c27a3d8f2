// Proves the gateway serves the built web console at /console/ (strict CSP, revalidated page, immutable pre-compressed assets), and that stocktake event streams release their per-key slot when a client goes away and are ended (not waited for) when the gateway shuts down.
// How: the gateway app on a real port over a private PostgreSQL database, a fake book, fetch as the client; needs `npm run build` (the console bundle).
import t from 'tap';
import { buildTestApp, bearer } from './helpers/app';
import { waitFor } from './helpers/wait';

const ENTERPRISE = '91460000MA5TDF000D';
const LOCATION = '6901234000023';

t.test('the console is served with its security and caching headers', async (t) => {
  const { app } = await buildTestApp(t);
  const bare = await app.inject({ method: 'GET', url: '/console' });
  t.equal(bare.statusCode, 301);
  t.equal(bare.headers.location, '/console/');
  const page = await app.inject({ method: 'GET', url: '/console/', headers: { 'accept-encoding': 'br, gzip' } });
  t.equal(page.statusCode, 200, 'run `npm run build` first if this fails');
  t.match(page.headers['content-type'], /^text\/html/);
  t.equal(page.headers['cache-control'], 'no-cache', 'the page is revalidated, so a new build shows at once');
  t.match(page.headers['content-security-policy'], /default-src 'self'.*script-src 'self'.*frame-ancestors 'none'/);
  const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
  t.ok(script, 'the page loads the bundle');
  const asset = await app.inject({ method: 'GET', url: script!, headers: { 'accept-encoding': 'br, gzip' } });
  t.equal(asset.statusCode, 200);
  t.equal(asset.headers['content-encoding'], 'br', 'pre-compressed by the build');
  t.match(asset.headers['cache-control'], /immutable/, 'hashed assets are cached for good');
  t.equal((await app.inject({ method: 'GET', url: '/console/nothing.js' })).statusCode, 404);
  const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
  t.notOk(
    Object.keys(docs.paths).some((path) => path.startsWith('/console')),
    'not in the API document',
  );
  t.ok(docs.paths['/v1/stocktakes/{id}/stream'] && docs.paths['/v1/stream-tokens'], 'the stream routes are');
});

t.test('event streams: a slot comes back when the client leaves; shutdown ends open streams', async (t) => {
  const { app, customsKey } = await buildTestApp(t, {
    stocktakeBook: { itemsAtLocation: async () => [], itemsByAnyId: async () => new Map() },
  });
  const created = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISE, name: 'Op', roles: ['operator'], mspId: 'OperatorMSP' },
  });
  t.equal(created.statusCode, 201, 'enterprise registered');
  const key = (
    await app.inject({
      method: 'POST',
      url: `/v1/enterprises/${ENTERPRISE}/keys`,
      headers: bearer(customsKey),
      payload: { role: 'operator', label: 'counter' },
    })
  ).json().key as string;
  const opened = await app.inject({
    method: 'POST',
    url: '/v1/stocktakes',
    headers: bearer(key),
    payload: { location: LOCATION },
  });
  const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/v1/stocktakes/${opened.json().id}/stream`;

  const open = () => {
    const controller = new AbortController();
    return { controller, response: fetch(url, { headers: bearer(key), signal: controller.signal }) };
  };
  const four = [open(), open(), open(), open()];
  t.same(await Promise.all(four.map(async (s) => (await s.response).status)), [200, 200, 200, 200]);
  t.equal((await open().response).status, 429, 'four per key');
  four[0]!.controller.abort();
  const again = await waitFor('the slot to come back', async () => {
    const s = open();
    const res = await s.response;
    if (res.status === 200) return s;
    await res.body?.cancel();
    return undefined;
  });
  t.pass('a client that left frees its slot');

  // Shutdown: every open stream gets `end: shutdown` and the server closes without waiting for the clients.
  const streams = [again, ...four.slice(1)];
  const bodies = streams.map(async (s) => (await s.response).text());
  const started = Date.now();
  await app.close();
  t.ok(Date.now() - started < 10_000, 'closed without waiting for the streams');
  for (const body of await Promise.all(bodies)) {
    t.match(body, /event: end\ndata: \{"reason":"shutdown"\}/);
  }
});
