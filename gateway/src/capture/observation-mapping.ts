/**
 * Capture of every EPCIS 2.0 event (issue 15): an event that maps to a customs step goes to that step
 * ({@link mapEvent}); an event with an `errorDeclaration` becomes `goods:DeclareError` (the declared event is marked
 * erroneous on the chain); any other event becomes `goods:Observe`, recorded as an observation on the chain of every
 * item it names, anchored by its CBV 2.0 event hash id, its body kept whole (standard fields and user extensions).
 * Pure: no I/O.
 *
 * What is still refused: an identifier in an EPC field that is neither a trade item nor any GS1 key (INVALID_EPC), an
 * item of a GTIN no entry declared (UNKNOWN_GTIN: an observation needs the item's chain), and what the chain's request
 * rules refuse. Identifiers that are GS1 keys but no trade item (SSCC, GRAI, GIAI, SGLN, ...) stay in the event body
 * without a chain of their own.
 */
import { gs1KeyOf, observationNeedsItems } from '@hainan/ledger-model';
import { parseItemId } from '../domain/item-id';
import type { CompanyPrefixBook } from './company-prefixes';
import { canonicalEventId, type EventHashContext } from './event-hash';
import {
  gtinOfSgtin,
  isRefusal,
  itemNameOf,
  isPacking,
  mapEvent,
  speaksLedgerVocabulary,
  type EventRefusal,
  type StepRequest,
} from './event-mapping';

type Fields = Readonly<Record<string, unknown>>;

/** The fields of an EPCIS event that name objects, in the order their items are listed. */
const EPC_FIELDS = ['epcList', 'parentID', 'childEPCs', 'inputEPCList', 'outputEPCList'] as const;

/** Suffix of the capture id of an error declaration: it carries the id of the event it declares erroneous. */
const ERROR_DECLARATION_SUFFIX = '#errorDeclaration';

const TRACE_CODE_PARENT = /(?:^|\/tcode\/)\d{16}$/;

function isErrorDeclaration(event: Fields): boolean {
  return typeof event.errorDeclaration === 'object' && event.errorDeclaration !== null;
}

/**
 * The id an event is known by in a capture: its `eventID`, else its hash id. An error declaration carries the id of
 * the event it declares (EPCIS 2.0 §7.4.1.4): it is captured as `<that id>#errorDeclaration`, so it is not taken for
 * a second capture of the declared event, and posting the same declaration twice is a duplicate.
 */
export function capturedEventIdOf(event: Fields, context: EventHashContext): string {
  const id = typeof event.eventID === 'string' ? event.eventID : canonicalEventId(event, context);
  return isErrorDeclaration(event) ? `${declaredEventIdOf(event, id)}${ERROR_DECLARATION_SUFFIX}` : id;
}

function declaredEventIdOf(event: Fields, id: string): string {
  // The hash id leaves errorDeclaration out: without an eventID, the declaration's hash id is the declared event's.
  return typeof event.eventID === 'string' ? event.eventID : id.replace(ERROR_DECLARATION_SUFFIX, '');
}

/** A refusal thrown by {@link itemNameOf}, read without depending on its class. */
function refusalOf(err: unknown): EventRefusal | undefined {
  const refusal = (err as { refusal?: EventRefusal } | null)?.refusal;
  return refusal !== undefined && typeof refusal.code === 'string' ? refusal : undefined;
}

/**
 * The items (as the chain keys them) an event names in its EPC fields, each once. Identifiers that are GS1 keys of
 * something else are skipped; anything else is refused.
 */
function itemsNamed(event: Fields, book: CompanyPrefixBook): string[] | EventRefusal {
  const items = new Set<string>();
  // A Digital Link of a GTIN no entry declared names no item on the ledger: outside the custody steps it stays in the body.
  const needsItems = observationNeedsItems(event);
  for (const field of EPC_FIELDS) {
    const value = event[field];
    const list = field === 'parentID' ? (value === undefined ? [] : [value]) : Array.isArray(value) ? value : [];
    for (const [i, epc] of list.entries()) {
      const where = field === 'parentID' ? field : `${field}[${i}]`;
      const ref = typeof epc === 'string' ? parseItemId(epc) : undefined;
      if (ref === undefined && typeof epc === 'string' && gs1KeyOf(epc) !== undefined) continue;
      try {
        items.add(itemNameOf(epc, where, book));
      } catch (err) {
        const refusal = refusalOf(err);
        if (refusal === undefined) throw err;
        if (refusal.code === 'EPC_SCHEME_UNSUPPORTED' || (refusal.code === 'UNKNOWN_GTIN' && !needsItems)) continue;
        return refusal;
      }
    }
  }
  return [...items];
}

function gtinsOf(items: readonly string[]): string[] {
  return [...new Set(items.map((id) => gtinOfSgtin(id)).filter((g): g is string => g !== undefined))];
}

/** Namespace prefix -> IRI, as a capture document's `@context` defines them (`example` -> `http://ns.example.com/epcis/`). */
export type Namespaces = ReadonlyMap<string, string>;

/** Most prefixes an event carries from its document (a document's `@context` has at most a few; epcis-limits.ts). */
export const EVENT_NAMESPACES_MAX = 100;

