/**
 * Offshore duty-free sale rules (离岛免税): may this person buy these items this way now, and how much of the
 * price is duty-free under their annual quota.
 *
 * Pure: the contract reads the person's quota usage, ban and the rule set from the ledger, passes them in, and
 * writes what {@link checkSale} decides. The quota itself never refuses a sale; the part above it is taxable.
 */
import {
  addDaysMs,
  addYearsMs,
  ageOn,
  ChaincodeError,
  ErrorCode,
  parseInstant,
  parseSgtin,
  PRODUCT_CATEGORIES,
  type ProductCategory,
  shanghaiDate,
  toShanghaiIso,
} from '@hainan/ledger-model';
import { formatFen, requireFen } from './money';
import type { RuleSet } from './rules';

/** What a sold item is, as far as the per-purchase limits and pick-up lists care (one list, in @hainan/ledger-model). */
export type { ProductCategory } from '@hainan/ledger-model';

/**
 * How the buyer gets the goods: at the departure pick-up point, by mail off the island after departure, at once
 * in the shop (buy-now-pick-up, cheap listed goods), or at once against a guarantee for the import tax
 * (guarantee pick-up, expensive goods).
 */
export type PickupMode = 'DEPARTURE_PICKUP' | 'MAIL' | 'BUY_NOW_PICKUP' | 'GUARANTEE_PICKUP';

/** One serialized item in a sale. */
export interface SaleLine {
  /** `urn:epc:id:sgtin:...` of the item; each item appears once. */
  sgtin: string;
  category: ProductCategory;
  /** Price of this one item, fen. */
  unitPriceFen: number;
  /** Volume of this one item in millilitres; required for ALCOHOL, ignored otherwise. */
  volumeMl?: number;
}

/** Everything {@link checkSale} needs: the rules, the sale, and what the ledger knows about the buyer. */
export interface SaleCheckInput {
  /** The rules in force at `eventTimeIso` (from `ruleSetAt`). */
  rules: RuleSet;
  /** When the sale happens. */
  eventTimeIso: string;
  /** `YYYY-MM-DD`, from transient data; never stored publicly and never repeated in an error message. */
  buyerBirthDate: string;
  /** The buyer's ticket off the island. */
  departure: { mode: 'FLIGHT' | 'TRAIN' | 'SHIP'; ticketRef: string; departureTimeIso: string } | undefined;
  pickupMode: PickupMode;
  /** Must be true for MAIL: mail goes only to an address off the island. */
  mailAddressOffIsland?: boolean;
  /** For GUARANTEE_PICKUP: the guarantee lodged, fen; must cover `importTaxFen`. */
  guaranteeFen?: number;
  /** For GUARANTEE_PICKUP: the import tax on the goods, fen. */
  importTaxFen?: number;
  lines: SaleLine[];
  /** Duty-free amount this person already used in the Shanghai calendar year of `eventTimeIso`, fen. */
  quotaUsedFen: number;
  /** End of a purchase ban on this person, if any. */
  personBannedUntilIso?: string;
}

/** What the contract records for an allowed sale. */
export interface SaleDecision {
  /** Sum of the unit prices, fen. */
  totalFen: number;
  /** Part of the total within the annual quota, fen; add it to the person's usage for `quotaYear`. */
  dutyFreeFen: number;
  /** Part of the total above the quota, fen. */
  taxableFen: number;
  /** Shanghai calendar year whose quota this sale counts against. */
  quotaYear: number;
  /** Quota left in `quotaYear` after this sale, fen. */
  quotaRemainingAfterFen: number;
  /** For BUY_NOW_PICKUP and GUARANTEE_PICKUP: the last instant the buyer may leave the island. */
  mustDepartByIso?: string;
}

/** Most items in one sale; a limit on the loop, far above what one traveller carries through a checkout. */
const SALE_LINES_MAX = 500;
/** Longest ticket reference we store (PNRs, train and ferry ticket numbers are far shorter). */
const TICKET_REF_LENGTH_MAX = 64;

const CATEGORIES: ReadonlySet<string> = new Set<ProductCategory>(PRODUCT_CATEGORIES);
const PICKUP_MODES: ReadonlySet<string> = new Set<PickupMode>([
  'DEPARTURE_PICKUP',
  'MAIL',
  'BUY_NOW_PICKUP',
  'GUARANTEE_PICKUP',
]);
const DEPARTURE_MODES: ReadonlySet<string> = new Set(['FLIGHT', 'TRAIN', 'SHIP']);

