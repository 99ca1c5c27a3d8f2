// Proves the HTTP contract: problem+json errors with stable codes (400/401/403/404/409/422/429), enterprise and key lifecycle by customs, role and tenant checks, Idempotency-Key.
// How: fastify.inject against the real app on a private migrated PostgreSQL database, with a recording registerEnterpriseOnLedger port.
import t from 'tap';
import { bearer, buildTestApp } from './helpers/app';

const ENTERPRISE_A = '91350100M000100Y43';
const ENTERPRISE_B = '9144030071526726XG';

function problemOf(response: { headers: Record<string, unknown>; json(): unknown }): Record<string, unknown> {
  return response.json() as Record<string, unknown>;
}

t.test('validation errors are 400 VALIDATION_FAILED problem+json listing every ajv error', async (t) => {
  const { app, customsKey } = await buildTestApp(t);
  const response = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: '91350100M000100Y44', name: '', roles: ['customs'], mspId: 'Op MSP' },
  });
  t.equal(response.statusCode, 400);
  t.match(response.headers['content-type'], /^application\/problem\+json/);
  const problem = problemOf(response);
  t.equal(problem.code, 'VALIDATION_FAILED');
  t.equal(problem.status, 400);
  t.equal(problem.type, 'urn:hainan-trace:problem:VALIDATION_FAILED');
  t.equal(problem.instance, '/v1/enterprises');
  t.type(problem.requestId, 'string');
  const errors = problem.errors as { in: string; instancePath: string; keyword: string }[];
  const paths = errors.map((error) => error.instancePath);
  t.ok(paths.includes('/id'), 'the wrong check character of the credit code is reported');
  t.ok(
    errors.some((error) => error.instancePath === '/id' && error.keyword === 'format'),
    'as the uscc format',
  );
  t.ok(paths.includes('/name'), 'the empty name is reported');
  t.ok(
    paths.some((path) => path.startsWith('/roles')),
    'the role customs is not an enterprise role',
  );
  t.ok(paths.includes('/mspId'), 'the MSP id pattern is reported');
  t.ok(errors.every((error) => error.in === 'body'));
});

t.test('an unparseable body is 400 BAD_REQUEST problem+json', async (t) => {
  const { app, customsKey } = await buildTestApp(t);
  const response = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: { ...bearer(customsKey), 'content-type': 'application/json' },
    payload: '{"id":',
  });
  t.equal(response.statusCode, 400);
  t.match(response.headers['content-type'], /^application\/problem\+json/);
  t.equal(problemOf(response).code, 'BAD_REQUEST');
});

t.test('an unknown route is 404 NOT_FOUND problem+json, with or without a key', async (t) => {
  const { app, customsKey } = await buildTestApp(t);
  for (const headers of [{}, bearer(customsKey)]) {
    const response = await app.inject({ method: 'GET', url: '/v1/nothing-here?x=1', headers });
    t.equal(response.statusCode, 404);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    const problem = problemOf(response);
    t.equal(problem.code, 'NOT_FOUND');
    t.match(problem.detail, 'GET /v1/nothing-here');
  }
});

t.test('missing, malformed, unknown and revoked keys are 401 UNAUTHENTICATED', async (t) => {
  const { app, customsKey } = await buildTestApp(t);
  const cases: [string, Record<string, string>][] = [
    ['no header', {}],
    ['not Bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['unknown key', bearer('htk_this-key-was-never-issued')],
  ];
  for (const [name, headers] of cases) {
    const response = await app.inject({ method: 'GET', url: '/v1/me', headers });
    t.equal(response.statusCode, 401, name);
    t.equal(problemOf(response).code, 'UNAUTHENTICATED', name);
    t.match(response.headers['www-authenticate'], /^Bearer/, `${name}: tells how to authenticate`);
  }

  await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISE_A, name: 'A', roles: ['operator'], mspId: 'OperatorMSP' },
  });
  const issued = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISE_A}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'operator', label: 'till 1' },
  });
  const { id, key } = issued.json() as { id: string; key: string };
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) })).statusCode,
    200,
    'works before revocation',
  );

  const revoked = await app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: bearer(customsKey) });
  t.equal(revoked.statusCode, 204);
  const after = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) });
  t.equal(after.statusCode, 401, 'a revoked key is refused on the next request');
  t.equal(problemOf(after).code, 'UNAUTHENTICATED');
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: bearer(customsKey) })).statusCode,
    204,
    'revoking twice is fine',
  );
  const unknown = await app.inject({
    method: 'DELETE',
    url: '/v1/keys/6f1e2d3c-4b5a-4978-8877-665544332211',
    headers: bearer(customsKey),
  });
  t.equal(unknown.statusCode, 404);
  t.equal(problemOf(unknown).code, 'NOT_FOUND');
});

