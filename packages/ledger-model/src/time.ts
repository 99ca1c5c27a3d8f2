/**
 * Instants and Asia/Shanghai calendar arithmetic for chaincode rules, without a clock or a timezone database.
 *
 * Every endorser must compute the same calendar date for the same instant, so nothing here reads the host's
 * timezone, Intl or `Date.now()`. Asia/Shanghai has been a fixed UTC+08:00 with no daylight saving since 1991,
 * so a Shanghai calendar date is the UTC calendar date of the instant shifted by +8 hours. The civil-date
 * conversions are integer arithmetic (H. Hinnant's days-from-civil algorithm), which also avoids `Date.UTC`
 * mapping years 0-99 onto 1900-1999.
 *
 * Times cross the chaincode boundary as ISO-8601 strings with an explicit offset; rules written in local
 * wall-clock terms ("by the 25th", "from 1 January") are evaluated on the Shanghai calendar.
 */
import { strict as assert } from 'node:assert';
import { ChaincodeError, ErrorCode } from './errors';

/** Milliseconds in one day; exact in Shanghai, which has no DST. */
export const DAY_MS = 86_400_000;
/** Asia/Shanghai offset from UTC: +08:00, fixed since 1991. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** Longest instant string we look at; the longest valid form (9 fraction digits, offset) is 35 characters. */
export const INSTANT_LENGTH_MAX = 40;
/** Largest UTC offset accepted (as `java.time.ZoneOffset`); real offsets stay within ±14:00. */
const OFFSET_MINUTES_MAX = 18 * 60;

// Full date-time only: a date alone or a time without an offset names no single instant. The fraction may carry
// up to nanoseconds (as a protobuf Timestamp can); it is truncated to milliseconds like tx-time.ts does.
/** The syntax of an instant (its calendar and offset bounds are checked by {@link parseInstant}). */
export const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A calendar date; month 1-12, day 1-31. */
interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return isLeapYear(year) ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant, days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Inverse of {@link daysFromCivil} (Hinnant, civil_from_days). */
function civilFromDays(days: number): CalendarDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function assertEpochMs(ms: number): void {
  assert.ok(Number.isSafeInteger(ms), `time: ${String(ms)} is not an integer epoch-millisecond value`);
}

function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  // Messages name the offending value, but a multi-kilobyte argument should not become a multi-kilobyte error.
  return JSON.stringify(text.length > INSTANT_LENGTH_MAX + 20 ? `${text.slice(0, INSTANT_LENGTH_MAX + 20)}...` : text);
}

function invalidInstant(iso: unknown): ChaincodeError {
  return new ChaincodeError(
    ErrorCode.INVALID_ARGUMENT,
    `${quoted(iso)} is not an ISO-8601 date-time with offset (e.g. 2025-11-01T00:00:00+08:00 or 2025-10-31T16:00:00Z)`,
  );
}

/**
 * Parses an ISO-8601 date-time with an explicit offset into epoch milliseconds.
 *
 * Strict: `YYYY-MM-DDTHH:mm:ss[.fraction](Z|±hh:mm)`, a real calendar date, hours 00-23, no leap second.
 * Fractions finer than a millisecond are truncated.
 *
 * @param iso for example `2025-11-01T00:00:00+08:00`
 * @returns epoch milliseconds
 * @throws ChaincodeError INVALID_ARGUMENT for anything else, naming the value
 */
export function parseInstant(iso: string): number {
  if (typeof iso !== 'string' || iso.length > INSTANT_LENGTH_MAX) {
    throw invalidInstant(iso);
  }
  const match = INSTANT.exec(iso);
  if (match === null) {
    throw invalidInstant(iso);
  }
  const [, y = '', mo = '', d = '', h = '', mi = '', s = '', fraction, sign, oh, om] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw invalidInstant(iso);
  }
  let offsetMinutes = 0;
  if (sign !== undefined) {
    const offsetMinute = Number(om);
    offsetMinutes = Number(oh) * 60 + offsetMinute;
    if (offsetMinute > 59 || offsetMinutes > OFFSET_MINUTES_MAX) {
      throw invalidInstant(iso);
    }
    offsetMinutes = sign === '-' ? -offsetMinutes : offsetMinutes;
  }
  const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const localMs = daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  return localMs - offsetMinutes * 60_000;
}

/**
 * The calendar date in Asia/Shanghai at an instant.
 *
 * @param ms epoch milliseconds (an integer)
 * @returns year, month 1-12, day 1-31
 */
export function shanghaiDate(ms: number): { year: number; month: number; day: number } {
  assertEpochMs(ms);
  return civilFromDays(Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS));
}

/**
 * The Asia/Shanghai calendar year of an instant: the year a duty-free quota is counted in.
 *
 * @param iso an instant accepted by {@link parseInstant}
 * @returns e.g. 2026 for `2025-12-31T16:00:00Z` (midnight of 1 January in Shanghai)
 * @throws ChaincodeError INVALID_ARGUMENT if `iso` is not an instant
 */
