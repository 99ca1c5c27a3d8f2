/**
 * Policy values as effective-dated data: which numbers (quota, limits, ages, rates, ports) apply to an event.
 *
 * The policies change by announcement (the minimum buyer age went from 16 to 18 on 2025-11-01), and an event must
 * be judged by the rules in force at its own event time, also when it is replayed or audited later. So the values
 * are rule sets with an `effectiveFrom` instant rather than constants: customs appends new sets to the ledger with
 * SetRules, and the defaults below apply until it does.
 */
import { ChaincodeError, ErrorCode, parseInstant, PORT_CODE, WORKING_MINUTES_MAX } from '@hainan/ledger-model';
import type { ProductCategory } from './sale-rules';

/** Enterprise credit classes at the second line. Persons use the subset `WHITELIST | KEY_ATTENTION`. */
export type CreditClass = 'AEO_ADVANCED' | 'WHITELIST' | 'KEY_ATTENTION';

/** One complete set of policy values, in force from `effectiveFrom` until a later set takes over. */
export interface RuleSet {
  /** ISO-8601 instant from which this set applies. */
  effectiveFrom: string;
  /** Duty-free amount per person per Asia/Shanghai calendar year, fen (100,000 CNY = 10,000,000 fen). */
  annualQuotaFen: number;
  /** Most cosmetics pieces in one purchase. */
  maxCosmeticsPieces: number;
  /** Most mobile phones in one purchase. */
  maxMobilePhones: number;
  /** Most alcohol in one purchase, total millilitres. */
  maxAlcoholMl: number;
  /** Youngest buyer, whole years completed on the purchase day. */
  minBuyerAgeYears: number;
  /** Buy-now-pick-up: every unit price must be strictly below this, fen. */
  buyNowPickupMaxUnitPriceFen: number;
  /** Guarantee pick-up: every unit price must be at or above this, fen. */
  guaranteePickupMinUnitPriceFen: number;
  /** Product categories allowed for buy-now-pick-up. */
  buyNowPickupCategories: string[];
  /** Days after the purchase day within which a buy-now / guarantee pick-up buyer must leave the island. */
  departureWindowDays: number;
  /** Years a person who overstays that window is barred from duty-free purchases. */
  purchaseBanYears: number;
  /** Least processing value added for tariff-free exit, basis points, inclusive (3000 = 30.00%). */
  valueAddedMinBp: number;
  /** Codes of the second-line ports goods may exit through. */
  secondLinePorts: string[];
  /** Share of exits selected for inspection per enterprise credit class, basis points (0-10000). */
  inspectionRateBp: Record<CreditClass, number>;
  /** Credit classes that may use batch exit with consolidated declaration. */
  batchExitClasses: CreditClass[];
  /** Day of the month after a batch month by which its consolidated declaration is due (inclusive). */
  declarationDueDay: number;
  /** Years after listing when a smuggling / serious-dishonesty key-attention enterprise is removed automatically. */
  keyAttentionAutoRemovalYears: number;
  /** Years a key-attention person is supervised before being removed automatically. */
  personSupervisionYears: number;
  /**
   * Working minutes customs has to answer an enterprise's request (一呼一应, domain/requests.ts); optional, so that
   * sets written before it existed stay valid: absent means REQUEST_ANSWER_WORKING_MINUTES_DEFAULT (two hours).
   */
  requestAnswerWorkingMinutes?: number;
  /**
   * Inspection discrepancies that put an enterprise on the key-attention list (domain/credit.ts): `count` results
   * with a discrepancy verdict on its exits within the last `windowDays` days. Optional, so that sets written before
   * it existed stay valid: absent means DISCREPANCY_KEY_ATTENTION_DEFAULT.
   */
  discrepancyKeyAttention?: { count: number; windowDays: number };
}

/** Three discrepancies within a year make an enterprise key-attention, unless a rule set says otherwise. */
export const DISCREPANCY_KEY_ATTENTION_DEFAULT: Readonly<{ count: number; windowDays: number }> = Object.freeze({
  count: 3,
  windowDays: 365,
});
/** Largest `discrepancyKeyAttention.count`: bounds the discrepancy log an enterprise record keeps. */
export const DISCREPANCY_COUNT_MAX = 100;
/** Largest `discrepancyKeyAttention.windowDays` (ten years). */
export const DISCREPANCY_WINDOW_DAYS_MAX = 3660;

/** The ten second-line ports (seed 004): the eight open ports plus Haikou Xinhaigang and Haikou Nangang. */
const SECOND_LINE_PORTS = [
  'HAIKOU_PORT',
  'YANGPU_PORT',
  'BASUO_PORT',
  'SANYA_PORT',
  'QINGLAN_PORT',
  'HAIKOU_MEILAN_AIRPORT',
  'SANYA_PHOENIX_AIRPORT',
  'BOAO_AIRPORT',
  'HAIKOU_XINHAIGANG',
  'HAIKOU_NANGANG',
];

