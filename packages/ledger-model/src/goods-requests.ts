/**
 * Decoders of the `goods` contract's requests that capture maps EPCIS events to (Enter, Ship, Receive, Exit, Process,
 * Destroy / ReturnAbroad, Associate): each reads a request object into its typed form or throws the chaincode's
 * coded error (INVALID_ARGUMENT naming the field), with no ledger state involved.
 *
 * Why here: the chaincode's transaction decodes its request with these functions, and the gateway decodes every
 * step of a capture document with the same functions before it accepts the document. A value the chain would refuse
 * (an amount of 0 fen, an unknown category, an HS code with letters, ...) therefore refuses the whole document at
 * accept time, with the chain's code and words, instead of refusing one transaction after the others committed.
 * What only the ledger state can decide (an item already entered, a holder, a port in the rules in force, an
 * enterprise's registration) stays in the transaction.
 *
 * Fields are read in the order the transactions always read them, so a request with several faults is refused for
 * the same first fault as before.
 */
import { CONTAINERS_PER_TRANSACTION_MAX, containerIdOf, isContainerId } from './container-requests';
import { ENTRY_REGIMES, PRODUCT_CATEGORIES, type EntryRegime, type ProductCategory } from './enums';
import { newInvalidArgument } from './errors';
import { bool, int, itemIdOf, list, obj, oneOf, optInt, optObj, optStr, str, unique, type Fields } from './fields';
import { gtinOfSgtin, isValidGtin14, isValidLocation, parseSgtin } from './gs1';
import { EVENT_ID_LENGTH_MAX, EVENT_TIME_SKEW_MS_MAX, ITEMS_PER_TRANSACTION_MAX, VOLUME_ML_MAX } from './limits';
import { HS_CODE, REF, TRACE_CODE } from './patterns';
import { parseInstant } from './time';

/** The transaction's own time: an event time defaults to it and may not lie far after it. */
export interface TxClock {
  /** Epoch milliseconds. */
  readonly ms: number;
  /** The same instant as ISO-8601. */
  readonly iso: string;
}

/** An event time, as ISO-8601 (UTC) and epoch milliseconds. */
export interface EventTime {
  readonly iso: string;
  readonly ms: number;
}

/** Product facts declared once per entry batch and carried by each item. */
export interface ProductFacts {
  gtin: string;
  hsCode: string;
  category: ProductCategory;
  /** Volume per unit in millilitres (alcohol), else absent. */
  volumeMl?: number;
}

/**
 * The event time of a request (`eventTime`, defaulting to the transaction time), not in the future.
 *
 * @param f the request
 * @param tx the transaction time (the chaincode's; a client checking ahead passes its own clock)
 * @throws ChaincodeError INVALID_ARGUMENT for a malformed or future event time
 */
export function decodeEventTime(f: Fields, tx: TxClock): EventTime {
  const raw = f.eventTime;
  if (raw === undefined || raw === null) return { iso: tx.iso, ms: tx.ms };
  if (typeof raw !== 'string') throw newInvalidArgument('eventTime must be an ISO-8601 date-time with offset');
  const ms = parseInstant(raw);
  if (ms > tx.ms + EVENT_TIME_SKEW_MS_MAX) throw newInvalidArgument(`eventTime ${raw} is in the future`);
  return { iso: new Date(ms).toISOString(), ms };
}

/** Reads one entry of a list that only takes SGTIN URNs (new items: entry, processing outputs, association). */
export function sgtinOf(v: unknown, i: number): string {
  if (typeof v !== 'string' || !parseSgtin(v))
    throw newInvalidArgument(`items[${i}] must be an SGTIN URN (urn:epc:id:sgtin:...), got ${JSON.stringify(v)}`);
  return v;
}

/** Reads a location field: a GLN with a valid check digit or an SGLN URN. */
export function locationOf(f: Fields, name: string): string {
  const loc = str(f, name, { maxLength: 80 });
  if (!isValidLocation(loc))
    throw newInvalidArgument(
      `${name} must be a GLN (13 digits, valid check digit) or an SGLN URN, got ${JSON.stringify(loc)}`,
    );
  return loc;
}

