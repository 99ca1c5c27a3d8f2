// Proves one person, one code over HTTP: one document gives one person code (spaces and case ignored), only customs and operators may get one or read a quota, a sale to the code shows in the quota read from the chain, and the raw document number appears in no response and no log line, even when the request is refused.
// How: the gateway app (fastify.inject) with a trace-level pino logger captured in memory, a real PostgreSQL and real ledger clients to a dev peer process; the sale is a chaincode transaction signed by the operator.
import t from 'tap';
import { join } from 'node:path';
import fastify, { type FastifyInstance } from 'fastify';
import app, { FASTIFY_OPTIONS } from '../../gateway/src/app';
import { createPool, newApiKeysRepository } from '../../gateway/src/adapters/pg';
import { newPgQueue } from '../../gateway/src/adapters/queue/pg-queue';
import { apiKeyDigest, generateApiKey } from '../../gateway/src/domain/api-key';
import { newPersonCoder } from '../../gateway/src/domain/person-code';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { createMigratedDatabase } from './helpers/database';

const { operator, importer } = ENTERPRISES;
const SECRET = 'persons-test-secret-0123456789abcdef';
/** The document number that must never show up anywhere. */
const NUMBER = 'E98765432';
/** Parts of it that would give it away in any spelling (case, spaces). */
const NUMBER_TRACES = ['98765432', '9876 5432', 'e98765432', 'E98765432'];
const L1 = gln(1);
const L2 = gln(2);
const PERFUME = product(101);
const PRICE_FEN = 50_000;

let dn: DevnetProcess;
let chain: TraceClient;
let server: FastifyInstance;
const logLines: string[] = [];
let keys: { customs: string; operator: string; importer: string };

/** The current calendar year in Asia/Shanghai. */
const shanghaiYear = () => new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();

const post = (url: string, key: string, payload: unknown, headers: Record<string, string> = {}) =>
  server.inject({ method: 'POST', url, headers: { ...bearer(key), ...headers }, payload: payload as string });
const get = (url: string, key: string) => server.inject({ method: 'GET', url, headers: bearer(key) });

t.before(async () => {
  dn = await startDevnetProcess();
  chain = new TraceClient(dn);
  await registerDevnetEnterprises(chain);

  const databaseUrl = await createMigratedDatabase(t);
  const db = createPool({ connectionString: databaseUrl });
  const jobQueue = newPgQueue({ pool: db });
  const { settings, problems } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  if (problems.length > 0) throw new Error(problems.join('; '));
  const ledgers = newLedgerClients({ settings: settings!, customsMspId: 'CustomsMSP' });
  const customsKey = generateApiKey();
  await newApiKeysRepository(db).upsertBootstrap(apiKeyDigest(customsKey));
  // The most talkative level, so that anything the gateway or Fastify might log about a request is captured.
  server = fastify({
    ...FASTIFY_OPTIONS,
    logger: { level: 'trace', stream: { write: (line: string) => void logLines.push(line) } },
  });
  await server.register(app, {
    db,
    jobQueue,
    ledgers,
    ports: { registerEnterpriseOnLedger: async () => undefined },
    personCodeSecret: SECRET,
    readinessChecks: [],
    readinessTimeoutMs: 1_000,
    customsMspId: 'CustomsMSP',
    rateLimitMax: 1_000,
    rateLimitWindowMs: 60_000,
  });
  await server.ready();
  t.teardown(async () => {
    await server.close();
    await jobQueue.close();
    await db.end();
    ledgers.close();
  });

  const newKey = async (id: string, role: 'enterprise' | 'operator', mspId: string) => {
    const created = await post('/v1/enterprises', customsKey, { id, name: id, roles: [role], mspId });
    if (created.statusCode !== 201) throw new Error(created.body);
    return ((await post(`/v1/enterprises/${id}/keys`, customsKey, { role, label: 'test' })).json() as { key: string })
      .key;
  };
  keys = {
    customs: customsKey,
    operator: await newKey(operator.id, 'operator', operator.mspId),
    importer: await newKey(importer.id, 'enterprise', importer.mspId),
  };
});
t.teardown(async () => {
  chain?.close();
  await dn?.stop();
});

t.test('POST /v1/persons/codes: one document, one code, for customs and operators', async (t) => {
  const expected = newPersonCoder(SECRET).codeFor('PASSPORT', NUMBER);
  const res = await post('/v1/persons/codes', keys.customs, { documentType: 'PASSPORT', documentNumber: NUMBER });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { personCode: expected }, 'the keyed hash of type and number');
  t.equal(res.headers['cache-control'], 'no-store');
  const spaced = await post('/v1/persons/codes', keys.operator, {
    documentType: 'PASSPORT',
    documentNumber: ' e9876 5432',
  });
  t.same(spaced.json(), { personCode: expected }, 'an operator gets the same code; spaces and case do not matter');
  const otherType = await post('/v1/persons/codes', keys.customs, {
    documentType: 'HK_MACAO_PERMIT',
    documentNumber: NUMBER,
  });
  t.not((otherType.json() as { personCode: string }).personCode, expected, 'another document type is another person');

  const enterprise = await post('/v1/persons/codes', keys.importer, {
    documentType: 'PASSPORT',
    documentNumber: NUMBER,
  });
  t.equal(enterprise.statusCode, 403, 'an enterprise key may not');
  t.equal((enterprise.json() as { code: string }).code, 'FORBIDDEN_ROLE');
  t.equal(
    (await post('/v1/persons/codes', 'not-a-key', { documentType: 'PASSPORT', documentNumber: NUMBER })).statusCode,
    401,
  );
});

