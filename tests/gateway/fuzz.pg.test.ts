// Proves no body sent to the capture route or to the step routes makes the gateway answer 5xx, and every refusal is
// application/problem+json with a stable code: a seeded fuzz of a few thousand mutated bodies (type swaps, huge,
// empty, NUL and lone-surrogate strings, deep nesting, long or emptied arrays, random keys, deleted members, broken
// JSON text and bytes) made from valid documents (the standard's EPCIS examples, the testkit's capture documents,
// a good body of each step route).
// How: fastify.inject against the real app on a private PostgreSQL with the recording fake ledger; a deterministic
// PRNG (FUZZ_SEED to replay another run); failures are collected and listed with the case number to replay.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { LedgerClients } from '../../gateway/src/ports';
import { entryEvent, epcisDocument, processingEvent, receivingEvent, shippingEvent } from '../../testkit/src/epcis';
import { ENTERPRISES, gln, personCode, product } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';
import { seededRandom } from '../../testkit/src/random';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_412);
const CAPTURE_CASES = 2_500;
const STEP_CASES = 2_500;
/** Cases that change one field of one event of a capturable document, to reach mapping and storage. */
const EVENT_FIELD_CASES = 1_000;
const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

const L1 = gln(1);
const PERFUME = product(101);
const A = PERFUME.sgtin(1);
const B = PERFUME.sgtin(2);
const TOMORROW = new Date(Date.now() + 86_400_000).toISOString();

/** Good bodies of step routes, by URL and the role that may call it. */
const STEP_SEEDS: { url: string; key: 'customs' | 'enterprise' | 'operator'; body: Json }[] = [
  {
    url: '/v1/entries',
    key: 'enterprise',
    body: {
      declarationNo: 'D-1',
      location: L1,
      regime: 'ZERO_TARIFF',
      product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 10_000,
      items: [A, B],
    },
  },
  { url: '/v1/associations', key: 'enterprise', body: { pairs: [{ sgtin: A, code: '4600000000000017' }] } },
  {
    url: '/v1/shipments',
    key: 'enterprise',
    body: { shipmentId: 'S-1', toEnterprise: ENTERPRISES.operator.id, toLocation: L1, items: [A, '4600000000000017'] },
  },
  { url: '/v1/receipts', key: 'operator', body: { shipmentId: 'S-1', location: L1, items: [A] } },
  {
    url: '/v1/exits',
    key: 'enterprise',
    body: { releaseListNo: 'R-1', port: 'HAIKOU_XINHAIGANG', items: [{ id: A, exitValueFen: 30_000 }] },
  },
  {
    url: '/v1/declarations',
    key: 'enterprise',
    body: { declarationNo: 'CD-1', period: '2026-03', releaseLists: ['R-1'] },
  },
  { url: '/v1/destructions', key: 'enterprise', body: { reference: 'X-1', items: [A] } },
  {
    url: '/v1/sales',
    key: 'operator',
    body: {
      saleId: 'SALE-1',
      personCode: personCode('buyer'),
      location: L1,
      pickupMode: 'DEPARTURE_PICKUP',
      departure: { mode: 'FLIGHT', ticketRef: 'HU7181', departureTime: TOMORROW },
      lines: [{ id: A, unitPriceFen: 50_000 }],
      buyer: { birthDate: '1990-01-01' },
    },
  },
  { url: '/v1/pickups', key: 'operator', body: { reference: 'PU-1', items: [A] } },
  {
    url: '/v1/departures',
    key: 'operator',
    body: { person: { documentType: 'PASSPORT', documentNumber: 'E12345678' }, port: 'HAIKOU_MEILAN_AIRPORT' },
  },
  { url: '/v1/holds', key: 'customs', body: { items: [A], reason: 'inspection' } },
  { url: '/v1/seizures', key: 'customs', body: { items: [A], reason: 'smuggling' } },
  {
    url: '/v1/rules',
    key: 'customs',
    body: {
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
    },
  },
  {
    url: `/v1/enterprises/${ENTERPRISES.importer.id}/classifications`,
    key: 'customs',
    body: { class: 'KEY_ATTENTION', reason: 'SMUGGLING_PENALTY' },
  },
];

