/**
 * Risk screening before exit (风险防控): customs' risk rules as effective-dated data on the ledger, and the screening
 * of one exit against the rules in force at its event time.
 *
 * A rule is a conjunction of conditions over the exit's facts (the enterprise's credit class and history, and per
 * item its regime, HS code, value added, exit value and history) with a weight and an action. The exit's score is
 * the sum of the weights of the rules that fired; its action is the most severe of the fired rules' actions and of
 * the score thresholds reached. Everything a decision used is recorded with it (the rule set's `effectiveFrom`, the
 * fired rules, the items that made each fire), so it can be explained from the ledger alone. Pure and integer-only:
 * every endorser computes the same bytes.
 */
import { ChaincodeError, ErrorCode, HS_CODE, parseInstant, REGIMES, type Regime } from '@hainan/ledger-model';
import type { CreditClass } from './rules';

/** What screening asks for, least to most severe. */
export const RISK_ACTIONS = ['NONE', 'DOCUMENT_CHECK', 'IMAGE_REVIEW', 'PHYSICAL_INSPECTION', 'HOLD'] as const;
export type RiskAction = (typeof RISK_ACTIONS)[number];

/** Conditions of one rule; every condition given must hold (absent = any). Item conditions must hold for one item. */
export interface RiskCondition {
  /** Enterprise credit class at the exit (effective class, automatic removals applied). */
  creditClasses?: CreditClass[];
  /** Inspection discrepancies recorded against the enterprise, at least. */
  enterpriseDiscrepanciesAtLeast?: number;
  /** Item regime (ZERO_TARIFF, BONDED, PROCESSED). */
  regimes?: Regime[];
  /** Item HS code starts with one of these (2-10 digits). */
  hsCodePrefixes?: string[];
  /** Processed item's value added below this many basis points (items without value added never match). */
  valueAddedBpBelow?: number;
  /** Item exit value at least this, fen. */
  exitValueFenAtLeast?: number;
  /** Times customs held the item before, at least. */
  itemHoldsAtLeast?: number;
  /** Inspection discrepancies that named the item, at least. */
  itemDiscrepanciesAtLeast?: number;
}

export interface RiskRule {
  /** Stable id, quoted in every screening it fires in. */
  id: string;
  description?: string;
  when: RiskCondition;
  /** Points added to the score when the rule fires, 0-1000. */
  weight: number;
  action: RiskAction;
}

/** One complete set of risk rules, in force from `effectiveFrom` until a later set takes over. */
export interface RiskRuleSet {
  effectiveFrom: string;
  rules: RiskRule[];
  /** Score thresholds: a score at or above `minScore` asks at least for `action`. */
  thresholds: { minScore: number; action: RiskAction }[];
}

/**
 * The facts of an exit screening reads (all from the ledger). A case or pallet that leaves whole is screened as one row
 * per product line of its contents, named by the container id, from the container's own key (domain/container-exit.ts
 * says which facts and why).
 */
export interface ExitFacts {
  creditClass: CreditClass;
  enterpriseDiscrepancies: number;
  items: readonly {
    sgtin: string;
    regime: Regime;
    hsCode: string;
    exitValueFen: number;
    valueAddedBp?: number;
    holds: number;
    discrepancies: number;
  }[];
}

/** What screening decided, recorded with the exit. */
export interface Screening {
  /** `effectiveFrom` of the rule set applied: with the ledger's rule sets it names every condition used. */
  rulesEffectiveFrom: string;
  score: number;
  /** Each fired rule with the number of items that matched it and the first of them (the rest follow from the facts). */
  fired: { ruleId: string; weight: number; action: RiskAction; itemCount: number; items: string[] }[];
  action: RiskAction;
}

const RULES_MAX = 200;
/** Items named per fired rule: a 1,000-item exit firing many rules would otherwise bloat the record. */
const FIRED_ITEMS_MAX = 20;
const THRESHOLDS_MAX = 10;
const LIST_MAX = 50;
const WEIGHT_MAX = 1000;
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HS_PREFIX = /^\d{2,10}$/;
const CLASSES: readonly CreditClass[] = ['AEO_ADVANCED', 'WHITELIST', 'KEY_ATTENTION'];
const EXIT_REGIMES: readonly Regime[] = REGIMES.filter((r) => r !== 'DUTY_PAID');

/** The more severe of two actions. */
export function severer(a: RiskAction, b: RiskAction): RiskAction {
  return RISK_ACTIONS.indexOf(a) >= RISK_ACTIONS.indexOf(b) ? a : b;
}

/** Whether an action asks customs to look at the exit (anything but NONE). */
export function requiresInspection(action: RiskAction): boolean {
  return action !== 'NONE';
}

