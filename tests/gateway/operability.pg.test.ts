// Proves /healthz, /readyz (503 problem+json naming what is down), 503 UNAVAILABLE while PostgreSQL is down, /metrics with the request histogram, and /docs/json.
// How: fastify.inject against the real app; "down" is a pool pointed at a loopback port nobody listens on, or a check that never answers.
import t from 'tap';
import { createServer } from 'node:net';
import fastify from 'fastify';
import app, { FASTIFY_OPTIONS } from '../../gateway/src/app';
import { createPool } from '../../gateway/src/adapters/pg';
import { newPgQueue } from '../../gateway/src/adapters/queue/pg-queue';
import { bearer, buildTestApp, newRecordingLedgers } from './helpers/app';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

t.test('/healthz and /readyz answer 200 when everything is reachable, without a key', async (t) => {
  const { app } = await buildTestApp(t);
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200);
  t.same(health.json(), { status: 'ok' });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), {
    status: 'ready',
    checks: [
      { name: 'database', ok: true },
      { name: 'queue', ok: true },
    ],
  });
});

t.test(
  '/readyz is 503 NOT_READY naming the database when PostgreSQL is unreachable, and the ledger when it hangs',
  async (t) => {
    const port = await closedPort();
    const deadPool = createPool({
      connectionString: `postgres://postgres@127.0.0.1:${port}/nothing`,
      connectionTimeoutMs: 500,
    });
    t.teardown(() => deadPool.end());
    const { app } = await buildTestApp(t, {
      readinessTimeoutMs: 300,
      readinessChecks: [
        { name: 'ledger', check: () => new Promise<void>(() => undefined) }, // never answers: the timeout decides
        { name: 'database', check: async () => void (await deadPool.query('SELECT 1')) },
        { name: 'queue', check: async () => undefined },
      ],
    });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    t.equal(response.statusCode, 503);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    const problem = response.json() as { code: string; detail: string; checks: { name: string; ok: boolean }[] };
    t.equal(problem.code, 'NOT_READY');
    t.equal(problem.detail, 'not reachable: ledger, database', 'the detail names what is down');
    t.same(problem.checks, [
      { name: 'ledger', ok: false },
      { name: 'database', ok: false },
      { name: 'queue', ok: true },
    ]);
    t.equal(
      (await app.inject({ method: 'GET', url: '/healthz' })).statusCode,
      200,
      'the process itself is still healthy',
    );
  },
);

t.test('/metrics exposes the request duration histogram by route, method and status, and queue gauges', async (t) => {
  const { app, customsKey, jobQueue } = await buildTestApp(t);
  await jobQueue.enqueue('captures', 'metrics-probe-1', { n: 1 });
  await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(customsKey) });
  await app.inject({ method: 'GET', url: '/v1/me' });
  await app.inject({ method: 'GET', url: '/no/such/route' });
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^text\/plain/);
  const text = response.body;
  t.match(text, /# TYPE http_request_duration_seconds histogram/);
  t.match(text, /http_request_duration_seconds_count\{method="GET",route="\/v1\/me",status_code="200"\} 1/);
  t.match(text, /http_request_duration_seconds_count\{method="GET",route="\/v1\/me",status_code="401"\} 1/);
  t.match(text, /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/);
  t.match(text, /queue_jobs\{queue="captures",state="waiting"\} 1/);
  t.match(text, /process_cpu_user_seconds_total/, 'default process metrics');
});

t.test('the OpenAPI document is generated from the route schemas', async (t) => {
  const { app } = await buildTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(response.statusCode, 200);
  const doc = response.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
  t.match(doc.openapi, /^3\.1/);
  t.ok(doc.paths['/v1/enterprises']?.post?.requestBody, 'POST /v1/enterprises documents its body');
  t.ok(doc.paths['/v1/enterprises/{id}/keys']?.post, 'key issuing is documented');
  t.ok(doc.paths['/v1/keys/{keyId}']?.delete, 'key revocation is documented');
  t.ok(doc.paths['/readyz']?.get, 'readiness is documented');
  t.equal((await app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, true, 'the UI is served');
});

t.test('with the database down, an authenticated request is 503 UNAVAILABLE with Retry-After', async (t) => {
  const port = await closedPort();
  const db = createPool({
    connectionString: `postgres://postgres@127.0.0.1:${port}/nothing`,
    connectionTimeoutMs: 500,
  });
  const jobQueue = newPgQueue({ pool: db });
  const instance = fastify({ ...FASTIFY_OPTIONS, logger: false });
  await instance.register(app, {
    db,
    jobQueue,
    ledgers: newRecordingLedgers(),
    ports: { registerEnterpriseOnLedger: async () => undefined },
    personCodeSecret: 'test-person-code-secret-0123456789abcdef',
    readinessChecks: [],
    readinessTimeoutMs: 500,
    customsMspId: 'CustomsMSP',
    rateLimitMax: 100,
    rateLimitWindowMs: 60_000,
  });
  t.teardown(async () => {
    await instance.close();
    await jobQueue.close();
    await db.end();
  });
  const response = await instance.inject({ method: 'GET', url: '/v1/me', headers: bearer('htk_any-key-at-all') });
  t.equal(response.statusCode, 503);
  t.match(response.headers['content-type'], /^application\/problem\+json/);
  t.equal((response.json() as { code: string }).code, 'UNAVAILABLE');
  t.ok(Number(response.headers['retry-after']) > 0);
});