t.test('refusals name the rule, never the number', async (t) => {
  const refusals = [
    {
      why: 'bad characters',
      status: 400,
      code: 'VALIDATION_FAILED',
      payload: { documentType: 'PASSPORT', documentNumber: `${NUMBER}!` },
    },
    {
      why: 'bad document type',
      status: 400,
      code: 'VALIDATION_FAILED',
      payload: { documentType: 'passport', documentNumber: NUMBER },
    },
    { why: 'missing type', status: 400, code: 'VALIDATION_FAILED', payload: { documentNumber: NUMBER } },
    {
      why: 'too long as sent',
      status: 400,
      code: 'VALIDATION_FAILED',
      payload: { documentType: 'PASSPORT', documentNumber: NUMBER.repeat(12) },
    },
    {
      why: 'too long without spaces',
      status: 400,
      code: 'VALIDATION_FAILED',
      payload: { documentType: 'PASSPORT', documentNumber: NUMBER.repeat(8) },
    },
    {
      why: 'not a string',
      status: 400,
      code: 'VALIDATION_FAILED',
      payload: { documentType: 'PASSPORT', documentNumber: 98765432 },
    },
    {
      why: 'malformed JSON',
      status: 400,
      code: 'BAD_REQUEST',
      payload: `{"documentType":"PASSPORT","documentNumber":"${NUMBER}"`,
      headers: { 'content-type': 'application/json' },
    },
    {
      why: 'a bare JSON string',
      status: 400,
      code: 'BAD_REQUEST',
      payload: NUMBER,
      headers: { 'content-type': 'application/json' },
    },
  ];
  for (const refusal of refusals) {
    const res = await post('/v1/persons/codes', keys.customs, refusal.payload, refusal.headers);
    t.equal(res.statusCode, refusal.status, `${refusal.why}: ${res.body}`);
    t.equal((res.json() as { code: string }).code, refusal.code, refusal.why);
    t.notOk(
      NUMBER_TRACES.some((trace) => res.body.includes(trace)),
      `${refusal.why}: the answer does not echo the number`,
    );
  }
});

t.test("GET /v1/persons/{code}/quota: the chain's quota use, for customs and operators only", async (t) => {
  const personCode = (
    (await post('/v1/persons/codes', keys.operator, { documentType: 'PASSPORT', documentNumber: NUMBER })).json() as {
      personCode: string;
    }
  ).personCode;
  const url = `/v1/persons/${personCode}/quota`;
  type Quota = {
    personCode: string;
    year: number;
    quotaFen: number;
    usedFen: number;
    remainingFen: number;
    class: string;
    departureObligations: unknown[];
  };

  const before = await get(url, keys.operator);
  t.equal(before.statusCode, 200, before.body);
  t.match(
    before.json(),
    { personCode, year: shanghaiYear(), usedFen: 0, class: 'WHITELIST', departureObligations: [] },
    'nothing bought yet',
  );

  const item = PERFUME.sgtin(1);
  await chain.submit(importer.identity, 'goods:Enter', {
    declarationNo: 'D-1',
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items: [item],
  });
  await chain.submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-1',
    toEnterprise: operator.id,
    toLocation: L2,
    items: [item],
  });
  await chain.submit(operator.identity, 'goods:Receive', { shipmentId: 'S-1', location: L2, items: [item] });
  await chain.submit(
    operator.identity,
    'sale:Sell',
    {
      saleId: 'SALE-1',
      personCode,
      location: L2,
      pickupMode: 'DEPARTURE_PICKUP',
      departure: {
        mode: 'FLIGHT',
        ticketRef: 'HU7181',
        departureTime: new Date(Date.now() + 86_400_000).toISOString(),
      },
      lines: [{ id: item, unitPriceFen: PRICE_FEN }],
    },
    { buyer: { birthDate: '1990-01-01' } },
  );

  const after = await get(url, keys.operator);
  t.equal(after.statusCode, 200, after.body);
  const quota = after.json() as Quota;
  t.equal(quota.usedFen, PRICE_FEN, 'the sale to this person code counts against the quota');
  t.equal(quota.remainingFen, quota.quotaFen - PRICE_FEN);
  const onChain = await chain.evaluate<Quota>('customs-admin', 'query:GetPersonQuota', { personCode });
  t.same((await get(url, keys.customs)).json(), onChain, 'customs reads the same as the chain answers');
  const otherYear = await get(`${url}?year=${shanghaiYear() - 1}`, keys.customs);
  t.match(otherYear.json(), { year: shanghaiYear() - 1, usedFen: 0 }, 'another year has its own quota');

  const enterprise = await get(url, keys.importer);
  t.equal(enterprise.statusCode, 403, 'an enterprise key may not read quotas');
  t.equal((enterprise.json() as { code: string }).code, 'FORBIDDEN_ROLE');
  t.equal(
    (await get('/v1/persons/ABC123/quota', keys.customs)).statusCode,
    400,
    'a person code is 64 lower-case hex digits',
  );
  t.equal((await get(`${url}?year=1999`, keys.customs)).statusCode, 400, 'year bounded');
});

t.test("the gateway's logs never carry the document number", async (t) => {
  const log = logLines.join('');
  t.ok(
    logLines.some((line) => line.includes('/v1/persons/codes')),
    'the capture saw the requests (trace level)',
  );
  t.ok(
    logLines.some((line) => line.includes('request refused')),
    'and the refusals',
  );
  for (const trace of NUMBER_TRACES) {
    t.notOk(log.includes(trace), `no "${trace}" in ${logLines.length} log lines`);
  }
});
