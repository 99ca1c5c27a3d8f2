/**
 * Second-line credit classes (in force 2025-12-18): which class an enterprise or a person is in at a moment, with
 * the automatic removals from the key-attention list applied.
 *
 * Removal is automatic, without an application (seed 004), so it is computed from the record and the time of the
 * question rather than written by a scheduled job: a chaincode has no scheduler, and a derived class cannot be
 * forgotten. The contract records listings and re-listings; this module reads them.
 */
import { strict as assert } from 'node:assert';
import type { CreditClass, RuleSet } from './rules';
import { addYearsMs, parseInstant } from '@hainan/ledger-model';

/**
 * Why an enterprise is on the key-attention list, which decides how it leaves it: a lowest industry credit rating
 * (until the rating improves), a smuggling penalty or serious dishonesty (3 years without recurrence), or another
 * reason customs manages by hand.
 */
export type KeyAttentionReason = 'REGULATOR_LOWEST_RATING' | 'SMUGGLING_PENALTY' | 'SERIOUS_DISHONESTY' | 'OTHER';

/** An enterprise's credit record as the contract keeps it. */
export interface CreditRecord {
  /** The class customs last set. */
  class: CreditClass;
  /** For KEY_ATTENTION: why. */
  reason?: KeyAttentionReason;
  /** For KEY_ATTENTION: when it was listed, or last re-listed after a recurrence (the removal clock starts here). */
  listedAtIso?: string;
  /** For REGULATOR_LOWEST_RATING: whether the regulator's rating is still its lowest level. */
  regulatorRatingLowest?: boolean;
  /** Every class change, oldest first, for audit. */
  history: { class: CreditClass; reason?: KeyAttentionReason; atIso: string; by: string }[];
}

/**
 * The class an enterprise is in at a moment. No record means WHITELIST, the default every enterprise gets
 * without applying. A key-attention listing ends by itself:
 * - REGULATOR_LOWEST_RATING: when `regulatorRatingLowest` is false (then WHITELIST);
 * - SMUGGLING_PENALTY, SERIOUS_DISHONESTY: at `listedAtIso` + `keyAttentionAutoRemovalYears` (then WHITELIST);
 *   a recurrence is recorded by re-listing with a new `listedAtIso`, which restarts the clock;
 * - OTHER (or no reason): never by itself; customs changes the class.
 *
 * @param rules the rules in force at `nowIso`
 * @param rec the enterprise's record, if any
 * @param nowIso the moment asked about (the transaction time)
 * @returns the effective class
 * @throws ChaincodeError INVALID_ARGUMENT if `nowIso` is not an instant
 */
export function effectiveEnterpriseClass(rules: RuleSet, rec: CreditRecord | undefined, nowIso: string): CreditClass {
  const nowMs = parseInstant(nowIso);
  if (rec === undefined || rec.class !== 'KEY_ATTENTION') {
    return rec?.class ?? 'WHITELIST';
  }
  switch (rec.reason) {
    case 'REGULATOR_LOWEST_RATING':
      // Only an explicit "no longer lowest" removes: a record that does not say stays listed.
      return rec.regulatorRatingLowest === false ? 'WHITELIST' : 'KEY_ATTENTION';
    case 'SMUGGLING_PENALTY':
    case 'SERIOUS_DISHONESTY': {
      assert.ok(rec.listedAtIso !== undefined, `credit: a ${rec.reason} listing must carry listedAtIso`);
      const removedAtMs = addYearsMs(parseInstant(rec.listedAtIso), rules.keyAttentionAutoRemovalYears);
      return removedAtMs <= nowMs ? 'WHITELIST' : 'KEY_ATTENTION';
    }
    default:
      return 'KEY_ATTENTION';
  }
}

/** Person credit classes at the second line. */
export type PersonClass = 'WHITELIST' | 'KEY_ATTENTION';

/**
 * The class a person is in at a moment. No record means WHITELIST. A key-attention person is supervised for
 * `personSupervisionYears` from `listedAtIso` and is WHITELIST from that instant on; a recurrence is recorded by
 * re-listing with a new `listedAtIso`.
 *
 * @param rules the rules in force at `nowIso`
 * @param rec the person's record, if any
 * @param nowIso the moment asked about
 * @returns the effective class
 * @throws ChaincodeError INVALID_ARGUMENT if a time is not an instant
 */
export function effectivePersonClass(
  rules: RuleSet,
  rec: { class: PersonClass; listedAtIso?: string } | undefined,
  nowIso: string,
): PersonClass {
  const nowMs = parseInstant(nowIso);
  if (rec === undefined || rec.class !== 'KEY_ATTENTION') {
    return 'WHITELIST';
  }
  assert.ok(rec.listedAtIso !== undefined, 'credit: a key-attention person must carry listedAtIso');
  return addYearsMs(parseInstant(rec.listedAtIso), rules.personSupervisionYears) <= nowMs
    ? 'WHITELIST'
    : 'KEY_ATTENTION';
}
