/**
 * The decisions of the two transactions that put EPCIS events which are no customs step on the chain (issue 15):
 *
 * - observations (goods:Observe): an event is anchored by its CBV 2.0 event hash id in ONE record, its body is kept
 *   with the transaction's events, and each item it names gets a small note on its chain; no item changes, so an
 *   observation never conflicts with a step that moves the item, and no item key is rewritten;
 * - error declarations (goods:DeclareError): the declared event is marked erroneous (who, when, why, which events
 *   correct it), by the party that captured it or by customs only.
 *
 * Pure: no ledger access; the contract loads, decides and commits (ledger/commit.ts).
 */
import {
  ChaincodeError,
  ErrorCode,
  newAccessDenied,
  newAlreadyExists,
  observationNeedsItems,
  parseSgtin,
  type DeclareErrorRequest,
  type ObserveRequest,
} from '@hainan/ledger-model';
import { presentOne, type Decision, type Loaded, type RecordWrite, type Tx } from './decision';
import type { EpcisEvent } from './epcis';
import type { ErrorMark, EventRef, ItemNote, ItemRecord, ObservationRecord } from './records';
import { eventIdKey, KeyType } from '../ledger/keys';

/** Who records: customs, or an enterprise of an MSP. */
export interface Recorder {
  readonly mspId: string;
  readonly enterpriseId: string | null;
  readonly customs: boolean;
}

/** The notes a transaction leaves on the chains of the items it names without changing them. */
class ChainNotes {
  readonly #positions = new Map<string, number[]>();
  readonly #items = new Map<string, ItemRecord>();

  add(item: ItemRecord, eventPosition: number): void {
    const positions = this.#positions.get(item.sgtin) ?? [];
    if (!positions.includes(eventPosition)) positions.push(eventPosition);
    this.#positions.set(item.sgtin, positions);
    this.#items.set(item.sgtin, item);
  }

  writes(tx: Tx): RecordWrite[] {
    return [...this.#positions].map(([sgtin, events]) => ({
      type: KeyType.itemNote,
      attrs: [sgtin, tx.id],
      value: { recordedAt: tx.iso, events } satisfies ItemNote,
    }));
  }

  items(): ItemRecord[] {
    return [...this.#items.values()];
  }
}

/** The fields of a sender's event the chain keeps as fields (what followers index); all of them ride in the text. */
const INDEXED_FIELDS = [
  'type',
  'eventTime',
  'eventTimeZoneOffset',
  'action',
  'bizStep',
  'disposition',
  'readPoint',
  'bizLocation',
  'epcList',
  'parentID',
  'childEPCs',
  'inputEPCList',
  'outputEPCList',
] as const;

/** The field holding the whole event as JSON text (followers store that body: `gateway/src/projection`). */
export const EVENT_JSON_FIELD = 'hn:eventJson';
/** The field naming the event an error declaration declares. */
export const DECLARES_FIELD = 'hn:declares';

/** Whether the ledger codec writes a value: no number but safe integers. */
function codecSafe(v: unknown): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v);
  if (Array.isArray(v)) return v.every(codecSafe);
  if (typeof v === 'object' && v !== null) return Object.values(v).every(codecSafe);
  return true;
}

/**
 * The event as the chain keeps it: the indexed fields, and the sender's whole body (with the id it was captured under
 * and the chain's record time) as JSON text. Why text: a sender's event may hold what the ledger codec refuses on
 * purpose (sensor values are decimals; the codec writes integers only, so no amount can be a float), and the text is
 * the same on every endorser (the request's own key order, ECMAScript's one number-to-text rule).
 */
