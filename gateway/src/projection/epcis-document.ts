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
  '@context': [string, { hn: string }];
  type: 'EPCISQueryDocument';
  schemaVersion: '2.0';
  creationDate: string;
  epcisBody: { queryResults: { queryName: string; resultsBody: { eventList: unknown[] } } };
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
  return {
    '@context': [EPCIS_CONTEXT_URL, { hn: HN_NAMESPACE }],
    type: 'EPCISQueryDocument',
    schemaVersion: '2.0',
    creationDate: now.toISOString(),
    epcisBody: { queryResults: { queryName, resultsBody: { eventList: [...events] } } },
  };
}