function refuse(code: ErrorCode, detail: string): ChaincodeError {
  return new ChaincodeError(code, detail);
}

function invalid(detail: string): ChaincodeError {
  return new ChaincodeError(ErrorCode.INVALID_ARGUMENT, detail);
}

function checkLines(lines: unknown): SaleLine[] {
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > SALE_LINES_MAX) {
    throw invalid(`lines must list 1-${SALE_LINES_MAX} items`);
  }
  const seen = new Set<string>();
  // An index loop, not `for..of` over `.entries()`: the tap run compiles to a pre-ES2015 target without
  // downlevelIteration, where iterating an iterator silently runs zero times and would skip every check.
  for (let index = 0; index < lines.length; index++) {
    const line = (lines as SaleLine[])[index] as SaleLine;
    const where = `lines[${index}]`;
    if (
      typeof line !== 'object' ||
      line === null ||
      typeof line.sgtin !== 'string' ||
      parseSgtin(line.sgtin) === undefined
    ) {
      throw invalid(`${where}.sgtin must be an SGTIN URI urn:epc:id:sgtin:..., got ${JSON.stringify(line?.sgtin)}`);
    }
    if (seen.has(line.sgtin)) {
      throw invalid(`${where}: item ${line.sgtin} is listed twice in one sale`);
    }
    seen.add(line.sgtin);
    if (!CATEGORIES.has(line.category)) {
      throw invalid(`${where}.category ${JSON.stringify(line.category)} is not a known category`);
    }
    requireFen(line.unitPriceFen, `${where}.unitPriceFen`);
    if (line.category === 'ALCOHOL') {
      const volume: unknown = line.volumeMl;
      if (typeof volume !== 'number' || !Number.isSafeInteger(volume) || volume <= 0) {
        throw invalid(
          `${where}.volumeMl must be a positive integer for alcohol ${line.sgtin}, got ${JSON.stringify(volume)}`,
        );
      }
    }
  }
  return lines as SaleLine[];
}

function checkDeparture(departure: SaleCheckInput['departure'], eventMs: number, eventTimeIso: string): void {
  if (
    departure === undefined ||
    departure === null ||
    typeof departure.ticketRef !== 'string' ||
    departure.ticketRef.trim() === ''
  ) {
    throw refuse(ErrorCode.NO_DEPARTURE_TICKET, 'a ticket off the island (flight, train or ship) is required');
  }
  if (!DEPARTURE_MODES.has(departure.mode)) {
    throw invalid(`departure.mode must be FLIGHT, TRAIN or SHIP, got ${JSON.stringify(departure.mode)}`);
  }
  if (departure.ticketRef.length > TICKET_REF_LENGTH_MAX) {
    throw invalid(`departure.ticketRef is longer than ${TICKET_REF_LENGTH_MAX} characters`);
  }
  // A ticket for a departure that already left does not take this buyer off the island.
  if (parseInstant(departure.departureTimeIso) < eventMs) {
    throw refuse(
      ErrorCode.NO_DEPARTURE_TICKET,
      `ticket ${departure.ticketRef} departs at ${departure.departureTimeIso}, before the sale at ${eventTimeIso}`,
    );
  }
}

function checkPerPurchaseLimits(rules: RuleSet, lines: readonly SaleLine[]): void {
  let cosmetics = 0;
  let phones = 0;
  let alcoholMl = 0;
  for (const line of lines) {
    if (line.category === 'COSMETICS') {
      cosmetics += 1;
    } else if (line.category === 'MOBILE_PHONE') {
      phones += 1;
    } else if (line.category === 'ALCOHOL') {
      alcoholMl += line.volumeMl ?? 0;
    }
  }
  if (cosmetics > rules.maxCosmeticsPieces) {
    throw refuse(
      ErrorCode.PURCHASE_LIMIT_EXCEEDED,
      `${cosmetics} cosmetics pieces in one purchase, at most ${rules.maxCosmeticsPieces} allowed`,
    );
  }
  if (phones > rules.maxMobilePhones) {
    throw refuse(
      ErrorCode.PURCHASE_LIMIT_EXCEEDED,
      `${phones} mobile phones in one purchase, at most ${rules.maxMobilePhones} allowed`,
    );
  }
  if (alcoholMl > rules.maxAlcoholMl) {
    throw refuse(
      ErrorCode.PURCHASE_LIMIT_EXCEEDED,
      `${alcoholMl} ml of alcohol in one purchase, at most ${rules.maxAlcoholMl} ml allowed`,
    );
  }
}

