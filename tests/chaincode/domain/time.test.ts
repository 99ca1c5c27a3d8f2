// Proves chaincode time rules read ISO-8601 instants strictly and do Asia/Shanghai calendar arithmetic (years, ages, months) right at the boundaries.
// How: literal instants around midnight, year ends and 29 February, plus a cross-check of the integer calendar against Date's UTC getters shifted by +8 h.
import t, { type Test } from 'tap';
import {
  addDaysMs,
  addYearsMs,
  ageOn,
  ChaincodeError,
  ErrorCode,
  isValidMonth,
  monthAfter,
  parseInstant,
  shanghaiDate,
  shanghaiMonth,
  shanghaiYear,
  startOfShanghaiYear,
  toShanghaiIso,
} from '@hainan/ledger-model';

function throwsCode(t: Test, fn: () => unknown, code: ErrorCode, label?: string): void {
  try {
    fn();
    t.fail(`expected ${code}${label === undefined ? '' : ` for ${label}`}`);
  } catch (error) {
    t.ok(error instanceof ChaincodeError, `${label ?? code}: a ChaincodeError`);
    t.equal((error as ChaincodeError).code, code, label ?? code);
    t.ok((error as Error).message.startsWith(`${code}: `), `${label ?? code}: message starts with the code`);
  }
}

t.test('parseInstant reads full date-times with Z or an offset', async (t) => {
  t.equal(parseInstant('2025-11-01T00:00:00+08:00'), Date.UTC(2025, 9, 31, 16));
  t.equal(parseInstant('2025-10-31T16:00:00Z'), Date.UTC(2025, 9, 31, 16));
  t.equal(parseInstant('2025-10-31T10:30:00-05:30'), Date.UTC(2025, 9, 31, 16));
  t.equal(parseInstant('2025-11-01T00:00:00.5+08:00'), Date.UTC(2025, 9, 31, 16, 0, 0, 500));
  t.equal(
    parseInstant('2025-11-01T00:00:00.123456789+08:00'),
    Date.UTC(2025, 9, 31, 16, 0, 0, 123),
    'nanoseconds truncated',
  );
  t.equal(parseInstant('2024-02-29T12:00:00Z'), Date.UTC(2024, 1, 29, 12), 'leap day');
  t.equal(parseInstant('0099-01-01T00:00:00Z'), Date.parse('0099-01-01T00:00:00Z'), 'two-digit years are not 19xx');
});

