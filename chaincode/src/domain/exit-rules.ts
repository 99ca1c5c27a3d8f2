/**
 * Second-line exit rules (二线出岛): the processing value-added test for tariff-free exit, the ten ports, and batch
 * exit with a consolidated monthly declaration (分批出岛、集中申报).
 *
 * Ratios are compared in exact integer arithmetic: at the 30.00% boundary a float ratio could land on either side.
 */
import { ChaincodeError, ErrorCode, isValidMonth, monthAfter, parseInstant } from '@hainan/ledger-model';
import { formatFen, requireFen } from './money';
import type { CreditClass, RuleSet } from './rules';

/** The customs regimes of goods that leave through the second line. */
export type GoodsKind = 'ZERO_TARIFF' | 'BONDED' | 'PROCESSED';

/** One basis point is 1/10000. */
const BP_PER_UNIT = 10_000n;

function checkValues(exitValueFen: number, importedMaterialsFen: number): void {
  requireFen(exitValueFen, 'exitValueFen');
  requireFen(importedMaterialsFen, 'importedMaterialsFen');
  if (importedMaterialsFen === 0) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      'importedMaterialsFen must be above 0: the value-added ratio is relative to the imported materials',
    );
  }
}

/**
 * The processing value-added ratio, (exit value - imported materials value) / imported materials value, in basis
 * points rounded down (toward minus infinity), for display and records. Decide exemption with
 * {@link isTariffExempt}, which does not round.
 *
 * @param exitValueFen value of the goods leaving, fen
 * @param importedMaterialsFen value of the imported materials in them, fen, above 0
 * @returns basis points, e.g. 3000 for 30.00%; negative when the goods lost value
 * @throws ChaincodeError INVALID_ARGUMENT for amounts that are not integer fen, a zero denominator, or a ratio too
 * large to represent exactly
 */
export function valueAddedBp(exitValueFen: number, importedMaterialsFen: number): number {
  checkValues(exitValueFen, importedMaterialsFen);
  // BigInt: (exit - imported) * 10000 passes 2^53 once amounts reach about 9 billion CNY.
  const numerator = (BigInt(exitValueFen) - BigInt(importedMaterialsFen)) * BP_PER_UNIT;
  const denominator = BigInt(importedMaterialsFen);
  let quotient = numerator / denominator; // truncates toward zero
  if (numerator < 0n && quotient * denominator !== numerator) {
    quotient -= 1n;
  }
  const bp = Number(quotient);
  if (!Number.isSafeInteger(bp)) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      `value added of ${formatFen(exitValueFen)} on ${formatFen(importedMaterialsFen)} of materials is too large to represent`,
    );
  }
  return bp;
}

/**
 * Whether processed goods leave for the mainland free of import tariff: value added at least
 * `valueAddedMinBp` (30.00%), inclusive, tested exactly as (exit - imported) * 10000 >= minBp * imported.
 *
 * @param rules the rules in force at the exit
 * @param exitValueFen value of the goods leaving, fen
 * @param importedMaterialsFen value of the imported materials in them, fen, above 0 (cumulative over upstream processors)
 * @returns true when exempt; with 10,000 fen of materials, 13,000 fen is exempt and 12,999 is not
 * @throws ChaincodeError INVALID_ARGUMENT for amounts that are not integer fen or a zero denominator
 */
export function isTariffExempt(rules: RuleSet, exitValueFen: number, importedMaterialsFen: number): boolean {
  checkValues(exitValueFen, importedMaterialsFen);
  const addedTimesBp = (BigInt(exitValueFen) - BigInt(importedMaterialsFen)) * BP_PER_UNIT;
  return addedTimesBp >= BigInt(rules.valueAddedMinBp) * BigInt(importedMaterialsFen);
}

/**
 * Checks that goods leave through a second-line port.
 *
 * @param rules the rules in force at the exit
 * @param port a port code such as `HAIKOU_XINHAIGANG`
 * @throws ChaincodeError UNKNOWN_PORT naming the port
 */
export function checkPort(rules: RuleSet, port: string): void {
  if (typeof port !== 'string' || !rules.secondLinePorts.includes(port)) {
    throw new ChaincodeError(
      ErrorCode.UNKNOWN_PORT,
      `${JSON.stringify(port) ?? String(port)} is not a second-line port; ports: ${rules.secondLinePorts.join(', ')}`,
    );
  }
}

/** What the ledger knows about an enterprise that asks for a batch exit. */
export interface BatchExitState {
  /** The enterprise's effective credit class at the event (see `effectiveEnterpriseClass`). */
  creditClass: CreditClass;
  /** Months (`yyyy-mm`) with batch exits not yet in a consolidated declaration. */
  undeclaredMonths: string[];
}

