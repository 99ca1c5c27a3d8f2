// Proves hostile input is refused with a stable code as 4xx application/problem+json, fast, without stalling the
// process: 40,000-entry lists, a 100,001-string @context, 3,000-deep nesting, NUL, lone surrogates, invalid UTF-8,
// overlong strings, bad percent-encoding, NUL in query and path parameters, and at the socket level a NUL in a header,
// a malformed request, oversized headers and a request that times out. Also: the role check comes before body
// validation, failed authentications are limited per address before any key lookup, and the event hash and
// canonical JSON take any depth without a stack overflow.
// How: the real app on a private PostgreSQL with the recording fake ledger, listening on loopback; a /healthz loop
// runs while the big documents are refused and its worst latency is asserted with a wide margin (bench/hostile-input.js
// measures it).
import { connect } from 'node:net';
import { Agent, request as httpRequest } from 'node:http';
import t from 'tap';
import { canonicalEventId } from '../../gateway/src/capture/event-hash';
import { newFailureLimiter } from '../../gateway/src/domain/failure-limiter';
import { ProblemError } from '../../gateway/src/errors';
import { jsonLimitViolation, DEFAULT_JSON_LIMITS } from '../../gateway/src/input-limits';
import { canonicalJson } from '../../gateway/src/projection/canonical-json';
import { entryEvent, epcisDocument } from '../../testkit/src/epcis';
import { ENTERPRISES, product } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';

const PERFUME = product(101);
const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/** Worst /healthz latency tolerated while hostile documents are refused (measured: a few ms; the issue asks < 100). */
const HEALTHZ_WORST_MS = 1_000;
/** Longest time one hostile request may take to be refused, upload included (measured: tens of ms). */
const REFUSAL_MS = 3_000;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** One HTTP request on loopback, timed from the first byte sent to the last byte received. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
  agent?: Agent,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        agent: agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    // The server may answer and close before the whole body is sent (a refusal from the content-length).
    req.on('error', reject);
    req.end(body);
  });
}

/** Raw bytes on a socket, and everything the server writes until it closes the connection. */
function raw(port: number, bytes: string | Buffer, endAfterWrite = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(error),
    );
    socket.write(bytes, () => {
      if (endAfterWrite) socket.end();
    });
  });
}

