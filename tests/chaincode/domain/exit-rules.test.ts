// Proves second-line exit rules decide exactly at their boundaries: 30.00% value added, the ten ports, batch exit by credit class and declaration due date, one month per declaration.
// How: literal amounts one fen either side of 30%, instants one ms either side of the 25th's end, and December/January batch sets, with the default rules.
import t from 'tap';
import { ErrorCode } from '@hainan/ledger-model';
import { ruleSetAt } from '../../../chaincode/src/domain/rules';
import {
  checkBatchExit,
  checkConsolidation,
  checkPort,
  declarationDueIso,
  isTariffExempt,
  valueAddedBp,
} from '../../../chaincode/src/domain/exit-rules';
import { throwsCode } from './helpers/throws-code';

const rules = ruleSetAt([], '2026-01-15T00:00:00+08:00');

t.test('value added: 30.00% is exempt, 29.99% is not (imported 10,000 fen: exit 13,000 vs 12,999)', async (t) => {
  t.equal(valueAddedBp(13_000, 10_000), 3000);
  t.equal(valueAddedBp(12_999, 10_000), 2999);
  t.equal(isTariffExempt(rules, 13_000, 10_000), true);
  t.equal(isTariffExempt(rules, 12_999, 10_000), false);
  t.equal(isTariffExempt(rules, 50_000, 10_000), true);
  // 1/3 more: 33.33...%, floor to 3333 bp; a float ratio of 0.3 would be exactly where rounding bites.
  t.equal(valueAddedBp(4, 3), 3333);
  t.equal(valueAddedBp(10_000, 10_000), 0);
  t.equal(valueAddedBp(1, 3), -6667, 'a loss rounds toward minus infinity');
  t.equal(isTariffExempt(rules, 9_000, 10_000), false);
});

t.test('value added stays exact where floats would not (amounts near 2^53 fen)', async (t) => {
  const imported = 3_000_000_000_000_010; // 30 trillion CNY: absurd, but still a safe integer
  const exactly30 = 3_900_000_000_000_013;
  t.equal(isTariffExempt(rules, exactly30, imported), true);
  t.equal(isTariffExempt(rules, exactly30 - 1, imported), false);
  t.equal(valueAddedBp(exactly30, imported), 3000);
  t.equal(valueAddedBp(exactly30 - 1, imported), 2999);
  throwsCode(
    t,
    () => valueAddedBp(9_000_000_000_000_000, 1),
    ErrorCode.INVALID_ARGUMENT,
    'ratio beyond a safe integer',
  );
});

t.test('value added refuses amounts that are not integer fen, and a zero denominator', async (t) => {
  throwsCode(t, () => valueAddedBp(13_000, 0), ErrorCode.INVALID_ARGUMENT, 'no imported materials');
  throwsCode(t, () => isTariffExempt(rules, 13_000, 0), ErrorCode.INVALID_ARGUMENT, 'no imported materials');
  throwsCode(t, () => valueAddedBp(130.5, 100), ErrorCode.INVALID_ARGUMENT, 'float');
  throwsCode(t, () => isTariffExempt(rules, -1, 100), ErrorCode.INVALID_ARGUMENT, 'negative');
});

t.test('the ten second-line ports are accepted, anything else is UNKNOWN_PORT', async (t) => {
  t.equal(rules.secondLinePorts.length, 10);
  for (const port of rules.secondLinePorts) {
    checkPort(rules, port);
  }
  t.pass('all ten accepted');
  t.match(
    throwsCode(t, () => checkPort(rules, 'SHANGHAI_PORT'), ErrorCode.UNKNOWN_PORT),
    /"SHANGHAI_PORT"/,
  );
  throwsCode(t, () => checkPort(rules, 'haikou_port'), ErrorCode.UNKNOWN_PORT, 'case matters');
  throwsCode(t, () => checkPort(rules, ''), ErrorCode.UNKNOWN_PORT, 'empty');
});

t.test('a month is declared by the end of the 25th of the next month, Shanghai time', async (t) => {
  t.equal(declarationDueIso(rules, '2025-12'), '2026-01-25T23:59:59.999+08:00');
  t.equal(declarationDueIso(rules, '2026-01'), '2026-02-25T23:59:59.999+08:00');
  t.equal(declarationDueIso({ ...rules, declarationDueDay: 5 }, '2026-01'), '2026-02-05T23:59:59.999+08:00');
  throwsCode(t, () => declarationDueIso(rules, '2025-13'), ErrorCode.INVALID_ARGUMENT);
});

