/**
 * The decisions of the `sale` transactions: a duty-free sale to a person code judged by the rules in force
 * (sale-rules.ts), the hand-over of sold items (pickup, or mail after a confirmed departure), and departure
 * confirmations. Pure: the contract loads, decides and commits (ledger/commit.ts).
 */
import {
  bool,
  eventIdOf as requestEventIdOf,
  ChaincodeError,
  ErrorCode,
  int,
  itemIdOf,
  ITEMS_PER_TRANSACTION_MAX,
  list,
  newInvalidArgument,
  oneOf,
  optInt,
  optObj,
  parseInstant,
  PERSON_CODE,
  str,
  type Fields,
} from '@hainan/ledger-model';
import type { Decision, RecordWrite, Tx } from './decision';
import { BizTxType, epcisBase, locationId, objectEvent, personId } from './epcis';
import { MovementBatch, next, requireHolder, requireNotHeld, requireStatus } from './lifecycle';
import type { ItemRecord, PersonRecord, SaleRecord } from './records';
import type { RuleSet } from './rules';
import { checkSale, departureOverdue, purchaseBanUntil, type PickupMode, type SaleDecision } from './sale-rules';
import { KeyType } from '../ledger/keys';

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
  return person.departures
    .map((d) => d.departedAt)
    .filter((d) => parseInstant(d) >= fromMs)
    .sort((a, b) => parseInstant(a) - parseInstant(b))[0];
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

/** sale:Sell, after its id (which the contract checks is unused first). */
export interface SaleRequest {
  readonly saleId: string;
  readonly eventTime: string;
  readonly personCode: string;
  readonly location: string;
  readonly pickupMode: PickupMode;
  readonly departure: { mode: 'FLIGHT' | 'TRAIN' | 'SHIP'; ticketRef: string; departureTimeIso: string } | undefined;
  readonly lines: readonly { readonly id: string; readonly unitPriceFen: number }[];
}

export function decodeSaleRequest(f: Fields, saleId: string, eventTime: string): SaleRequest {
  const personCode = str(f, 'personCode', { pattern: PERSON_CODE });
  const location = str(f, 'location', { maxLength: 80 });
  const pickupMode = oneOf(f, 'pickupMode', PICKUP_MODES);
  const dep = optObj(f, 'departure');
  const departure = dep && {
    mode: oneOf(dep, 'mode', ['FLIGHT', 'TRAIN', 'SHIP'] as const),
    ticketRef: str(dep, 'ticketRef', { maxLength: 64 }),
    departureTimeIso: str(dep, 'departureTime', { maxLength: 40 }),
  };
  const lines = list(f, 'lines', ITEMS_PER_TRANSACTION_MAX, (v, i) => {
    const l = (typeof v === 'object' && v !== null ? v : {}) as Fields;
    return { id: itemIdOf(l.id, i), unitPriceFen: int(l, 'unitPriceFen', 1) };
  });
  return { saleId, eventTime, personCode, location, pickupMode, departure, lines };
}

/** What a sale decision reads from the ledger. */
export interface SaleState {
  readonly operator: string;
  readonly rules: RuleSet;
  /** The items of the lines, in line order. */
  readonly items: readonly ItemRecord[];
  readonly person: PersonRecord | undefined;
  /** Duty-free amount the person used in the Shanghai calendar year of the sale, fen. */
  readonly quotaUsedFen: number;
}

/** The buyer's details (transient data): kept only in the private collection. */
export interface Buyer {
  readonly details: Fields;
  readonly birthDate: string;
}

/**
 * A duty-free sale: every item in the operator's stock and not held, then the sale rules (quota, limits, age,
 * ticket, pickup mode, purchase ban). Records the quota usage, the sale, the person's departure obligation (buy-now
 * and guarantee pick-up) and the buyer's details. `f` is the request, for the pickup terms read after the items.
 */