export function shanghaiYear(iso: string): number {
  return shanghaiDate(parseInstant(iso)).year;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * The Asia/Shanghai calendar month of an instant: the period a batch exit is declared in.
 *
 * @param iso an instant accepted by {@link parseInstant}
 * @returns `yyyy-mm`, e.g. `2025-12`
 * @throws ChaincodeError INVALID_ARGUMENT if `iso` is not an instant
 */
export function shanghaiMonth(iso: string): string {
  const { year, month } = shanghaiDate(parseInstant(iso));
  return `${pad(year, 4)}-${pad(month, 2)}`;
}

/**
 * The first instant of a Shanghai calendar year, when the annual quota starts afresh.
 *
 * @param year e.g. 2026
 * @returns epoch ms of `2026-01-01T00:00:00+08:00`
 */
export function startOfShanghaiYear(year: number): number {
  assert.ok(Number.isSafeInteger(year), `time: year ${String(year)} is not an integer`);
  return daysFromCivil(year, 1, 1) * DAY_MS - SHANGHAI_OFFSET_MS;
}

/**
 * Adds calendar years in Shanghai wall-clock time, keeping the time of day. When the date does not exist in the
 * target year (29 February), it becomes the last day of that month, 28 February, as the PRC Civil Code art. 202
 * counts periods ("no corresponding day: the last day of the month").
 *
 * @param ms epoch milliseconds
 * @param years whole years, may be negative
 * @returns epoch milliseconds
 */
export function addYearsMs(ms: number, years: number): number {
  assertEpochMs(ms);
  assert.ok(Number.isSafeInteger(years), `time: ${String(years)} is not a whole number of years`);
  const localMs = ms + SHANGHAI_OFFSET_MS;
  const days = Math.floor(localMs / DAY_MS);
  const timeOfDayMs = localMs - days * DAY_MS;
  const { year, month, day } = civilFromDays(days);
  const targetYear = year + years;
  const targetDay = Math.min(day, daysInMonth(targetYear, month));
  return daysFromCivil(targetYear, month, targetDay) * DAY_MS + timeOfDayMs - SHANGHAI_OFFSET_MS;
}

/**
 * Adds whole days. Shanghai has no DST, so a calendar day is always exactly 24 hours.
 *
 * @param ms epoch milliseconds
 * @param days whole days, may be negative
 * @returns epoch milliseconds
 */
export function addDaysMs(ms: number, days: number): number {
  assertEpochMs(ms);
  assert.ok(Number.isSafeInteger(days), `time: ${String(days)} is not a whole number of days`);
  return ms + days * DAY_MS;
}

/**
 * Age in whole years completed on the Shanghai calendar day of an instant. The birthday itself counts (someone
 * born 2007-11-01 is 18 on 2025-11-01). A 29 February birthday falls on 28 February in common years, the same
 * convention as {@link addYearsMs}.
 *
 * The birth date is personal data from transient input, so error messages never repeat it.
 *
 * @param birthDate `YYYY-MM-DD`
 * @param atMs the instant (epoch ms) whose Shanghai calendar day is asked about
 * @returns completed years, 0 or more
 * @throws ChaincodeError INVALID_ARGUMENT if the birth date is not a real date or is after that day
 */
export function ageOn(birthDate: string, atMs: number): number {
  const match = typeof birthDate === 'string' ? DATE.exec(birthDate) : null;
  const [, y = '', m = '', d = ''] = match ?? [];
  const birth = { year: Number(y), month: Number(m), day: Number(d) };
  if (
    match === null ||
    birth.month < 1 ||
    birth.month > 12 ||
    birth.day < 1 ||
    birth.day > daysInMonth(birth.year, birth.month)
  ) {
    throw new ChaincodeError(ErrorCode.INVALID_ARGUMENT, 'buyer birth date is not a valid YYYY-MM-DD calendar date');
  }
  const on = shanghaiDate(atMs);
  const birthdayThisYear = Math.min(birth.day, daysInMonth(on.year, birth.month));
  const beforeBirthday = on.month < birth.month || (on.month === birth.month && on.day < birthdayThisYear);
  const age = on.year - birth.year - (beforeBirthday ? 1 : 0);
  if (age < 0) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      `buyer birth date is after the purchase day ${pad(on.year, 4)}-${pad(on.month, 2)}-${pad(on.day, 2)}`,
    );
  }
  return age;
}

/**
 * @param s candidate month
 * @returns true for `yyyy-mm` with month 01-12
 */
export function isValidMonth(s: string): boolean {
  return typeof s === 'string' && MONTH.test(s);
}

/**
 * The calendar month after a month: where a declaration for `month` falls due.
 *
 * @param month `yyyy-mm`
 * @returns the next `yyyy-mm`, e.g. `2026-01` after `2025-12`
 * @throws ChaincodeError INVALID_ARGUMENT if `month` is not `yyyy-mm`
 */
export function monthAfter(month: string): string {
  if (!isValidMonth(month)) {
    throw new ChaincodeError(ErrorCode.INVALID_ARGUMENT, `${quoted(month)} is not a month of the form yyyy-mm`);
  }
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${pad(year + 1, 4)}-01` : `${pad(year, 4)}-${pad(m + 1, 2)}`;
}

/**
 * Formats an instant as Shanghai wall-clock ISO-8601 with millisecond precision and a `+08:00` offset, the one
 * form these rules write (deadlines, ban ends), so that a person reading the ledger sees local time.
 *
 * @param ms epoch milliseconds
 * @returns e.g. `2026-01-25T23:59:59.999+08:00`
 */
export function toShanghaiIso(ms: number): string {
  assertEpochMs(ms);
  const localMs = ms + SHANGHAI_OFFSET_MS;
  const days = Math.floor(localMs / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  let rest = localMs - days * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return (
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` +
    `T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}+08:00`
  );
}