t.test('customs registers an enterprise and issues a key that works with its role and tenant only', async (t) => {
  const { app, customsKey, registrations } = await buildTestApp(t);
  const created = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISE_A, name: 'Haikou Duty Free', roles: ['operator', 'enterprise'], mspId: 'OperatorMSP' },
  });
  t.equal(created.statusCode, 201);
  t.equal(created.headers.location, `/v1/enterprises/${ENTERPRISE_A}`);
  t.match(created.json(), {
    id: ENTERPRISE_A,
    name: 'Haikou Duty Free',
    roles: ['operator', 'enterprise'],
    mspId: 'OperatorMSP',
  });
  t.equal(registrations.length, 1, 'the ledger registration port was called once');
  t.match(registrations[0], {
    caller: { role: 'customs', enterpriseId: null, mspId: 'CustomsMSP' },
    enterprise: { id: ENTERPRISE_A, mspId: 'OperatorMSP' },
  });

  const again = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISE_A, name: 'X', roles: ['operator'], mspId: 'OperatorMSP' },
  });
  t.equal(again.statusCode, 409);
  t.equal(problemOf(again).code, 'ALREADY_EXISTS');

  const issued = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISE_A}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'operator', label: 'Haikou store handhelds' },
  });
  t.equal(issued.statusCode, 201);
  t.equal(issued.headers['cache-control'], 'no-store');
  const { key, id, role, enterpriseId } = issued.json() as {
    key: string;
    id: string;
    role: string;
    enterpriseId: string;
  };
  t.match(key, /^htk_[A-Za-z0-9_-]{43}$/);
  t.equal(role, 'operator');
  t.equal(enterpriseId, ENTERPRISE_A);

  const me = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) });
  t.equal(me.statusCode, 200);
  t.same(
    me.json(),
    { keyId: id, role: 'operator', enterpriseId: ENTERPRISE_A, mspId: 'OperatorMSP' },
    'the key maps to its enterprise MSP',
  );

  const own = await app.inject({ method: 'GET', url: `/v1/enterprises/${ENTERPRISE_A}`, headers: bearer(key) });
  t.equal(own.statusCode, 200, 'an enterprise reads its own entry');

  const wrongRole = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(key),
    payload: { id: ENTERPRISE_B, name: 'B', roles: ['enterprise'], mspId: 'EnterpriseMSP' },
  });
  t.equal(wrongRole.statusCode, 403);
  t.equal(problemOf(wrongRole).code, 'FORBIDDEN_ROLE');
  t.equal(registrations.length, 1, 'nothing was registered by the refused call');

  const notGranted = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISE_A}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'customs', label: 'x' },
  });
  t.equal(notGranted.statusCode, 400, 'customs keys are not issued to enterprises');

  await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISE_B, name: 'B', roles: ['enterprise'], mspId: 'EnterpriseMSP' },
  });
  const crossTenant = await app.inject({ method: 'GET', url: `/v1/enterprises/${ENTERPRISE_B}`, headers: bearer(key) });
  t.equal(crossTenant.statusCode, 403);
  t.equal(problemOf(crossTenant).code, 'FORBIDDEN_TENANT');
  const byCustoms = await app.inject({
    method: 'GET',
    url: `/v1/enterprises/${ENTERPRISE_B}`,
    headers: bearer(customsKey),
  });
  t.equal(byCustoms.statusCode, 200, 'customs reads every enterprise');

  const roleNotGranted = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISE_B}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'operator', label: 'x' },
  });
  t.equal(roleNotGranted.statusCode, 422);
  t.equal(problemOf(roleNotGranted).code, 'UNPROCESSABLE');
});

