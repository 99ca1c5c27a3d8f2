// Proves that opening the gateway's address in a browser lands on a page pointing at the web console and the API documentation (not a bare 404), that a JSON client gets the same links, and that every link answers.
// How: the gateway app over a private PostgreSQL database, requests through inject; needs `npm run build` (the console bundle).
import t from 'tap';
import { buildTestApp } from './helpers/app';

t.test('GET / points at the console and the API documentation', async (t) => {
  const { app } = await buildTestApp(t);
  const page = await app.inject({
    method: 'GET',
    url: '/',
    headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
  });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.headers['content-security-policy'], /default-src 'none'/, 'links only: no script runs on it');
  const links = [...page.body.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
  t.same(links.slice(0, 2), ['/console/', '/docs'], 'the console first, then the API documentation');

  for (const link of links) {
    const target = await app.inject({ method: 'GET', url: link! });
    t.ok([200, 302].includes(target.statusCode), `${link} answers (${target.statusCode})`);
  }

  const json = await app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } });
  t.equal(json.statusCode, 200);
  t.match(json.headers['content-type'], /^application\/json/);
  t.match(json.json(), { console: '/console/', docs: '/docs', openapi: '/docs/json' });

  const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
  t.notOk('/' in docs.paths, 'the index page is not part of the API document');
  t.equal((await app.inject({ method: 'POST', url: '/' })).statusCode, 404, 'only GET');
});