/** Valid capture documents: the testkit's shapes and the standard's examples. */
function captureSeeds(): Json[] {
  const fixtures = join(__dirname, '..', 'fixtures', 'epcis');
  const examples = readdirSync(fixtures)
    .filter((name) => name.endsWith('.jsonld'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as Json);
  return [
    epcisDocument([entryEvent({ items: [A, B], declarationNo: 'D-1', location: 1 })]) as Json,
    epcisDocument([
      entryEvent({ items: [PERFUME.sgtin(3)], declarationNo: 'D-2', location: 1 }),
      shippingEvent({
        items: [PERFUME.sgtin(3)],
        shipmentId: 'S-2',
        toEnterprise: ENTERPRISES.operator.id,
        toLocation: 2,
      }),
      receivingEvent({ items: [PERFUME.sgtin(3)], shipmentId: 'S-2', location: 2 }),
    ]) as Json,
    epcisDocument([
      processingEvent({ inputs: [A, B], outputs: [PERFUME.sgtin(9)], processingId: 'P-1', location: 1 }),
    ]) as Json,
    ...examples,
  ];
}

/** Random values, from ordinary to hostile. */
function randomValue(random: () => number, depth = 0): Json {
  const pick = Math.floor(random() * 20);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return Math.floor(random() * 2_000_000) - 1_000_000;
    case 3:
      return [0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 1e-300][Math.floor(random() * 7)]!;
    case 4:
      return '';
    case 5:
      return 'x'.repeat(Math.floor(random() * 3) === 0 ? 20_000 : 200);
    case 6:
      return `a${String.fromCharCode(0)}b`;
    case 7:
      return `lone ${String.fromCharCode(0xd800 + Math.floor(random() * 0x800))}`;
    case 8:
      return [
        'urn:epc:id:sgtin:6901234.001010.1',
        'https://id.gs1.org/01/06901234001018/21/1',
        '4600000000000017',
        '3074257BF7194E4000001A85',
        'not an id',
      ][Math.floor(random() * 5)]!;
    case 9:
      return [
        '2026-01-01T00:00:00Z',
        '2026-13-45T99:99:99Z',
        '+08:00',
        'ADD',
        'OBSERVE',
        'ObjectEvent',
        'EPCISDocument',
      ][Math.floor(random() * 7)]!;
    case 10:
      return 'émoji 😀 中文 \u202e';
    case 11: {
      let value: Json = 'bottom';
      const levels = 20 + Math.floor(random() * 40);
      for (let i = 0; i < levels; i++) value = random() < 0.5 ? [value] : { 'hn:x': value };
      return value;
    }
    case 12:
      return depth > 2 ? [] : Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    case 13:
      return depth > 2
        ? {}
        : Object.fromEntries(
            Array.from({ length: Math.floor(random() * 4) }, (_, i) => [`k${i}`, randomValue(random, depth + 1)]),
          );
    case 14:
      return Array.from(
        { length: 1_000 + Math.floor(random() * 2_000) },
        (_, i) => `urn:epc:id:sgtin:6901234.001010.${i}`,
      );
    case 15:
      return Array.from({ length: 600 }, () => ({ type: 'po', bizTransaction: 'urn:x:1' }));
    case 16:
      return { '@context': 'x', type: 'ObjectEvent' };
    case 17:
      return -1;
    case 18:
      return '__proto__';
    default:
      return 'plain';
  }
}

/** Every container of a value with its members, for picking a place to mutate (iterative). */
function containers(root: Json): Container[] {
  const found: Container[] = [];
  const stack: Json[] = [root];
  while (stack.length > 0 && found.length < 5_000) {
    const node = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    found.push(node);
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push(child);
  }
  return found;
}

/** Fields of a captured event that the mapping reads. */
const EVENT_FIELDS = [
  'eventTime',
  'eventTimeZoneOffset',
  'epcList',
  'action',
  'bizStep',
  'disposition',
  'bizLocation',
  'readPoint',
  'bizTransactionList',
  'sourceList',
  'destinationList',
  'eventID',
  'hn:regime',
  'hn:hsCode',
  'hn:category',
  'hn:unitValueFen',
  'quantityList',
  'type',
];

