// Proves every customs step route refuses a malformed body with 400 VALIDATION_FAILED and a wrong role with 403
// before anything reaches the chain, and hands a good body to exactly one chaincode transaction with the right
// contract, name and JSON request (person code hashed, buyer only as transient data, Idempotency-Key as submissionId).
// How: the gateway app (fastify.inject) on a real PostgreSQL with a recording fake of the ledger clients.
import t from 'tap';
import { LedgerError } from '../../gateway/src/adapters/fabric';
import { newPersonCoder } from '../../gateway/src/domain/person-code';
import { submissionIdFor } from '../../gateway/src/routes/steps';
import type { LedgerCaller, LedgerClients } from '../../gateway/src/ports';
import { ENTERPRISES, gln, personCode, product } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';

const PERSON_CODE_SECRET = 'test-person-code-secret-0123456789abcdef'; // buildTestApp's
const L1 = gln(1);
const PERFUME = product(101);
const A = PERFUME.sgtin(1);
const B = PERFUME.sgtin(2);
const CODE = personCode('buyer');
const TOMORROW = new Date(Date.now() + 86_400_000).toISOString();

/** One ledger call the fake saw. */
interface Call {
  caller: LedgerCaller;
  contract: string | undefined;
  kind: 'evaluate' | 'submit';
  name: string;
  request: Record<string, unknown>;
  transient: Record<string, string> | undefined;
}

/** Recording ledger clients; `answer` decides each result (or throws). */
function recordingLedgers(calls: Call[], answer: (call: Call) => unknown): LedgerClients {
  return {
    forCaller(caller, contract) {
      const record = (
        kind: Call['kind'],
        name: string,
        args: readonly unknown[],
        transient?: Record<string, string | Uint8Array>,
      ) => {
        const call: Call = {
          caller,
          contract,
          kind,
          name,
          request: JSON.parse(String(args[0] ?? '{}')),
          transient: transient as Record<string, string> | undefined,
        };
        calls.push(call);
        return answer(call);
      };
      return {
        async evaluate(name, args = []) {
          return record('evaluate', name, args) as never;
        },
        async submit(name, args = [], options) {
          return record('submit', name, args, options?.transientData) as never;
        },
      };
    },
    async ping() {},
    close() {},
  };
}

type Key = 'customs' | 'enterprise' | 'operator';

/** A route, a body it accepts, and bodies it must refuse with 400. */
interface RouteCase {
  url: string;
  key: Key;
  contract: string;
  transaction: string;
  good: Record<string, unknown>;
  bad: [string, Record<string, unknown>][];
  /** A key whose role may not call the route (default: customs, or an enterprise key for customs routes). */
  denied?: Key;
}

const entry = {
  declarationNo: 'D-1',
  location: L1,
  regime: 'ZERO_TARIFF',
  product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
  unitValueFen: 10_000,
  items: [A, B],
};
const badGtin = `${PERFUME.gtin.slice(0, 13)}${(Number(PERFUME.gtin.slice(13)) + 1) % 10}`;
const badGln = `${L1.slice(0, 12)}${(Number(L1.slice(12)) + 1) % 10}`;
const manyItems = Array.from({ length: 1_001 }, (_, i) => PERFUME.sgtin(10_000 + i));
const sale = {
  saleId: 'SALE-1',
  personCode: CODE,
  location: L1,
  pickupMode: 'DEPARTURE_PICKUP',
  departure: { mode: 'FLIGHT', ticketRef: 'HU7181', departureTime: TOMORROW },
  lines: [{ id: A, unitPriceFen: 50_000 }],
  buyer: { birthDate: '1990-01-01' },
};
const rules = {
  effectiveFrom: '2030-01-01T00:00:00+08:00',
  annualQuotaFen: 10_000_000,
  maxCosmeticsPieces: 30,
  maxMobilePhones: 4,
  maxAlcoholMl: 1500,
  minBuyerAgeYears: 18,
  buyNowPickupMaxUnitPriceFen: 2_000_000,
  guaranteePickupMinUnitPriceFen: 5_000_000,
  buyNowPickupCategories: ['COSMETICS'],
  departureWindowDays: 30,
  purchaseBanYears: 3,
  valueAddedMinBp: 3000,
  secondLinePorts: ['HAIKOU_XINHAIGANG'],
  inspectionRateBp: { AEO_ADVANCED: 100, WHITELIST: 300, KEY_ATTENTION: 2000 },
  batchExitClasses: ['AEO_ADVANCED', 'WHITELIST'],
  declarationDueDay: 25,
  keyAttentionAutoRemovalYears: 3,
  personSupervisionYears: 3,
};

