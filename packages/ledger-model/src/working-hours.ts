/**
 * Working time for answer deadlines (一呼一应): when customs owes an answer to an enterprise's request.
 *
 * The rule, one place for the chain and the gateway: working time is Monday to Friday, 09:00 to 17:00 Asia/Shanghai
 * (8 hours a day; Shanghai is a fixed UTC+08:00, so this is integer arithmetic, the same on every endorser). Public
 * holidays and the weekend make-up working days (调休) are not modelled: they change by announcement each year and
 * would be effective-dated calendar data; until then a deadline across a holiday falls earlier than a clerk would say.
 */
import { strict as assert } from 'node:assert';
import { DAY_MS, SHANGHAI_OFFSET_MS } from './time';

/** Working time starts at 09:00 Shanghai wall-clock time. */
export const WORKDAY_START_MINUTE = 9 * 60;
/** ... and ends at 17:00. */
export const WORKDAY_END_MINUTE = 17 * 60;
/** Most working minutes a deadline may lie ahead: 20 working days, far above any answer time customs commits to. */
export const WORKING_MINUTES_MAX = 20 * (WORKDAY_END_MINUTE - WORKDAY_START_MINUTE);
/**
 * Calendar days the walk may visit: {@link WORKING_MINUTES_MAX} is 20 working days, at most 4 weeks and a weekend
 * apart from a start on a Friday evening; the bound is a safety net, never reached.
 */
const CALENDAR_DAYS_MAX = 40;

/** Whether a Shanghai day number (days since 1970-01-01, a Thursday) is Monday to Friday. */
function isWorkday(day: number): boolean {
  const weekday = (((day + 4) % 7) + 7) % 7; // 0 = Sunday
  return weekday >= 1 && weekday <= 5;
}

/**
 * The instant when `minutes` of working time have passed since `startMs`: a request filed on Friday at 16:00 with a
 * two-hour answer time is due on Monday at 10:00; one filed on Saturday is due on Monday at 11:00.
 *
 * @param startMs epoch milliseconds (an integer), e.g. the filing transaction's time
 * @param minutes working minutes, 1 to {@link WORKING_MINUTES_MAX}
 * @returns epoch milliseconds of the deadline
 */
export function addWorkingMinutes(startMs: number, minutes: number): number {
  assert.ok(Number.isSafeInteger(startMs), `working-hours: ${String(startMs)} is not an epoch-millisecond integer`);
  assert.ok(
    Number.isSafeInteger(minutes) && minutes >= 1 && minutes <= WORKING_MINUTES_MAX,
    `working-hours: ${String(minutes)} working minutes is outside 1-${WORKING_MINUTES_MAX}`,
  );
  let local = startMs + SHANGHAI_OFFSET_MS;
  let leftMs = minutes * 60_000;
  for (let i = 0; i < CALENDAR_DAYS_MAX; i++) {
    const day = Math.floor(local / DAY_MS);
    const open = day * DAY_MS + WORKDAY_START_MINUTE * 60_000;
    const close = day * DAY_MS + WORKDAY_END_MINUTE * 60_000;
    if (isWorkday(day) && local < close) {
      const from = Math.max(local, open);
      if (from + leftMs <= close) return from + leftMs - SHANGHAI_OFFSET_MS;
      leftMs -= close - from;
    }
    local = (day + 1) * DAY_MS;
  }
  throw new assert.AssertionError({ message: `working-hours: no deadline within ${CALENDAR_DAYS_MAX} days` });
}