function stored(body: Readonly<Record<string, unknown>>, eventId: string, tx: Tx, declares?: string): EpcisEvent {
  const whole: Record<string, unknown> = { ...body, eventID: eventId, recordTime: tx.iso };
  const indexed = Object.fromEntries(
    INDEXED_FIELDS.flatMap((f) => (whole[f] === undefined ? [] : [[f, JSON.parse(JSON.stringify(whole[f]))]])),
  );
  // Indexed values that the codec refuses (a decimal in a readPoint extension...) stay in the text only.
  for (const [f, v] of Object.entries(indexed)) if (!codecSafe(v)) delete indexed[f];
  return {
    ...indexed,
    eventID: eventId,
    recordTime: tx.iso,
    ...(declares === undefined ? {} : { [DECLARES_FIELD]: declares }),
    [EVENT_JSON_FIELD]: JSON.stringify(whole),
  } as unknown as EpcisEvent;
}

/**
 * Observations: each event not recorded before (by its hash id), each item it names on the ledger and, unless customs
 * records it, held by the recorder or on its way to it (an enterprise puts nothing on the chains of others' goods).
 *
 * @param loaded - Per observation, its items (a NOT_FOUND refusal in place of an item with no entry).
 * @param recorded - Per observation, the record already under its hash id, if any.
 */
export function decideObservations(
  req: ObserveRequest,
  recorder: Recorder,
  loaded: readonly (readonly Loaded<ItemRecord>[])[],
  recorded: readonly (ObservationRecord | undefined)[],
  tx: Tx,
): Decision {
  const notes = new ChainNotes();
  const epcis: EpcisEvent[] = [];
  const writes: RecordWrite[] = [];
  const hashes = new Set<string>();
  const kept: { eventId: string; eventHash: string }[] = [];
  for (const [k, o] of req.observations.entries()) {
    // The same event (by its hash id: from another document, another system, or named another way) is on the ledger
    // once: recording it again changes nothing, so a partner's repeated or overlapping documents commit.
    if (recorded[k] !== undefined || hashes.has(o.eventHash)) continue;
    hashes.add(o.eventHash);
    kept.push({ eventId: o.eventId, eventHash: o.eventHash });
    // An item with no entry has no chain: outside the custody steps the observation is kept without a note for it.
    const needsItems = observationNeedsItems(o.event);
    const items = (loaded[k] ?? []).flatMap((l) =>
      l instanceof ChaincodeError && l.code === ErrorCode.NOT_FOUND && !needsItems ? [] : [presentOne(l)],
    );
    for (const item of items) {
      const ours = item.holder === recorder.enterpriseId || item.transit?.to === recorder.enterpriseId;
      if (!recorder.customs && !ours)
        throw new ChaincodeError(
          ErrorCode.NOT_HOLDER,
          `observation of ${item.sgtin} refused: held by ${item.holder}, not by ${recorder.enterpriseId ?? recorder.mspId}`,
        );
      notes.add(item, k);
    }
    const record: ObservationRecord = {
      eventId: o.eventId,
      eventHash: o.eventHash,
      type: String(o.event.type),
      bizStep: typeof o.event.bizStep === 'string' ? o.event.bizStep : null,
      eventTime: o.eventTime.iso,
      items: items.map((i) => i.sgtin),
      capturedBy: { mspId: recorder.mspId, enterpriseId: recorder.enterpriseId },
      recordedAt: tx.iso,
      txId: tx.id,
    };
    writes.push({ type: KeyType.observation, attrs: [o.eventHash], value: record });
    epcis.push(stored(o.event, o.eventId, tx));
  }
  return {
    type: 'OBSERVATION',
    eventTime: req.observations[0]!.eventTime.iso,
    observed: notes.items(),
    writes: [...writes, ...notes.writes(tx)],
    records: { observations: kept },
    epcis,
  };
}

/** The SGTINs an event names (objects, inputs, outputs, parent and children), each once. */
export function sgtinsOfEvent(event: Readonly<Record<string, unknown>>): string[] {
  const named = [event.epcList, event.childEPCs, event.inputEPCList, event.outputEPCList, [event.parentID]].flatMap(
    (list) => (Array.isArray(list) ? list : []),
  );
  return [...new Set(named.filter((epc): epc is string => typeof epc === 'string' && parseSgtin(epc) !== undefined))];
}