/** Reads the product facts object of an entry or a processing output. */
export function productOf(f: Fields, name: string): ProductFacts {
  const p = obj(f, name);
  const gtin = str(p, 'gtin', { maxLength: 14 });
  if (!isValidGtin14(gtin)) throw newInvalidArgument(`${name}.gtin must be a GTIN-14 with a valid check digit`);
  const volumeMl = optInt(p, 'volumeMl', 1, VOLUME_ML_MAX);
  return {
    gtin,
    hsCode: str(p, 'hsCode', { pattern: HS_CODE }),
    category: oneOf(p, 'category', PRODUCT_CATEGORIES),
    ...(volumeMl === undefined ? {} : { volumeMl }),
  };
}

/** The client-chosen EPCIS eventID the chain records for the transaction's event, if any. */
export function eventIdOf(f: Fields): string | undefined {
  return optStr(f, 'eventId', { maxLength: EVENT_ID_LENGTH_MAX });
}

/** goods:Enter — first-line entry of a batch of serialized items of one product. */
export interface EnterRequest {
  readonly eventTime: EventTime;
  readonly declarationNo: string;
  readonly location: string;
  readonly regime: EntryRegime;
  readonly product: ProductFacts;
  readonly unitValueFen: number;
  /** SGTIN URNs, each once, all of the declared product's GTIN. */
  readonly items: readonly string[];
  /** SGTIN -> 16-digit traceability code, as sent (each code is checked when it is claimed on the ledger). */
  readonly traceCodes: Readonly<Fields>;
  readonly eventId: string | undefined;
}

export function decodeEnterRequest(f: Fields, tx: TxClock): EnterRequest {
  const eventTime = decodeEventTime(f, tx);
  const declarationNo = str(f, 'declarationNo', { pattern: REF });
  const location = locationOf(f, 'location');
  const regime = oneOf(f, 'regime', ENTRY_REGIMES);
  const product = productOf(f, 'product');
  const unitValueFen = int(f, 'unitValueFen', 1);
  const items = list(f, 'items', ITEMS_PER_TRANSACTION_MAX, sgtinOf);
  unique(items, 'item');
  const traceCodes = optObj(f, 'traceCodes') ?? {};
  for (const sgtin of items) {
    const gtin = gtinOfSgtin(parseSgtin(sgtin)!);
    if (gtin !== product.gtin)
      throw newInvalidArgument(`${sgtin} encodes GTIN ${gtin}, not the declared product ${product.gtin}`);
  }
  return {
    eventTime,
    declarationNo,
    location,
    regime,
    product,
    unitValueFen,
    items,
    traceCodes,
    eventId: eventIdOf(f),
  };
}

/** goods:Ship — items the caller holds, to another enterprise or location. */
export interface ShipRequest {
  readonly eventTime: EventTime;
  readonly shipmentId: string;
  /** Credit code of the receiver (its registration is checked on the ledger). */
  readonly toEnterprise: string;
  readonly toLocation: string;
  /** SGTIN URNs or 16-digit traceability codes. */
  readonly items: readonly string[];
  readonly eventId: string | undefined;
}

export function decodeShipRequest(f: Fields, tx: TxClock): ShipRequest {
  const eventTime = decodeEventTime(f, tx);
  const shipmentId = str(f, 'shipmentId', { pattern: REF });
  const toEnterprise = str(f, 'toEnterprise', { maxLength: 18 });
  const toLocation = locationOf(f, 'toLocation');
  const items = list(f, 'items', ITEMS_PER_TRANSACTION_MAX, itemIdOf);
  return { eventTime, shipmentId, toEnterprise, toLocation, items, eventId: eventIdOf(f) };
}

/** goods:Receive — the receiver confirms a shipment at the location it was sent to. */
export interface ReceiveRequest {
  readonly eventTime: EventTime;
  readonly shipmentId: string;
  readonly location: string;
  readonly items: readonly string[];
  readonly eventId: string | undefined;
}