/**
 * Categories allowed for buy-now-pick-up by default. The 2023 announcement (GAC/MoF/STA, in force 2023-04-01)
 * lists 15 kinds of goods, among them shavers, cosmetics, perfume, infant formula, sunglasses, shoes and hats,
 * clothing and toys; phones, alcohol, jewellery and watches are not on it. Mapped onto our coarse categories that
 * is cosmetics, clothing and food. ELECTRONICS (shavers, but also cameras) and OTHER (toys, but anything else too)
 * mix listed and unlisted goods, so they are left out: a wrong refusal only sends the buyer to departure pick-up,
 * a wrong permission lets goods leave the shop without a departure check. Customs can widen it with SetRules.
 */
const BUY_NOW_PICKUP_CATEGORIES: ProductCategory[] = ['COSMETICS', 'CLOTHING', 'FOOD'];

/** Every product category, checked by the compiler to stay in step with {@link ProductCategory}. */
const PRODUCT_CATEGORIES: Readonly<Record<ProductCategory, true>> = {
  COSMETICS: true,
  MOBILE_PHONE: true,
  ALCOHOL: true,
  JEWELLERY: true,
  WATCH: true,
  ELECTRONICS: true,
  CLOTHING: true,
  FOOD: true,
  OTHER: true,
};

const CREDIT_CLASSES: readonly CreditClass[] = ['AEO_ADVANCED', 'WHITELIST', 'KEY_ATTENTION'];

function deepFreeze<T>(value: T): T {
  // The chaincode process serves many transactions; a contract that mutated a shared default would change the
  // rules for every later transaction on that peer only, and endorsements would stop matching. Frozen, such a
  // mutation throws at once instead.
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) {
      deepFreeze(inner);
    }
    Object.freeze(value);
  }
  return value;
}

function defaultRuleSet(effectiveFrom: string, minBuyerAgeYears: number): RuleSet {
  return {
    effectiveFrom,
    annualQuotaFen: 10_000_000,
    maxCosmeticsPieces: 30,
    maxMobilePhones: 4,
    maxAlcoholMl: 1500,
    minBuyerAgeYears,
    buyNowPickupMaxUnitPriceFen: 2_000_000,
    guaranteePickupMinUnitPriceFen: 5_000_000,
    buyNowPickupCategories: [...BUY_NOW_PICKUP_CATEGORIES],
    departureWindowDays: 30,
    purchaseBanYears: 3,
    valueAddedMinBp: 3000,
    secondLinePorts: [...SECOND_LINE_PORTS],
    inspectionRateBp: { AEO_ADVANCED: 100, WHITELIST: 300, KEY_ATTENTION: 2000 },
    batchExitClasses: ['AEO_ADVANCED', 'WHITELIST'],
    declarationDueDay: 25,
    keyAttentionAutoRemovalYears: 3,
    personSupervisionYears: 3,
  };
}

/**
 * The rules that apply when customs has written none to the ledger, oldest first: minimum buyer age 16 from
 * 2020-07-01, 18 from 2025-11-01 (both at 00:00 Asia/Shanghai). Apart from the age the two sets are the same, so
 * an event before 2025-11-01 is judged with today's quota, limits and credit values; only the age change is
 * modelled historically. Deeply frozen.
 */
export const DEFAULT_RULE_SETS: readonly RuleSet[] = deepFreeze([
  defaultRuleSet('2020-07-01T00:00:00+08:00', 16),
  defaultRuleSet('2025-11-01T00:00:00+08:00', 18),
]);

function latestInForce(sets: readonly RuleSet[], eventMs: number): RuleSet | undefined {
  let best: RuleSet | undefined;
  let bestFromMs = 0;
  for (const set of sets) {
    const fromMs = parseInstant(set.effectiveFrom);
    // `>=`: of two sets with the same effectiveFrom the later one in the list wins, so customs can correct a set
    // by appending another with the same start.
    if (fromMs <= eventMs && (best === undefined || fromMs >= bestFromMs)) {
      best = set;
      bestFromMs = fromMs;
    }
  }
  return best;
}

/**
 * Picks the rules in force at an event: the set with the latest `effectiveFrom` at or before the event time among
 * the sets customs wrote to the ledger, or, when none of those is in force yet, among {@link DEFAULT_RULE_SETS}.
 *
 * @param ledgerSets rule sets read from the ledger, in the order they were written (each passed {@link validateRuleSet})
 * @param eventTimeIso the event's time
 * @returns the set to judge the event by (a default set is frozen)
 * @throws ChaincodeError INVALID_ARGUMENT if the event time is not an instant; NO_RULES_IN_FORCE if no set is in force
 */