function checkPickupMode(input: SaleCheckInput, lines: readonly SaleLine[]): void {
  const { rules, pickupMode } = input;
  if (!PICKUP_MODES.has(pickupMode)) {
    throw invalid(`pickupMode ${JSON.stringify(pickupMode)} is not a known pick-up mode`);
  }
  // One pick-up mode per sale: when only some items qualify, the shop rings them up as separate sales.
  switch (pickupMode) {
    case 'DEPARTURE_PICKUP':
      return;
    case 'MAIL':
      if (input.mailAddressOffIsland !== true) {
        throw refuse(ErrorCode.PICKUP_MODE_NOT_ALLOWED, 'MAIL needs a delivery address off the island');
      }
      return;
    case 'BUY_NOW_PICKUP':
      for (const line of lines) {
        if (!rules.buyNowPickupCategories.includes(line.category)) {
          throw refuse(
            ErrorCode.PICKUP_MODE_NOT_ALLOWED,
            `BUY_NOW_PICKUP is not allowed for ${line.category} (${line.sgtin}); listed: ${rules.buyNowPickupCategories.join(', ')}`,
          );
        }
        if (line.unitPriceFen >= rules.buyNowPickupMaxUnitPriceFen) {
          throw refuse(
            ErrorCode.PICKUP_MODE_NOT_ALLOWED,
            `BUY_NOW_PICKUP needs a unit price below ${formatFen(rules.buyNowPickupMaxUnitPriceFen)}; ` +
              `${line.sgtin} costs ${formatFen(line.unitPriceFen)}`,
          );
        }
      }
      return;
    case 'GUARANTEE_PICKUP': {
      for (const line of lines) {
        if (line.unitPriceFen < rules.guaranteePickupMinUnitPriceFen) {
          throw refuse(
            ErrorCode.PICKUP_MODE_NOT_ALLOWED,
            `GUARANTEE_PICKUP needs a unit price of at least ${formatFen(rules.guaranteePickupMinUnitPriceFen)}; ` +
              `${line.sgtin} costs ${formatFen(line.unitPriceFen)}`,
          );
        }
      }
      const importTaxFen = requireFen(input.importTaxFen, 'importTaxFen');
      if (input.guaranteeFen === undefined) {
        throw refuse(
          ErrorCode.GUARANTEE_REQUIRED,
          `GUARANTEE_PICKUP needs a guarantee of ${formatFen(importTaxFen)} (the import tax)`,
        );
      }
      const guaranteeFen = requireFen(input.guaranteeFen, 'guaranteeFen');
      if (guaranteeFen < importTaxFen) {
        throw refuse(
          ErrorCode.GUARANTEE_REQUIRED,
          `guarantee ${formatFen(guaranteeFen)} is less than the import tax ${formatFen(importTaxFen)}`,
        );
      }
      return;
    }
  }
}

/**
 * Decides whether a duty-free sale may go ahead and splits its price between quota and tax.
 *
 * Checks, in this order (the first failure is the one reported): arguments; purchase ban (PERSON_BARRED until the
 * ban's end instant, allowed from it on); buyer age on the Shanghai calendar day of the sale (BUYER_TOO_YOUNG);
 * a ticket off the island departing at or after the sale (NO_DEPARTURE_TICKET); per-purchase limits for
 * cosmetics pieces, mobile phones and alcohol millilitres (PURCHASE_LIMIT_EXCEEDED); the pick-up mode
 * (PICKUP_MODE_NOT_ALLOWED, GUARANTEE_REQUIRED). The annual quota never refuses: what exceeds it is taxable.
 *
 * @param input the sale, the rules in force at its time, and the buyer's usage and ban from the ledger
 * @returns the amounts to record and, for the two immediate pick-up modes, the departure deadline
 * @throws ChaincodeError with one of the codes above, or INVALID_ARGUMENT for a malformed input
 */
