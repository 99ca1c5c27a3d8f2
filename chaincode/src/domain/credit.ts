/**
 * Second-line credit classes (in force 2025-12-18): which class an enterprise or a person is in at a moment, with
 * the automatic removals from the key-attention list applied.
 *
 * Removal is automatic, without an application (seed 004), so it is computed from the record and the time of the
 * question rather than written by a scheduled job: a chaincode has no scheduler, and a derived class cannot be
 * forgotten. The contract records listings and re-listings; this module reads them.
 */
import { strict as assert } from 'node:assert';
import { type CreditClass, DISCREPANCY_COUNT_MAX, DISCREPANCY_KEY_ATTENTION_DEFAULT, type RuleSet } from './rules';
import { addYearsMs, parseInstant } from '@hainan/ledger-model';
import type { DiscrepancyEntry, EnterpriseRecord } from './records';

const DAY_MS = 86_400_000;

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
 * Independently of the record, an enterprise whose `discrepancies` reach the rule set's `discrepancyKeyAttention`
 * (count within the window) is KEY_ATTENTION; it leaves when older ones fall out of the window.
 *
 * @param rules the rules in force at `nowIso`
 * @param rec the enterprise's record, if any
 * @param nowIso the moment asked about (the transaction time)
 * @param discrepancies the enterprise's discrepancy log (`EnterpriseRecord.discrepancyLog`)
 * @returns the effective class
 * @throws ChaincodeError INVALID_ARGUMENT if `nowIso` is not an instant
 */
export function effectiveEnterpriseClass(
  rules: RuleSet,
  rec: CreditRecord | undefined,
  nowIso: string,
  discrepancies: readonly DiscrepancyEntry[] = [],
): CreditClass {
  const recorded = recordedClass(rules, rec, nowIso);
  if (recorded === 'KEY_ATTENTION') return recorded;
  return discrepancyBasis(rules, discrepancies, nowIso).reached ? 'KEY_ATTENTION' : recorded;
}

/**
 * The discrepancies that count towards key attention at a moment: those inspected within the last `windowDays`
 * days up to and including `nowIso` (a result recorded later does not count back), under the rules in force.
 * Pure: the same log, rules and moment give the same answer on every endorsement.
 *
 * @returns the rule applied, the counting entries (oldest first) and whether they reach the count
 */
export function discrepancyBasis(
  rules: RuleSet,
  log: readonly DiscrepancyEntry[],
  nowIso: string,
): { rule: { count: number; windowDays: number }; counted: DiscrepancyEntry[]; reached: boolean } {
  const nowMs = parseInstant(nowIso);
  const rule = rules.discrepancyKeyAttention ?? DISCREPANCY_KEY_ATTENTION_DEFAULT;
  const fromMs = nowMs - rule.windowDays * DAY_MS;
  const counted = log.filter((d) => {
    const at = parseInstant(d.atIso);
    return at > fromMs && at <= nowMs;
  });
  return { rule: { count: rule.count, windowDays: rule.windowDays }, counted, reached: counted.length >= rule.count };
}

/** The enterprise's log with one more discrepancy, keeping the newest DISCREPANCY_COUNT_MAX (the largest count). */
export function appendDiscrepancy(
  log: readonly DiscrepancyEntry[] | undefined,
  entry: DiscrepancyEntry,
): DiscrepancyEntry[] {
  return [...(log ?? []), entry].slice(-DISCREPANCY_COUNT_MAX);
}

/** An enterprise's credit as the API shows it: the class in effect and why. */
export interface EnterpriseCredit {
  enterpriseId: string;
  at: string;
  class: CreditClass;
  /** The class from customs' record (with automatic removals applied). */
  recordedClass: CreditClass;
  /** RECORD: the class is customs' record; DISCREPANCIES: the discrepancy rule made it key-attention. */
  source: 'RECORD' | 'DISCREPANCIES';
  discrepancyRule: { count: number; windowDays: number };
  /** The discrepancies within the window, oldest first (the basis when source is DISCREPANCIES). */
  discrepancies: DiscrepancyEntry[];
}

/** The credit of an enterprise at a moment, with its basis. */
export function enterpriseCredit(rules: RuleSet, ent: EnterpriseRecord, nowIso: string): EnterpriseCredit {
  const recorded = recordedClass(rules, ent.credit, nowIso);
  const basis = discrepancyBasis(rules, ent.discrepancyLog ?? [], nowIso);
  const derived = recorded !== 'KEY_ATTENTION' && basis.reached;
  return {
    enterpriseId: ent.id,
    at: nowIso,
    class: derived ? 'KEY_ATTENTION' : recorded,
    recordedClass: recorded,
    source: derived ? 'DISCREPANCIES' : 'RECORD',
    discrepancyRule: basis.rule,
    discrepancies: basis.counted,
  };
}

function recordedClass(rules: RuleSet, rec: CreditRecord | undefined, nowIso: string): CreditClass {
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