const CASES: RouteCase[] = [
  {
    url: '/v1/entries',
    key: 'enterprise',
    contract: 'goods',
    transaction: 'Enter',
    good: entry,
    bad: [
      ['GTIN check digit', { ...entry, product: { ...entry.product, gtin: badGtin } }],
      ['GLN check digit', { ...entry, location: badGln }],
      ['no items', { ...entry, items: [] }],
      ['1,001 items', { ...entry, items: manyItems }],
      ['a 16-digit code is no new item', { ...entry, items: ['4600000000000017'] }],
      ['money as a float', { ...entry, unitValueFen: 10.5 }],
      ['unknown regime', { ...entry, regime: 'FREE' }],
      ['missing declaration', { ...entry, declarationNo: undefined }],
    ],
  },
  {
    url: '/v1/associations',
    key: 'enterprise',
    contract: 'goods',
    transaction: 'Associate',
    good: { pairs: [{ sgtin: A, code: '4600000000000017' }] },
    bad: [['15-digit code', { pairs: [{ sgtin: A, code: '460000000000001' }] }]],
  },
  {
    url: '/v1/shipments',
    key: 'enterprise',
    contract: 'goods',
    transaction: 'Ship',
    good: { shipmentId: 'S-1', toEnterprise: ENTERPRISES.operator.id, toLocation: L1, items: [A, '4600000000000017'] },
    bad: [
      ['bad credit code', { shipmentId: 'S-1', toEnterprise: '91460000MA5TDF000X', toLocation: L1, items: [A] }],
      ['repeated item', { shipmentId: 'S-1', toEnterprise: ENTERPRISES.operator.id, toLocation: L1, items: [A, A] }],
      [
        'not an item id',
        {
          shipmentId: 'S-1',
          toEnterprise: ENTERPRISES.operator.id,
          toLocation: L1,
          items: ['3074257BF7194E4000001A85'],
        },
      ],
    ],
  },
  {
    url: '/v1/receipts',
    key: 'operator',
    contract: 'goods',
    transaction: 'Receive',
    good: { shipmentId: 'S-1', location: L1, items: [A] },
    bad: [['bad location', { shipmentId: 'S-1', location: 'warehouse 7', items: [A] }]],
  },
  {
    url: '/v1/processings',
    key: 'enterprise',
    contract: 'goods',
    transaction: 'Process',
    good: {
      processingId: 'P-1',
      location: L1,
      inputs: [A],
      outputs: [product(202).sgtin(1)],
      outputProduct: { gtin: product(202).gtin, hsCode: '330300', category: 'COSMETICS' },
      outputUnitValueFen: 20_000,
    },
    bad: [
      [
        'no outputs',
        {
          processingId: 'P-1',
          location: L1,
          inputs: [A],
          outputs: [],
          outputProduct: { gtin: product(202).gtin, hsCode: '330300', category: 'COSMETICS' },
          outputUnitValueFen: 20_000,
        },
      ],
    ],
  },
  {
    url: '/v1/exits',
    key: 'enterprise',
    contract: 'goods',
    transaction: 'Exit',
    good: { releaseListNo: 'R-1', port: 'HAIKOU_XINHAIGANG', items: [{ id: A, exitValueFen: 30_000 }] },
    bad: [
      ['lower-case port', { releaseListNo: 'R-1', port: 'haikou', items: [{ id: A, exitValueFen: 30_000 }] }],
      ['no exit value', { releaseListNo: 'R-1', port: 'HAIKOU_XINHAIGANG', items: [{ id: A }] }],
    ],
  },
  {
    url: '/v1/declarations',
    key: 'enterprise',
    contract: 'goods',
    transaction: 'Declare',
    good: { declarationNo: 'CD-1', period: '2026-03', releaseLists: ['R-1'] },
    bad: [['month 13', { declarationNo: 'CD-1', period: '2026-13', releaseLists: ['R-1'] }]],
  },
  {
    url: '/v1/destructions',
    key: 'enterprise',
    contract: 'goods',
    transaction: 'Destroy',
    good: { reference: 'X-1', items: [A] },
    bad: [['no reference', { items: [A] }]],
  },
  {
    url: '/v1/returns',
    key: 'enterprise',
    contract: 'goods',
    transaction: 'ReturnAbroad',
    good: { reference: 'X-2', items: [A] },
    bad: [['reference with spaces', { reference: 'X 2', items: [A] }]],
  },
  {
    url: '/v1/sales',
    key: 'operator',
    contract: 'sale',
    transaction: 'Sell',
    good: sale,
    bad: [
      ['no buyer', { ...sale, buyer: undefined }],
      ['birth date not a date', { ...sale, buyer: { birthDate: '1990-02-31' } }],
      ['upper-case person code', { ...sale, personCode: CODE.toUpperCase() }],
      ['no person', { ...sale, personCode: undefined }],
      ['person named twice', { ...sale, person: { documentType: 'PASSPORT', documentNumber: 'E12345678' } }],
      [
        'departure time without offset',
        { ...sale, departure: { ...sale.departure, departureTime: '2030-01-01T10:00:00' } },
      ],
      [
        '501 lines',
        { ...sale, lines: Array.from({ length: 501 }, (_, i) => ({ id: PERFUME.sgtin(i + 1), unitPriceFen: 1 })) },
      ],
    ],
  },
  {
    url: '/v1/pickups',
    key: 'operator',
    contract: 'sale',
    transaction: 'Pickup',
    good: { reference: 'PU-1', items: [A] },
    bad: [['items not an array', { reference: 'PU-1', items: A }]],
  },
  {
    url: '/v1/mailings',
    key: 'operator',
    contract: 'sale',
    transaction: 'Mail',
    good: { reference: 'M-1', items: [A] },
    bad: [['no items', { reference: 'M-1' }]],
  },
  {
    url: '/v1/departures',
    key: 'operator',
    contract: 'sale',
    transaction: 'ConfirmDeparture',
    good: { personCode: CODE, port: 'HAIKOU_MEILAN_AIRPORT' },
    denied: 'enterprise',
    bad: [
      ['no person', { port: 'HAIKOU_MEILAN_AIRPORT' }],
      ['bad document type', { person: { documentType: 'passport', documentNumber: 'E1' } }],
    ],
  },
  {
    url: '/v1/holds',
    key: 'customs',
    contract: 'customs',
    transaction: 'Hold',
    good: { items: [A], reason: 'inspection' },
    bad: [['no reason', { items: [A] }]],
  },
  {
    url: '/v1/releases',
    key: 'customs',
    contract: 'customs',
    transaction: 'Release',
    good: { items: [A] },
    bad: [['empty reason', { items: [A], reason: '' }]],
  },
  {
    url: '/v1/seizures',
    key: 'customs',
    contract: 'customs',
    transaction: 'Seize',
    good: { items: [A], reason: 'smuggling' },
    bad: [['1,001 items', { items: manyItems, reason: 'x' }]],
  },
  {
    url: '/v1/holds',
    key: 'customs',
    contract: 'customs',
    transaction: 'Hold',
    // A whole case or pallet (issue 15 Must 3).
    good: { containers: ['urn:epc:id:sscc:6901234.0000000001'], reason: 'case check' },
    bad: [
      ['neither items nor containers', { reason: 'x' }],
      ['a container id that is not an SSCC or GRAI', { containers: [A], reason: 'x' }],
    ],
  },
  {
    url: '/v1/releases',
    key: 'customs',
    contract: 'customs',
    transaction: 'Release',
    good: { containers: ['urn:epc:id:sscc:6901234.0000000001'] },
    bad: [['neither items nor containers', {}]],
  },
  {
    url: '/v1/seizures',
    key: 'customs',
    contract: 'customs',
    transaction: 'Seize',
    good: { items: [A], reason: 'smuggling' },
    bad: [['a container (seized item by item)', { containers: ['urn:epc:id:sscc:6901234.0000000001'], reason: 'x' }]],
  },
  {
    url: `/v1/enterprises/${ENTERPRISES.importer.id}/classifications`,
    key: 'customs',
    contract: 'customs',
    transaction: 'ClassifyEnterprise',
    good: { class: 'KEY_ATTENTION', reason: 'SMUGGLING_PENALTY' },
    bad: [
      ['key attention without a reason', { class: 'KEY_ATTENTION' }],
      ['unknown class', { class: 'GOLD' }],
    ],
  },
  {
    url: `/v1/enterprises/${ENTERPRISES.importer.id}/regulator-ratings`,
    key: 'customs',
    contract: 'customs',
    transaction: 'RecordRegulatorRating',
    good: { lowest: false },
    bad: [['a string for a boolean', { lowest: 'no' }]],
  },
  {
    url: `/v1/persons/${CODE}/classifications`,
    key: 'customs',
    contract: 'customs',
    transaction: 'ClassifyPerson',
    good: { class: 'KEY_ATTENTION', reason: 'smuggling' },
    bad: [['AEO is for enterprises', { class: 'AEO_ADVANCED' }]],
  },
  {
    url: '/v1/rules',
    key: 'customs',
    contract: 'customs',
    transaction: 'SetRules',
    good: rules,
    bad: [
      ['missing field', { ...rules, maxAlcoholMl: undefined }],
      ['due day 31', { ...rules, declarationDueDay: 31 }],
    ],
  },
  {
    url: '/v1/inspection-seeds',
    key: 'customs',
    contract: 'customs',
    transaction: 'CommitInspectionSeed',
    good: {
      seedId: 'SEED-1',
      commitment: 'a'.repeat(64),
      validFrom: '2030-01-01T00:00:00Z',
      validTo: '2030-02-01T00:00:00Z',
    },
    bad: [
      [
        'short commitment',
        { seedId: 'SEED-1', commitment: 'abc', validFrom: '2030-01-01T00:00:00Z', validTo: '2030-02-01T00:00:00Z' },
      ],
    ],
  },
  {
    url: '/v1/inspection-seeds/SEED-1/reveal',
    key: 'customs',
    contract: 'customs',
    transaction: 'RevealInspectionSeed',
    good: { seed: 'b'.repeat(64) },
    bad: [['not hex', { seed: 'z'.repeat(64) }]],
  },
];