/** Set one mapped field of one event of a capture document to a random value. */
function mutateEvent(random: () => number, doc: Json): Json {
  const events = ((doc as { epcisBody?: { eventList?: Json[] } }).epcisBody?.eventList ?? []) as {
    [key: string]: Json;
  }[];
  const event = events[Math.floor(random() * events.length)];
  if (event === undefined) return doc;
  const field = EVENT_FIELDS[Math.floor(random() * EVENT_FIELDS.length)]!;
  const value = randomValue(random);
  if (field === 'bizLocation' || field === 'readPoint') event[field] = { id: value };
  else if (field === 'epcList' && typeof value === 'string') event[field] = [value, value];
  else event[field] = value;
  return doc;
}

const RANDOM_KEYS = [
  'type',
  'eventList',
  'epcList',
  'eventID',
  'hn:x',
  '@context',
  'items',
  'id',
  '',
  'constructor',
  'a'.repeat(300),
  `k${String.fromCharCode(0)}`,
];

/** Change one member of a random container. */
function mutate(random: () => number, root: Json): Json {
  const all = containers(root);
  if (all.length === 0) return randomValue(random);
  const target = all[Math.floor(random() * all.length)]!;
  const keys = Array.isArray(target) ? target.map((_, i) => String(i)) : Object.keys(target);
  const key = keys.length > 0 ? keys[Math.floor(random() * keys.length)]! : undefined;
  const get = (k: string) => (Array.isArray(target) ? target[Number(k)] : target[k]);
  const set = (k: string, value: Json) => {
    if (Array.isArray(target)) target[Number(k)] = value;
    else target[k] = value;
  };
  const action = Math.floor(random() * 8);
  if (key === undefined || action === 0) {
    const newKey = RANDOM_KEYS[Math.floor(random() * RANDOM_KEYS.length)]!;
    if (Array.isArray(target)) target.push(randomValue(random));
    else target[newKey] = randomValue(random);
    return root;
  }
  switch (action) {
    case 1: // delete
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete target[key];
      break;
    case 2: {
      // type swap
      const value = get(key);
      set(
        key,
        typeof value === 'string'
          ? Number(value) || 7
          : typeof value === 'number'
            ? String(value)
            : Array.isArray(value)
              ? (value[0] ?? null)
              : value === null
                ? {}
                : [value as Json],
      );
      break;
    }
    case 3: // duplicate an array's members
      if (Array.isArray(target)) target.push(...target.slice(0, 50));
      else set(key, [get(key) as Json, get(key) as Json]);
      break;
    case 4: // empty it
      set(key, Array.isArray(get(key)) ? [] : typeof get(key) === 'object' ? {} : '');
      break;
    default:
      set(key, randomValue(random));
  }
  return root;
}

/** The wire form of a case: usually the mutated JSON, sometimes broken text, bytes or media type. */
function wire(random: () => number, value: Json, jsonLd: boolean): { payload: string | Buffer; contentType: string } {
  const text = JSON.stringify(value);
  const roll = random();
  if (roll < 0.04)
    return { payload: text.slice(0, Math.floor(random() * text.length)), contentType: 'application/json' };
  if (roll < 0.06)
    return {
      payload: Buffer.concat([
        Buffer.from(text.slice(0, 20)),
        Buffer.from([0xff, 0xfe, 0xc0]),
        Buffer.from(text.slice(20)),
      ]),
      contentType: 'application/json',
    };
  if (roll < 0.07) return { payload: '', contentType: 'application/json' };
  if (roll < 0.08) return { payload: text, contentType: 'text/plain' };
  if (roll < 0.09) return { payload: text, contentType: 'application/json; charset=latin1' };
  return { payload: text, contentType: jsonLd && random() < 0.3 ? 'application/ld+json' : 'application/json' };
}

interface Failure {
  index: number;
  url: string;
  status: number;
  body: string;
}