export function ruleSetAt(ledgerSets: readonly RuleSet[], eventTimeIso: string): RuleSet {
  const eventMs = parseInstant(eventTimeIso);
  const found = latestInForce(ledgerSets, eventMs) ?? latestInForce(DEFAULT_RULE_SETS, eventMs);
  if (found === undefined) {
    throw new ChaincodeError(ErrorCode.NO_RULES_IN_FORCE, `no rule set is in force at ${eventTimeIso}`);
  }
  return found;
}

/** Longest list of ports a rule set may name; there are ten today. */
const PORTS_MAX = 100;
/** Latest day of the month a declaration may fall due on, so that every month, February too, has that day. */
const DECLARATION_DUE_DAY_MAX = 28;
/** 100.00%, the most a rate in basis points can be. */
const BP_MAX = 10_000;

const INTEGER_FIELDS = [
  'annualQuotaFen',
  'maxCosmeticsPieces',
  'maxMobilePhones',
  'maxAlcoholMl',
  'minBuyerAgeYears',
  'buyNowPickupMaxUnitPriceFen',
  'guaranteePickupMinUnitPriceFen',
  'departureWindowDays',
  'purchaseBanYears',
  'valueAddedMinBp',
  'declarationDueDay',
  'keyAttentionAutoRemovalYears',
  'personSupervisionYears',
] as const;

const ALL_FIELDS: readonly (keyof RuleSet)[] = [
  'effectiveFrom',
  ...INTEGER_FIELDS,
  'buyNowPickupCategories',
  'secondLinePorts',
  'inspectionRateBp',
  'batchExitClasses',
];
/** Fields a set may leave out (added after sets were on the ledger). */
const OPTIONAL_FIELDS: readonly (keyof RuleSet)[] = ['requestAnswerWorkingMinutes', 'discrepancyKeyAttention'];

function invalid(detail: string): ChaincodeError {
  return new ChaincodeError(ErrorCode.INVALID_ARGUMENT, `rule set: ${detail}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function checkNonNegativeInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${field} must be a non-negative integer, got ${show(value)}`);
  }
  return value;
}

function checkUniqueStrings(
  field: string,
  value: unknown,
  maxLength: number,
  isAllowed: (item: string) => boolean,
): string[] {
  if (!Array.isArray(value) || value.length > maxLength) {
    throw invalid(`${field} must be an array of at most ${maxLength} entries`);
  }
  const seen = new Set<string>();
  for (const item of value as unknown[]) {
    if (typeof item !== 'string' || !isAllowed(item)) {
      throw invalid(`${field} has an unknown entry ${show(item)}`);
    }
    if (seen.has(item)) {
      throw invalid(`${field} lists ${show(item)} twice`);
    }
    seen.add(item);
  }
  return [...(value as string[])];
}

/**
 * Checks a rule set customs submits with SetRules and returns a clean copy: every field present (but the optional
 * `requestAnswerWorkingMinutes`, 1 to 20 working days) and no other,
 * `effectiveFrom` an instant, numbers non-negative safe integers, rates 0-10000 bp, `declarationDueDay` 1-28,
 * ports a non-empty list of unique upper-case codes, categories and classes known and unique.
 *
 * @param candidate the decoded argument
 * @returns a new RuleSet holding only the checked fields, in a fixed key order
 * @throws ChaincodeError INVALID_ARGUMENT naming the first bad field and its value
 */