function checkMonth(month: string, what: string): void {
  if (!isValidMonth(month)) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      `${what} ${JSON.stringify(month) ?? String(month)} is not a month of the form yyyy-mm`,
    );
  }
}

/**
 * The last instant a month's consolidated declaration may be filed: the end of day `declarationDueDay` of the
 * following month, Asia/Shanghai. Due BY the 25th, inclusive: 23:59:59.999 on the 25th is in time, 00:00 on the
 * 26th is late.
 *
 * @param rules the rules in force (for `declarationDueDay`)
 * @param month the batch month, `yyyy-mm`
 * @returns e.g. `2026-01-25T23:59:59.999+08:00` for `2025-12`
 * @throws ChaincodeError INVALID_ARGUMENT if `month` is not `yyyy-mm`
 */
export function declarationDueIso(rules: RuleSet, month: string): string {
  checkMonth(month, 'month');
  return `${monthAfter(month)}-${String(rules.declarationDueDay).padStart(2, '0')}T23:59:59.999+08:00`;
}

/**
 * Checks that an enterprise may exit goods in a batch now: its class must be one of `batchExitClasses`
 * (BATCH_EXIT_NOT_ALLOWED, key attention by default), and no month with undeclared batches may be past its
 * declaration due date (BATCH_EXIT_SUSPENDED until the overdue declaration is filed).
 *
 * @param rules the rules in force at the event
 * @param state the enterprise's effective class and undeclared months
 * @param eventTimeIso when the batch exits
 * @throws ChaincodeError BATCH_EXIT_NOT_ALLOWED or BATCH_EXIT_SUSPENDED naming the class or the earliest overdue
 * month; INVALID_ARGUMENT for a malformed time or month
 */
export function checkBatchExit(rules: RuleSet, state: BatchExitState, eventTimeIso: string): void {
  if (!rules.batchExitClasses.includes(state.creditClass)) {
    throw new ChaincodeError(
      ErrorCode.BATCH_EXIT_NOT_ALLOWED,
      `credit class ${state.creditClass} may not use batch exit; allowed: ${rules.batchExitClasses.join(', ') || 'none'}`,
    );
  }
  const eventMs = parseInstant(eventTimeIso);
  // Sorted so the message always names the earliest overdue month, whatever order the state keeps them in.
  const months = [...state.undeclaredMonths].sort();
  for (const month of months) {
    const dueIso = declarationDueIso(rules, month);
    if (eventMs > parseInstant(dueIso)) {
      throw new ChaincodeError(
        ErrorCode.BATCH_EXIT_SUSPENDED,
        `the consolidated declaration for ${month} was due by ${dueIso} and is not filed; batch exit is suspended until it is`,
      );
    }
  }
}

/**
 * Checks that the batches in one consolidated declaration belong to its month. A declaration never spans two
 * calendar years (DECLARATION_SPANS_YEARS, checked first, over the batch months and the declaration month
 * together, so a December + January set gets that code); every batch's month must be the declaration month
 * (DECLARATION_PERIOD_INVALID).
 *
 * @param rules the rules in force (unused today; kept so period rules can become data without a signature change)
 * @param months the batch month of every release list in the declaration, `yyyy-mm`
 * @param declarationMonth the month the declaration consolidates, `yyyy-mm`
 * @throws ChaincodeError DECLARATION_SPANS_YEARS, DECLARATION_PERIOD_INVALID, or INVALID_ARGUMENT for a malformed
 * or empty list
 */
export function checkConsolidation(_rules: RuleSet, months: string[], declarationMonth: string): void {
  checkMonth(declarationMonth, 'declarationMonth');
  if (!Array.isArray(months) || months.length === 0) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      `the declaration for ${declarationMonth} consolidates no batches`,
    );
  }
  // Plain arrays rather than spreading a Set: the tap run compiles to a pre-ES2015 target without
  // downlevelIteration, where `[...set]` is silently empty.
  const years = [declarationMonth.slice(0, 4)];
  for (const month of months) {
    checkMonth(month, 'batch month');
    if (!years.includes(month.slice(0, 4))) {
      years.push(month.slice(0, 4));
    }
  }
  if (years.length > 1) {
    throw new ChaincodeError(
      ErrorCode.DECLARATION_SPANS_YEARS,
      `a declaration may not span calendar years; it covers ${years.sort().join(' and ')}`,
    );
  }
  const stray = months.filter((month, index) => month !== declarationMonth && months.indexOf(month) === index).sort();
  if (stray.length > 0) {
    throw new ChaincodeError(
      ErrorCode.DECLARATION_PERIOD_INVALID,
      `the declaration for ${declarationMonth} includes batches of ${stray.join(', ')}; one declaration consolidates one month`,
    );
  }
}
