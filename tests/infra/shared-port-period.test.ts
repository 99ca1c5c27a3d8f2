// Proves there is one port-code, account-period and calendar-date grammar: the step routes' schemas (PortCode, a rule
// set's second-line ports, the declaration's Period, the buyer's BirthDate) and the account routes' period-close path
// (AccountPeriod), compiled by Fastify's ajv as the routes are, accept exactly what @hainan/ledger-model's PORT_CODE,
// PERIOD and CALENDAR_DATE accept, on shared vectors (a 40 vs a 41 character port, months 00 and 13, a one-digit month).
// How: each consumer's schema is put behind a throwaway route and every vector is posted to it; its verdict is compared
// with the model pattern's.
import t from 'tap';
import Fastify from 'fastify';
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { CALENDAR_DATE, PERIOD, PORT_CODE } from '@hainan/ledger-model';
import { AccountPeriod } from '../../gateway/src/routes/accounts/schema';
import { BirthDate, Period, PortCode, RuleSetBody } from '../../gateway/src/routes/steps/schema';

const PORT_VECTORS = [
  'HAIKOU_XINHAIGANG',
  'HAIKOU_MEILAN_AIRPORT',
  'A',
  'P1',
  `A${'B'.repeat(39)}`, // 40 characters: the longest
  `A${'B'.repeat(40)}`, // 41 characters
  `A${'B'.repeat(63)}`, // 64: what the step routes used to accept
  '1PORT',
  '_PORT',
  'haikou',
  'HAIKOU-PORT',
  'HAIKOU PORT',
  'HAIKOU\n',
  '',
];

const PERIOD_VECTORS = [
  '2026-01',
  '2026-09',
  '2026-10',
  '2026-12',
  '2026-00',
  '2026-13',
  '2026-1',
  '2026-001',
  '26-01',
  '2026/01',
  '2026-01-01',
  '２０２６-01',
  ' 2026-01',
  '2026-01\n',
  '',
];

// Days that exist, so the schema's `date` format (which also refuses 02-30) agrees with the pattern on each.
const DATE_VECTORS = [
  '1990-01-31',
  '2000-02-29',
  '2026-12-01',
  '1990-1-31',
  '1990-01-1',
  '19900131',
  '1990/01/31',
  '1990-01-31T00:00:00Z',
  ' 1990-01-31',
  '',
];

/** Whether a route whose body is `{ v: schema }` takes `v`; the app is closed by `teardown`. */
async function schemaJudge(teardown: (fn: () => unknown) => void, schema: TSchema) {
  const app = Fastify();
  app.post('/v', { schema: { body: Type.Object({ v: schema }) } }, async () => ({ ok: true }));
  teardown(() => app.close());
  return async (v: string) => (await app.inject({ method: 'POST', url: '/v', payload: { v } })).statusCode === 200;
}

t.test('the model: ports of at most 40 characters, periods are months 01-12', async (t) => {
  t.ok(PORT_CODE.test(`A${'B'.repeat(39)}`), '40 characters');
  t.notOk(PORT_CODE.test(`A${'B'.repeat(40)}`), '41 characters');
  t.notOk(PERIOD.test('2026-00'), 'month 00');
  t.notOk(PERIOD.test('2026-13'), 'month 13');
  t.ok(CALENDAR_DATE.test('1990-01-31'));
});

t.test('step routes: PortCode accepts exactly what PORT_CODE accepts', async (t) => {
  const accepts = await schemaJudge((fn) => t.teardown(fn), PortCode);
  for (const v of PORT_VECTORS) t.equal(await accepts(v), PORT_CODE.test(v), `PortCode ${JSON.stringify(v)}`);
});

t.test(
  'rule sets: a second-line port accepts exactly what PORT_CODE accepts (the chain checks rule-set ports with it)',
  async (t) => {
    const accepts = await schemaJudge((fn) => t.teardown(fn), RuleSetBody.properties.secondLinePorts.items);
    for (const v of PORT_VECTORS)
      t.equal(await accepts(v), PORT_CODE.test(v), `secondLinePorts item ${JSON.stringify(v)}`);
  },
);

t.test('step routes: the declaration period accepts exactly what PERIOD accepts', async (t) => {
  const accepts = await schemaJudge((fn) => t.teardown(fn), Period);
  for (const v of PERIOD_VECTORS) t.equal(await accepts(v), PERIOD.test(v), `Period ${JSON.stringify(v)}`);
});

t.test('account routes: the period-close path accepts exactly what PERIOD accepts', async (t) => {
  const accepts = await schemaJudge((fn) => t.teardown(fn), AccountPeriod);
  for (const v of PERIOD_VECTORS) t.equal(await accepts(v), PERIOD.test(v), `AccountPeriod ${JSON.stringify(v)}`);
});

t.test(
  'step routes: BirthDate accepts exactly what CALENDAR_DATE accepts, and refuses days that do not exist',
  async (t) => {
    const accepts = await schemaJudge((fn) => t.teardown(fn), BirthDate);
    for (const v of DATE_VECTORS) t.equal(await accepts(v), CALENDAR_DATE.test(v), `BirthDate ${JSON.stringify(v)}`);
    t.ok(CALENDAR_DATE.test('1990-02-30'), "the pattern leaves the day's validity to the parser");
    t.notOk(await accepts('1990-02-30'), "which the schema's date format is");
  },
);
