/**
 * What every state-changing transaction does before its decision: claim the submission id, read the event time and
 * the rules in force at it, refuse a reused record id, and load items by id (SGTIN or traceability code). Writing is
 * ledger/commit.ts's.
 */
import type { RiskRuleSet } from '../domain/risk';
import {
  ChaincodeError,
  decodeEventTime,
  ErrorCode,
  ITEMS_PER_TRANSACTION_MAX,
  newAlreadyExists,
  newInvalidArgument,
  newNotFound,
  optStr,
  parseRequest,
  parseSgtin,
  TRACE_CODE,
  unique,
  type Fields,
  type TxClock,
} from '@hainan/ledger-model';
import { ruleSetAt, RuleSet } from '../domain/rules';
import type { Loaded, Tx } from '../domain/decision';
import type { ItemRecord } from '../domain/records';
import { KeyType } from './keys';
import { inOrder } from './in-order';
import { itemFromRun } from './item-runs';
import { resolveTraceCode } from './trace-code-runs';
import type { TraceContext } from './trace-context';

export { inOrder };

/** Most items one transaction may carry (entry, shipment, receipt, exit, sale, ...): one limit, in the ledger model. */
export const BATCH_ITEMS_MAX = ITEMS_PER_TRANSACTION_MAX;

/** What a submission id may look like: a client's idempotency key, at most 200 visible ASCII characters. */
const SUBMISSION_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * Parses the JSON request of a state-changing transaction and claims its optional `submissionId`: the client's
 * idempotency key (the gateway sends its capture chunk ids and Idempotency-Keys). A second transaction with the
 * same id is refused with DUPLICATE_SUBMISSION naming the first, before any other check, so that a client retrying
 * after a lost answer learns that its transaction is already on the ledger instead of seeing NOT_HOLDER or
 * ALREADY_EXISTS from its own earlier success. One key per id: no shared key, no MVCC hot spot.
 */
export async function parseSubmission(ctx: TraceContext, json: string): Promise<Fields> {
  const f = parseRequest(json);
  const submissionId = optStr(f, 'submissionId', { pattern: SUBMISSION_ID });
  if (submissionId !== undefined) {
    const prior = await ctx.store.get<{ txId: string }>(KeyType.submission, [submissionId]);
    if (prior)
      throw new ChaincodeError(
        ErrorCode.DUPLICATE_SUBMISSION,
        `submission ${submissionId} was committed in transaction ${prior.txId}`,
      );
    await ctx.store.put(KeyType.submission, [submissionId], { txId: ctx.txId });
  }
  return f;
}

/** The event time of a request (`eventTime`, defaulting to the transaction time), not in the future (ledger-model rule). */
export function eventTimeOf(ctx: TraceContext, f: Fields): { iso: string; ms: number } {
  return decodeEventTime(f, txClockOf(ctx));
}

/** The transaction's time as the request decoders of the ledger model take it. */
export function txClockOf(ctx: TraceContext): TxClock {
  return { ms: ctx.txMs, iso: ctx.txTime };
}

/** Rule sets customs put on the ledger, in key (effective date) order. */
export async function ledgerRuleSets(ctx: TraceContext): Promise<RuleSet[]> {
  return (await ctx.store.scan<RuleSet>(KeyType.rules, [])).map((e) => e.value);
}

/** Risk rule sets customs put on the ledger, in key (effective date) order. */
export async function ledgerRiskRuleSets(ctx: TraceContext): Promise<RiskRuleSet[]> {
  return (await ctx.store.scan<RiskRuleSet>(KeyType.riskRules, [])).map((e) => e.value);
}

/** The rules in force at an event time. */
export async function rulesAt(ctx: TraceContext, eventTimeIso: string): Promise<RuleSet> {
  return ruleSetAt(await ledgerRuleSets(ctx), eventTimeIso);
}

