/**
 * EPCIS 2.0 query documents built from projected events: the JSON-LD `EPCISQueryDocument` of the EPCIS 2.0 query
 * interface, with the `hn:` extension namespace the chaincode's events use for customs facts.
 */

/** The chaincode's extension namespace (chaincode/src/domain/epcis.ts `HN_NAMESPACE`; a test checks they match). */
export const HN_NAMESPACE = 'https://ns.hainan-traceability.dev/epcis/';

/** The standard EPCIS 2.0 JSON-LD context. */
export const EPCIS_CONTEXT_URL = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';

/** An EPCIS 2.0 query document. */
export interface EpcisQueryDocument {
  '@context': [string, { hn: string } & Record<string, string>];
  type: 'EPCISQueryDocument';
  schemaVersion: '2.0';
  creationDate: string;
  epcisBody: { queryResults: { queryName: string; resultsBody: { eventList: unknown[] } } };
}

/** Most namespace prefixes the document's own `@context` collects from its events (beyond: they stay on the event). */
export const DOCUMENT_PREFIXES_MAX = 200;

/**
 * The events with their event-level `@context` lifted into the document's: a captured event carries the prefixes of
 * its user extensions as its own `@context` (capture/observation-mapping.ts); a prefix the document defines alike
 * already, or not yet, moves up, so the event reads as it was sent. An event whose context is anything else (a URL,
 * a term definition, a prefix another event of the page binds to another IRI) keeps it: JSON-LD scoping keeps its
 * meaning either way.
 */
function liftContexts(events: readonly unknown[], prefixes: Record<string, string>): unknown[] {
  return events.map((event) => {
    if (typeof event !== 'object' || event === null || !('@context' in event)) return event;
    const { '@context': context, ...rest } = event as Record<string, unknown>;
    const entries = Array.isArray(context) ? context : [context];
    const lifted: Record<string, string> = {};
    for (const entry of entries) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return event;
      for (const [prefix, iri] of Object.entries(entry)) {
        const bound = prefixes[prefix] ?? lifted[prefix];
        if (typeof iri !== 'string' || (bound !== undefined && bound !== iri)) return event;
        lifted[prefix] = iri;
      }
    }
    const fresh = Object.keys(lifted).filter((p) => prefixes[p] === undefined).length;
    if (Object.keys(prefixes).length + fresh > DOCUMENT_PREFIXES_MAX) return event;
    Object.assign(prefixes, lifted);
    return rest;
  });
}

/**
 * Wrap events (in chain order) into a query document.
 *
 * @param events - EPCIS 2.0 events as the chaincode stored them.
 * @param now - Creation time of the document.
 * @param queryName - The query the document answers (`SimpleEventQuery` for `/v1/events`).
 * @returns The document.
 */
export function newEpcisQueryDocument(
  events: readonly unknown[],
  now: Date,
  queryName = 'SimpleEventQuery',
): EpcisQueryDocument {
  const prefixes: { hn: string } & Record<string, string> = { hn: HN_NAMESPACE };
  const eventList = liftContexts(events, prefixes);
  return {
    '@context': [EPCIS_CONTEXT_URL, prefixes],
    type: 'EPCISQueryDocument',
    schemaVersion: '2.0',
    creationDate: now.toISOString(),
    epcisBody: { queryResults: { queryName, resultsBody: { eventList } } },
  };
}