t.test('parseInstant refuses anything that is not one exact instant, naming the value', async (t) => {
  for (const bad of [
    '',
    'yesterday',
    '2025-11-01',
    '2025-11-01T00:00:00', // no offset: which instant?
    '2025-11-01 00:00:00Z',
    '2025-11-01t00:00:00z',
    '2025-11-01T00:00Z',
    '2025-11-01T00:00:00+0800',
    '2025-11-01T00:00:00+08',
    '2025-02-29T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-11-00T00:00:00Z',
    '2025-11-01T24:00:00Z',
    '2025-11-01T23:60:00Z',
    '2025-11-01T23:59:60Z',
    '2025-11-01T00:00:00+19:00',
    '2025-11-01T00:00:00+08:60',
    '2025-11-01T00:00:00.Z',
    '2025-11-01T00:00:00.1234567890Z',
    ' 2025-11-01T00:00:00Z',
    '+2025-11-01T00:00:00Z',
  ]) {
    throwsCode(t, () => parseInstant(bad), ErrorCode.INVALID_ARGUMENT, JSON.stringify(bad));
  }
  throwsCode(t, () => parseInstant(20251101 as unknown as string), ErrorCode.INVALID_ARGUMENT, 'a number');
  t.match(
    (() => {
      try {
        parseInstant('2025-11-01T00:00:00');
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })(),
    /"2025-11-01T00:00:00"/,
    'the message names the value',
  );
});

t.test('the integer calendar agrees with Date UTC getters shifted by +8 h, 1900-2200', async (t) => {
  const startMs = Date.UTC(1900, 0, 1);
  const endMs = Date.UTC(2200, 0, 1);
  // An odd step (6 days 7 h 13 min 17.3 s) lands on every time of day and every day of the month over the span.
  const stepMs = ((6 * 24 + 7) * 60 + 13) * 60_000 + 17_300;
  let mismatches = 0;
  let checked = 0;
  for (let ms = startMs; ms < endMs; ms += stepMs) {
    const shifted = new Date(ms + 8 * 3_600_000);
    const date = shanghaiDate(ms);
    if (
      date.year !== shifted.getUTCFullYear() ||
      date.month !== shifted.getUTCMonth() + 1 ||
      date.day !== shifted.getUTCDate()
    ) {
      mismatches += 1;
    }
    if (parseInstant(toShanghaiIso(ms)) !== ms) {
      mismatches += 1;
    }
    checked += 1;
  }
  t.ok(checked > 17_000, `${checked} instants checked`);
  t.equal(mismatches, 0);
});

t.test('Shanghai year and month turn at 00:00 +08:00, which is 16:00 UTC the day before', async (t) => {
  t.equal(shanghaiYear('2025-12-31T23:59:59.999+08:00'), 2025);
  t.equal(shanghaiYear('2026-01-01T00:00:00+08:00'), 2026);
  t.equal(shanghaiYear('2025-12-31T15:59:59.999Z'), 2025);
  t.equal(shanghaiYear('2025-12-31T16:00:00Z'), 2026, 'still 31 December in UTC, already 2026 in Hainan');
  t.equal(shanghaiMonth('2025-11-30T16:00:00Z'), '2025-12');
  t.equal(shanghaiMonth('2025-12-31T23:59:59+08:00'), '2025-12');
  t.same(shanghaiDate(Date.UTC(2025, 9, 31, 16)), { year: 2025, month: 11, day: 1 });
  t.equal(startOfShanghaiYear(2026), parseInstant('2026-01-01T00:00:00+08:00'));
  t.equal(startOfShanghaiYear(2025), Date.UTC(2024, 11, 31, 16));
});

t.test('addYearsMs keeps Shanghai wall-clock time and maps 29 February to 28 February', async (t) => {
  const leap = parseInstant('2024-02-29T10:00:00+08:00');
  t.equal(toShanghaiIso(addYearsMs(leap, 1)), '2025-02-28T10:00:00.000+08:00');
  t.equal(toShanghaiIso(addYearsMs(leap, 4)), '2028-02-29T10:00:00.000+08:00');
  t.equal(toShanghaiIso(addYearsMs(leap, -1)), '2023-02-28T10:00:00.000+08:00');
  // 2025-12-31T20:00Z is already 1 January 2026 in Shanghai: years are added to the Shanghai date.
  t.equal(toShanghaiIso(addYearsMs(parseInstant('2025-12-31T20:00:00Z'), 3)), '2029-01-01T04:00:00.000+08:00');
  t.equal(toShanghaiIso(addYearsMs(parseInstant('2025-12-18T00:00:00+08:00'), 3)), '2028-12-18T00:00:00.000+08:00');
  t.equal(addDaysMs(parseInstant('2025-11-01T10:00:00+08:00'), 30), parseInstant('2025-12-01T10:00:00+08:00'));
  t.equal(addDaysMs(parseInstant('2024-02-28T00:00:00+08:00'), 1), parseInstant('2024-02-29T00:00:00+08:00'));
  t.throws(() => addYearsMs(1.5, 1), 'a float instant is a programmer error');
});

t.test('ageOn counts completed years on the Shanghai calendar day; the birthday counts', async (t) => {
  t.equal(ageOn('2007-11-01', parseInstant('2025-11-01T00:00:00+08:00')), 18, 'the 18th birthday itself');
  t.equal(ageOn('2007-11-01', parseInstant('2025-10-31T23:59:59.999+08:00')), 17, 'the day before');
  t.equal(ageOn('2007-11-01', parseInstant('2025-10-31T16:00:00Z')), 18, 'already 1 November in Hainan');
  t.equal(ageOn('2008-06-01', parseInstant('2025-10-31T12:00:00+08:00')), 17);
  t.equal(ageOn('2007-02-28', parseInstant('2025-02-28T12:00:00+08:00')), 18);
  t.equal(ageOn('2008-02-29', parseInstant('2026-02-27T12:00:00+08:00')), 17, 'leap-day baby, common year, 27 Feb');
  t.equal(
    ageOn('2008-02-29', parseInstant('2026-02-28T12:00:00+08:00')),
    18,
    'leap-day baby turns on 28 Feb in a common year',
  );
  t.equal(ageOn('2008-02-29', parseInstant('2028-02-28T12:00:00+08:00')), 19, 'leap year: not yet on 28 Feb');
  t.equal(ageOn('2008-02-29', parseInstant('2028-02-29T12:00:00+08:00')), 20);
  t.equal(ageOn('2025-11-01', parseInstant('2025-11-01T12:00:00+08:00')), 0, 'born today');
});

t.test('ageOn refuses impossible birth dates without repeating them', async (t) => {
  const at = parseInstant('2025-11-01T12:00:00+08:00');
  for (const bad of ['2007-02-29', '2007-13-01', '2007-11-1', '01/11/2007', '', '2007-11-01T00:00:00Z', '2025-11-02']) {
    throwsCode(t, () => ageOn(bad, at), ErrorCode.INVALID_ARGUMENT, JSON.stringify(bad));
    try {
      ageOn(bad, at);
    } catch (error) {
      t.notOk(bad !== '' && (error as Error).message.includes(bad), 'the birth date is not in the message');
    }
  }
});

t.test('months: validity and the month after', async (t) => {
  t.ok(isValidMonth('2025-12'));
  t.ok(isValidMonth('2026-01'));
  for (const bad of ['2025-13', '2025-00', '2025-1', '2025/12', '2025-12-01', '']) {
    t.notOk(isValidMonth(bad), JSON.stringify(bad));
  }
  t.equal(monthAfter('2025-12'), '2026-01');
  t.equal(monthAfter('2025-01'), '2025-02');
  t.equal(monthAfter('2025-09'), '2025-10');
  throwsCode(t, () => monthAfter('2025-13'), ErrorCode.INVALID_ARGUMENT);
});

t.test('toShanghaiIso writes local wall-clock time with +08:00', async (t) => {
  t.equal(toShanghaiIso(Date.UTC(2026, 0, 25, 15, 59, 59, 999)), '2026-01-25T23:59:59.999+08:00');
  t.equal(toShanghaiIso(0), '1970-01-01T08:00:00.000+08:00');
});