/** What the chaincode request must be for the good body of a case. */
function expectedRequest(c: RouteCase): Record<string, unknown> {
  switch (c.transaction) {
    case 'Sell': {
      const { buyer: _buyer, ...rest } = c.good;
      return rest;
    }
    case 'ClassifyEnterprise':
    case 'RecordRegulatorRating':
      return { ...c.good, id: ENTERPRISES.importer.id };
    case 'ClassifyPerson':
      return { ...c.good, personCode: CODE };
    case 'RevealInspectionSeed':
      return { ...c.good, seedId: 'SEED-1' };
    default:
      return c.good;
  }
}

t.test('step routes: validation, roles and the chaincode call', async (t) => {
  const calls: Call[] = [];
  let duplicateOf: string | undefined;
  const ledgers = recordingLedgers(calls, (call) => {
    if (duplicateOf !== undefined && call.request.submissionId !== undefined) {
      throw new LedgerError({
        code: 'DUPLICATE_SUBMISSION',
        message: `submission ${String(call.request.submissionId)} was committed in transaction ${duplicateOf}`,
        kind: 'chaincode',
        retryable: false,
      });
    }
    return { txId: `tx-${calls.length}` };
  });
  const { app, customsKey } = await buildTestApp(t, { ledgers });
  const newKey = async (id: string, role: 'enterprise' | 'operator', mspId: string) => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: bearer(customsKey),
      payload: { id, name: id, roles: [role], mspId },
    });
    t.equal(created.statusCode, 201, created.body);
    const key = await app.inject({
      method: 'POST',
      url: `/v1/enterprises/${id}/keys`,
      headers: bearer(customsKey),
      payload: { role, label: 'test' },
    });
    return key.json() as { id: string; key: string };
  };
  const enterprise = await newKey(ENTERPRISES.importer.id, 'enterprise', 'EnterpriseMSP');
  const operator = await newKey(ENTERPRISES.operator.id, 'operator', 'OperatorMSP');
  const keys: Record<Key, string> = { customs: customsKey, enterprise: enterprise.key, operator: operator.key };
  const post = (url: string, key: Key, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(keys[key]), ...headers },
      payload: payload as Record<string, unknown>,
    });

  for (const c of CASES) {
    t.test(
      `POST ${c.url.replace(/\/v1\/(enterprises|persons)\/[^/]+/, '/v1/$1/{id}')} → ${c.contract}:${c.transaction}`,
      async (t) => {
        for (const [label, body] of c.bad) {
          const before = calls.length;
          const res = await post(c.url, c.key, body);
          t.equal(res.statusCode, 400, `${label}: 400`);
          t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
          t.equal((res.json() as { code: string }).code, 'VALIDATION_FAILED', `${label}: VALIDATION_FAILED`);
          t.equal(calls.length, before, `${label}: nothing reached the chain`);
        }
        const wrongKey: Key = c.denied ?? (c.key === 'customs' ? 'enterprise' : 'customs');
        const before = calls.length;
        const denied = await post(c.url, wrongKey, c.good);
        t.equal(denied.statusCode, 403, `a ${wrongKey} key is refused`);
        t.equal((denied.json() as { code: string }).code, 'FORBIDDEN_ROLE');
        t.equal(calls.length, before, 'and nothing reached the chain');
        const deniedBad = await post(c.url, wrongKey, c.bad[0]![1]);
        t.equal(
          deniedBad.statusCode,
          403,
          `a ${wrongKey} key with a malformed body: the role is checked before the body`,
        );
        t.equal((deniedBad.json() as { code: string }).code, 'FORBIDDEN_ROLE');

        const res = await post(c.url, c.key, c.good);
        t.equal(res.statusCode, 201, res.body);
        t.equal(calls.length, before + 1, 'one chaincode transaction');
        const call = calls[calls.length - 1]!;
        t.same([call.kind, call.contract, call.name], ['submit', c.contract, c.transaction]);
        t.strictSame(call.request, expectedRequest(c), 'the chaincode request mirrors the body');
        t.same(
          call.caller.mspId,
          c.key === 'customs' ? 'CustomsMSP' : c.key === 'operator' ? 'OperatorMSP' : 'EnterpriseMSP',
          "signed as the caller's organisation",
        );
        t.same(res.json(), { txId: `tx-${calls.length}` }, 'the answer is the chaincode result');
      },
    );
  }

  t.test('sale: the buyer goes as transient data only; a document becomes the keyed person code', async (t) => {
    const res = await post('/v1/sales', 'operator', {
      ...sale,
      personCode: undefined,
      person: { documentType: 'PASSPORT', documentNumber: 'e1234 5678' },
    });
    t.equal(res.statusCode, 201, res.body);
    const call = calls[calls.length - 1]!;
    t.equal(call.request.personCode, newPersonCoder(PERSON_CODE_SECRET).codeFor('PASSPORT', 'E12345678'));
    t.same(call.transient, { buyer: JSON.stringify({ birthDate: '1990-01-01' }) });
    t.notOk(
      JSON.stringify(call).includes('5678'),
      'the document number reaches neither the request nor the transient data',
    );
    t.notOk('buyer' in call.request, 'the buyer is not in the public request');

    const departure = await post('/v1/departures', 'customs', {
      person: { documentType: 'PASSPORT', documentNumber: 'E12345678' },
    });
    t.equal(departure.statusCode, 201, 'customs may confirm departures too');
    t.equal(calls[calls.length - 1]!.request.personCode, call.request.personCode, 'one person, one code');
  });

  t.test(
    'Idempotency-Key: replayed by the gateway, and sent to the chain as a submission id scoped to the API key',
    async (t) => {
      const body = { shipmentId: 'S-IDEM', toEnterprise: ENTERPRISES.operator.id, toLocation: L1, items: [B] };
      const before = calls.length;
      const first = await post('/v1/shipments', 'enterprise', body, { 'idempotency-key': 'ship-1' });
      t.equal(first.statusCode, 201, first.body);
      const again = await post('/v1/shipments', 'enterprise', body, { 'idempotency-key': 'ship-1' });
      t.equal(again.statusCode, 201);
      t.equal(again.headers['idempotent-replayed'], 'true');
      t.same(again.json(), first.json());
      t.equal(calls.length, before + 1, 'one chaincode transaction for two requests');
      t.equal(calls[calls.length - 1]!.request.submissionId, submissionIdFor(enterprise.id, 'ship-1'));
      t.match(submissionIdFor(enterprise.id, 'ship-1'), /^idem:[0-9a-f]{40}$/);
      t.not(
        submissionIdFor(operator.id, 'ship-1'),
        submissionIdFor(enterprise.id, 'ship-1'),
        'another API key, another submission id',
      );
    },
  );

  t.test('DUPLICATE_SUBMISSION from the chain is answered as done: 200 with the first txId', async (t) => {
    duplicateOf = 'first0tx';
    t.teardown(() => void (duplicateOf = undefined));
    const res = await post(
      '/v1/pickups',
      'operator',
      { reference: 'PU-9', items: [A] },
      { 'idempotency-key': 'pickup-9' },
    );
    t.equal(res.statusCode, 200, res.body);
    t.same(res.json(), { txId: 'first0tx', duplicate: true });
  });

  t.test('reads: rules in force and an inspection', async (t) => {
    const rulesRes = await app.inject({
      method: 'GET',
      url: '/v1/rules?at=2026-01-01T00:00:00%2B08:00',
      headers: bearer(keys.operator),
    });
    t.equal(rulesRes.statusCode, 200, rulesRes.body);
    t.match(calls[calls.length - 1], {
      kind: 'evaluate',
      contract: 'query',
      name: 'GetRules',
      request: { at: '2026-01-01T00:00:00+08:00' },
    });
    const bad = await app.inject({ method: 'GET', url: '/v1/rules?at=yesterday', headers: bearer(keys.operator) });
    t.equal(bad.statusCode, 400);
    const inspection = await app.inject({
      method: 'GET',
      url: `/v1/inspections/${encodeURIComponent('R/2026/1')}`,
      headers: bearer(keys.enterprise),
    });
    t.equal(inspection.statusCode, 200, inspection.body);
    t.same(calls[calls.length - 1]!.request, { releaseListNo: 'R/2026/1' });
  });

  t.test('the OpenAPI document describes every step route', async (t) => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const path of [
      '/v1/entries',
      '/v1/shipments',
      '/v1/sales',
      '/v1/departures',
      '/v1/holds',
      '/v1/rules',
      '/v1/enterprises/{id}/classifications',
      '/v1/persons/{code}/classifications',
    ]) {
      t.ok(doc.paths[path]?.post, `POST ${path}`);
    }
    t.ok(doc.paths['/v1/rules']?.get, 'GET /v1/rules');
  });
});