export function checkSale(input: SaleCheckInput): SaleDecision {
  const { rules } = input;
  const eventMs = parseInstant(input.eventTimeIso);
  const lines = checkLines(input.lines);
  const quotaUsedFen = requireFen(input.quotaUsedFen, 'quotaUsedFen');

  if (input.personBannedUntilIso !== undefined && eventMs < parseInstant(input.personBannedUntilIso)) {
    throw refuse(
      ErrorCode.PERSON_BARRED,
      `person is barred from duty-free purchases until ${input.personBannedUntilIso}`,
    );
  }

  const age = ageOn(input.buyerBirthDate, eventMs);
  if (age < rules.minBuyerAgeYears) {
    throw refuse(
      ErrorCode.BUYER_TOO_YOUNG,
      `buyer is ${age}; the minimum age at ${input.eventTimeIso} is ${rules.minBuyerAgeYears}`,
    );
  }

  checkDeparture(input.departure, eventMs, input.eventTimeIso);
  checkPerPurchaseLimits(rules, lines);
  checkPickupMode(input, lines);

  let totalFen = 0;
  for (const line of lines) {
    totalFen += line.unitPriceFen;
  }
  if (!Number.isSafeInteger(totalFen)) {
    throw invalid(`sale total ${totalFen} fen is beyond the largest exact amount`);
  }
  // Usage above the quota is possible when a later rule set lowers the quota mid-year; nothing is left then.
  const remainingBeforeFen = Math.max(0, rules.annualQuotaFen - quotaUsedFen);
  const dutyFreeFen = Math.min(totalFen, remainingBeforeFen);
  const decision: SaleDecision = {
    totalFen,
    dutyFreeFen,
    taxableFen: totalFen - dutyFreeFen,
    quotaYear: shanghaiDate(eventMs).year,
    quotaRemainingAfterFen: remainingBeforeFen - dutyFreeFen,
  };
  if (input.pickupMode === 'BUY_NOW_PICKUP' || input.pickupMode === 'GUARANTEE_PICKUP') {
    decision.mustDepartByIso = departureDeadlineIso(rules, eventMs);
  }
  return decision;
}

/**
 * The last instant a buy-now / guarantee pick-up buyer may leave: the end (23:59:59.999 Asia/Shanghai) of the
 * `departureWindowDays`-th day after the purchase day. The 2023 announcement counts the window "from the day of
 * purchase, not more than 30 days (inclusive)"; following the Civil Code (art. 201) the purchase day itself is not
 * counted and the last day counts whole, so a morning purchase does not lose the evening flight of day 30.
 */
function departureDeadlineIso(rules: RuleSet, eventMs: number): string {
  const { year, month, day } = shanghaiDate(eventMs);
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const endOfPurchaseDayMs = parseInstant(`${date}T23:59:59.999+08:00`);
  return toShanghaiIso(addDaysMs(endOfPurchaseDayMs, rules.departureWindowDays));
}

/**
 * Whether a buy-now / guarantee pick-up buyer overstayed: the window has passed (now is after `mustDepartByIso`)
 * and no departure was recorded inside it (at or after the sale, at or before the deadline). A departure before the
 * sale (an earlier trip) or after the deadline does not count.
 *
 * @param saleTimeIso when the sale happened
 * @param mustDepartByIso the deadline {@link checkSale} returned
 * @param departedAtIso the recorded departure, if any
 * @param nowIso the transaction time of the check
 * @returns true when the person should be barred
 * @throws ChaincodeError INVALID_ARGUMENT if a time is not an instant
 */
export function departureOverdue(
  saleTimeIso: string,
  mustDepartByIso: string,
  departedAtIso: string | undefined,
  nowIso: string,
): boolean {
  const saleMs = parseInstant(saleTimeIso);
  const deadlineMs = parseInstant(mustDepartByIso);
  const nowMs = parseInstant(nowIso);
  if (nowMs <= deadlineMs) {
    return false;
  }
  if (departedAtIso === undefined) {
    return true;
  }
  const departedMs = parseInstant(departedAtIso);
  return departedMs < saleMs || departedMs > deadlineMs;
}

/**
 * When the purchase ban of a person who overstayed ends: `purchaseBanYears` calendar years after the overstay was
 * detected (29 February maps to 28 February).
 *
 * @param rules the rules in force at detection
 * @param overdueDetectedAtIso when the overstay was detected (the transaction time)
 * @returns the end of the ban, `...+08:00`; the person may buy again from that instant
 * @throws ChaincodeError INVALID_ARGUMENT if the time is not an instant
 */
export function purchaseBanUntil(rules: RuleSet, overdueDetectedAtIso: string): string {
  return toShanghaiIso(addYearsMs(parseInstant(overdueDetectedAtIso), rules.purchaseBanYears));
}
