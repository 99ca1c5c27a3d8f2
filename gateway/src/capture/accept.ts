/**
 * Accepting a capture: validate the document against the EPCIS 2.0 schema, give every event its id (its own
 * `eventID` or the canonical event hash), map each event to its ledger step, refuse the whole document when any event
 * cannot be recorded (so a client fixes it in one round trip and nothing half-accepted lingers), then store the
 * capture, its events and its chunks in one database transaction. The capture id is derived from the sender, the
 * event ids and the events themselves, so posting the same document again finds the same capture and changes nothing.
 */
import { createHash } from 'node:crypto';
import type { CapturesRepository } from '../repositories/captures';
import type { Principal } from '../domain/principal';
import { ErrorCodes, newProblem, type ErrorCode } from '../errors';
import { problemFromChaincodeCode } from '../ledger-error';
import { observationNeedsItems, parseSgtin } from '@hainan/ledger-model';
import { chunkSteps, MAX_ITEMS_PER_TRANSACTION, type CapturedStep } from './chunking';
import { companyPrefixBook } from './company-prefixes';
import { assertEpcisLimits } from './epcis-limits';
import { epcisSchemaViolations } from './epcis-schema';
import { canonicalEventId, eventHashContext } from './event-hash';
import { gtinOfSgtin, isRefusal, type StepRequest } from './event-mapping';
import { ledgerRuleRefusal } from './ledger-rules';
import { capturedEventIdOf, mapCapturedEvent, namespacesOf } from './observation-mapping';

/** Most events in one capture document. */
export const MAX_EVENTS_PER_CAPTURE = 10_000;
/** Most items (EPCs) in one capture document. */
export const MAX_ITEMS_PER_CAPTURE = 100_000;
/** Most per-event errors listed in a refusal. */
export const MAX_EVENT_ERRORS_LISTED = 100;

/** One refused event in a problem's `errors`. */
export interface EventError {
  readonly index: number;
  readonly eventID: string;
  readonly code: string;
  readonly message: string;
}

/** The outcome of a capture. */
export interface AcceptedCapture {
  readonly captureId: string;
  /** False when the same document was captured before (nothing changed). */
  readonly created: boolean;
  readonly eventCount: number;
}

type Fields = Record<string, unknown>;