function invalid(detail: string): ChaincodeError {
  return new ChaincodeError(ErrorCode.INVALID_ARGUMENT, `risk rule set: ${detail}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function onlyKeys(where: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  // An unknown key is most likely a misspelt condition; dropping it would make the rule fire more widely.
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) throw invalid(`${where} has an unknown field ${show(key)}`);
}

function count(where: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max)
    throw invalid(`${where} must be an integer from 0 to ${max}, got ${show(value)}`);
  return value;
}

function action(where: string, value: unknown): RiskAction {
  if (typeof value !== 'string' || !(RISK_ACTIONS as readonly string[]).includes(value))
    throw invalid(`${where} must be one of ${RISK_ACTIONS.join(', ')}, got ${show(value)}`);
  return value as RiskAction;
}

function strings<T extends string>(where: string, value: unknown, ok: (s: string) => boolean): T[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > LIST_MAX)
    throw invalid(`${where} must list 1-${LIST_MAX} entries`);
  const out: T[] = [];
  for (const v of value as unknown[]) {
    if (typeof v !== 'string' || !ok(v)) throw invalid(`${where} has an unknown entry ${show(v)}`);
    if (out.includes(v as T)) throw invalid(`${where} lists ${show(v)} twice`);
    out.push(v as T);
  }
  return out.sort();
}

const CONDITION_FIELDS = [
  'creditClasses',
  'enterpriseDiscrepanciesAtLeast',
  'regimes',
  'hsCodePrefixes',
  'valueAddedBpBelow',
  'exitValueFenAtLeast',
  'itemHoldsAtLeast',
  'itemDiscrepanciesAtLeast',
] as const;

function condition(where: string, value: unknown): RiskCondition {
  if (!isRecord(value)) throw invalid(`${where} must be an object`);
  onlyKeys(where, value, CONDITION_FIELDS);
  const c: RiskCondition = {};
  // Fixed key order: the stored rule set is the same bytes whatever order the client wrote.
  if (value.creditClasses !== undefined)
    c.creditClasses = strings(`${where}.creditClasses`, value.creditClasses, (s) =>
      (CLASSES as readonly string[]).includes(s),
    );
  if (value.enterpriseDiscrepanciesAtLeast !== undefined)
    c.enterpriseDiscrepanciesAtLeast = count(
      `${where}.enterpriseDiscrepanciesAtLeast`,
      value.enterpriseDiscrepanciesAtLeast,
    );
  if (value.regimes !== undefined)
    c.regimes = strings(`${where}.regimes`, value.regimes, (s) => (EXIT_REGIMES as readonly string[]).includes(s));
  if (value.hsCodePrefixes !== undefined)
    c.hsCodePrefixes = strings(`${where}.hsCodePrefixes`, value.hsCodePrefixes, (s) => HS_PREFIX.test(s));
  // Value added may be negative (goods that lost value); a bound below -100% is meaningless but harmless.
  if (value.valueAddedBpBelow !== undefined) {
    const v = value.valueAddedBpBelow;
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw invalid(`${where}.valueAddedBpBelow must be an integer, got ${show(v)}`);
    c.valueAddedBpBelow = v;
  }
  if (value.exitValueFenAtLeast !== undefined)
    c.exitValueFenAtLeast = count(`${where}.exitValueFenAtLeast`, value.exitValueFenAtLeast);
  if (value.itemHoldsAtLeast !== undefined)
    c.itemHoldsAtLeast = count(`${where}.itemHoldsAtLeast`, value.itemHoldsAtLeast);
  if (value.itemDiscrepanciesAtLeast !== undefined)
    c.itemDiscrepanciesAtLeast = count(`${where}.itemDiscrepanciesAtLeast`, value.itemDiscrepanciesAtLeast);
  return c;
}

/**
 * Checks a risk rule set customs submits and returns a clean copy with a fixed key order.
 *
 * @throws ChaincodeError INVALID_ARGUMENT naming the first bad field (unknown fields, duplicate rule ids, weights
 * outside 0-1000, unknown actions / classes / regimes, HS prefixes that are not 2-10 digits)
 */
export function validateRiskRuleSet(candidate: unknown): RiskRuleSet {
  if (!isRecord(candidate)) throw invalid(`must be an object, got ${show(candidate)}`);
  onlyKeys('the set', candidate, ['effectiveFrom', 'rules', 'thresholds', 'submissionId']);
  const effectiveFrom = candidate.effectiveFrom;
  if (typeof effectiveFrom !== 'string')
    throw invalid(`effectiveFrom must be an ISO-8601 instant, got ${show(effectiveFrom)}`);
  parseInstant(effectiveFrom);
  if (!Array.isArray(candidate.rules) || candidate.rules.length > RULES_MAX)
    throw invalid(`rules must be an array of at most ${RULES_MAX} rules`);
  const ids: string[] = [];
  const rules = (candidate.rules as unknown[]).map((r, i): RiskRule => {
    const where = `rules[${i}]`;
    if (!isRecord(r)) throw invalid(`${where} must be an object`);
    onlyKeys(where, r, ['id', 'description', 'when', 'weight', 'action']);
    if (typeof r.id !== 'string' || !RULE_ID.test(r.id))
      throw invalid(`${where}.id must be 1-64 letters, digits, '.', '_' or '-', got ${show(r.id)}`);
    if (ids.includes(r.id)) throw invalid(`rule id ${show(r.id)} appears twice`);
    ids.push(r.id);
    if (r.description !== undefined && (typeof r.description !== 'string' || r.description.length > 200))
      throw invalid(`${where}.description must be a string of at most 200 characters`);
    return {
      id: r.id,
      ...(r.description !== undefined ? { description: r.description as string } : {}),
      when: condition(`${where}.when`, r.when),
      weight: count(`${where}.weight`, r.weight, WEIGHT_MAX),
      action: action(`${where}.action`, r.action),
    };
  });
  const rawThresholds = candidate.thresholds ?? [];
  if (!Array.isArray(rawThresholds) || rawThresholds.length > THRESHOLDS_MAX)
    throw invalid(`thresholds must be an array of at most ${THRESHOLDS_MAX}`);
  const thresholds = (rawThresholds as unknown[]).map((t, i) => {
    if (!isRecord(t)) throw invalid(`thresholds[${i}] must be an object`);
    onlyKeys(`thresholds[${i}]`, t, ['minScore', 'action']);
    return {
      minScore: count(`thresholds[${i}].minScore`, t.minScore, WEIGHT_MAX * RULES_MAX),
      action: action(`thresholds[${i}].action`, t.action),
    };
  });
  thresholds.sort((a, b) => a.minScore - b.minScore || RISK_ACTIONS.indexOf(a.action) - RISK_ACTIONS.indexOf(b.action));
  return { effectiveFrom, rules, thresholds };
}

/**
 * The risk rule set in force at an event time: the ledger set with the latest `effectiveFrom` at or before it, or
 * undefined when customs has put none in force (then an exit is not screened, as before risk rules existed).
 */
export function riskRulesAt(sets: readonly RiskRuleSet[], eventTimeIso: string): RiskRuleSet | undefined {
  const at = parseInstant(eventTimeIso);
  let found: RiskRuleSet | undefined;
  let foundMs = -Infinity;
  for (const set of sets) {
    const ms = parseInstant(set.effectiveFrom);
    if (ms <= at && ms >= foundMs) {
      found = set;
      foundMs = ms;
    }
  }
  return found;
}

function exitMatches(c: RiskCondition, facts: ExitFacts): boolean {
  if (c.creditClasses && !c.creditClasses.includes(facts.creditClass)) return false;
  if (
    c.enterpriseDiscrepanciesAtLeast !== undefined &&
    facts.enterpriseDiscrepancies < c.enterpriseDiscrepanciesAtLeast
  )
    return false;
  return true;
}

function itemMatches(c: RiskCondition, item: ExitFacts['items'][number]): boolean {
  if (c.regimes && !c.regimes.includes(item.regime)) return false;
  if (c.hsCodePrefixes && !c.hsCodePrefixes.some((p) => item.hsCode.startsWith(p))) return false;
  if (
    c.valueAddedBpBelow !== undefined &&
    (item.valueAddedBp === undefined || item.valueAddedBp >= c.valueAddedBpBelow)
  )
    return false;
  if (c.exitValueFenAtLeast !== undefined && item.exitValueFen < c.exitValueFenAtLeast) return false;
  if (c.itemHoldsAtLeast !== undefined && item.holds < c.itemHoldsAtLeast) return false;
  if (c.itemDiscrepanciesAtLeast !== undefined && item.discrepancies < c.itemDiscrepanciesAtLeast) return false;
  return true;
}

/**
 * Screens an exit: every rule whose exit conditions hold and whose item conditions hold for at least one item
 * fires, in rule order, naming the items that matched. Score = sum of fired weights; action = the most severe of
 * the fired actions and of the thresholds the score reaches.
 *
 * @param set the risk rules in force at the exit (see {@link riskRulesAt})
 * @param facts the exit's facts, read from the ledger
 */
export function screenExit(set: RiskRuleSet, facts: ExitFacts): Screening {
  // Entered items always carry a valid HS code (the entry decoder checks it); a prefix test on anything else is meaningless.
  for (const item of facts.items)
    if (!HS_CODE.test(item.hsCode))
      throw new ChaincodeError(ErrorCode.INVALID_ARGUMENT, `item ${item.sgtin} has no HS code to screen`);
  const fired: Screening['fired'] = [];
  let score = 0;
  let result: RiskAction = 'NONE';
  for (const rule of set.rules) {
    if (!exitMatches(rule.when, facts)) continue;
    const items = facts.items.filter((i) => itemMatches(rule.when, i)).map((i) => i.sgtin);
    if (items.length === 0) continue;
    fired.push({
      ruleId: rule.id,
      weight: rule.weight,
      action: rule.action,
      itemCount: items.length,
      items: items.slice(0, FIRED_ITEMS_MAX),
    });
    score += rule.weight;
    result = severer(result, rule.action);
  }
  for (const t of set.thresholds) if (score >= t.minScore) result = severer(result, t.action);
  return { rulesEffectiveFrom: set.effectiveFrom, score, fired, action: result };
}
