/**
 * EPCIS 2.0 capture documents for tests, demos and benches, in the shapes the gateway's capture maps to chaincode
 * steps (gateway/src/capture/event-mapping.ts).
 */
import { gln } from './trace';

/** The hn: extension namespace the chaincode uses. */
export const HN = 'https://ns.hainan-traceability.dev/epcis/';

/** An SGLN URN for a test location number (extension 0, i.e. the GLN itself). */
export function sgln(locationRef: number): string {
  const g = gln(locationRef);
  return `urn:epc:id:sgln:${g.slice(0, 7)}.${g.slice(7, 12)}.0`;
}

/** An EPCISDocument around events. */
export function epcisDocument(eventList: readonly Record<string, unknown>[]): Record<string, unknown> {
  return {
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { hn: HN }],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: new Date().toISOString(),
    epcisBody: { eventList },
  };
}

/** A first-line entry ObjectEvent. */
export function entryEvent(opts: {
  items: readonly string[];
  declarationNo: string;
  location: number;
  regime?: string;
  hsCode?: string;
  category?: string;
  unitValueFen?: number;
  eventTime?: string;
  eventID?: string;
}): Record<string, unknown> {
  return {
    type: 'ObjectEvent',
    ...(opts.eventID ? { eventID: opts.eventID } : {}),
    eventTime: opts.eventTime ?? new Date().toISOString(),
    eventTimeZoneOffset: '+08:00',
    epcList: [...opts.items],
    action: 'ADD',
    bizStep: 'entering_exiting',
    disposition: 'active',
    bizLocation: { id: sgln(opts.location) },
    bizTransactionList: [{ type: `${HN}btt/import_declaration`, bizTransaction: `urn:hn:decl:${opts.declarationNo}` }],
    'hn:regime': opts.regime ?? 'ZERO_TARIFF',
    'hn:hsCode': opts.hsCode ?? '330300',
    'hn:category': opts.category ?? 'COSMETICS',
    'hn:unitValueFen': opts.unitValueFen ?? 10_000,
  };
}

/** A shipping ObjectEvent. */
export function shippingEvent(opts: {
  items: readonly string[];
  shipmentId: string;
  toEnterprise: string;
  toLocation: number;
  eventTime?: string;
}): Record<string, unknown> {
  return {
    type: 'ObjectEvent',
    eventTime: opts.eventTime ?? new Date().toISOString(),
    eventTimeZoneOffset: '+08:00',
    epcList: [...opts.items],
    action: 'OBSERVE',
    bizStep: 'shipping',
    disposition: 'in_transit',
    bizTransactionList: [{ type: 'desadv', bizTransaction: `urn:hn:shipment:${opts.shipmentId}` }],
    destinationList: [
      { type: 'owning_party', destination: `${HN}party/${opts.toEnterprise}` },
      { type: 'location', destination: sgln(opts.toLocation) },
    ],
  };
}

/** A receiving ObjectEvent. */
export function receivingEvent(opts: {
  items: readonly string[];
  shipmentId: string;
  location: number;
  eventTime?: string;
}): Record<string, unknown> {
  return {
    type: 'ObjectEvent',
    eventTime: opts.eventTime ?? new Date().toISOString(),
    eventTimeZoneOffset: '+08:00',
    epcList: [...opts.items],
    action: 'OBSERVE',
    bizStep: 'receiving',
    disposition: 'in_progress',
    bizLocation: { id: sgln(opts.location) },
    bizTransactionList: [{ type: 'desadv', bizTransaction: `urn:hn:shipment:${opts.shipmentId}` }],
  };
}

/** A packing AggregationEvent (ADD): `childEPCs` (items or cases) into the case or pallet `parentID` (SSCC / GRAI). */
export function packingEvent(parentID: string, childEPCs: readonly string[]): Record<string, unknown> {
  return {
    type: 'AggregationEvent',
    eventTime: new Date().toISOString(),
    eventTimeZoneOffset: '+08:00',
    action: 'ADD',
    bizStep: 'packing',
    parentID,
    childEPCs: [...childEPCs],
  };
}

/** A processing TransformationEvent with the hn: figures (the shape the chaincode writes for goods:Process). */
export function processingEvent(opts: {
  inputs: readonly string[];
  outputs: readonly string[];
  processingId: string;
  location: number;
  hsCode?: string;
  category?: string;
  unitValueFen?: number;
  cumulativeCode?: string;
  eventTime?: string;
  eventID?: string;
}): Record<string, unknown> {
  return {
    type: 'TransformationEvent',
    ...(opts.eventID ? { eventID: opts.eventID } : {}),
    eventTime: opts.eventTime ?? new Date().toISOString(),
    eventTimeZoneOffset: '+08:00',
    inputEPCList: [...opts.inputs],
    outputEPCList: [...opts.outputs],
    bizStep: 'commissioning',
    disposition: 'active',
    bizLocation: { id: sgln(opts.location) },
    bizTransactionList: [{ type: 'prodorder', bizTransaction: `urn:hn:processing:${opts.processingId}` }],
    'hn:hsCode': opts.hsCode ?? '330499',
    'hn:category': opts.category ?? 'COSMETICS',
    'hn:unitValueFen': opts.unitValueFen ?? 30_000,
    ...(opts.cumulativeCode ? { 'hn:cumulativeCode': opts.cumulativeCode } : {}),
  };
}
