// Proves credit classes leave the key-attention list by themselves exactly when the rules say: at 3 years for smuggling / dishonesty and for persons, when the rating improves, never for other reasons.
// How: credit records with literal listing times, asked about one ms before and at the removal instant, with and without a re-listing.
import t from 'tap';
import { ruleSetAt } from '../../../chaincode/src/domain/rules';
import {
  type CreditRecord,
  effectiveEnterpriseClass,
  effectivePersonClass,
} from '../../../chaincode/src/domain/credit';

const rules = ruleSetAt([], '2026-01-01T00:00:00+08:00');

function listed(reason: CreditRecord['reason'], listedAtIso: string, extra: Partial<CreditRecord> = {}): CreditRecord {
  return {
    class: 'KEY_ATTENTION',
    reason,
    listedAtIso,
    history: [{ class: 'KEY_ATTENTION', reason, atIso: listedAtIso, by: 'customs-officer-0571' }],
    ...extra,
  };
}

t.test('no record is the automatic whitelist; AEO and whitelist stay as set', async (t) => {
  t.equal(effectiveEnterpriseClass(rules, undefined, '2026-01-01T00:00:00+08:00'), 'WHITELIST');
  t.equal(
    effectiveEnterpriseClass(rules, { class: 'AEO_ADVANCED', history: [] }, '2040-01-01T00:00:00+08:00'),
    'AEO_ADVANCED',
  );
  t.equal(
    effectiveEnterpriseClass(rules, { class: 'WHITELIST', history: [] }, '2040-01-01T00:00:00+08:00'),
    'WHITELIST',
  );
});

t.test(
  'smuggling penalty / serious dishonesty: removed exactly 3 years after listing, not one ms before',
  async (t) => {
    for (const reason of ['SMUGGLING_PENALTY', 'SERIOUS_DISHONESTY'] as const) {
      const rec = listed(reason, '2025-12-18T10:00:00+08:00');
      t.equal(
        effectiveEnterpriseClass(rules, rec, '2028-12-18T09:59:59.999+08:00'),
        'KEY_ATTENTION',
        `${reason}: 1 ms before`,
      );
      t.equal(effectiveEnterpriseClass(rules, rec, '2028-12-18T10:00:00+08:00'), 'WHITELIST', `${reason}: at 3 years`);
      t.equal(
        effectiveEnterpriseClass(rules, rec, '2028-12-18T02:00:00Z'),
        'WHITELIST',
        `${reason}: same instant in UTC`,
      );
    }
    const leapDay = listed('SMUGGLING_PENALTY', '2028-02-29T09:00:00+08:00');
    t.equal(effectiveEnterpriseClass(rules, leapDay, '2031-02-28T08:59:59.999+08:00'), 'KEY_ATTENTION');
    t.equal(
      effectiveEnterpriseClass(rules, leapDay, '2031-02-28T09:00:00+08:00'),
      'WHITELIST',
      'listed on 29 Feb: out on 28 Feb',
    );
  },
);

t.test('a recurrence re-lists and restarts the 3-year clock', async (t) => {
  const first = listed('SMUGGLING_PENALTY', '2025-12-18T10:00:00+08:00');
  const relisted: CreditRecord = {
    ...first,
    listedAtIso: '2027-06-01T09:00:00+08:00',
    history: [
      ...first.history,
      {
        class: 'KEY_ATTENTION',
        reason: 'SMUGGLING_PENALTY',
        atIso: '2027-06-01T09:00:00+08:00',
        by: 'customs-officer-0571',
      },
    ],
  };
  t.equal(
    effectiveEnterpriseClass(rules, relisted, '2028-12-18T10:00:00+08:00'),
    'KEY_ATTENTION',
    'the first listing date no longer counts',
  );
  t.equal(effectiveEnterpriseClass(rules, relisted, '2030-06-01T08:59:59.999+08:00'), 'KEY_ATTENTION');
  t.equal(effectiveEnterpriseClass(rules, relisted, '2030-06-01T09:00:00+08:00'), 'WHITELIST');
});

t.test('lowest regulator rating: stays listed until the rating improves, however long', async (t) => {
  const lowest = listed('REGULATOR_LOWEST_RATING', '2025-12-18T10:00:00+08:00', { regulatorRatingLowest: true });
  t.equal(
    effectiveEnterpriseClass(rules, lowest, '2035-01-01T00:00:00+08:00'),
    'KEY_ATTENTION',
    '10 years on, still lowest',
  );
  t.equal(
    effectiveEnterpriseClass(rules, { ...lowest, regulatorRatingLowest: false }, '2026-01-05T00:00:00+08:00'),
    'WHITELIST',
    'improved',
  );
  const unknown = listed('REGULATOR_LOWEST_RATING', '2025-12-18T10:00:00+08:00');
  t.equal(
    effectiveEnterpriseClass(rules, unknown, '2035-01-01T00:00:00+08:00'),
    'KEY_ATTENTION',
    'no explicit improvement: stays',
  );
});

t.test('other reasons: customs removes by hand, nothing happens by itself', async (t) => {
  const other = listed('OTHER', '2025-12-18T10:00:00+08:00');
  t.equal(effectiveEnterpriseClass(rules, other, '2040-01-01T00:00:00+08:00'), 'KEY_ATTENTION');
  const noReason: CreditRecord = { class: 'KEY_ATTENTION', history: [] };
  t.equal(effectiveEnterpriseClass(rules, noReason, '2040-01-01T00:00:00+08:00'), 'KEY_ATTENTION');
});

t.test('the removal period is the configured one', async (t) => {
  const rec = listed('SERIOUS_DISHONESTY', '2025-12-18T10:00:00+08:00');
  const fiveYears = { ...rules, keyAttentionAutoRemovalYears: 5 };
  t.equal(effectiveEnterpriseClass(fiveYears, rec, '2028-12-18T10:00:00+08:00'), 'KEY_ATTENTION');
  t.equal(effectiveEnterpriseClass(fiveYears, rec, '2030-12-18T10:00:00+08:00'), 'WHITELIST');
});

t.test('persons: supervised 3 years from listing, then whitelist; a re-listing restarts', async (t) => {
  t.equal(effectivePersonClass(rules, undefined, '2026-01-01T00:00:00+08:00'), 'WHITELIST');
  t.equal(effectivePersonClass(rules, { class: 'WHITELIST' }, '2026-01-01T00:00:00+08:00'), 'WHITELIST');
  const person = { class: 'KEY_ATTENTION' as const, listedAtIso: '2026-03-10T14:30:00+08:00' };
  t.equal(effectivePersonClass(rules, person, '2029-03-10T14:29:59.999+08:00'), 'KEY_ATTENTION');
  t.equal(effectivePersonClass(rules, person, '2029-03-10T14:30:00+08:00'), 'WHITELIST');
  const again = { ...person, listedAtIso: '2028-01-01T00:00:00+08:00' };
  t.equal(effectivePersonClass(rules, again, '2029-03-10T14:30:00+08:00'), 'KEY_ATTENTION');
});

t.test('a time-limited listing without its listing time is a programmer error, not a silent removal', async (t) => {
  t.throws(() =>
    effectiveEnterpriseClass(
      rules,
      { class: 'KEY_ATTENTION', reason: 'SMUGGLING_PENALTY', history: [] },
      '2030-01-01T00:00:00+08:00',
    ),
  );
  t.throws(() => effectivePersonClass(rules, { class: 'KEY_ATTENTION' }, '2030-01-01T00:00:00+08:00'));
});