/** The problem body of a raw HTTP/1.1 response, with its status and content type. */
function parseRaw(response: string): {
  status: number;
  contentType: string | undefined;
  problem: Record<string, unknown>;
} {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /\r\ncontent-type: ([^\r]+)/i.exec(head)?.[1];
  return { status, contentType, problem: JSON.parse(body) as Record<string, unknown> };
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** A capture document with one entry event, changed by `change`. */
function captureWith(change: (doc: Record<string, unknown>, event: Record<string, unknown>) => void): Buffer {
  const event = entryEvent({ items: [PERFUME.sgtin(1)], declarationNo: 'D-1', location: 1 });
  const doc = epcisDocument([event]);
  change(doc, event);
  return Buffer.from(JSON.stringify(doc), 'utf8');
}

interface HostileCase {
  name: string;
  method?: string;
  path?: string;
  contentType?: string;
  body?: Buffer;
  status: number;
  code: string;
  /** Members the problem must have (tap's t.match). */
  extra?: Record<string, unknown>;
}

const NUL = String.fromCharCode(0);

const CASES: HostileCase[] = [
  {
    name: 'an event with 40,000 bizTransactionList entries',
    body: captureWith((_doc, event) => {
      event.bizTransactionList = Array.from({ length: 40_000 }, (_, i) => ({
        type: 'po',
        bizTransaction: `urn:hn:po:${i}`,
      }));
    }),
    status: 413,
    code: 'CAPTURE_TOO_LARGE',
    extra: { pointer: '/epcisBody/eventList/0/bizTransactionList', max: 500 },
  },
  {
    name: 'an event with 40,000 invalid bizTransactionList entries',
    contentType: 'application/ld+json',
    body: captureWith((_doc, event) => {
      event.bizTransactionList = Array.from({ length: 40_000 }, (_, i) => ({
        type: 'po',
        bizTransaction: `not a uri ${i}`,
      }));
    }),
    status: 413,
    code: 'CAPTURE_TOO_LARGE',
    extra: { pointer: '/epcisBody/eventList/0/bizTransactionList' },
  },
  {
    name: 'an @context of 100,001 strings',
    contentType: 'application/ld+json',
    body: captureWith((doc) => {
      doc['@context'] = Array.from({ length: 100_001 }, (_, i) => `https://example.com/context/${i}`);
    }),
    status: 413,
    code: 'BODY_LIMIT_EXCEEDED',
    extra: { limit: 'arrayLength', pointer: '/@context' },
  },
  {
    name: 'an @context of 100,000 strings (within the body limits, over the EPCIS one)',
    body: captureWith((doc) => {
      doc['@context'] = Array.from({ length: 100_000 }, (_, i) => `https://example.com/context/${i}`);
    }),
    status: 413,
    code: 'CAPTURE_TOO_LARGE',
    extra: { pointer: '/@context', max: 64 },
  },
  {
    name: 'an extension value nested 3,000 deep',
    body: captureWith((_doc, event) => {
      event['hn:deep'] = nested(3_000);
    }),
    status: 413,
    code: 'BODY_LIMIT_EXCEEDED',
    extra: { limit: 'depth', max: DEFAULT_JSON_LIMITS.maxDepth },
  },
  {
    name: 'a body nested 200,000 deep (JSON text)',
    body: Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`),
    status: 413,
    code: 'BODY_LIMIT_EXCEEDED',
    extra: { limit: 'depth' },
  },
  {
    name: 'a NUL character in a string field',
    body: captureWith((_doc, event) => {
      event.eventID = `urn:uuid:${NUL}`;
    }),
    status: 400,
    code: 'UNSUPPORTED_CHARACTER',
    extra: { in: 'body', pointer: '/epcisBody/eventList/0/eventID' },
  },
  {
    name: 'a NUL character in a key',
    body: captureWith((_doc, event) => {
      event[`hn:x${NUL}`] = 1;
    }),
    status: 400,
    code: 'UNSUPPORTED_CHARACTER',
    extra: { in: 'body' },
  },
  {
    name: 'a lone surrogate (JSON escape)',
    body: Buffer.from(
      captureWith(() => undefined)
        .toString('utf8')
        .replace('"ObjectEvent"', '"ObjectEvent\\ud800"'),
    ),
    status: 400,
    code: 'UNSUPPORTED_CHARACTER',
    extra: { pointer: '/epcisBody/eventList/0/type' },
  },
  {
    name: 'invalid UTF-8 bytes',
    body: Buffer.concat([
      Buffer.from('{"type":"EPCISDocument","x":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]),
    status: 400,
    code: 'BODY_INVALID_UTF8',
  },
  {
    name: 'an overlong string',
    body: captureWith((_doc, event) => {
      event['hn:note'] = 'x'.repeat(1_000_000);
    }),
    status: 413,
    code: 'BODY_LIMIT_EXCEEDED',
    extra: { limit: 'stringLength', pointer: '/epcisBody/eventList/0/hn:note' },
  },
  {
    name: 'an object of 1,000 keys',
    body: captureWith((_doc, event) => {
      for (let i = 0; i < 1_000; i++) event[`hn:k${i}`] = i;
    }),
    status: 413,
    code: 'BODY_LIMIT_EXCEEDED',
    extra: { limit: 'keys' },
  },
  {
    name: 'a prototype-poisoning key',
    body: Buffer.from('{"type":"EPCISDocument","__proto__":{"admin":true}}'),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a NUL character in a step route body',
    path: '/v1/entries',
    body: Buffer.from(JSON.stringify({ declarationNo: `D${NUL}1`, items: [PERFUME.sgtin(1)] })),
    status: 400,
    code: 'UNSUPPORTED_CHARACTER',
    extra: { pointer: '/declarationNo' },
  },
  {
    name: 'a step route body of 25,000 values in a list (over the generic array limit)',
    path: '/v1/entries',
    body: Buffer.from(JSON.stringify({ items: Array.from({ length: 25_000 }, (_, i) => i) })),
    status: 413,
    code: 'BODY_LIMIT_EXCEEDED',
    extra: { limit: 'arrayLength', pointer: '/items' },
  },
  {
    name: 'a NUL in a query parameter',
    method: 'GET',
    path: '/v1/events?bizStep=%00',
    status: 400,
    code: 'UNSUPPORTED_CHARACTER',
    extra: { in: 'querystring', name: 'bizStep' },
  },
  {
    name: 'a NUL in a path parameter',
    method: 'GET',
    path: '/v1/items/urn%00x',
    status: 400,
    code: 'UNSUPPORTED_CHARACTER',
    extra: { in: 'params' },
  },
  {
    name: 'a bad percent-encoding in the path',
    method: 'GET',
    path: '/v1/items/%E0%A4%A',
    status: 400,
    code: 'INVALID_URL',
  },
  {
    name: 'an encoded lone surrogate in the path',
    method: 'GET',
    path: '/v1/items/%ED%A0%80',
    status: 400,
    code: 'INVALID_URL',
  },
];

t.test('hostile requests: each refused fast with its code while /healthz keeps answering', async (t) => {
  const { app, customsKey } = await buildTestApp(t);
  const created = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISES.importer.id, name: 'Importer', roles: ['enterprise'], mspId: 'EnterpriseMSP' },
  });
  t.equal(created.statusCode, 201, created.body);
  const issued = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISES.importer.id}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'enterprise', label: 'hostile' },
  });
  const key = (issued.json() as { key: string }).key;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };

  // The /healthz loop: one request at a time on a kept-alive connection, for as long as the hostile requests run.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  let running = true;
  let worst = 0;
  let probes = 0;
  const loop = (async () => {
    while (running) {
      const res = await send(port, 'GET', '/healthz', {}, undefined, agent);
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
      worst = Math.max(worst, res.ms);
      probes += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();

  try {
    for (const c of CASES) {
      const headers: Record<string, string> = {
        ...bearer(key),
        ...(c.body ? { 'content-type': c.contentType ?? 'application/json' } : {}),
      };
      const res = await send(port, c.method ?? 'POST', c.path ?? '/v1/capture', headers, c.body);
      t.equal(res.status, c.status, `${c.name}: ${c.status}`);
      t.equal(res.headers['content-type'], PROBLEM_JSON, `${c.name}: problem+json`);
      const problem = JSON.parse(res.body) as Record<string, unknown>;
      t.equal(problem.code, c.code, `${c.name}: ${c.code}`);
      t.equal(problem.status, c.status);
      t.equal(problem.type, `urn:hainan-trace:problem:${c.code}`);
      if (c.extra) t.match(problem, c.extra, `${c.name}: says which limit and where`);
      t.ok(res.ms < REFUSAL_MS, `${c.name}: refused in ${res.ms.toFixed(1)} ms (bound ${REFUSAL_MS} ms)`);
      t.comment(`${c.name}: ${(c.body?.length ?? 0).toLocaleString('en')} bytes refused in ${res.ms.toFixed(1)} ms`);
    }
  } finally {
    running = false;
    await loop;
  }
  t.ok(probes >= 5, `/healthz answered ${probes} times during the hostile requests`);
  t.ok(worst < HEALTHZ_WORST_MS, `worst /healthz latency ${worst.toFixed(1)} ms (bound ${HEALTHZ_WORST_MS} ms)`);
  t.comment(`worst /healthz latency during the hostile requests: ${worst.toFixed(1)} ms over ${probes} probes`);
});

t.test('a legitimate large capture still passes the limits', async (t) => {
  const { app, customsKey } = await buildTestApp(t);
  await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISES.importer.id, name: 'Importer', roles: ['enterprise'], mspId: 'EnterpriseMSP' },
  });
  const issued = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISES.importer.id}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'enterprise', label: 'big' },
  });
  const key = (issued.json() as { key: string }).key;
  const items = Array.from({ length: 100_000 }, (_, i) => PERFUME.sgtin(i + 1));
  const doc = epcisDocument([entryEvent({ items, declarationNo: 'D-BIG', location: 1 })]);
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/v1/capture',
    headers: { ...bearer(key), 'content-type': 'application/ld+json' },
    payload: JSON.stringify(doc),
  });
  t.equal(res.statusCode, 202, res.body.slice(0, 300));
  t.comment(`100,000-item capture accepted in ${(performance.now() - started).toFixed(0)} ms`);
});

t.test('socket-level client errors are problem+json with a code', async (t) => {
  // Node times a request out only when its headers timeout is not above the request timeout (as in production,
  // 60 s and 120 s); both are set when the server is created, here to half a second.
  const { app, customsKey } = await buildTestApp(t, {
    fastifyOptions: { requestTimeout: 500, http: { requestTimeout: 500, connectionsCheckingInterval: 50 } },
  });
  await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISES.importer.id, name: 'Importer', roles: ['enterprise'], mspId: 'EnterpriseMSP' },
  });
  const issued = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISES.importer.id}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'enterprise', label: 'slow' },
  });
  const key = (issued.json() as { key: string }).key;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const cases: [string, string | Buffer, number, string, boolean][] = [
    [
      'a NUL in a header',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a${NUL}b\r\n\r\n`,
      400,
      'MALFORMED_REQUEST',
      false,
    ],
    ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n', 400, 'MALFORMED_REQUEST', false],
    [
      'a header name with a space',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n',
      400,
      'MALFORMED_REQUEST',
      false,
    ],
    [
      'headers too large',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
      false,
    ],
    // The rest never comes: the server's request timeout (500 ms here) answers 408.
    ['headers that never end', 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 408, 'REQUEST_TIMEOUT', false],
    [
      'a body that never ends',
      `POST /v1/capture HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`,
      408,
      'REQUEST_TIMEOUT',
      false,
    ],
  ];
  for (const [name, bytes, status, code, end] of cases) {
    const { status: got, contentType, problem } = parseRaw(await raw(port, bytes, end));
    t.equal(got, status, `${name}: ${status}`);
    t.equal(contentType, PROBLEM_JSON, `${name}: problem+json`);
    t.equal(problem.code, code, `${name}: ${code}`);
    t.equal(problem.status, status);
  }
});

