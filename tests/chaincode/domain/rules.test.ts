// Proves each event is judged by the rule set in force at its own time (defaults until customs writes its own) and that SetRules accepts only complete, sane rule sets.
// How: looks up rules at instants around 2025-11-01 and around ledger sets' start times, and feeds validateRuleSet the defaults and literal broken variants.
import t from 'tap';
import { ErrorCode } from '@hainan/ledger-model';
import { DEFAULT_RULE_SETS, type RuleSet, ruleSetAt, validateRuleSet } from '../../../chaincode/src/domain/rules';
import { throwsCode } from './helpers/throws-code';

function defaults(index: number): RuleSet {
  const set = DEFAULT_RULE_SETS[index];
  if (set === undefined) {
    throw new Error(`no default rule set ${index}`);
  }
  // A mutable deep copy, to build variants from.
  return JSON.parse(JSON.stringify(set)) as RuleSet;
}

t.test('the default sets carry the domain numbers; the minimum age is 16 before and 18 from 2025-11-01', async (t) => {
  t.equal(DEFAULT_RULE_SETS.length, 2);
  const [before, after] = [defaults(0), defaults(1)];
  t.equal(before.effectiveFrom, '2020-07-01T00:00:00+08:00');
  t.equal(before.minBuyerAgeYears, 16);
  t.equal(after.effectiveFrom, '2025-11-01T00:00:00+08:00');
  t.equal(after.minBuyerAgeYears, 18);
  t.equal(after.annualQuotaFen, 10_000_000, '100,000 CNY');
  t.equal(after.maxCosmeticsPieces, 30);
  t.equal(after.maxMobilePhones, 4);
  t.equal(after.maxAlcoholMl, 1500);
  t.equal(after.buyNowPickupMaxUnitPriceFen, 2_000_000);
  t.equal(after.guaranteePickupMinUnitPriceFen, 5_000_000);
  t.equal(after.departureWindowDays, 30);
  t.equal(after.purchaseBanYears, 3);
  t.equal(after.valueAddedMinBp, 3000);
  t.equal(after.secondLinePorts.length, 10);
  t.same(after.batchExitClasses, ['AEO_ADVANCED', 'WHITELIST']);
  t.equal(after.declarationDueDay, 25);
  t.ok(after.inspectionRateBp.KEY_ATTENTION > after.inspectionRateBp.WHITELIST, 'key attention is inspected more');
  t.ok(after.inspectionRateBp.WHITELIST >= after.inspectionRateBp.AEO_ADVANCED, 'AEO is inspected least');
  t.same(
    { ...before, effectiveFrom: '', minBuyerAgeYears: 0 },
    { ...after, effectiveFrom: '', minBuyerAgeYears: 0 },
    'only the age differs',
  );
});

t.test('the defaults are frozen: a contract cannot change the rules for later transactions on its peer', async (t) => {
  const shared = DEFAULT_RULE_SETS[1] as RuleSet;
  t.throws(() => {
    shared.annualQuotaFen = 1;
  });
  t.throws(() => {
    shared.secondLinePorts.push('SHANGHAI_PORT');
  });
  t.throws(() => {
    shared.inspectionRateBp.KEY_ATTENTION = 0;
  });
  t.equal(shared.annualQuotaFen, 10_000_000);
});

t.test('ruleSetAt with no ledger sets switches the age at 00:00 1 November 2025, Shanghai time', async (t) => {
  t.equal(ruleSetAt([], '2025-10-31T23:59:59.999+08:00').minBuyerAgeYears, 16);
  t.equal(ruleSetAt([], '2025-10-31T15:59:59.999Z').minBuyerAgeYears, 16);
  t.equal(ruleSetAt([], '2025-11-01T00:00:00+08:00').minBuyerAgeYears, 18);
  t.equal(ruleSetAt([], '2025-10-31T16:00:00Z').minBuyerAgeYears, 18, 'same instant, UTC spelling');
  t.equal(ruleSetAt([], '2020-07-01T00:00:00+08:00').minBuyerAgeYears, 16);
  const message = throwsCode(t, () => ruleSetAt([], '2020-06-30T23:59:59.999+08:00'), ErrorCode.NO_RULES_IN_FORCE);
  t.match(message, /2020-06-30T23:59:59\.999\+08:00/);
  throwsCode(t, () => ruleSetAt([], 'soon'), ErrorCode.INVALID_ARGUMENT);
});