export function decideSale(
  req: SaleRequest,
  f: Fields,
  buyer: Buyer,
  state: SaleState,
  tx: Tx,
): Decision & { record: SaleRecord; verdict: SaleDecision } {
  const { saleId, eventTime, personCode, pickupMode, lines } = req;
  const { rules, items, person } = state;
  for (const item of items) {
    requireNotHeld(item, 'sale');
    requireStatus(item, ['IN_STOCK'], 'sale');
    requireHolder(item, state.operator, 'sale');
  }
  const bannedUntil = banUntil(rules, person, eventTime);
  const verdict = checkSale({
    rules,
    eventTimeIso: eventTime,
    buyerBirthDate: buyer.birthDate,
    departure: req.departure,
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
    quotaUsedFen: state.quotaUsedFen,
    ...(bannedUntil ? { personBannedUntilIso: bannedUntil } : {}),
  });
  const batch = new MovementBatch();
  const sold = items.map((item, k) => {
    const after = next(
      item,
      {
        status: 'SOLD',
        sale: { saleId, personCode, pickupMode, unitPriceFen: lines[k]!.unitPriceFen, soldAt: eventTime },
      },
      eventTime,
      tx.id,
    );
    batch.add(item, after);
    return after;
  });
  const record: SaleRecord = {
    saleId,
    operator: state.operator,
    personCode,
    location: req.location,
    pickupMode,
    lines: sold.map((i, k) => ({ sgtin: i.sgtin, unitPriceFen: lines[k]!.unitPriceFen, category: i.product.category })),
    totalFen: verdict.totalFen,
    dutyFreeFen: verdict.dutyFreeFen,
    taxableFen: verdict.taxableFen,
    quotaYear: verdict.quotaYear,
    ...(verdict.mustDepartByIso ? { mustDepartBy: verdict.mustDepartByIso } : {}),
    soldAt: eventTime,
    txId: tx.id,
  };
  const writes: RecordWrite[] = [
    {
      type: KeyType.quota,
      attrs: [personCode, String(verdict.quotaYear), tx.id],
      value: { saleId, dutyFreeFen: verdict.dutyFreeFen, taxableFen: verdict.taxableFen, eventTime },
    },
    { type: KeyType.sale, attrs: [saleId], value: record },
  ];
  if (verdict.mustDepartByIso) {
    const p: PersonRecord = person ?? { personCode, departureObligations: [], departures: [] };
    const obligations = [
      ...p.departureObligations,
      { saleId, saleTime: eventTime, mustDepartBy: verdict.mustDepartByIso },
    ].slice(-PERSON_HISTORY_MAX);
    writes.push({ type: KeyType.person, attrs: [personCode], value: { ...p, departureObligations: obligations } });
  }
  return {
    type: 'SALE',
    eventTime,
    items: sold,
    movements: batch.movements(),
    writes,
    privateWrites: [
      { collection: BUYER_COLLECTION, key: saleId, text: JSON.stringify({ personCode, ...buyer.details }) },
    ],
    records: { sale: record },
    epcis: [
      {
        type: 'TransactionEvent',
        ...epcisBase(tx, eventTime, requestEventIdOf(f)),
        action: 'ADD',
        epcList: sold.map((i) => i.sgtin),
        bizStep: 'retail_selling',
        disposition: 'retail_sold',
        bizLocation: { id: locationId(sold[0]!.location) },
        bizTransactionList: [{ type: BizTxType.sale, bizTransaction: `urn:hn:sale:${saleId}` }],
        destinationList: [{ type: 'owning_party', destination: personId(personCode) }],
        'hn:pickupMode': pickupMode,
        'hn:dutyFreeFen': verdict.dutyFreeFen,
        'hn:taxableFen': verdict.taxableFen,
      },
    ],
    record,
    verdict,
  };
}

/** Person codes whose departures a mail hand-over of these items reads. */
export function buyersOf(items: readonly ItemRecord[]): string[] {
  return [...new Set(items.flatMap((i) => (i.sale ? [i.sale.personCode] : [])))];
}

/**
 * Hand-over of sold items the operator holds: a pickup of anything not sold for mail, or a mail of items sold for
 * mail once the buyer's departure after the sale is confirmed (at or before the event time).
 */
export function decideHandOver(
  kind: 'PICKUP' | 'MAIL',
  items: readonly ItemRecord[],
  operator: string,
  persons: ReadonlyMap<string, PersonRecord | undefined>,
  at: { iso: string; ms: number },
  reference: string,
  eventId: string | undefined,
  tx: Tx,
): Decision {
  const step = kind.toLowerCase();
  const done = items.map((item) => {
    requireNotHeld(item, step);
    requireStatus(item, ['SOLD'], step);
    requireHolder(item, operator, step);
    const sale = item.sale!;
    if (kind === 'PICKUP' && sale.pickupMode === 'MAIL')
      throw newInvalidArgument(`${item.sgtin} was sold for mail delivery, not for pickup`);
    if (kind === 'MAIL') {
      if (sale.pickupMode !== 'MAIL')
        throw newInvalidArgument(`${item.sgtin} was sold for ${sale.pickupMode}, not for mail`);
      const person = persons.get(sale.personCode);
      const departed = person ? departureAfter(person, sale.soldAt) : undefined;
      if (!departed || parseInstant(departed) > at.ms) {
        throw new ChaincodeError(
          ErrorCode.DEPARTURE_NOT_CONFIRMED,
          `${item.sgtin} may be mailed only after the buyer's departure is confirmed`,
        );
      }
    }
    return next(item, { status: kind === 'MAIL' ? 'MAILED' : 'PICKED_UP' }, at.iso, tx.id);
  });
  return {
    type: kind,
    eventTime: at.iso,
    items: done,
    movements: [],
    epcis: [
      objectEvent(
        tx,
        at.iso,
        eventId,
        'OBSERVE',
        done.map((i) => i.sgtin),
        {
          bizStep: kind === 'MAIL' ? 'shipping' : 'departing',
          disposition: kind === 'MAIL' ? 'in_transit' : 'retail_sold',
          bizLocation: { id: locationId(done[0]!.location) },
          bizTransactionList: [{ type: BizTxType.shipment, bizTransaction: `urn:hn:handover:${reference}` }],
        },
      ),
    ],
  };
}

/** A confirmed departure, appended to the person's record (which starts empty for a person the ledger has not seen). */
export function decideDeparture(
  person: PersonRecord | undefined,
  personCode: string,
  departedAt: string,
  port: string | undefined,
  ref: string | undefined,
): Decision & { record: PersonRecord } {
  const p = person ?? { personCode, departureObligations: [], departures: [] };
  const record: PersonRecord = {
    ...p,
    departures: [...p.departures, { departedAt, ...(port ? { port } : {}), ...(ref ? { ref } : {}) }].slice(
      -PERSON_HISTORY_MAX,
    ),
  };
  return {
    type: 'DEPARTURE',
    eventTime: departedAt,
    writes: [{ type: KeyType.person, attrs: [personCode], value: record }],
    records: { person: record },
    record,
  };
}
