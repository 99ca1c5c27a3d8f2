/**
 * The `sale` contract: one person, one code. Duty-free sales by operators to a person code (a keyed hash made
 * off-chain), judged by the rules in force at the sale (quota per Shanghai calendar year, per-purchase limits,
 * age, ticket off the island, pickup modes, the 30-day departure rule and the purchase ban); pickup, mail after
 * a confirmed departure, and departure confirmations. Buyer details arrive only as transient data and go only
 * to the `buyerDetails` private data collection. Each transaction: decode, load, decide (domain/sale.ts), commit.
 */
import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  CALENDAR_DATE,
  ChaincodeError,
  ErrorCode,
  eventIdOf,
  itemIdOf,
  list,
  newAccessDenied,
  optStr,
  PERSON_CODE,
  PORT_CODE,
  REF,
  shanghaiYear,
  str,
  type Fields,
} from '@hainan/ledger-model';
import { encodeToString } from '../ledger-codec';
import { buyersOf, decideDeparture, decideHandOver, decideSale, decodeSaleRequest, type Buyer } from '../domain/sale';
import type { PersonRecord } from '../domain/records';
import { KeyType } from '../ledger/keys';
import { LedgerContract } from '../ledger/ledger-contract';
import { isCustoms, requireEnterprise } from '../ledger/access';
import { commit } from '../ledger/commit';
import {
  BATCH_ITEMS_MAX,
  parseSubmission,
  eventTimeOf,
  inOrder,
  loadAll,
  quotaUsedFen,
  requireUnused,
  rulesAt,
  txOf,
} from '../ledger/posting';
// A value import (not `import type`): decorator metadata must name the class so the contract API skips ctx.
import { TraceContext } from '../ledger/trace-context';

export { banUntil, BUYER_COLLECTION, PERSON_HISTORY_MAX } from '../domain/sale';

/** The buyer's details from transient data `buyer` (a JSON object with at least `birthDate`). */
function buyerOf(ctx: TraceContext): Buyer {
  const bytes = ctx.stub.getTransient().get('buyer');
  if (!bytes || bytes.length === 0)
    throw new ChaincodeError(
      ErrorCode.BUYER_DETAILS_REQUIRED,
      'a sale needs the buyer details as transient data "buyer"',
    );
  let details: Fields;
  try {
    details = JSON.parse(Buffer.from(bytes).toString('utf8')) as Fields;
  } catch {
    throw new ChaincodeError(ErrorCode.BUYER_DETAILS_REQUIRED, 'transient "buyer" must be a JSON object');
  }
  return { details, birthDate: str(details, 'birthDate', { pattern: CALENDAR_DATE }) };
}

@Info({ title: 'sale', description: 'One person, one code: duty-free sales, pickup, mail, departures' })
export class SaleContract extends LedgerContract {
  constructor() {
    super('sale');
  }

  /** A duty-free sale to a person code; buyer details in transient data `buyer` ({"birthDate":"YYYY-MM-DD",...}). */
  @Transaction()
  @Returns('string')
  async Sell(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, 'operator', 'sell duty-free goods');
    const { iso: eventTime } = eventTimeOf(ctx, f);
    const rules = await rulesAt(ctx, eventTime);
    const saleId = str(f, 'saleId', { pattern: REF });
    await requireUnused(ctx, KeyType.sale, [saleId], `sale ${saleId} already recorded`);
    const req = decodeSaleRequest(f, saleId, eventTime);
    const buyer = buyerOf(ctx);
    const items = await loadAll(
      ctx,
      req.lines.map((l) => l.id),
    );
    const person = await ctx.store.get<PersonRecord>(KeyType.person, [req.personCode]);
    const used = await quotaUsedFen(ctx, req.personCode, shanghaiYear(eventTime));
    const decision = decideSale(
      req,
      f,
      buyer,
      { operator: ent.id, rules, items, person, quotaUsedFen: used },
      txOf(ctx),
    );
    const movements = await commit(ctx, decision);
    return encodeToString({ txId: ctx.txId, sale: decision.record, decision: decision.verdict, movements });
  }

  /** Hand-over of sold items (at departure, or at once for buy-now-pick-up and guarantee pick-up). */
  @Transaction()
  @Returns('string')
  async Pickup(ctx: TraceContext, requestJson: string): Promise<string> {
    return this.#handOver(ctx, requestJson, 'PICKUP');
  }

  /** Mail of sold items to an off-island address, only after the buyer's departure is confirmed. */
  @Transaction()
  @Returns('string')
  async Mail(ctx: TraceContext, requestJson: string): Promise<string> {
    return this.#handOver(ctx, requestJson, 'MAIL');
  }

  async #handOver(ctx: TraceContext, requestJson: string, kind: 'PICKUP' | 'MAIL'): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, 'operator', kind === 'MAIL' ? 'mail sold goods' : 'hand over sold goods');
    const at = eventTimeOf(ctx, f);
    const reference = str(f, 'reference', { pattern: REF });
    const items = await loadAll(ctx, list(f, 'items', BATCH_ITEMS_MAX, itemIdOf));
    const codes = kind === 'MAIL' ? buyersOf(items) : [];
    const persons = await inOrder(codes, (code) => ctx.store.get<PersonRecord>(KeyType.person, [code]));
    const byCode = new Map(codes.map((code, i) => [code, persons[i]] as const));
    await commit(ctx, decideHandOver(kind, items, ent.id, byCode, at, reference, eventIdOf(f), txOf(ctx)));
    return encodeToString({ txId: ctx.txId, items: items.length });
  }

  /** Confirms a person's departure off the island (customs, or an operator at a departure pickup point). */
  @Transaction()
  @Returns('string')
  async ConfirmDeparture(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    if (!isCustoms(ctx)) {
      const ent = await requireEnterprise(ctx, 'operator', 'confirm departures').catch(() => undefined);
      if (!ent) throw newAccessDenied('only customs or a duty-free operator may confirm a departure');
    }
    const { iso: departedAt } = eventTimeOf(ctx, { eventTime: f.departedAt });
    const personCode = str(f, 'personCode', { pattern: PERSON_CODE });
    const person = await ctx.store.get<PersonRecord>(KeyType.person, [personCode]);
    const port = optStr(f, 'port', { pattern: PORT_CODE });
    const decision = decideDeparture(person, personCode, departedAt, port, optStr(f, 'ref', { pattern: REF }));
    await commit(ctx, decision);
    return encodeToString(decision.record);
  }
}
