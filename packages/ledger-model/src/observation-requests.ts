/**
 * Decoders of the two `goods` requests that record EPCIS events which are no customs step (issue 15):
 *
 * - `goods:Observe` — events that map to no step (OBSERVE readings, inspecting, storing, sensor data, transformations,
 *   transactions, ...) recorded as observations on the chains of the items they name, without changing the items;
 * - `goods:DeclareError` — EPCIS error declarations: the declared event is marked erroneous on the chain.
 *
 * Like goods-requests.ts, the chaincode decodes with these functions and the gateway decodes every capture step with
 * them before it accepts a document, so both refuse the same requests with the same code and words.
 */
import { newInvalidArgument } from './errors';
import { itemIdOf, list, optStr, str, unique, type Fields } from './fields';
import { decodeEventTime, type EventTime, type TxClock } from './goods-requests';
import { EVENT_ID_LENGTH_MAX, ITEMS_PER_TRANSACTION_MAX } from './limits';

/** The CBV 2.0 event hash id (`ni:///sha-256;<hex>?ver=CBV2.0`): the anchor of an observation on the chain. */
export const EVENT_HASH_ID = /^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/;

/** The five EPCIS 2.0 event types. */
export const EPCIS_EVENT_TYPES = [
  'ObjectEvent',
  'AggregationEvent',
  'TransactionEvent',
  'TransformationEvent',
  'AssociationEvent',
] as const;

/** Largest EPCIS event body (its JSON) one observation or error declaration may carry onto the chain. */
export const EVENT_BODY_CHARS_MAX = 256 * 1024;

/** Most corrective event ids one error declaration names. */
export const CORRECTIVE_EVENTS_MAX = 100;

/**
 * CBV 2.0 business steps whose observation says the recorder handles the goods in its custody, at a place where the
 * ledger's book is the authority for what is there: inspecting, storing, counting, selling, holding, sampling,
 * picking, dispensing, repairing. An item such an event names must be on the ledger (an item with no entry in an
 * enterprise's custody on the island is the anomaly the ledger exists to show): it is refused (UNKNOWN_GTIN at the
 * gateway, NOT_FOUND on the chain). Every other observation (commissioning, shipping, receiving, transporting,
 * packing, assembling, sensor reporting, no bizStep, ...) may name goods the ledger does not know, such as goods
 * before their first-line entry or of a partner abroad: it changes no item, so the chain records it (anchored by its
 * hash id, its body kept) with a note on the chain of each item it names that is on the ledger, and none for the others.
 */
export const CUSTODY_BIZ_STEPS: ReadonlySet<string> = new Set([
  'inspecting',
  'storing',
  'stocking',
  'stock_taking',
  'cycle_counting',
  'holding',
  'retail_selling',
  'sampling',
  'picking',
  'dispensing',
  'repairing',
]);

/** The bare CBV word of a bizStep in any of its forms (`inspecting`, `https://ref.gs1.org/cbv/BizStep-inspecting`, `urn:epcglobal:cbv:bizstep:inspecting`). */
function bizStepWord(bizStep: unknown): string | undefined {
  if (typeof bizStep !== 'string') return undefined;
  const m = /^(?:https:\/\/ref\.gs1\.org\/cbv\/BizStep-|urn:epcglobal:cbv:bizstep:)?([a-z_]+)$/.exec(bizStep);
  return m?.[1];
}

/**
 * Whether an observation of this event needs every item it names on the ledger ({@link CUSTODY_BIZ_STEPS}).
 *
 * @param event - The EPCIS event.
 */
export function observationNeedsItems(event: Readonly<Record<string, unknown>>): boolean {
  const word = bizStepWord(event.bizStep);
  return word !== undefined && CUSTODY_BIZ_STEPS.has(word);
}

/** One event recorded as an observation. */
export interface Observation {
  /** The event's id as captured (its `eventID`, else its hash id). */
  readonly eventId: string;
  /** Its CBV 2.0 event hash id: the key of its record on the chain. */
  readonly eventHash: string;
  readonly eventTime: EventTime;
  /** The EPCIS event as captured (its `eventID` set to {@link eventId}). */
  readonly event: Fields;
  /** The items it names (SGTIN URNs or 16-digit codes), each once; other identifiers stay in the body only. */
  readonly items: readonly string[];
}

