/**
 * EPCIS 2.0 / CBV 2.0 shapes of the events the chaincode stores, so the gateway can serve standard documents
 * without translation tables. Customs-specific facts (regime, values, person code) ride in a declared
 * extension namespace (`hn:`), as EPCIS 2.0 allows.
 */

/** Extension namespace for customs facts in EPCIS documents. */
export const HN_NAMESPACE = 'https://ns.hainan-traceability.dev/epcis/';
/** Hainan time zone offset for eventTimeZoneOffset. */
export const HAINAN_TZ_OFFSET = '+08:00';

/** Customs document types used in bizTransactionList (extension types, per CBV 2.0 the list is open). */
export const BizTxType = {
  importDeclaration: `${HN_NAMESPACE}btt/import_declaration`,
  releaseList: `${HN_NAMESPACE}btt/release_list`,
  consolidatedDeclaration: `${HN_NAMESPACE}btt/consolidated_declaration`,
  shipment: 'desadv',
  sale: 'inv',
  processing: 'prodorder',
} as const;

/**
 * URN prefixes of the customs document numbers in bizTransactionList: the entry's import declaration and the exit's
 * release list (the write-off reads the number back from the stored event: ledger/write-off-inputs.ts).
 */
export const DocumentUrn = {
  importDeclaration: 'urn:hn:decl:',
  releaseList: 'urn:hn:release:',
} as const;

/** An EPCIS 2.0 event as stored (JSON-LD member of an EPCISDocument's eventList). */
export interface EpcisEvent {
  type: 'ObjectEvent' | 'TransformationEvent' | 'TransactionEvent' | 'AssociationEvent' | 'AggregationEvent';
  eventID: string;
  eventTime: string;
  eventTimeZoneOffset: string;
  recordTime: string;
  action?: 'ADD' | 'OBSERVE' | 'DELETE';
  epcList?: string[];
  inputEPCList?: string[];
  outputEPCList?: string[];
  parentID?: string;
  childEPCs?: string[];
  bizStep: string;
  disposition?: string;
  readPoint?: { id: string };
  bizLocation?: { id: string };
  bizTransactionList?: { type: string; bizTransaction: string }[];
  sourceList?: { type: string; source: string }[];
  destinationList?: { type: string; destination: string }[];
  [extension: `hn:${string}`]: unknown;
}

/** Deterministic event id for a transaction: a name-based URN (the tx id is already a SHA-256). */
export function eventIdOf(txId: string): string {
  return `urn:uuid:${txId.slice(0, 8)}-${txId.slice(8, 12)}-5${txId.slice(13, 16)}-${((parseInt(txId.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${txId.slice(17, 20)}-${txId.slice(20, 32)}`;
}

/** Turns a GLN or SGLN into an EPCIS location id (SGLN URIs pass through). */
export function locationId(location: string): string {
  return location.startsWith('urn:') ? location : `urn:epc:id:sgln:${location.slice(0, 7)}.${location.slice(7, 12)}.0`;
}

/** Party id for an enterprise (its unified social credit code). */
export function partyId(enterprise: string): string {
  return `${HN_NAMESPACE}party/${enterprise}`;
}

/** Person id (the person code, never identity data). */
export function personId(personCode: string): string {
  return `${HN_NAMESPACE}person/${personCode}`;
}

/** Parent id for a 16-digit traceability code in an AssociationEvent. */
export function traceCodeId(code: string): string {
  return `${HN_NAMESPACE}tcode/${code}`;
}

/** Common EPCIS fields of a transaction's event: the client's event id, else one derived from the transaction. */
export function epcisBase(
  tx: { id: string; iso: string },
  eventTimeIso: string,
  eventId?: string,
): Pick<EpcisEvent, 'eventID' | 'eventTime' | 'eventTimeZoneOffset' | 'recordTime'> {
  return {
    eventID: eventId ?? eventIdOf(tx.id),
    eventTime: eventTimeIso,
    eventTimeZoneOffset: HAINAN_TZ_OFFSET,
    recordTime: tx.iso,
  };
}

/** The fields of an ObjectEvent that depend on the step (everything but the transaction's and the objects'). */
export type ObjectEventFields = Omit<
  EpcisEvent,
  'type' | 'eventID' | 'eventTime' | 'eventTimeZoneOffset' | 'recordTime' | 'action' | 'epcList'
>;

/** A transaction's ObjectEvent over `epcList`, with the step's own fields. */
export function objectEvent(
  tx: { id: string; iso: string },
  eventTimeIso: string,
  eventId: string | undefined,
  action: 'ADD' | 'OBSERVE' | 'DELETE',
  epcList: string[],
  fields: ObjectEventFields,
): EpcisEvent {
  return { type: 'ObjectEvent', ...epcisBase(tx, eventTimeIso, eventId), action, epcList, ...fields };
}