t.test('a failing ledger registration stores nothing', async (t) => {
  const { app, customsKey } = await buildTestApp(t, {
    ports: {
      registerEnterpriseOnLedger: async () => {
        throw new Error('peer exploded at 10.0.0.7:7051');
      },
    },
  });
  const response = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISE_A, name: 'A', roles: ['operator'], mspId: 'OperatorMSP' },
  });
  t.equal(response.statusCode, 500);
  const problem = problemOf(response);
  t.equal(problem.code, 'INTERNAL');
  t.notMatch(problem.detail, /10\.0\.0\.7/, '5xx text is hidden');
  t.match(problem.detail, String(problem.requestId), 'the detail quotes the request id');
  const read = await app.inject({ method: 'GET', url: `/v1/enterprises/${ENTERPRISE_A}`, headers: bearer(customsKey) });
  t.equal(read.statusCode, 404, 'the directory row was rolled back');
});

t.test('per-key rate limit answers 429 RATE_LIMITED problem+json with Retry-After', async (t) => {
  const { app, customsKey } = await buildTestApp(t, { rateLimitMax: 3, rateLimitWindowMs: 60_000 });
  await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISE_A, name: 'A', roles: ['operator'], mspId: 'OperatorMSP' },
  });
  const issued = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISE_A}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'operator', label: 'x' },
  });
  const { key } = issued.json() as { key: string };
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    statuses.push((await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) })).statusCode);
  }
  t.same(statuses, [200, 200, 200, 429], 'the fourth request in the window is refused');
  const limited = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) });
  t.match(limited.headers['content-type'], /^application\/problem\+json/);
  t.equal(problemOf(limited).code, 'RATE_LIMITED');
  t.ok(Number(limited.headers['retry-after']) >= 1, 'Retry-After says when to come back');
  // The customs key made 2 requests so far: its own count, not the enterprise key's, decides.
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(customsKey) })).statusCode,
    200,
    'customs has a third request left',
  );
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(customsKey) })).statusCode,
    429,
    'then customs is limited too',
  );
});

t.test(
  'Idempotency-Key: a repeat gets the first response without running again; another body with the key is refused',
  async (t) => {
    const { app, customsKey, registrations } = await buildTestApp(t);
    const payload = { id: ENTERPRISE_A, name: 'Sanya Duty Free', roles: ['operator'], mspId: 'OperatorMSP' };
    const headers = { ...bearer(customsKey), 'idempotency-key': 'register-sanya-1' };
    const first = await app.inject({ method: 'POST', url: '/v1/enterprises', headers, payload });
    t.equal(first.statusCode, 201);
    const repeat = await app.inject({ method: 'POST', url: '/v1/enterprises', headers, payload });
    t.equal(repeat.statusCode, 201, 'the stored status, not 409');
    t.same(repeat.json(), first.json(), 'the stored body');
    t.equal(repeat.headers['idempotent-replayed'], 'true');
    t.equal(registrations.length, 1, 'the ledger was asked once');

    const other = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers,
      payload: { ...payload, name: 'Another' },
    });
    t.equal(other.statusCode, 422);
    t.equal(problemOf(other).code, 'IDEMPOTENCY_KEY_REUSED');

    const withoutKey = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: bearer(customsKey),
      payload,
    });
    t.equal(withoutKey.statusCode, 409, 'without the key, a repeat is a conflict');

    const failing = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: { ...bearer(customsKey), 'idempotency-key': 'register-b-1' },
      payload: { ...payload, id: ENTERPRISE_B, roles: ['nope'] },
    });
    t.equal(failing.statusCode, 400);
    const retried = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: { ...bearer(customsKey), 'idempotency-key': 'register-b-1' },
      payload: { ...payload, id: ENTERPRISE_B },
    });
    t.equal(retried.statusCode, 201, 'a key whose request failed can be used again');
  },
);
