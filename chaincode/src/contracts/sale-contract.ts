/**
 * The `sale` contract: one person, one code. Duty-free sales by operators to a person code (a keyed hash made
 * off-chain), judged by the rules in force at the sale (quota per Shanghai calendar year, per-purchase limits,
 * age, ticket off the island, pickup modes, the 30-day departure rule and the purchase ban); pickup, mail after
 * a confirmed departure, and departure confirmations. Buyer details arrive only as transient data and go only
 * to the `buyerDetails` private data collection.
 */
import { Info, Returns, Transaction } from 'fabric-contract-api';
import { ChaincodeError, ErrorCode, newAccessDenied, newAlreadyExists, newInvalidArgument } from '../errors';
import { encodeToString } from '../ledger-codec';
import { MovementBatch, next, requireHolder, requireNotHeld, requireStatus } from '../domain/lifecycle';
import { checkSale, departureOverdue, purchaseBanUntil, type PickupMode } from '../domain/sale-rules';
import { parseInstant, shanghaiYear } from '../domain/time';
import type { RuleSet } from '../domain/rules';
import { BizTxType, locationId, personId } from '../domain/epcis';
import type { ItemRecord, PersonRecord, SaleRecord } from '../domain/records';
import { bool, Fields, int, list, oneOf, optInt, optObj, optStr, PERSON_CODE, itemIdOf, REF, str, unique } from '../domain/validate';
import { KeyType } from '../ledger/keys';
import { LedgerContract } from '../ledger/ledger-contract';
import { isCustoms, requireEnterprise } from '../ledger/access';
import { BATCH_ITEMS_MAX, emit, parseSubmission, epcisBase, eventTimeOf, loadItems, postMovements, rulesAt, saveItems } from '../ledger/posting';
// A value import (not `import type`): decorator metadata must name the class so the contract API skips ctx.
import { TraceContext } from '../ledger/trace-context';

/** Private data collection for buyer details (customs and operators only). */
export const BUYER_COLLECTION = 'buyerDetails';
/** Most departure obligations and departures kept per person (older, settled ones are dropped first). */
export const PERSON_HISTORY_MAX = 200;

const PICKUP_MODES: readonly PickupMode[] = ['DEPARTURE_PICKUP', 'MAIL', 'BUY_NOW_PICKUP', 'GUARANTEE_PICKUP'];


/** `{ [name]: value }` when value is defined, else `{}` (the codec and exactOptionalPropertyTypes want no undefined fields). */
function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [name]: value } as { [P in K]?: V });
}

/** The first departure at or after `fromIso`, if any. */
function departureAfter(person: PersonRecord, fromIso: string): string | undefined {
  const fromMs = parseInstant(fromIso);
  return person.departures.map((d) => d.departedAt).filter((d) => parseInstant(d) >= fromMs).sort((a, b) => parseInstant(a) - parseInstant(b))[0];
}

/**
 * End of the purchase ban the person incurred by overstaying a departure window, if it is still running at `nowIso`.
 * Derived from ledger facts at read time, so no sweeper transaction is needed.
 */
export function banUntil(rules: RuleSet, person: PersonRecord | undefined, nowIso: string): string | undefined {
  if (!person) return undefined;
  let until: string | undefined;
  for (const o of person.departureObligations) {
    if (!departureOverdue(o.saleTime, o.mustDepartBy, departureAfter(person, o.saleTime), nowIso)) continue;
    const end = purchaseBanUntil(rules, o.mustDepartBy);
    if (parseInstant(end) > parseInstant(nowIso) && (!until || parseInstant(end) > parseInstant(until))) until = end;
  }
  return until;
}