t.test('ruleSetAt prefers the ledger set in force, falls back to the defaults before it starts', async (t) => {
  const lowerQuota = { ...defaults(1), effectiveFrom: '2026-03-01T00:00:00+08:00', annualQuotaFen: 5_000_000 };
  const higherQuota = { ...defaults(1), effectiveFrom: '2026-06-01T00:00:00+08:00', annualQuotaFen: 20_000_000 };
  const ledger = [higherQuota, lowerQuota]; // order of writing need not be order of start
  t.equal(
    ruleSetAt(ledger, '2026-02-28T23:59:59.999+08:00').annualQuotaFen,
    10_000_000,
    'before any ledger set: default',
  );
  t.equal(ruleSetAt(ledger, '2026-03-01T00:00:00+08:00').annualQuotaFen, 5_000_000);
  t.equal(ruleSetAt(ledger, '2026-05-31T23:59:59.999+08:00').annualQuotaFen, 5_000_000);
  t.equal(ruleSetAt(ledger, '2026-06-01T00:00:00+08:00').annualQuotaFen, 20_000_000);
  const correction = { ...higherQuota, annualQuotaFen: 15_000_000 };
  t.equal(
    ruleSetAt([...ledger, correction], '2026-07-01T00:00:00+08:00').annualQuotaFen,
    15_000_000,
    'same start: the later-written set wins',
  );
  const early = { ...defaults(0), effectiveFrom: '2019-01-01T00:00:00+08:00', minBuyerAgeYears: 21 };
  t.equal(
    ruleSetAt([early], '2019-06-01T00:00:00+08:00').minBuyerAgeYears,
    21,
    'a ledger set can cover a time before the defaults',
  );
  t.equal(
    ruleSetAt([early], '2025-11-01T00:00:00+08:00').minBuyerAgeYears,
    21,
    'a ledger set in force beats a newer default',
  );
});

t.test('validateRuleSet accepts the defaults and returns a clean copy', async (t) => {
  for (const index of [0, 1]) {
    const original = defaults(index);
    const checked = validateRuleSet(original);
    t.same(checked, original);
    t.not(checked, original);
    t.not(checked.secondLinePorts, original.secondLinePorts, 'arrays are copied too');
  }
  t.same(
    validateRuleSet({ ...defaults(1), batchExitClasses: [], buyNowPickupCategories: [] }).batchExitClasses,
    [],
    'batch exit may be closed to all',
  );
});

t.test('validateRuleSet refuses incomplete or insane rule sets, naming the field', async (t) => {
  const good = defaults(1);
  const withField = (field: string, value: unknown): unknown => ({ ...good, [field]: value });
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 'rules', /must be an object/],
    ['an array', [good], /must be an object/],
    ['missing field', (({ maxAlcoholMl: _drop, ...rest }) => rest)(good), /maxAlcoholMl is missing/],
    ['unknown field', withField('annualQuotaFenn', 1), /unknown field "annualQuotaFenn"/],
    ['bad effectiveFrom', withField('effectiveFrom', '2026-01-01'), /"2026-01-01"/],
    ['negative amount', withField('annualQuotaFen', -1), /annualQuotaFen must be a non-negative integer, got -1/],
    ['float amount', withField('annualQuotaFen', 100000.5), /annualQuotaFen/],
    ['string number', withField('maxMobilePhones', '4'), /maxMobilePhones/],
    ['null', withField('maxCosmeticsPieces', null), /maxCosmeticsPieces/],
    ['due day 29', withField('declarationDueDay', 29), /declarationDueDay must be 1-28, got 29/],
    ['due day 0', withField('declarationDueDay', 0), /declarationDueDay/],
    ['no ports', withField('secondLinePorts', []), /at least one port/],
    ['duplicate port', withField('secondLinePorts', ['HAIKOU_PORT', 'HAIKOU_PORT']), /lists "HAIKOU_PORT" twice/],
    ['lower-case port', withField('secondLinePorts', ['haikou_port']), /unknown entry "haikou_port"/],
    ['unknown category', withField('buyNowPickupCategories', ['COSMETICS', 'CARS']), /"CARS"/],
    ['unknown class', withField('batchExitClasses', ['GOLD']), /"GOLD"/],
    [
      'rate above 100%',
      withField('inspectionRateBp', { AEO_ADVANCED: 100, WHITELIST: 300, KEY_ATTENTION: 10_001 }),
      /KEY_ATTENTION must be at most 10000/,
    ],
    ['rate missing', withField('inspectionRateBp', { AEO_ADVANCED: 100, WHITELIST: 300 }), /exactly the keys/],
    [
      'rate extra',
      withField('inspectionRateBp', { AEO_ADVANCED: 1, WHITELIST: 3, KEY_ATTENTION: 20, GOLD: 0 }),
      /exactly the keys/,
    ],
  ];
  for (const [label, candidate, detail] of cases) {
    const message = throwsCode(t, () => validateRuleSet(candidate), ErrorCode.INVALID_ARGUMENT, label);
    t.match(message, detail, label);
  }
});