t.test(`fuzz: capture and step routes never answer 5xx (seed ${SEED})`, async (t) => {
  // Submits answer a transaction id, as the chain would; captures stay queued (no worker in this test).
  const ledgers: LedgerClients = {
    forCaller: () => ({ evaluate: async () => ({}) as never, submit: async () => ({ txId: 'tx-fuzz' }) as never }),
    async ping() {},
    close() {},
  };
  const { app, customsKey } = await buildTestApp(t, { ledgers, rateLimitMax: 1_000_000 });
  const newKey = async (id: string, role: 'enterprise' | 'operator', mspId: string) => {
    await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: bearer(customsKey),
      payload: { id, name: id, roles: [role], mspId },
    });
    const issued = await app.inject({
      method: 'POST',
      url: `/v1/enterprises/${id}/keys`,
      headers: bearer(customsKey),
      payload: { role, label: 'fuzz' },
    });
    return (issued.json() as { key: string }).key;
  };
  const keys = {
    customs: customsKey,
    enterprise: await newKey(ENTERPRISES.importer.id, 'enterprise', 'EnterpriseMSP'),
    operator: await newKey(ENTERPRISES.operator.id, 'operator', 'OperatorMSP'),
  };
  const random = seededRandom(SEED);
  const captures = captureSeeds();
  const statuses = new Map<number, number>();
  const codes = new Map<string, number>();
  const failures: Failure[] = [];
  const started = performance.now();

  const run = async (
    index: number,
    url: string,
    key: string,
    seed: Json,
    change: (random: () => number, value: Json) => Json = mutate,
  ) => {
    let value = structuredClone(seed);
    // Mostly one change, so that many cases get past the first check; sometimes several.
    const rounds = random() < 0.6 ? 1 : 2 + Math.floor(random() * 3);
    for (let r = 0; r < rounds; r++) value = change(random, value);
    const { payload, contentType } = wire(random, value, url === '/v1/capture');
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(key), 'content-type': contentType },
      payload,
    });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    let ok = res.statusCode < 500;
    if (ok && res.statusCode >= 400) {
      const problem =
        res.headers['content-type'] === PROBLEM_JSON
          ? (JSON.parse(res.body) as { code?: unknown; status?: unknown })
          : undefined;
      ok =
        problem !== undefined &&
        typeof problem.code === 'string' &&
        /^[A-Z][A-Z0-9_]+$/.test(problem.code) &&
        problem.status === res.statusCode;
      if (ok) codes.set(String(problem!.code), (codes.get(String(problem!.code)) ?? 0) + 1);
    }
    if (!ok) failures.push({ index, url, status: res.statusCode, body: res.body.slice(0, 300) });
  };

  for (let i = 0; i < CAPTURE_CASES; i++) {
    const seed = captures[Math.floor(random() * captures.length)]!;
    await run(i, '/v1/capture', random() < 0.5 ? keys.enterprise : keys.operator, seed);
  }
  for (let i = 0; i < EVENT_FIELD_CASES; i++) {
    const seed = captures[Math.floor(random() * 2)]!; // the testkit's capturable documents
    await run(CAPTURE_CASES + STEP_CASES + i, '/v1/capture', keys.enterprise, seed, mutateEvent);
  }
  for (let i = 0; i < STEP_CASES; i++) {
    const step = STEP_SEEDS[Math.floor(random() * STEP_SEEDS.length)]!;
    await run(CAPTURE_CASES + i, step.url, keys[step.key], step.body);
  }

  const seconds = (performance.now() - started) / 1000;
  const summary = [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  t.comment(`${CAPTURE_CASES + STEP_CASES + EVENT_FIELD_CASES} cases in ${seconds.toFixed(1)} s; statuses ${summary}`);
  t.comment(
    `codes: ${[...codes]
      .sort(([, a], [, b]) => b - a)
      .map(([code, count]) => `${code} ${count}`)
      .join(', ')}`,
  );
  t.same(
    failures.slice(0, 10),
    [],
    `no 5xx and every refusal is problem+json with a code (${failures.length} failures)`,
  );
  t.ok(
    [...statuses.keys()].some((s) => s >= 200 && s < 300),
    'some mutations are still accepted (the fuzz reaches the handlers)',
  );
  t.ok(codes.size >= 6, `and refusals of several kinds (${codes.size} codes)`);
});