t.test('the role is checked before the body: an operator posting {} to /v1/rules gets 403, not 400', async (t) => {
  const { app, customsKey } = await buildTestApp(t);
  await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: ENTERPRISES.operator.id, name: 'Operator', roles: ['operator'], mspId: 'OperatorMSP' },
  });
  const issued = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISES.operator.id}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'operator', label: 'till' },
  });
  const operatorKey = (issued.json() as { key: string }).key;
  const rules = await app.inject({ method: 'POST', url: '/v1/rules', headers: bearer(operatorKey), payload: {} });
  t.equal(rules.statusCode, 403);
  t.equal((rules.json() as { code: string }).code, 'FORBIDDEN_ROLE');
  const hostile = await app.inject({
    method: 'POST',
    url: '/v1/capture',
    headers: { ...bearer(customsKey), 'content-type': 'application/json' },
    payload: '{"x":',
  });
  t.equal(hostile.statusCode, 403, 'customs may not capture: refused before its broken body is parsed');
  t.equal((hostile.json() as { code: string }).code, 'FORBIDDEN_ROLE');
  const other = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${ENTERPRISES.importer.id}/account/reconciliations`,
    headers: bearer(operatorKey),
    payload: { lines: 'not a list' },
  });
  t.equal(other.statusCode, 403, "another enterprise's account: the tenant is checked before the body");
  t.equal((other.json() as { code: string }).code, 'FORBIDDEN_TENANT');
  t.notOk(
    (other.json() as { detail: string }).detail.includes(ENTERPRISES.importer.id),
    'the refusal does not name the owner',
  );
});

t.test('failed authentications are limited per address, before any key lookup', async (t) => {
  const { app, customsKey } = await buildTestApp(t, { authFailuresMax: 5, authFailuresWindowMs: 60_000 });
  const repositories = (
    app as unknown as { repositories: { apiKeys: { findActiveByDigest: (...args: unknown[]) => Promise<unknown> } } }
  ).repositories;
  const lookup = repositories.apiKeys.findActiveByDigest.bind(repositories.apiKeys);
  let lookups = 0;
  repositories.apiKeys.findActiveByDigest = async (...args: unknown[]) => {
    lookups += 1;
    return lookup(...args);
  };
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(`htk_guess-${i}`) });
    t.equal(res.statusCode, 401, `guess ${i + 1}: 401`);
  }
  const lookupsBefore = lookups;
  const blocked = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer('htk_guess-6') });
  t.equal(blocked.statusCode, 429, 'the sixth failure in the window is refused');
  t.equal(blocked.headers['content-type'], PROBLEM_JSON);
  t.equal((blocked.json() as { code: string }).code, 'TOO_MANY_AUTH_FAILURES');
  t.ok(Number(blocked.headers['retry-after']) > 0, 'Retry-After says when');
  const valid = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(customsKey) });
  t.equal(valid.statusCode, 429, 'even a valid key from that address waits: the check comes before the lookup');
  t.equal(lookups, lookupsBefore, 'no key was looked up while the address is limited');
  const other = await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: bearer(customsKey),
    remoteAddress: '10.0.0.2',
  });
  t.equal(other.statusCode, 200, 'another address is not affected');
});

t.test('the failure limiter forgets the least recent clients and ends its windows', async (t) => {
  let now = 0;
  const limiter = newFailureLimiter({ max: 2, windowMs: 1_000, maxClients: 3, now: () => now });
  for (const client of ['a', 'a', 'b', 'c', 'd']) limiter.fail(client);
  t.equal(limiter.size(), 3, 'at most maxClients tracked');
  t.equal(limiter.blockedForMs('a'), 0, 'the least recent client was forgotten');
  limiter.fail('d');
  t.equal(limiter.blockedForMs('d'), 1_000, 'two failures block for the rest of the window');
  now = 1_000;
  t.equal(limiter.blockedForMs('d'), 0, 'until the window ends');
  for (let i = 0; i < 100_000; i++) limiter.fail(`client-${i}`);
  t.equal(limiter.size(), 3, 'memory stays bounded under a flood of addresses');
});

t.test('event hash, canonical JSON and the limit walk take any depth without a stack overflow', async (t) => {
  const deep = nested(100_000);
  const event = {
    type: 'ObjectEvent',
    eventTime: '2026-01-01T00:00:00Z',
    eventTimeZoneOffset: '+08:00',
    action: 'OBSERVE',
    'hn:deep': deep,
  };
  t.match(
    canonicalEventId(event),
    /^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/,
    'the event hash of a 100,000-deep extension',
  );
  let objects: unknown = 'bottom';
  for (let i = 0; i < 100_000; i++) objects = { 'hn:x': objects };
  t.not(
    canonicalEventId({ ...event, 'hn:deep': objects }),
    canonicalEventId({ ...event, 'hn:deep': { 'hn:x': objects } }),
    'nested members named by their keys change the hash',
  );
  let refusal: unknown;
  try {
    canonicalJson(deep);
  } catch (error) {
    refusal = error;
  }
  t.ok(
    refusal instanceof ProblemError && refusal.code === 'NESTING_TOO_DEEP',
    'canonical JSON refuses past its depth with a code, not a RangeError',
  );
  t.equal(canonicalJson(nested(64)), `${'['.repeat(64)}"bottom"${']'.repeat(64)}`, 'and writes up to it');
  t.equal(
    jsonLimitViolation(deep, { ...DEFAULT_JSON_LIMITS, maxDepth: 1_000_000, maxNodes: 1_000_000 }),
    undefined,
    'the walk itself has no depth limit of its own',
  );
  t.match(jsonLimitViolation(deep, DEFAULT_JSON_LIMITS), {
    code: 'BODY_LIMIT_EXCEEDED',
    extensions: { limit: 'depth' },
  });
});