t.test('batch exit: AEO and whitelist only; key attention refused', async (t) => {
  checkBatchExit(rules, { creditClass: 'AEO_ADVANCED', undeclaredMonths: [] }, '2026-01-15T10:00:00+08:00');
  checkBatchExit(rules, { creditClass: 'WHITELIST', undeclaredMonths: [] }, '2026-01-15T10:00:00+08:00');
  t.pass('AEO and whitelist may');
  const message = throwsCode(
    t,
    () => checkBatchExit(rules, { creditClass: 'KEY_ATTENTION', undeclaredMonths: [] }, '2026-01-15T10:00:00+08:00'),
    ErrorCode.BATCH_EXIT_NOT_ALLOWED,
  );
  t.match(message, /KEY_ATTENTION/);
});

t.test(
  'an overdue declaration suspends batch exit: the last ms of the 25th is in time, 00:00 on the 26th is not',
  async (t) => {
    const state = { creditClass: 'WHITELIST' as const, undeclaredMonths: ['2025-12'] };
    checkBatchExit(rules, state, '2026-01-25T23:59:59.999+08:00');
    checkBatchExit(rules, state, '2026-01-25T15:59:59.999Z');
    t.pass('in time up to the end of the 25th');
    const message = throwsCode(
      t,
      () => checkBatchExit(rules, state, '2026-01-26T00:00:00+08:00'),
      ErrorCode.BATCH_EXIT_SUSPENDED,
    );
    t.match(message, /2025-12 was due by 2026-01-25T23:59:59\.999\+08:00/);
    throwsCode(
      t,
      () => checkBatchExit(rules, state, '2026-01-25T16:00:00Z'),
      ErrorCode.BATCH_EXIT_SUSPENDED,
      'UTC spelling',
    );
    const several = { creditClass: 'AEO_ADVANCED' as const, undeclaredMonths: ['2026-02', '2025-11', '2026-01'] };
    t.match(
      throwsCode(t, () => checkBatchExit(rules, several, '2026-02-01T00:00:00+08:00'), ErrorCode.BATCH_EXIT_SUSPENDED),
      /for 2025-11 /,
      'names the earliest overdue month',
    );
    checkBatchExit(
      rules,
      { creditClass: 'AEO_ADVANCED', undeclaredMonths: ['2026-01', '2026-02'] },
      '2026-02-20T00:00:00+08:00',
    );
    t.pass('months not yet due do not suspend');
    throwsCode(
      t,
      () =>
        checkBatchExit(
          rules,
          { creditClass: 'WHITELIST', undeclaredMonths: ['Dec 2025'] },
          '2026-01-01T00:00:00+08:00',
        ),
      ErrorCode.INVALID_ARGUMENT,
    );
  },
);

t.test('a consolidated declaration covers one month and never spans two calendar years', async (t) => {
  checkConsolidation(rules, ['2025-12', '2025-12', '2025-12'], '2025-12');
  t.pass('three December batches in the December declaration');
  t.match(
    throwsCode(
      t,
      () => checkConsolidation(rules, ['2025-12', '2026-01'], '2025-12'),
      ErrorCode.DECLARATION_SPANS_YEARS,
    ),
    /2025 and 2026/,
  );
  throwsCode(
    t,
    () => checkConsolidation(rules, ['2025-12', '2026-01'], '2026-01'),
    ErrorCode.DECLARATION_SPANS_YEARS,
    'whichever month it claims',
  );
  throwsCode(
    t,
    () => checkConsolidation(rules, ['2025-12'], '2026-01'),
    ErrorCode.DECLARATION_SPANS_YEARS,
    'December batches in a January declaration',
  );
  t.match(
    throwsCode(
      t,
      () => checkConsolidation(rules, ['2025-11', '2025-12', '2025-11'], '2025-12'),
      ErrorCode.DECLARATION_PERIOD_INVALID,
    ),
    /includes batches of 2025-11;/,
  );
  throwsCode(t, () => checkConsolidation(rules, ['2026-02'], '2026-03'), ErrorCode.DECLARATION_PERIOD_INVALID);
  throwsCode(t, () => checkConsolidation(rules, [], '2025-12'), ErrorCode.INVALID_ARGUMENT, 'no batches');
  throwsCode(
    t,
    () => checkConsolidation(rules, ['2025-12'], '2025-12-01'),
    ErrorCode.INVALID_ARGUMENT,
    'bad declaration month',
  );
  throwsCode(t, () => checkConsolidation(rules, ['2025-1'], '2025-01'), ErrorCode.INVALID_ARGUMENT, 'bad batch month');
});