/** Sum of the duty-free amounts a person used in a Shanghai calendar year. */
export async function quotaUsedFen(ctx: TraceContext, personCode: string, year: number): Promise<number> {
  const entries = await ctx.store.scan<{ dutyFreeFen: number }>(KeyType.quota, [personCode, String(year)]);
  return entries.reduce((sum, e) => sum + e.value.dutyFreeFen, 0);
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
    if (await ctx.store.get(KeyType.sale, [saleId])) throw newAlreadyExists(`sale ${saleId} already recorded`);
    const personCode = str(f, 'personCode', { pattern: PERSON_CODE });
    const location = str(f, 'location', { maxLength: 80 });
    const pickupMode = oneOf(f, 'pickupMode', PICKUP_MODES);
    const dep = optObj(f, 'departure');
    const departure = dep && {
      mode: oneOf(dep, 'mode', ['FLIGHT', 'TRAIN', 'SHIP'] as const),
      ticketRef: str(dep, 'ticketRef', { maxLength: 64 }),
      departureTimeIso: str(dep, 'departureTime', { maxLength: 40 }),
    };
    const lines = list(f, 'lines', BATCH_ITEMS_MAX, (v, i) => {
      const l = (typeof v === 'object' && v !== null ? v : {}) as Fields;
      return { id: itemIdOf(l.id, i), unitPriceFen: int(l, 'unitPriceFen', 1) };
    });
    const buyerBytes = ctx.stub.getTransient().get('buyer');
    if (!buyerBytes || buyerBytes.length === 0) throw new ChaincodeError(ErrorCode.BUYER_DETAILS_REQUIRED, 'a sale needs the buyer details as transient data "buyer"');
    let buyer: Fields;
    try {
      buyer = JSON.parse(Buffer.from(buyerBytes).toString('utf8')) as Fields;
    } catch {
      throw new ChaincodeError(ErrorCode.BUYER_DETAILS_REQUIRED, 'transient "buyer" must be a JSON object');
    }
    const buyerBirthDate = str(buyer, 'birthDate', { pattern: /^\d{4}-\d{2}-\d{2}$/ });

    const items = await loadItems(ctx, lines.map((l) => l.id));
    unique(items.map((i) => i.sgtin), 'item');
    for (const item of items) {
      requireNotHeld(item, 'sale');
      requireStatus(item, ['IN_STOCK'], 'sale');
      requireHolder(item, ent.id, 'sale');
    }
    const person = await ctx.store.get<PersonRecord>(KeyType.person, [personCode]);
    const year = shanghaiYear(eventTime);
    const bannedUntil = banUntil(rules, person, eventTime);
    const decision = checkSale({
      rules,
      eventTimeIso: eventTime,
      buyerBirthDate,
      departure,
      pickupMode,
      ...(f.mailAddressOffIsland === undefined ? {} : { mailAddressOffIsland: bool(f, 'mailAddressOffIsland') }),
      ...optional('guaranteeFen', optInt(f, 'guaranteeFen', 0)),
      ...optional('importTaxFen', optInt(f, 'importTaxFen', 0)),
      lines: items.map((item, k) => ({
        sgtin: item.sgtin,
        category: item.product.category,
        unitPriceFen: lines[k]!.unitPriceFen,
        ...(item.product.volumeMl === undefined ? {} : { volumeMl: item.product.volumeMl }),
      })),
      quotaUsedFen: await quotaUsedFen(ctx, personCode, year),
      ...(bannedUntil ? { personBannedUntilIso: bannedUntil } : {}),
    });

    const batch = new MovementBatch();
    const sold = items.map((item, k) => {
      const after = next(item, { status: 'SOLD', sale: { saleId, personCode, pickupMode, unitPriceFen: lines[k]!.unitPriceFen, soldAt: eventTime } }, eventTime, ctx.txId);
      batch.add(item, after);
      return after;
    });
    await ctx.store.put(KeyType.quota, [personCode, String(decision.quotaYear), ctx.txId], { saleId, dutyFreeFen: decision.dutyFreeFen, taxableFen: decision.taxableFen, eventTime });
    const record: SaleRecord = {
      saleId,
      operator: ent.id,
      personCode,
      location,
      pickupMode,
      lines: sold.map((i, k) => ({ sgtin: i.sgtin, unitPriceFen: lines[k]!.unitPriceFen, category: i.product.category })),
      totalFen: decision.totalFen,
      dutyFreeFen: decision.dutyFreeFen,
      taxableFen: decision.taxableFen,
      quotaYear: decision.quotaYear,
      ...(decision.mustDepartByIso ? { mustDepartBy: decision.mustDepartByIso } : {}),
      soldAt: eventTime,
      txId: ctx.txId,
    };
    await ctx.store.put(KeyType.sale, [saleId], record);
    if (decision.mustDepartByIso) {
      const p: PersonRecord = person ?? { personCode, departureObligations: [], departures: [] };
      p.departureObligations = [...p.departureObligations, { saleId, saleTime: eventTime, mustDepartBy: decision.mustDepartByIso }].slice(-PERSON_HISTORY_MAX);
      await ctx.store.put(KeyType.person, [personCode], p);
    }
    await ctx.stub.putPrivateData(BUYER_COLLECTION, saleId, Buffer.from(JSON.stringify({ personCode, ...buyer })));
    await saveItems(ctx, sold);
    const movements = await postMovements(ctx, batch, 'SALE', eventTime);
    await emit(ctx, {
      type: 'SALE',
      eventTime,
      items: sold,
      movements,
      records: { sale: record },
      epcis: [
        {
          type: 'TransactionEvent',
          ...epcisBase(ctx, eventTime, optStr(f, 'eventId', { maxLength: 200 })),
          action: 'ADD',
          epcList: sold.map((i) => i.sgtin),
          bizStep: 'retail_selling',
          disposition: 'retail_sold',
          bizLocation: { id: locationId(sold[0]!.location) },
          bizTransactionList: [{ type: BizTxType.sale, bizTransaction: `urn:hn:sale:${saleId}` }],
          destinationList: [{ type: 'owning_party', destination: personId(personCode) }],
          'hn:pickupMode': pickupMode,
          'hn:dutyFreeFen': decision.dutyFreeFen,
          'hn:taxableFen': decision.taxableFen,
        },
      ],
    });
    return encodeToString({ txId: ctx.txId, sale: record, decision, movements });
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
    const { iso: eventTime, ms } = eventTimeOf(ctx, f);
    const reference = str(f, 'reference', { pattern: REF });
    const ids = list(f, 'items', BATCH_ITEMS_MAX, itemIdOf);
    const items = await loadItems(ctx, ids);
    unique(items.map((i) => i.sgtin), 'item');
    const persons = new Map<string, PersonRecord | undefined>();
    const done: ItemRecord[] = [];
    for (const item of items) {
      requireNotHeld(item, kind.toLowerCase());
      requireStatus(item, ['SOLD'], kind.toLowerCase());
      requireHolder(item, ent.id, kind.toLowerCase());
      const sale = item.sale!;
      if (kind === 'PICKUP' && sale.pickupMode === 'MAIL') throw newInvalidArgument(`${item.sgtin} was sold for mail delivery, not for pickup`);
      if (kind === 'MAIL') {
        if (sale.pickupMode !== 'MAIL') throw newInvalidArgument(`${item.sgtin} was sold for ${sale.pickupMode}, not for mail`);
        if (!persons.has(sale.personCode)) persons.set(sale.personCode, await ctx.store.get<PersonRecord>(KeyType.person, [sale.personCode]));
        const person = persons.get(sale.personCode);
        const departed = person ? departureAfter(person, sale.soldAt) : undefined;
        if (!departed || parseInstant(departed) > ms) {
          throw new ChaincodeError(ErrorCode.DEPARTURE_NOT_CONFIRMED, `${item.sgtin} may be mailed only after the buyer's departure is confirmed`);
        }
      }
      done.push(next(item, { status: kind === 'MAIL' ? 'MAILED' : 'PICKED_UP' }, eventTime, ctx.txId));
    }
    await saveItems(ctx, done);
    await emit(ctx, {
      type: kind,
      eventTime,
      items: done,
      movements: [],
      epcis: [
        {
          type: 'ObjectEvent',
          ...epcisBase(ctx, eventTime, optStr(f, 'eventId', { maxLength: 200 })),
          action: 'OBSERVE',
          epcList: done.map((i) => i.sgtin),
          bizStep: kind === 'MAIL' ? 'shipping' : 'departing',
          disposition: kind === 'MAIL' ? 'in_transit' : 'retail_sold',
          bizLocation: { id: locationId(done[0]!.location) },
          bizTransactionList: [{ type: BizTxType.shipment, bizTransaction: `urn:hn:handover:${reference}` }],
        },
      ],
    });
    return encodeToString({ txId: ctx.txId, items: done.length });
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
    const person = (await ctx.store.get<PersonRecord>(KeyType.person, [personCode])) ?? { personCode, departureObligations: [], departures: [] };
    const port = optStr(f, 'port', { maxLength: 40 });
    const ref = optStr(f, 'ref', { pattern: REF });
    person.departures = [...person.departures, { departedAt, ...(port ? { port } : {}), ...(ref ? { ref } : {}) }].slice(-PERSON_HISTORY_MAX);
    await ctx.store.put(KeyType.person, [personCode], person);
    await emit(ctx, { type: 'DEPARTURE', eventTime: departedAt, items: [], movements: [], records: { person } });
    return encodeToString(person);
  }
}
