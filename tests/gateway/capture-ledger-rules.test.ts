// Proves the gateway checks capture steps with the chain's own request rules, defined once in @hainan/ledger-model:
// the chaincode's request modules are the package's functions (not copies), the goods contract and the gateway's
// capture check both import their decoders from the package, and on shared vectors the gateway's check refuses exactly
// what the chaincode's decoder refuses, with the same code and words; a valid step passes, also when it is larger than
// one transaction.
// How: pure calls (no peer, no database); the import check reads the two source files.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as model from '@hainan/ledger-model';
import { eventTimeOf } from '../../chaincode/src/ledger/posting';
import type { TraceContext } from '../../chaincode/src/ledger/trace-context';
import { ledgerRuleRefusal } from '../../gateway/src/capture/ledger-rules';
import type { StepRequest } from '../../gateway/src/capture/event-mapping';
import { entryEvent } from '../../testkit/src/epcis';
import { product } from '../../testkit/src/trace';
import { isRefusal, mapEvent } from '../../gateway/src/capture/event-mapping';

const ROOT = join(__dirname, '..', '..');
const GOODS = product(77);
const NOW = Date.parse('2026-12-01T00:00:00Z');
const CLOCK = { ms: NOW, iso: new Date(NOW).toISOString() };

t.test("the chaincode reads requests with the package's functions, not copies", async (t) => {
  const sources = readdirSync(join(ROOT, 'chaincode/src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts'),
  );
  const chaincode = sources.map((f) => readFileSync(join(ROOT, 'chaincode/src', f), 'utf8')).join('\n');
  for (const name of [
    'ChaincodeError',
    'parseErrorCode',
    'str',
    'int',
    'oneOf',
    'list',
    'obj',
    'optInt',
    'itemIdOf',
    'unique',
    'HS_CODE',
    'REF',
    'USCC',
    'TRACE_CODE',
    'parseSgtin',
    'parseInstant',
  ] as const) {
    t.ok(name in model, `the package exports ${name}`);
    t.notMatch(
      chaincode,
      new RegExp(`export (?:async )?(?:function|const|class) ${name}\\b`),
      `the chaincode defines no ${name} of its own`,
    );
  }
  const contract = readFileSync(join(ROOT, 'chaincode/src/contracts/goods-contract.ts'), 'utf8');
  const gateway = readFileSync(join(ROOT, 'gateway/src/capture/ledger-rules.ts'), 'utf8');
  const fromModel = (source: string) => /import \{([^}]*)\} from '@hainan\/ledger-model'/.exec(source)?.[1] ?? '';
  for (const decoder of [
    'decodeEnterRequest',
    'decodeShipRequest',
    'decodeReceiveRequest',
    'decodeExitRequest',
    'decodeEndOfLifeRequest',
    'decodeAssociateRequest',
  ]) {
    t.match(
      fromModel(contract),
      new RegExp(`\\b${decoder}\\b`),
      `the goods contract imports ${decoder} from the package`,
    );
    t.match(contract, new RegExp(`${decoder}\\(f, txClockOf\\(ctx\\)\\)`), `and decodes its request with it`);
  }
  t.match(fromModel(gateway), /\bdecodeGoodsRequest\b/, "the gateway decodes capture steps with the package's decoder");
  const ctx = { txMs: NOW, txTime: CLOCK.iso } as TraceContext;
  t.same(
    eventTimeOf(ctx, { eventTime: '2026-11-30T08:00:00+08:00' }),
    model.decodeEventTime({ eventTime: '2026-11-30T08:00:00+08:00' }, CLOCK),
    'one event-time rule',
  );
});

/** A goods:Enter step as capture maps an entry event, with `fields` overriding the event's values. */
function enterStep(fields: Record<string, unknown>, items = [GOODS.sgtin(1)]): StepRequest {
  const step = mapEvent({
    ...entryEvent({ items, declarationNo: 'LR-1', location: 1, eventTime: '2026-11-30T08:00:00+08:00' }),
    ...fields,
  });
  if (isRefusal(step)) throw new Error(step.message);
  return step;
}

