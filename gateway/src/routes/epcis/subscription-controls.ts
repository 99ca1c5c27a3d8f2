/**
 * The subscription controls of the binding both subscription kinds share: `initialRecordTime` (a date-time with an
 * offset; where the subscription starts).
 */
import { newProblem } from '../../errors';

/** An RFC 3339 date-time with an offset. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Read `initialRecordTime`.
 *
 * @returns ISO-8601 UTC, or undefined when absent.
 * @throws ProblemError `EPCIS_SUBSCRIPTION_CONTROLS`
 */
export function initialRecordTimeOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw newProblem('EPCIS_SUBSCRIPTION_CONTROLS', 'initialRecordTime must be a date-time with an offset');
  }
  return new Date(value).toISOString();
}