/** One place an event with the declared id is on the chain, as the contract found it. */
export interface DeclarableEvent {
  readonly ref: EventRef;
  readonly txId: string;
  readonly index: number;
  /** The stored event (absent: a dangling reference, ignored). */
  readonly event: EpcisEvent | undefined;
  /** Its error mark, when it was declared erroneous before. */
  readonly mark: ErrorMark | undefined;
}

function sameParty(a: { mspId: string; enterpriseId: string | null }, b: Recorder): boolean {
  return a.mspId === b.mspId && a.enterpriseId === b.enterpriseId;
}

/**
 * Error declarations: each declared event on the ledger, captured by the declaring party (customs may declare any),
 * not declared erroneous before. The declared events are marked; the declaration event is kept on the chains of the
 * items the declared event named, so provenance shows both. Events that are themselves error declarations are not
 * declarable. A declaration of an event that is not on this ledger is kept as it is (once) and marks nothing.
 *
 * @param found - Per declaration, every place an event with its id is on the chain.
 * @param items - The items the found events name, by SGTIN (those on the ledger).
 */
export function decideErrorDeclarations(
  req: DeclareErrorRequest,
  recorder: Recorder,
  found: readonly (readonly DeclarableEvent[])[],
  items: ReadonlyMap<string, ItemRecord>,
  tx: Tx,
): Decision {
  const notes = new ChainNotes();
  const epcis: EpcisEvent[] = [];
  const writes: RecordWrite[] = [];
  const marks: ErrorMark[] = [];
  const declared = new Set<string>();
  for (const [k, d] of req.declarations.entries()) {
    const id = d.declaredEventId;
    const all = (found[k] ?? []).filter((c) => c.event !== undefined);
    const candidates = all.filter((c) => (c.event as unknown as Record<string, unknown>)[DECLARES_FIELD] === undefined);
    if (candidates.length === 0) {
      // The declared event was captured elsewhere, not here (EPCIS events travel between repositories; the
      // declaration carries the whole event): the declaration is kept, it marks nothing. Kept once: a declaration
      // with this id already here is this one again.
      if (all.length > 0 || declared.has(id)) continue;
      declared.add(id);
      epcis.push(stored(d.event, id, tx, id));
      continue;
    }
    const own = recorder.customs ? candidates : candidates.filter((c) => sameParty(c.ref.capturedBy, recorder));
    if (own.length === 0)
      throw newAccessDenied(
        `event ${id} was captured by another party: only the party that captured an event, or customs, may declare it erroneous`,
      );
    const before = own.find((c) => c.mark !== undefined)?.mark;
    if (before || declared.has(id))
      throw newAlreadyExists(
        `event ${id} is already declared erroneous${before ? ` (by ${before.declaredBy.enterpriseId ?? before.declaredBy.mspId} at ${before.recordedAt})` : ''}`,
      );
    declared.add(id);
    for (const c of own) {
      const mark: ErrorMark = {
        eventId: id,
        txId: c.txId,
        index: c.index,
        declaredBy: { mspId: recorder.mspId, enterpriseId: recorder.enterpriseId },
        declarationTime: d.declarationTime.iso,
        reason: d.reason ?? null,
        correctiveEventIds: [...d.correctiveEventIds],
        recordedAt: tx.iso,
        declarationTxId: tx.id,
      };
      marks.push(mark);
      writes.push({ type: KeyType.errorMark, attrs: [eventIdKey(id), c.txId, String(c.index)], value: mark });
      for (const sgtin of sgtinsOfEvent(c.event as unknown as Record<string, unknown>)) {
        const item = items.get(sgtin);
        if (item) notes.add(item, k);
      }
    }
    epcis.push(stored(d.event, id, tx, id));
  }
  return {
    type: 'ERROR_DECLARATION',
    eventTime: req.declarations[0]!.declarationTime.iso,
    observed: notes.items(),
    writes: [...writes, ...notes.writes(tx)],
    records: { errorDeclarations: marks },
    epcis,
  };
}
