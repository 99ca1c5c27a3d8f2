/**
 * Size limits of a capture document, checked in one pass over its events before the EPCIS schema, hashing or
 * mapping look at it: what the schema leaves unbounded (`@context`, the lists of an event) is bounded here with room
 * above any real document, so the work after it is bounded too and a hostile document is refused in milliseconds.
 * The generic body limits (depth, string length, keys, values; plugins/json-body.ts) apply as well, with
 * {@link CAPTURE_JSON_LIMITS} for this route.
 */
import { newProblem } from '../errors';
import type { JsonLimits } from '../input-limits';

/** Most EPCs in one list (= MAX_ITEMS_PER_CAPTURE of a whole document; accept.ts counts the document's total). */
const EPC_LIST_MAX = 100_000;

/** Body limits of `POST /v1/capture`: a 16 MiB document of 100,000 EPCs and 10,000 events fits. */
export const CAPTURE_JSON_LIMITS: Partial<JsonLimits> = Object.freeze({
  maxArrayLength: EPC_LIST_MAX,
  maxNodes: 1_000_000,
});

/** Most members of an `@context` list: real documents have one to a few. */
export const CONTEXT_ENTRIES_MAX = 64;
/** Most events in one document (the same bound as MAX_EVENTS_PER_CAPTURE). */
const EVENT_LIST_MAX = 10_000;

/** Most members of each list of one event, by member name. */
export const EVENT_LIST_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  '@context': CONTEXT_ENTRIES_MAX,
  epcList: EPC_LIST_MAX,
  childEPCs: EPC_LIST_MAX,
  inputEPCList: EPC_LIST_MAX,
  outputEPCList: EPC_LIST_MAX,
  quantityList: 10_000,
  childQuantityList: 10_000,
  inputQuantityList: 10_000,
  outputQuantityList: 10_000,
  bizTransactionList: 500,
  sourceList: 500,
  destinationList: 500,
  sensorElementList: 1_000,
});

/** Most reports of one sensor element, and members of a persistent disposition's `set` / `unset`. */
const SENSOR_REPORTS_MAX = 10_000;
const DISPOSITIONS_MAX = 64;
const CORRECTIVE_EVENT_IDS_MAX = 1_000;

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuse(pointer: string, length: number, max: number): never {
  throw newProblem('CAPTURE_TOO_LARGE', `${pointer} holds ${length} entries; at most ${max}`, {
    extensions: { pointer, max },
  });
}

function checkList(value: unknown, pointer: string, max: number): void {
  if (Array.isArray(value) && value.length > max) refuse(pointer, value.length, max);
}

/**
 * Refuse a capture document with a list longer than its limit. Linear in the number of events (each event's lists
 * are measured, not walked); anything that is not the expected shape is left to the schema.
 *
 * @param document - The parsed body.
 * @throws ProblemError `CAPTURE_TOO_LARGE` with the JSON `pointer` of the list and its `max`.
 */
export function assertEpcisLimits(document: unknown): void {
  if (!isRecord(document)) return;
  checkList(document['@context'], '/@context', CONTEXT_ENTRIES_MAX);
  const body = document.epcisBody;
  if (!isRecord(body)) return;
  const events = body.eventList;
  if (!Array.isArray(events)) return;
  checkList(events, '/epcisBody/eventList', EVENT_LIST_MAX);
  for (let index = 0; index < events.length; index++) {
    const event: unknown = events[index];
    if (!isRecord(event)) continue;
    const at = `/epcisBody/eventList/${index}`;
    for (const name in EVENT_LIST_LIMITS) {
      checkList(event[name], `${at}/${name}`, EVENT_LIST_LIMITS[name]!);
    }
    const persistent = event.persistentDisposition;
    if (isRecord(persistent)) {
      checkList(persistent.set, `${at}/persistentDisposition/set`, DISPOSITIONS_MAX);
      checkList(persistent.unset, `${at}/persistentDisposition/unset`, DISPOSITIONS_MAX);
    }
    if (isRecord(event.errorDeclaration)) {
      checkList(
        event.errorDeclaration.correctiveEventIDs,
        `${at}/errorDeclaration/correctiveEventIDs`,
        CORRECTIVE_EVENT_IDS_MAX,
      );
    }
    const elements = event.sensorElementList;
    if (Array.isArray(elements)) {
      for (let e = 0; e < elements.length; e++) {
        const element: unknown = elements[e];
        if (isRecord(element))
          checkList(element.sensorReport, `${at}/sensorElementList/${e}/sensorReport`, SENSOR_REPORTS_MAX);
      }
    }
  }
}