/** goods:Observe — several observations in one transaction, at most ITEMS_PER_TRANSACTION_MAX items in all. */
export interface ObserveRequest {
  readonly observations: readonly Observation[];
}

/** One EPCIS error declaration. */
export interface ErrorDeclaration {
  /** The id of the event declared erroneous. */
  readonly declaredEventId: string;
  /** `errorDeclaration.declarationTime`. */
  readonly declarationTime: EventTime;
  /** `errorDeclaration.reason` (a CBV error reason or a URI), when given. */
  readonly reason: string | undefined;
  readonly correctiveEventIds: readonly string[];
  /** The error declaration event as captured (its `eventID` is the declared event's). */
  readonly event: Fields;
}

/** goods:DeclareError — error declarations, each naming one event. */
export interface DeclareErrorRequest {
  readonly declarations: readonly ErrorDeclaration[];
}

function objectAt(v: unknown, what: string): Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw newInvalidArgument(`${what} must be an object`);
  return v as Fields;
}

/** An EPCIS event body: one of the five types, within the size the chain keeps. */
function eventBody(v: unknown, what: string): Fields {
  const event = objectAt(v, what);
  if (!(EPCIS_EVENT_TYPES as readonly unknown[]).includes(event.type))
    throw newInvalidArgument(`${what}.type must be one of ${EPCIS_EVENT_TYPES.join(', ')}`);
  const chars = JSON.stringify(event).length;
  if (chars > EVENT_BODY_CHARS_MAX)
    throw newInvalidArgument(`${what} is ${chars} characters of JSON; at most ${EVENT_BODY_CHARS_MAX}`);
  return event;
}

export function decodeObserveRequest(f: Fields, tx: TxClock): ObserveRequest {
  let total = 0;
  const observations = list(f, 'observations', ITEMS_PER_TRANSACTION_MAX, (v, i) => {
    const o = objectAt(v, `observations[${i}]`);
    const eventId = str(o, 'eventId', { maxLength: EVENT_ID_LENGTH_MAX });
    const eventHash = str(o, 'eventHash', { pattern: EVENT_HASH_ID });
    const event = eventBody(o.event, `observations[${i}].event`);
    const eventTime = decodeEventTime(event, tx);
    const items = list(o, 'items', ITEMS_PER_TRANSACTION_MAX, itemIdOf, 0);
    unique(items, 'item');
    total += items.length;
    return { eventId, eventHash, eventTime, event, items };
  });
  if (total > ITEMS_PER_TRANSACTION_MAX)
    throw newInvalidArgument(`observations name ${total} items; at most ${ITEMS_PER_TRANSACTION_MAX} per transaction`);
  return { observations };
}

export function decodeDeclareErrorRequest(f: Fields, tx: TxClock): DeclareErrorRequest {
  const declarations = list(f, 'declarations', ITEMS_PER_TRANSACTION_MAX, (v, i) => {
    const d = objectAt(v, `declarations[${i}]`);
    const event = eventBody(d.event, `declarations[${i}].event`);
    const declaredEventId = str(d, 'declaredEventId', { maxLength: EVENT_ID_LENGTH_MAX });
    const declaration = objectAt(event.errorDeclaration, `declarations[${i}].event.errorDeclaration`);
    if (typeof declaration.declarationTime !== 'string')
      throw newInvalidArgument(`declarations[${i}].event.errorDeclaration.declarationTime is missing`);
    const declarationTime = decodeEventTime({ eventTime: declaration.declarationTime }, tx);
    const reason = optStr(declaration, 'reason', { maxLength: EVENT_ID_LENGTH_MAX });
    const correctiveEventIds = list(
      { correctiveEventIDs: declaration.correctiveEventIDs ?? [] },
      'correctiveEventIDs',
      CORRECTIVE_EVENTS_MAX,
      (id, k) => {
        if (typeof id !== 'string' || id.length === 0 || id.length > EVENT_ID_LENGTH_MAX)
          throw newInvalidArgument(`correctiveEventIDs[${k}] must be an event id`);
        return id;
      },
      0,
    );
    return { declaredEventId, declarationTime, reason, correctiveEventIds, event };
  });
  return { declarations };
}