/** The prefixes a document's `@context` (a URL, an object, or a list of them) defines; context URLs carry none here. */
export function namespacesOf(context: unknown): Namespaces {
  const namespaces = new Map<string, string>();
  for (const entry of Array.isArray(context) ? context : [context]) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
    for (const [prefix, iri] of Object.entries(entry)) {
      if (namespaces.size >= EVENT_NAMESPACES_MAX) break;
      if (typeof iri === 'string') namespaces.set(prefix, iri);
    }
  }
  return namespaces;
}

/** The document prefixes an event's member names use (`example:` of `example:myField`), at any depth, bounded. */
function prefixesUsedBy(event: Fields, namespaces: Namespaces): Record<string, string> {
  const used: Record<string, string> = {};
  if (namespaces.size === 0) return used;
  // The event's size is bounded by the capture limits; the walk keeps its own stack (no recursion on untrusted data).
  const stack: unknown[] = [event];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (!Array.isArray(node)) {
      for (const name of Object.keys(node)) {
        const colon = name.indexOf(':');
        const prefix = colon > 0 ? name.slice(0, colon) : undefined;
        const iri = prefix === undefined ? undefined : namespaces.get(prefix);
        if (prefix !== undefined && iri !== undefined && !name.startsWith(`${prefix}://`)) used[prefix] = iri;
      }
    }
    for (const child of Object.values(node)) stack.push(child);
  }
  return used;
}

/**
 * The event as it goes onto the chain: whole, under the id it is captured by (the chain sets recordTime). A user
 * extension (`example:myField`) means something only with its document's prefix: the prefixes the event uses travel
 * with it as an event-level `@context` (JSON-LD allows one on an event; the query document lifts it into its own
 * `@context`, projection/epcis-document.ts), so the event reads back as it was sent and means the same.
 */
function bodyOf(event: Fields, eventId: string, namespaces: Namespaces): Record<string, unknown> {
  const { recordTime: _set_by_the_chain, ...body } = event;
  const used = prefixesUsedBy(event, namespaces);
  if (Object.keys(used).length === 0) return { ...body, eventID: eventId };
  const own =
    body['@context'] === undefined ? [] : Array.isArray(body['@context']) ? body['@context'] : [body['@context']];
  // The event's own context comes last: in JSON-LD, what an event defines itself wins over its document's.
  return { ...body, '@context': [used, ...own], eventID: eventId };
}

/** An event that is no customs step, as a `goods:Observe` step of one observation. */
export function observationStep(
  event: Fields,
  book: CompanyPrefixBook,
  eventId: string,
  eventHash: string,
  namespaces: Namespaces = new Map(),
): StepRequest | EventRefusal {
  const items = itemsNamed(event, book);
  if (!Array.isArray(items)) return items;
  return {
    fn: 'goods:Observe',
    header: {},
    items: [{ eventId, eventHash, event: bodyOf(event, eventId, namespaces), items }],
    sgtins: items,
    gtins: gtinsOf(items),
    divisible: true,
  };
}

/** An event with an errorDeclaration, as a `goods:DeclareError` step. */
export function errorDeclarationStep(
  event: Fields,
  book: CompanyPrefixBook,
  capturedId: string,
  namespaces: Namespaces = new Map(),
): StepRequest {
  const declaredEventId = declaredEventIdOf(event, capturedId);
  // Its items only order it after the events of the same document that name them (the chain reads the declared
  // event's own items); identifiers the capture cannot name are left to the chain.
  const items = itemsNamed(event, book);
  const sgtins = Array.isArray(items) ? items : [];
  return {
    fn: 'goods:DeclareError',
    header: {},
    items: [{ declaredEventId, event: bodyOf(event, declaredEventId, namespaces) }],
    sgtins,
    gtins: [],
    divisible: true,
  };
}

/**
 * Map one captured event: its customs step, its error declaration, or its observation.
 *
 * @param capturedId - The id the capture knows the event by ({@link capturedEventIdOf}).
 * @param eventHash - Its CBV 2.0 event hash id (computed only for an observation).
 * @param namespaces - The prefixes its document's `@context` defines (kept with the event's body).
 */
export function mapCapturedEvent(
  event: Fields,
  book: CompanyPrefixBook,
  capturedId: string,
  eventHash: () => string,
  namespaces: Namespaces = new Map(),
): StepRequest | EventRefusal {
  if (isErrorDeclaration(event)) return errorDeclarationStep(event, book, capturedId, namespaces);
  // An association of a traceability code is the customs step, refused as such when malformed.
  const codeAssociation = typeof event.parentID === 'string' && TRACE_CODE_PARENT.test(event.parentID);
  // A partner's event that does not speak the ledger's vocabulary is no customs step, whatever its bizStep: it is
  // recorded as it is, not refused for the customs facts it never meant to give.
  // Packing is the exception: it changes what the chain's containers hold, whoever speaks of it.
  if (!codeAssociation && !isPacking(event) && !speaksLedgerVocabulary(event))
    return observationStep(event, book, capturedId, eventHash(), namespaces);
  if (event.type === 'AssociationEvent' && !codeAssociation)
    return observationStep(event, book, capturedId, eventHash(), namespaces);
  const step = mapEvent(event, book);
  if (isRefusal(step) && step.code === 'EPCIS_EVENT_UNSUPPORTED' && !codeAssociation)
    return observationStep(event, book, capturedId, eventHash(), namespaces);
  return step;
}