const REFUSED: readonly [string, StepRequest][] = [
  ['unitValueFen -100', enterStep({ 'hn:unitValueFen': -100 })],
  ['unitValueFen 0', enterStep({ 'hn:unitValueFen': 0 })],
  ['unitValueFen 1.5', enterStep({ 'hn:unitValueFen': 1.5 })],
  ['unitValueFen "45000"', enterStep({ 'hn:unitValueFen': '45000' })],
  ['unitValueFen beyond a safe integer', enterStep({ 'hn:unitValueFen': 2 ** 53 })],
  ['unknown category', enterStep({ 'hn:category': 'SPIRITS' })],
  ['unknown regime', enterStep({ 'hn:regime': 'FREE_PORT' })],
  ['PROCESSED is no entry regime', enterStep({ 'hn:regime': 'PROCESSED' })],
  ['HS code 12AB', enterStep({ 'hn:hsCode': '12AB' })],
  ['HS code of 5 digits', enterStep({ 'hn:hsCode': '33030' })],
  ['volumeMl 0', enterStep({ 'hn:volumeMl': 0 })],
  ['volumeMl above 100,000', enterStep({ 'hn:volumeMl': 100_001 })],
  ['event time without offset', enterStep({ eventTime: '2026-11-30T08:00:00' })],
  ['event time an hour ahead', enterStep({ eventTime: new Date(NOW + 3_600_000).toISOString() })],
  [
    'declaration number with a space',
    enterStep({ bizTransactionList: [{ type: 'import_declaration', bizTransaction: 'urn:hn:decl:A B' }] }),
  ],
  ['location with a bad check digit', enterStep({ bizLocation: { id: '6901234000011' } })],
];

t.test("the gateway refuses exactly what the chain's decoder refuses, with its code and words", async (t) => {
  for (const [what, step] of REFUSED) {
    const request = { ...step.header, eventId: 'urn:uuid:lr', items: step.items };
    let chain: unknown;
    try {
      model.decodeEnterRequest(request, CLOCK);
    } catch (err) {
      chain = err;
    }
    t.type(chain, model.ChaincodeError, `${what}: the chain's decoder refuses`);
    const gateway = ledgerRuleRefusal(step, 'urn:uuid:lr', CLOCK);
    t.same(
      gateway && [gateway.code, gateway.message],
      [(chain as model.ChaincodeError).code, (chain as model.ChaincodeError).message],
      `${what}: the gateway alike`,
    );
  }
});

t.test('valid steps pass, per transaction-sized slice; an item twice is refused as the chain refuses it', async (t) => {
  t.equal(ledgerRuleRefusal(enterStep({}), 'urn:uuid:ok', CLOCK), undefined, 'a valid entry');
  t.equal(
    ledgerRuleRefusal(
      enterStep({ 'hn:volumeMl': 700, 'hn:category': 'ALCOHOL', 'hn:regime': 'BONDED' }),
      'urn:uuid:ok',
      CLOCK,
    ),
    undefined,
    'alcohol, bonded',
  );
  const many = Array.from({ length: 2_500 }, (_, i) => GOODS.sgtin(`m${i}`));
  t.equal(
    ledgerRuleRefusal(enterStep({}, many), 'urn:uuid:many', CLOCK),
    undefined,
    '2,500 items: three transactions, each within the limit',
  );
  const twice = ledgerRuleRefusal(enterStep({}, [...many.slice(0, 1_200), many[5]!]), 'urn:uuid:twice', CLOCK);
  t.match(twice, { code: 'INVALID_ARGUMENT', detail: /appears twice/ }, 'an item in two slices of one event');
  const longId = ledgerRuleRefusal(enterStep({}), 'x'.repeat(201), CLOCK);
  t.match(
    longId,
    { code: 'INVALID_ARGUMENT', detail: /eventId is longer than 200/ },
    'an event id the chain would not record',
  );
});