export function decodeReceiveRequest(f: Fields, tx: TxClock): ReceiveRequest {
  const eventTime = decodeEventTime(f, tx);
  const shipmentId = str(f, 'shipmentId', { pattern: REF });
  const location = locationOf(f, 'location');
  const items = list(f, 'items', ITEMS_PER_TRANSACTION_MAX, itemIdOf);
  return { eventTime, shipmentId, location, items, eventId: eventIdOf(f) };
}

/** goods:Exit — second-line exit with a release list: items, and cases or pallets leaving whole. */
export interface ExitRequest {
  readonly eventTime: EventTime;
  readonly releaseListNo: string;
  /** Port name (whether it is a second-line port is decided by the rules in force on the ledger). */
  readonly port: string;
  readonly batch: boolean;
  /** Loose items, one exit value per item. */
  readonly lines: readonly { readonly id: string; readonly exitValueFen: number }[];
  /**
   * Cases and pallets (SSCC / GRAI URNs) leaving with everything in them, one exit value per container (the declared
   * value of its contents). Named in `items` like an item (an EPCIS epcList as it is) or in `containers`. The decoder
   * always sets it (absent is read as none).
   */
  readonly containers?: readonly { readonly id: string; readonly exitValueFen: number }[];
  readonly eventId: string | undefined;
}

function exitLineOf(v: unknown, i: number, name: 'items' | 'containers'): { id: string; exitValueFen: number } {
  const l = (typeof v === 'object' && v !== null ? v : {}) as Fields;
  const id =
    name === 'containers' ? containerIdOf(l.id, i) : isContainerId(String(l.id)) ? String(l.id) : itemIdOf(l.id, i);
  return { id, exitValueFen: int(l, 'exitValueFen', 1) };
}

export function decodeExitRequest(f: Fields, tx: TxClock): ExitRequest {
  const eventTime = decodeEventTime(f, tx);
  const releaseListNo = str(f, 'releaseListNo', { pattern: REF });
  const port = str(f, 'port', { maxLength: 40 });
  const batch = bool(f, 'batch', false);
  // `items` may be left out when `containers` names the cases and pallets.
  const named = f.containers !== undefined;
  const entries =
    f.items === undefined && named
      ? []
      : list(f, 'items', ITEMS_PER_TRANSACTION_MAX, (v, i) => exitLineOf(v, i, 'items'), named ? 0 : 1);
  const lines = entries.filter((l) => !isContainerId(l.id));
  const containers = [
    ...entries.filter((l) => isContainerId(l.id)),
    ...(named
      ? list(f, 'containers', CONTAINERS_PER_TRANSACTION_MAX, (v, i) => exitLineOf(v, i, 'containers'), 0)
      : []),
  ];
  if (lines.length + containers.length === 0) throw newInvalidArgument('an exit names at least one item or container');
  if (containers.length > CONTAINERS_PER_TRANSACTION_MAX)
    throw newInvalidArgument(`an exit names at most ${CONTAINERS_PER_TRANSACTION_MAX} containers per transaction`);
  unique(
    containers.map((c) => c.id),
    'container',
  );
  return { eventTime, releaseListNo, port, batch, lines, containers, eventId: eventIdOf(f) };
}

/** goods:Process, after its id: where, what goes in, what comes out and at what value. */
export interface ProcessingRequest {
  readonly processingId: string;
  readonly eventTime: string;
  readonly location: string;
  /** SGTIN URNs or 16-digit traceability codes of items the processor holds. */
  readonly inputs: readonly string[];
  /** SGTIN URNs of the new items, each once, all of the output product's GTIN (checked in the decision). */
  readonly outputs: readonly string[];
  readonly product: ProductFacts;
  readonly outputUnitValueFen: number;
  readonly cumulativeCode: string | undefined;
  readonly eventId: string | undefined;
}

/**
 * Reads a processing request's fields after its id (the contract checks the id is unused first, so a request with
 * a used id and another fault is refused for the id, as it always was).
 */