export function validateRuleSet(candidate: unknown): RuleSet {
  if (!isRecord(candidate)) {
    throw invalid(`must be an object, got ${show(candidate)}`);
  }
  // An unknown key is most likely a misspelt field; silently dropping it would keep the old value in force.
  for (const key of Object.keys(candidate)) {
    if (![...ALL_FIELDS, ...OPTIONAL_FIELDS].includes(key as keyof RuleSet)) {
      throw invalid(`unknown field ${show(key)}`);
    }
  }
  for (const field of ALL_FIELDS) {
    if (candidate[field] === undefined) {
      throw invalid(`${field} is missing`);
    }
  }

  const effectiveFrom = candidate.effectiveFrom;
  if (typeof effectiveFrom !== 'string') {
    throw invalid(`effectiveFrom must be an ISO-8601 instant, got ${show(effectiveFrom)}`);
  }
  parseInstant(effectiveFrom);

  const numbers = {} as Record<(typeof INTEGER_FIELDS)[number], number>;
  for (const field of INTEGER_FIELDS) {
    numbers[field] = checkNonNegativeInteger(field, candidate[field]);
  }
  if (numbers.declarationDueDay < 1 || numbers.declarationDueDay > DECLARATION_DUE_DAY_MAX) {
    throw invalid(`declarationDueDay must be 1-${DECLARATION_DUE_DAY_MAX}, got ${numbers.declarationDueDay}`);
  }

  const buyNowPickupCategories = checkUniqueStrings(
    'buyNowPickupCategories',
    candidate.buyNowPickupCategories,
    Object.keys(PRODUCT_CATEGORIES).length,
    (item) => Object.hasOwn(PRODUCT_CATEGORIES, item),
  );
  const secondLinePorts = checkUniqueStrings('secondLinePorts', candidate.secondLinePorts, PORTS_MAX, (item) =>
    PORT_CODE.test(item),
  );
  if (secondLinePorts.length === 0) {
    throw invalid('secondLinePorts must name at least one port');
  }
  const batchExitClasses = checkUniqueStrings(
    'batchExitClasses',
    candidate.batchExitClasses,
    CREDIT_CLASSES.length,
    (item) => (CREDIT_CLASSES as readonly string[]).includes(item),
  ) as CreditClass[];

  const rates = candidate.inspectionRateBp;
  if (!isRecord(rates) || Object.keys(rates).length !== CREDIT_CLASSES.length) {
    throw invalid(`inspectionRateBp must have exactly the keys ${CREDIT_CLASSES.join(', ')}, got ${show(rates)}`);
  }
  const inspectionRateBp = {} as Record<CreditClass, number>;
  for (const creditClass of CREDIT_CLASSES) {
    const rate = checkNonNegativeInteger(`inspectionRateBp.${creditClass}`, rates[creditClass]);
    if (rate > BP_MAX) {
      throw invalid(`inspectionRateBp.${creditClass} must be at most ${BP_MAX} bp (100%), got ${rate}`);
    }
    inspectionRateBp[creditClass] = rate;
  }

  const answerMinutes = candidate.requestAnswerWorkingMinutes;
  if (answerMinutes !== undefined) {
    const minutes = checkNonNegativeInteger('requestAnswerWorkingMinutes', answerMinutes);
    if (minutes < 1 || minutes > WORKING_MINUTES_MAX)
      throw invalid(`requestAnswerWorkingMinutes must be 1-${WORKING_MINUTES_MAX}, got ${minutes}`);
  }

  const discrepancy = candidate.discrepancyKeyAttention;
  let discrepancyKeyAttention: RuleSet['discrepancyKeyAttention'];
  if (discrepancy !== undefined) {
    if (!isRecord(discrepancy) || Object.keys(discrepancy).some((k) => k !== 'count' && k !== 'windowDays'))
      throw invalid(`discrepancyKeyAttention must be { count, windowDays }, got ${show(discrepancy)}`);
    const count = checkNonNegativeInteger('discrepancyKeyAttention.count', discrepancy.count);
    const windowDays = checkNonNegativeInteger('discrepancyKeyAttention.windowDays', discrepancy.windowDays);
    if (count < 1 || count > DISCREPANCY_COUNT_MAX)
      throw invalid(`discrepancyKeyAttention.count must be 1-${DISCREPANCY_COUNT_MAX}, got ${count}`);
    if (windowDays < 1 || windowDays > DISCREPANCY_WINDOW_DAYS_MAX)
      throw invalid(`discrepancyKeyAttention.windowDays must be 1-${DISCREPANCY_WINDOW_DAYS_MAX}, got ${windowDays}`);
    discrepancyKeyAttention = { count, windowDays };
  }

  return {
    effectiveFrom,
    annualQuotaFen: numbers.annualQuotaFen,
    maxCosmeticsPieces: numbers.maxCosmeticsPieces,
    maxMobilePhones: numbers.maxMobilePhones,
    maxAlcoholMl: numbers.maxAlcoholMl,
    minBuyerAgeYears: numbers.minBuyerAgeYears,
    buyNowPickupMaxUnitPriceFen: numbers.buyNowPickupMaxUnitPriceFen,
    guaranteePickupMinUnitPriceFen: numbers.guaranteePickupMinUnitPriceFen,
    buyNowPickupCategories,
    departureWindowDays: numbers.departureWindowDays,
    purchaseBanYears: numbers.purchaseBanYears,
    valueAddedMinBp: numbers.valueAddedMinBp,
    secondLinePorts,
    inspectionRateBp,
    batchExitClasses,
    declarationDueDay: numbers.declarationDueDay,
    keyAttentionAutoRemovalYears: numbers.keyAttentionAutoRemovalYears,
    personSupervisionYears: numbers.personSupervisionYears,
    ...(answerMinutes === undefined ? {} : { requestAnswerWorkingMinutes: answerMinutes as number }),
    ...(discrepancyKeyAttention === undefined ? {} : { discrepancyKeyAttention }),
  };
}
