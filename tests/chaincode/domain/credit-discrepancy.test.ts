// Proves inspection discrepancies feed the credit rules: the rule set's count within its window makes an enterprise key-attention with the discrepancies as basis, older ones fall out, a later rule set's values apply from its effectiveFrom, and the answer is a pure function of its inputs.
// How: discrepancy logs with literal inspection times asked about at literal instants, under the default rules and a rule set validated like SetRules.
import t from 'tap';
import { ruleSetAt, validateRuleSet, DISCREPANCY_KEY_ATTENTION_DEFAULT } from '../../../chaincode/src/domain/rules';
import {
  appendDiscrepancy,
  discrepancyBasis,
  effectiveEnterpriseClass,
  enterpriseCredit,
} from '../../../chaincode/src/domain/credit';
import type { DiscrepancyEntry, EnterpriseRecord } from '../../../chaincode/src/domain/records';
import { ErrorCode } from '@hainan/ledger-model';
import { throwsCode } from './helpers/throws-code';

const rules = ruleSetAt([], '2026-01-01T00:00:00+08:00');

function entry(n: number, atIso: string): DiscrepancyEntry {
  return { releaseListNo: `RL-${n}`, txId: `tx-${n}`, atIso, kinds: ['QUANTITY'] };
}

function enterprise(log: DiscrepancyEntry[], credit: EnterpriseRecord['credit'] = { class: 'WHITELIST', history: [] }) {
  return {
    id: '91460000MA5T000001',
    name: 'Test',
    mspId: 'Org1MSP',
    roles: ['importer'],
    registeredAt: '2025-01-01T00:00:00Z',
    credit,
    discrepancyLog: log,
  } satisfies EnterpriseRecord;
}

const three = [entry(1, '2026-01-10T00:00:00Z'), entry(2, '2026-03-10T00:00:00Z'), entry(3, '2026-06-10T00:00:00Z')];

t.test('the default rule is three discrepancies within 365 days', async (t) => {
  t.same(DISCREPANCY_KEY_ATTENTION_DEFAULT, { count: 3, windowDays: 365 });
  t.equal(rules.discrepancyKeyAttention, undefined, 'the default sets do not carry it: absent means the default');
});

t.test(
  'the count: two discrepancies keep the class, the third makes it key-attention with all three as basis',
  async (t) => {
    const at = '2026-06-10T00:00:00Z';
    t.equal(effectiveEnterpriseClass(rules, undefined, at, three.slice(0, 2)), 'WHITELIST');
    t.equal(effectiveEnterpriseClass(rules, undefined, at, three), 'KEY_ATTENTION');
    t.equal(effectiveEnterpriseClass(rules, { class: 'AEO_ADVANCED', history: [] }, at, three), 'KEY_ATTENTION');
    const credit = enterpriseCredit(rules, enterprise(three), at);
    t.same(
      { class: credit.class, recordedClass: credit.recordedClass, source: credit.source },
      { class: 'KEY_ATTENTION', recordedClass: 'WHITELIST', source: 'DISCREPANCIES' },
    );
    t.same(
      credit.discrepancies.map((d) => d.releaseListNo),
      ['RL-1', 'RL-2', 'RL-3'],
    );
    // A result inspected after the moment asked about does not count back.
    t.equal(effectiveEnterpriseClass(rules, undefined, '2026-06-09T23:59:59.999Z', three), 'WHITELIST');
  },
);

t.test('the window: the oldest discrepancy leaves it exactly 365 days after its inspection', async (t) => {
  // 2026-01-10 + 365 days = 2027-01-10: at that instant the first no longer counts (window is (now-365d, now]).
  t.equal(effectiveEnterpriseClass(rules, undefined, '2027-01-09T23:59:59.999Z', three), 'KEY_ATTENTION');
  t.equal(effectiveEnterpriseClass(rules, undefined, '2027-01-10T00:00:00Z', three), 'WHITELIST');
  const later = enterpriseCredit(rules, enterprise(three), '2027-01-10T00:00:00Z');
  t.same(later.source, 'RECORD');
  t.same(
    later.discrepancies.map((d) => d.releaseListNo),
    ['RL-2', 'RL-3'],
  );
});

t.test('a key-attention record stays the source; the discrepancies are still listed', async (t) => {
  const credit = enterpriseCredit(
    rules,
    enterprise(three, { class: 'KEY_ATTENTION', reason: 'OTHER', listedAtIso: '2025-01-01T00:00:00Z', history: [] }),
    '2026-06-10T00:00:00Z',
  );
  t.same([credit.class, credit.source, credit.discrepancies.length], ['KEY_ATTENTION', 'RECORD', 3]);
});

t.test('effective dating: a rule set from a later date applies its own count and window from then on', async (t) => {
  const strict = validateRuleSet({
    ...ruleSetAt([], '2026-07-01T00:00:00Z'),
    effectiveFrom: '2026-07-01T00:00:00Z',
    discrepancyKeyAttention: { count: 2, windowDays: 30 },
  });
  const sets = [strict];
  const two = [entry(1, '2026-07-01T00:00:00Z'), entry(2, '2026-07-20T00:00:00Z')];
  const before = ruleSetAt(sets, '2026-06-30T00:00:00Z');
  const after = ruleSetAt(sets, '2026-07-20T00:00:00Z');
  t.equal(discrepancyBasis(before, two, '2026-06-30T00:00:00Z').rule.count, 3, 'before: the default');
  t.equal(effectiveEnterpriseClass(after, undefined, '2026-07-20T00:00:00Z', two), 'KEY_ATTENTION');
  // 30 days after the first, only the second is in the window.
  t.equal(effectiveEnterpriseClass(after, undefined, '2026-07-31T00:00:00Z', two), 'WHITELIST');
});

t.test('determinism: the same inputs give byte-identical answers; the log is bounded', async (t) => {
  const a = JSON.stringify(enterpriseCredit(rules, enterprise(three), '2026-06-10T00:00:00Z'));
  const b = JSON.stringify(enterpriseCredit(rules, enterprise(structuredClone(three)), '2026-06-10T00:00:00Z'));
  t.equal(a, b);
  let log: DiscrepancyEntry[] = [];
  for (let n = 0; n < 150; n++) log = appendDiscrepancy(log, entry(n, '2026-01-01T00:00:00Z'));
  t.equal(log.length, 100, 'newest 100 kept');
  t.equal(log[0]!.releaseListNo, 'RL-50');
});

t.test('bad rule values are refused with INVALID_ARGUMENT', async (t) => {
  const base = ruleSetAt([], '2026-07-01T00:00:00Z');
  for (const bad of [
    { count: 0, windowDays: 30 },
    { count: 3, windowDays: 0 },
    { count: 101, windowDays: 30 },
    { count: 3 },
    'x',
  ]) {
    const message = throwsCode(
      t,
      () => validateRuleSet({ ...base, discrepancyKeyAttention: bad }),
      ErrorCode.INVALID_ARGUMENT,
      JSON.stringify(bad),
    );
    t.match(message, /discrepancyKeyAttention/);
  }
});