/** Resolves an item id (SGTIN URN or 16-digit traceability code) to its SGTIN. */
export async function resolveSgtin(ctx: TraceContext, id: string): Promise<string> {
  if (TRACE_CODE.test(id)) {
    const sgtin = await resolveTraceCode(ctx, id);
    if (!sgtin) throw newNotFound(`no item is associated with traceability code ${id}`);
    return sgtin;
  }
  if (!parseSgtin(id))
    throw newInvalidArgument(`item id must be an SGTIN URN or a 16-digit traceability code, got ${JSON.stringify(id)}`);
  return id;
}

/** Loads an item by id (undefined when absent). */
export async function findItem(ctx: TraceContext, id: string): Promise<ItemRecord | undefined> {
  return storedItem(ctx, await resolveSgtin(ctx, id));
}

/**
 * An item's state by SGTIN (undefined when absent): its own key, or, until a transaction changed it, the first state
 * its creating transaction kept in its run (item-runs.ts). The one reader of item state.
 */
export async function storedItem(ctx: TraceContext, sgtin: string): Promise<ItemRecord | undefined> {
  return (await ctx.store.get<ItemRecord>(KeyType.item, [sgtin])) ?? (await itemFromRun(ctx, sgtin))?.item;
}

/**
 * Loads an item by id or refuses with NOT_FOUND. An item packed in a case or pallet is refused (ITEM_IN_CONTAINER)
 * unless `packed` is 'allow': its own record is not its effective state (the container's is), and a step on the item
 * alone would leave the container's counts wrong; such steps wait for goods:Unpack (issue 15).
 */
export async function loadItem(
  ctx: TraceContext,
  id: string,
  packed: 'refuse' | 'allow' = 'refuse',
): Promise<ItemRecord> {
  const item = await findItem(ctx, id);
  if (!item) throw newNotFound(`item ${id} has no first-line entry on the ledger`);
  if (packed === 'refuse' && item.container)
    throw new ChaincodeError(
      ErrorCode.ITEM_IN_CONTAINER,
      `${item.sgtin} is packed in ${item.container}; unpack it before a step on the item alone`,
    );
  return item;
}

/** Loads items by id (undefined where absent), in order. */
export function findItems(ctx: TraceContext, ids: readonly string[]): Promise<(ItemRecord | undefined)[]> {
  return inOrder(ids, (id) => findItem(ctx, id));
}

/** Loads items by id, in order, refusing with NOT_FOUND for the first one that is absent. */
export function loadItems(ctx: TraceContext, ids: readonly string[]): Promise<ItemRecord[]> {
  return inOrder(ids, (id) => loadItem(ctx, id));
}

/** Loads items by id, in order, refusing absent ones (NOT_FOUND, the first in order) and an item named twice. */
export async function loadAll(ctx: TraceContext, ids: readonly string[]): Promise<ItemRecord[]> {
  const items = await loadItems(ctx, ids);
  unique(
    items.map((i) => i.sgtin),
    'item',
  );
  return items;
}

/** Loads items by id, in order, keeping a refusal in place of an absent item for the decision to raise. */
export function loadItemsDeferred(
  ctx: TraceContext,
  ids: readonly string[],
  packed: 'refuse' | 'allow' = 'refuse',
): Promise<Loaded<ItemRecord>[]> {
  return inOrder(ids, (id) =>
    loadItem(ctx, id, packed).catch((err: unknown) => {
      if (err instanceof ChaincodeError) return err;
      throw err;
    }),
  );
}

/** Refuses (ALREADY_EXISTS) a record id already on the ledger: a sale, an exit, a processing... */
export async function requireUnused(
  ctx: TraceContext,
  type: string,
  attrs: readonly string[],
  refusal: string,
): Promise<void> {
  if (await ctx.store.get(type, attrs)) throw newAlreadyExists(refusal);
}

/** The transaction a decision is made in. */
export function txOf(ctx: TraceContext): Tx {
  return { id: ctx.txId, iso: ctx.txTime, ms: ctx.txMs };
}

/** Sum of the duty-free amounts a person used in a Shanghai calendar year. */
export async function quotaUsedFen(ctx: TraceContext, personCode: string, year: number): Promise<number> {
  const entries = await ctx.store.scan<{ dutyFreeFen: number }>(KeyType.quota, [personCode, String(year)]);
  return entries.reduce((sum, e) => sum + e.value.dutyFreeFen, 0);
}