/** A UUID (version 8, RFC 9562 "custom") made of a SHA-256: deterministic and unguessable without the inputs. */
function uuidOf(digestHex: string): string {
  const h = digestHex;
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function refuseEvents(errors: readonly EventError[], total: number): never {
  const first = errors[0]!;
  const detail = `${total} event(s) cannot be captured; the first, #${first.index} (${first.eventID}): ${first.message}`;
  const options = {
    extensions: {
      errors: errors.slice(0, MAX_EVENT_ERRORS_LISTED),
      ...(total > MAX_EVENT_ERRORS_LISTED ? { errorsOmitted: total - MAX_EVENT_ERRORS_LISTED } : {}),
    },
  };
  // The first refusal names the problem: a gateway code, or the chain's code for a value its rules refuse.
  throw Object.hasOwn(ErrorCodes, first.code)
    ? newProblem(first.code as ErrorCode, detail, options)
    : problemFromChaincodeCode(first.code, detail, options);
}

/** Company-prefix length of each GTIN the entries declare, as their first SGTIN URN splits it. */
function companyPrefixDigitsOf(steps: readonly CapturedStep[]): Record<string, number> {
  const digits: Record<string, number> = {};
  for (const { step } of steps) {
    // An entry's items, or a processing's outputs: the new items of one GTIN.
    const urn = step.fn === 'goods:Enter' ? step.sgtins[0] : step.creates?.[0];
    const first = parseSgtin(urn ?? '');
    const gtin = urn === undefined ? undefined : gtinOfSgtin(urn);
    if (first !== undefined && gtin !== undefined) digits[gtin] ??= first.companyPrefix.length;
  }
  return digits;
}

/** An observation step without the items of some GTINs (those no entry declared: they have no chain). */
function withoutGtins(step: StepRequest, gtins: ReadonlySet<string>): StepRequest {
  const on = (id: string) => !gtins.has(gtinOfSgtin(id) ?? '');
  const observations = step.items as readonly { items: readonly string[] }[];
  return {
    ...step,
    items: observations.map((o) => ({ ...o, items: o.items.filter(on) })),
    sgtins: step.sgtins.filter(on),
    gtins: step.gtins.filter((g) => !gtins.has(g)),
  };
}

/**
 * Validate, map and store one capture document. Events that are no customs step are observations, events with an
 * errorDeclaration are error declarations (observation-mapping.ts).
 *
 * @param captures - The capture repository.
 * @param principal - Who sends it (its organisation signs the chunks).
 * @param document - The parsed body.
 * @throws ProblemError EPCIS_SCHEMA_INVALID, CAPTURE_TOO_LARGE, EPCIS_EVENT_UNSUPPORTED, EPCIS_EVENT_INCOMPLETE,
 *   INVALID_EPC, UNKNOWN_GTIN, GTIN_PREFIX_AMBIGUOUS, EPC_SCHEME_UNSUPPORTED, or the chain's code (INVALID_ARGUMENT, 422) for a value the chain's request rules refuse
 */
export async function acceptCapture(
  captures: CapturesRepository,
  principal: Principal,
  document: unknown,
): Promise<AcceptedCapture> {
  assertEpcisLimits(document); // list lengths first: the work below is bounded by them
  const violations = epcisSchemaViolations(document);
  if (violations.length > 0) {
    throw newProblem(
      'EPCIS_SCHEMA_INVALID',
      `the document does not match the EPCIS 2.0 schema: ${violations[0]!.pointer} ${violations[0]!.message}`,
      {
        extensions: { errors: violations },
      },
    );
  }
  const doc = document as Fields;
  if (doc.type !== 'EPCISDocument') {
    throw newProblem('EPCIS_SCHEMA_INVALID', `capture takes an EPCISDocument, not ${String(doc.type)}`);
  }
  const events = ((doc.epcisBody as Fields).eventList as Fields[]) ?? [];
  if (events.length === 0) throw newProblem('EPCIS_SCHEMA_INVALID', 'the document holds no events');
  if (events.length > MAX_EVENTS_PER_CAPTURE) {
    throw newProblem('CAPTURE_TOO_LARGE', `${events.length} events in one document; at most ${MAX_EVENTS_PER_CAPTURE}`);
  }

  const errors: EventError[] = [];
  const steps: CapturedStep[] = [];
  /** Position in the document of each step's event (steps skip duplicates and refused events). */
  const documentIndex: number[] = [];
  const seen = new Set<string>();
  let itemCount = 0;
  const now = Date.now();
  const clock = { ms: now, iso: new Date(now).toISOString() };
  const hashContext = eventHashContext(doc); // the document's namespaces and vocabulary take part in each event's hash
  // Items named by Digital Link become SGTIN URNs through the company-prefix length on record for their GTIN.
  const book = await companyPrefixBook(captures, events);
  const namespaces = namespacesOf(doc['@context']); // user extensions keep their meaning with their event's body
  for (const [index, event] of events.entries()) {
    const eventID = capturedEventIdOf(event, hashContext);
    if (seen.has(eventID)) continue; // the same event twice in one document: once is enough
    seen.add(eventID);
    // A customs step, an error declaration, or an observation anchored by the event's hash id.
    const hash = () => (typeof event.eventID === 'string' ? canonicalEventId(event, hashContext) : eventID);
    const step = mapCapturedEvent(event, book, eventID, hash, namespaces);
    if (isRefusal(step)) {
      errors.push({ index, eventID, code: step.code, message: step.message });
      continue;
    }
    if (!step.divisible && step.items.length > MAX_ITEMS_PER_TRANSACTION) {
      errors.push({
        index,
        eventID,
        code: 'CAPTURE_TOO_LARGE',
        message: `${step.fn} of ${step.items.length} items is one transaction on the chain; at most ${MAX_ITEMS_PER_TRANSACTION}`,
      });
      continue;
    }
    // What the chain's request rules refuse refuses the document now, not one transaction after others committed.
    const refusal = ledgerRuleRefusal(step, eventID, clock);
    if (refusal !== undefined) {
      errors.push({ index, eventID, code: refusal.code, message: refusal.detail });
      continue;
    }
    itemCount += step.items.length;
    documentIndex.push(index);
    steps.push({ seq: steps.length, eventId: eventID, step });
  }
  if (itemCount > MAX_ITEMS_PER_CAPTURE) {
    throw newProblem('CAPTURE_TOO_LARGE', `${itemCount} items in one document; at most ${MAX_ITEMS_PER_CAPTURE}`);
  }

  // Items moved must be of a GTIN that an entry declared: this document's, an accepted capture's, or the chain's.
  // A processing declares its outputs' GTIN as an entry does.
  const declared = new Set(
    steps.flatMap((s) =>
      s.step.fn === 'goods:Enter' ? s.step.gtins : (s.step.creates ?? []).flatMap((id) => gtinOfSgtin(id) ?? []),
    ),
  );
  const moved = [...new Set(steps.filter((s) => s.step.fn !== 'goods:Enter').flatMap((s) => s.step.gtins))].filter(
    (g) => !declared.has(g),
  );
  if (moved.length > 0) {
    const known = await captures.knownGtins(moved);
    for (const { seq, eventId, step } of steps) {
      const unknown = step.fn === 'goods:Enter' ? [] : step.gtins.filter((g) => !declared.has(g) && !known.has(g));
      if (unknown.length > 0 && step.fn === 'goods:Observe' && !observationNeedsItems(events[documentIndex[seq]!]!)) {
        // No item of a GTIN no entry declared is on the ledger: the observation keeps them in its body only.
        steps[seq] = { seq, eventId, step: withoutGtins(step, new Set(unknown)) };
        continue;
      }
      if (unknown.length > 0) {
        errors.push({
          index: documentIndex[seq]!,
          eventID: eventId,
          code: 'UNKNOWN_GTIN',
          message: `no entry declared GTIN ${unknown.join(', ')}`,
        });
      }
    }
  }
  if (errors.length > 0)
    refuseEvents(
      errors.sort((a, b) => a.index - b.index),
      errors.length,
    );

  const eventIds = steps.map((s) => s.eventId);
  const owner = { mspId: principal.mspId, enterpriseId: principal.enterpriseId, apiKeyId: principal.keyId };
  // The events' content takes part too: a document that reuses an eventID for a different event (the standard's
  // own examples do) is another capture, whose status names the event as a duplicate, not a silent repeat.
  const content = createHash('sha256').update(JSON.stringify(events)).digest('hex');
  const captureId = uuidOf(
    createHash('sha256')
      .update(`${owner.mspId}\n${owner.enterpriseId ?? ''}\n`)
      .update(eventIds.join('\n'))
      .update(`\n${content}`)
      .digest('hex'),
  );
  const { created } = await captures.insert({
    id: captureId,
    owner,
    eventIds,
    itemCount,
    declaredGtins: [...declared],
    companyPrefixDigits: companyPrefixDigitsOf(steps),
    chunksFor: (owned) => chunkSteps(steps.filter((s) => owned.has(s.seq))),
  });
  return { captureId, created, eventCount: eventIds.length };
}