export function decodeProcessingRequest(f: Fields, processingId: string, eventTime: string): ProcessingRequest {
  const location = locationOf(f, 'location');
  const inputs = list(f, 'inputs', ITEMS_PER_TRANSACTION_MAX, itemIdOf);
  const outputs = list(f, 'outputs', ITEMS_PER_TRANSACTION_MAX, sgtinOf);
  unique(outputs, 'output');
  const product = productOf(f, 'outputProduct');
  const outputUnitValueFen = int(f, 'outputUnitValueFen', 1);
  const cumulativeCode = optStr(f, 'cumulativeCode', { pattern: REF });
  return {
    processingId,
    eventTime,
    location,
    inputs,
    outputs,
    product,
    outputUnitValueFen,
    cumulativeCode,
    eventId: eventIdOf(f),
  };
}

/** goods:Process, whole: its event time and id, then {@link decodeProcessingRequest} (what a client checks ahead). */
export function decodeProcessRequest(f: Fields, tx: TxClock): ProcessingRequest {
  const eventTime = decodeEventTime(f, tx);
  const processingId = str(f, 'processingId', { pattern: REF });
  return decodeProcessingRequest(f, processingId, eventTime.iso);
}

/** goods:Destroy and goods:ReturnAbroad — end of life of items the caller holds, under a reference. */
export interface EndOfLifeRequest {
  readonly eventTime: EventTime;
  readonly reference: string;
  readonly items: readonly string[];
  readonly eventId: string | undefined;
}

export function decodeEndOfLifeRequest(f: Fields, tx: TxClock): EndOfLifeRequest {
  const eventTime = decodeEventTime(f, tx);
  const reference = str(f, 'reference', { pattern: REF });
  const items = list(f, 'items', ITEMS_PER_TRANSACTION_MAX, itemIdOf);
  return { eventTime, reference, items, eventId: eventIdOf(f) };
}

/** goods:Associate — 16-digit traceability codes for items, each code once. */
export interface AssociateRequest {
  readonly eventTime: EventTime;
  readonly pairs: readonly { readonly sgtin: string; readonly code: string }[];
}

export function decodeAssociateRequest(f: Fields, tx: TxClock): AssociateRequest {
  const eventTime = decodeEventTime(f, tx);
  const pairs = list(f, 'pairs', ITEMS_PER_TRANSACTION_MAX, (v, i) => {
    const p = (typeof v === 'object' && v !== null ? v : {}) as Fields;
    return { sgtin: sgtinOf(p.sgtin, i), code: str(p, 'code', { pattern: TRACE_CODE }) };
  });
  unique(
    pairs.map((p) => p.code),
    'traceability code',
  );
  return { eventTime, pairs };
}

/** The `goods` transactions a client may check ahead with {@link decodeGoodsRequest}. */
export type GoodsStep =
  | 'goods:Enter'
  | 'goods:Ship'
  | 'goods:Receive'
  | 'goods:Exit'
  | 'goods:Process'
  | 'goods:Destroy'
  | 'goods:ReturnAbroad'
  | 'goods:Associate';

const DECODERS: Readonly<Record<GoodsStep, (f: Fields, tx: TxClock) => unknown>> = {
  'goods:Enter': decodeEnterRequest,
  'goods:Ship': decodeShipRequest,
  'goods:Receive': decodeReceiveRequest,
  'goods:Exit': decodeExitRequest,
  'goods:Process': decodeProcessRequest,
  'goods:Destroy': decodeEndOfLifeRequest,
  'goods:ReturnAbroad': decodeEndOfLifeRequest,
  'goods:Associate': decodeAssociateRequest,
};

/**
 * Decodes the request of a `goods` step by its transaction name, with the decoder the chaincode's transaction uses.
 *
 * @param fn `contract:Transaction`, e.g. `goods:Enter`
 * @param f the request object the transaction would receive
 * @param tx the clock to check the event time against
 * @returns the typed request
 * @throws ChaincodeError with the code the chaincode would refuse the request with
 */
export function decodeGoodsRequest(fn: GoodsStep, f: Fields, tx: TxClock): unknown {
  return DECODERS[fn](f, tx);
}
