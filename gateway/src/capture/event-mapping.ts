/**
 * Which chaincode transaction an EPCIS 2.0 event asks for, and with what request. Pure: no I/O.
 *
 * The mapping reads standard EPCIS / CBV fields first and customs facts from the `hn:` extension namespace (the same
 * shapes the chaincode writes into its own EPCIS events, so a document from `GET /v1/events` captures back):
 *
 * | EPCIS event | chaincode |
 * |---|---|
 * | ObjectEvent ADD, bizStep `entering_exiting` or `commissioning`, not `hn:line: second` | `goods:Enter` (declaration from the `import_declaration` bizTransaction, location = bizLocation, `hn:regime`, `hn:hsCode`, `hn:category`, `hn:unitValueFen`, optional `hn:volumeMl`) |
 * | ObjectEvent OBSERVE, bizStep `shipping` | `goods:Ship` (shipment = `desadv` bizTransaction, receiver = `owning_party` destination, `location` destination) |
 * | ObjectEvent OBSERVE, bizStep `receiving` | `goods:Receive` (shipment = `desadv` bizTransaction, location = bizLocation) |
 * | ObjectEvent, bizStep `departing` or `entering_exiting` with `hn:line: second` | `goods:Exit` (release list bizTransaction, port = readPoint `urn:hn:port:<port>`, `hn:exitValueFen` per item; SSCC / GRAI in the epcList leave whole, the value per container) |
 * | ObjectEvent DELETE, bizStep `destroying` | `goods:Destroy` (reference = first bizTransaction) |
 * | AssociationEvent ADD, parentID a traceability code | `goods:Associate` |
 * | AggregationEvent ADD / DELETE, parentID an SSCC or GRAI, childEPCs items or containers | `goods:Pack` / `goods:Unpack` (issue 15) |
 * | ObjectEvent OBSERVE `shipping` / `receiving` whose epcList names only SSCC / GRAI containers | `goods:ShipContainer` / `goods:ReceiveContainer` |
 * | TransformationEvent with `hn:` figures | `goods:Process` (inputs = inputEPCList, outputs = outputEPCList of one GTIN, processing id = `prodorder` bizTransaction `urn:hn:processing:<id>`, location = bizLocation, `hn:hsCode`, `hn:category`, `hn:unitValueFen` per output, optional `hn:volumeMl`, `hn:cumulativeCode`; `hn:valueAddedBp` / `hn:importedMaterialsFen` are the chain's results, ignored) |
 *
 * Anything else is refused with its reason, before anything is queued (a partner's event that is no step, such as a
 * TransformationEvent without `hn:` members, is recorded as an observation instead: capture/observation-mapping.ts).
 *
 * Items may be named in any GS1 form (see {@link itemNameOf}); each becomes the SGTIN URN the chain keys it by.
 */
import { epcTagUriToPureIdentity, gs1KeyOf, isContainerId, sgtinUrnOfGtin } from '@hainan/ledger-model';
import { glnOf, sgtinParts } from '../domain/gs1';
import { parseItemId } from '../domain/item-id';
import type { CompanyPrefixBook } from './company-prefixes';

/** What the chaincode receives for one capture step, minus its item list (added per chunk). */
export interface StepRequest {
  /** `contract:Transaction`. */
  readonly fn:
    | 'goods:Enter'
    | 'goods:Ship'
    | 'goods:Receive'
    | 'goods:Exit'
    | 'goods:Destroy'
    | 'goods:Associate'
    | 'goods:Pack'
    | 'goods:Unpack'
    | 'goods:ShipContainer'
    | 'goods:ReceiveContainer'
    | 'goods:Process'
    // Issue 15: events that are no customs step (capture/observation-mapping.ts).
    | 'goods:Observe'
    | 'goods:DeclareError';
  /** Request fields other than the items. */
  readonly header: Readonly<Record<string, unknown>>;
  /** The items, in the form the chaincode's `items` (or `pairs`) list takes. */
  readonly items: readonly unknown[];
  /** SGTINs the step touches (for the GTIN check and for ordering chunks). */
  readonly sgtins: readonly string[];
  /** GTINs the step declares (entries) or moves. */
  readonly gtins: readonly string[];
  /** Whether the step may be split over several transactions and merged with equal neighbours. */
  readonly divisible: boolean;
  /** New items the step creates besides an entry's (a processing's outputs): their GTIN counts as declared. */
  readonly creates?: readonly string[];
}

/** Why an event cannot be captured: a stable code and a sentence. */
export interface EventRefusal {
  readonly code:
    | 'EPCIS_EVENT_UNSUPPORTED'
    | 'INVALID_EPC'
    | 'EPCIS_EVENT_INCOMPLETE'
    | 'UNKNOWN_GTIN'
    | 'GTIN_PREFIX_AMBIGUOUS'
    | 'EPC_SCHEME_UNSUPPORTED';
  readonly message: string;
}

const HN = 'hn:';
const TRACE_CODE_PARENT = /(?:^|\/tcode\/)(\d{16})$/;
const PARTY = /(?:^|\/party\/)([0-9A-HJ-NPQRTUWXY]{18})$/;

type Fields = Readonly<Record<string, unknown>>;

class Refused extends Error {
  constructor(readonly refusal: EventRefusal) {
    super(refusal.message);
  }
}

function refuse(code: EventRefusal['code'], message: string): never {
  throw new Refused({ code, message });
}

/** GTIN-14 of an SGTIN URN (indicator digit first), or undefined when the URN is not a valid SGTIN. */
export function gtinOfSgtin(urn: string): string | undefined {
  return sgtinParts(urn)?.gtin;
}

const EMPTY_BOOK: CompanyPrefixBook = new Map();

/** What the ledger does not record yet, by EPC scheme, for the refusal of a key it recognises but has no place for. */
const NOT_ON_THE_LEDGER: Readonly<Record<string, string>> = {
  sscc: 'an SSCC (a logistic unit: cases and pallets come with aggregation)',
  grai: 'a GRAI (a returnable asset)',
  giai: 'a GIAI (an individual asset)',
  sgln: 'an SGLN (a location: name it in readPoint, bizLocation or a source / destination)',
  lgtin: 'a GTIN with a lot (a class of items: quantity lists are not recorded per item)',
  gtin: 'a GTIN without a serial (a class of items, not one item)',
};

/**
 * The chain's key of one item named in any GS1 form: the SGTIN URN (an EPC URN, tag URI or hex as is; a Digital Link
 * through the company-prefix length on record for its GTIN) or a 16-digit traceability code. A GS1 key that names no
 * trade item (SSCC, GRAI, GIAI, SGLN, a product class, ...) is recognised and refused as such.
 *
 * @param epc - One entry of an EPC list.
 * @param where - Where it is, for the message (`epcList[3]`).
 * @param book - Company-prefix lengths on record per GTIN.
 */
export function itemNameOf(epc: unknown, where: string, book: CompanyPrefixBook): string {
  const ref = typeof epc === 'string' ? parseItemId(epc) : undefined;
  if (ref?.kind === 'sgtin' && gtinOfSgtin(ref.sgtin)) return ref.sgtin;
  if (ref?.kind === 'traceCode') return ref.code;
  const shown = JSON.stringify(epc).slice(0, 120);
  if (ref?.kind === 'gtinSerial') {
    const lengths = [...(book.get(ref.gtin) ?? [])];
    if (lengths.length === 0) {
      refuse(
        'UNKNOWN_GTIN',
        `${where} ${shown} is of GTIN ${ref.gtin}, which no entry declared: a Digital Link does not say how long its company prefix is, so the first entry of a GTIN names its items as SGTIN URNs (or tag URIs)`,
      );
    }
    if (lengths.length > 1) {
      refuse(
        'GTIN_PREFIX_AMBIGUOUS',
        `${where} ${shown}: GTIN ${ref.gtin} is on record with company prefixes of ${lengths.sort().join(' and ')} digits; name the item by its SGTIN URN`,
      );
    }
    const urn = sgtinUrnOfGtin(ref.gtin, ref.serial, lengths[0]!);
    if (urn !== undefined) return urn;
  }
  const key = typeof epc === 'string' ? gs1KeyOf(epc) : undefined;
  if (key !== undefined && key.scheme !== 'sgtin') {
    const what = NOT_ON_THE_LEDGER[key.scheme] ?? `a GS1 ${key.scheme.toUpperCase()}`;
    return refuse(
      'EPC_SCHEME_UNSUPPORTED',
      `${where} ${shown} is ${what} (${key.digitalLink}); the ledger records trade items (SGTIN) and 16-digit traceability codes`,
    );
  }
  return refuse(
    'INVALID_EPC',
    `${where} ${shown} is not an SGTIN (EPC URN, tag URI, hex or GS1 Digital Link) or 16-digit traceability code`,
  );
}

/** Items of an event, each as the chain keys it. */
function sgtinsOf(event: Fields, field: 'epcList' | 'childEPCs', book: CompanyPrefixBook): string[] {
  const list = event[field];
  if (!Array.isArray(list) || list.length === 0) {
    const quantities = field === 'epcList' ? 'quantityList' : 'childQuantityList';
    const first = Array.isArray(event[quantities]) ? (event[quantities] as Fields[])[0]?.epcClass : undefined;
    if (first !== undefined) refuseQuantities(first, `${quantities}[0].epcClass`, field);
    refuse('EPCIS_EVENT_INCOMPLETE', `${field} must list the items`);
  }
  return list.map((epc, i) => itemNameOf(epc, `${field}[${i}]`, book));
}

/** An event naming classes of items (a quantity list) and no item: the ledger's steps move serialised items only. */
function refuseQuantities(epcClass: unknown, where: string, field: string): never {
  const key = typeof epcClass === 'string' ? gs1KeyOf(epcClass) : undefined;
  const shown = JSON.stringify(epcClass).slice(0, 120);
  if (key === undefined)
    return refuse(
      'INVALID_EPC',
      `${where} ${shown} is not a GS1 class identifier (LGTIN, GTIN pattern or Digital Link)`,
    );
  return refuse(
    'EPC_SCHEME_UNSUPPORTED',
    `${where} ${shown} names a class of items (${key.digitalLink}); the ledger's steps record serialised items: list them in ${field}`,
  );
}

function distinctGtins(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => gtinOfSgtin(id)).filter((g): g is string => g !== undefined))];
}

function bizTransaction(event: Fields, typeSuffix: string, urnPrefix: string): string | undefined {
  const list = Array.isArray(event.bizTransactionList) ? (event.bizTransactionList as Fields[]) : [];
  const entry = list.find(
    (b) =>
      typeof b.type === 'string' &&
      (b.type === typeSuffix || b.type.endsWith(`/${typeSuffix}`) || b.type.endsWith(`-${typeSuffix}`)),
  );
  const value = entry?.bizTransaction;
  if (typeof value !== 'string') return undefined;
  return value.startsWith(urnPrefix) ? value.slice(urnPrefix.length) : value;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === null || value === '') refuse('EPCIS_EVENT_INCOMPLETE', `${what} is missing`);
  return value;
}

/**
 * A GLN for an SGLN with extension 0 or a Digital Link of a GLN (the chaincode's and the API's canonical form), the
 * pure identity of an SGLN tag URI; other SGLNs as they are. A Digital Link with an extension (`/414/…/254/…`) stays as
 * it is: it cannot be split into an SGLN URN without the company prefix length, and the chain's location rule refuses it.
 */
export function locationOf(id: unknown): string | undefined {
  if (typeof id !== 'string') return undefined;
  const pure = epcTagUriToPureIdentity(id);
  const m = /^urn:epc:id:sgln:(\d{6,12})\.(\d{0,6})\.0$/.exec(pure);
  if (m) return glnOf(m[1]!, m[2]!) || pure;
  const link = /^https?:\/\//i.test(id) ? gs1KeyOf(id) : undefined;
  const gln = link?.scheme === 'sgln' ? /\/414\/(\d{13})$/.exec(link.digitalLink)?.[1] : undefined;
  return gln ?? pure;
}

function sourceDest(list: unknown, type: string, key: 'source' | 'destination'): string | undefined {
  const entries = Array.isArray(list) ? (list as Fields[]) : [];
  const entry = entries.find(
    (e) =>
      typeof e.type === 'string' && (e.type === type || e.type.endsWith(`-${type}`) || e.type.endsWith(`/${type}`)),
  );
  const value = entry?.[key];
  return typeof value === 'string' ? value : undefined;
}

function word(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /(?:BizStep-|Disp-|bizstep:|disp:)?([a-z_]+)$/.exec(value);
  return m?.[1];
}

function eventTimeOf(event: Fields): Record<string, unknown> {
  return typeof event.eventTime === 'string' ? { eventTime: event.eventTime } : {};
}

function enter(event: Fields, book: CompanyPrefixBook): StepRequest {
  const sgtins = sgtinsOf(event, 'epcList', book);
  const gtins = distinctGtins(sgtins);
  if (gtins.length !== 1 || sgtins.some((s) => !gtinOfSgtin(s))) {
    refuse(
      'EPCIS_EVENT_INCOMPLETE',
      `an entry event declares one product: its epcList must be SGTINs of one GTIN (found ${gtins.length})`,
    );
  }
  const volumeMl = event[`${HN}volumeMl`];
  return {
    fn: 'goods:Enter',
    header: {
      ...eventTimeOf(event),
      declarationNo: required(
        bizTransaction(event, 'import_declaration', 'urn:hn:decl:'),
        'the import_declaration bizTransaction',
      ),
      location: required(locationOf((event.bizLocation as Fields | undefined)?.id), 'bizLocation'),
      regime: required(event[`${HN}regime`], 'hn:regime'),
      product: {
        gtin: gtins[0],
        hsCode: required(event[`${HN}hsCode`], 'hn:hsCode'),
        category: required(event[`${HN}category`], 'hn:category'),
        ...(volumeMl === undefined ? {} : { volumeMl }),
      },
      unitValueFen: required(event[`${HN}unitValueFen`], 'hn:unitValueFen'),
    },
    items: sgtins,
    sgtins,
    gtins,
    divisible: true,
  };
}

function ship(event: Fields, book: CompanyPrefixBook, containers?: string[]): StepRequest {
  const sgtins = containers ?? sgtinsOf(event, 'epcList', book);
  const party = sourceDest(event.destinationList, 'owning_party', 'destination');
  return {
    fn: 'goods:Ship',
    header: {
      ...eventTimeOf(event),
      shipmentId: required(bizTransaction(event, 'desadv', 'urn:hn:shipment:'), 'the desadv bizTransaction (shipment)'),
      toEnterprise: required(
        party === undefined ? undefined : PARTY.exec(party)?.[1],
        'the owning_party destination (a credit code)',
      ),
      toLocation: required(
        locationOf(sourceDest(event.destinationList, 'location', 'destination')),
        'the location destination',
      ),
    },
    items: sgtins,
    sgtins,
    gtins: distinctGtins(sgtins),
    divisible: true,
  };
}

function receive(event: Fields, book: CompanyPrefixBook, containers?: string[]): StepRequest {
  const sgtins = containers ?? sgtinsOf(event, 'epcList', book);
  return {
    fn: 'goods:Receive',
    header: {
      ...eventTimeOf(event),
      shipmentId: required(bizTransaction(event, 'desadv', 'urn:hn:shipment:'), 'the desadv bizTransaction (shipment)'),
      location: required(locationOf((event.bizLocation as Fields | undefined)?.id), 'bizLocation'),
    },
    items: sgtins,
    sgtins,
    gtins: distinctGtins(sgtins),
    divisible: true,
  };
}

function exit(event: Fields, book: CompanyPrefixBook): StepRequest {
  // Cases and pallets (SSCC / GRAI) leave whole beside the items: each is one line with the declared value of its
  // contents (the chain tells them apart by scheme and posts their contents per product line).
  const listed = Array.isArray(event.epcList) ? (event.epcList as unknown[]) : [];
  const containers = listed.map(containerIdOf).filter((id): id is string => id !== undefined);
  const sgtins =
    listed.length === 0
      ? sgtinsOf(event, 'epcList', book)
      : listed.flatMap((epc, i) => (containerIdOf(epc) ? [] : [itemNameOf(epc, `epcList[${i}]`, book)]));
  const port = (event.readPoint as Fields | undefined)?.id;
  const value = required(event[`${HN}exitValueFen`], 'hn:exitValueFen');
  return {
    fn: 'goods:Exit',
    header: {
      ...eventTimeOf(event),
      releaseListNo: required(
        bizTransaction(event, 'release_list', 'urn:hn:release:'),
        'the release_list bizTransaction',
      ),
      port: required(typeof port === 'string' ? port.replace(/^urn:hn:port:/, '') : undefined, 'readPoint (the port)'),
      ...(event[`${HN}batch`] === true ? { batch: true } : {}),
    },
    items: [...sgtins, ...containers].map((id) => ({ id, exitValueFen: value })),
    // The cases too: a later step of the same document on them waits for this one (chunking.ts waves).
    sgtins: [...sgtins, ...containers],
    gtins: distinctGtins(sgtins),
    // One release list is one transaction on the chain.
    divisible: false,
  };
}

function destroy(event: Fields, book: CompanyPrefixBook): StepRequest {
  const sgtins = sgtinsOf(event, 'epcList', book);
  const list = Array.isArray(event.bizTransactionList) ? (event.bizTransactionList as Fields[]) : [];
  const reference =
    typeof list[0]?.bizTransaction === 'string'
      ? (list[0].bizTransaction as string).replace(/^urn:hn:ref:/, '')
      : undefined;
  return {
    fn: 'goods:Destroy',
    header: { ...eventTimeOf(event), reference: required(reference, 'a bizTransaction (the destruction reference)') },
    items: sgtins,
    sgtins,
    gtins: distinctGtins(sgtins),
    divisible: true,
  };
}

function associate(event: Fields, book: CompanyPrefixBook): StepRequest {
  const code = typeof event.parentID === 'string' ? TRACE_CODE_PARENT.exec(event.parentID)?.[1] : undefined;
  const parent = code === undefined && typeof event.parentID === 'string' ? gs1KeyOf(event.parentID) : undefined;
  if (parent !== undefined) {
    refuse(
      'EPC_SCHEME_UNSUPPORTED',
      `parentID ${JSON.stringify(event.parentID).slice(0, 120)} is ${NOT_ON_THE_LEDGER[parent.scheme] ?? `a GS1 ${parent.scheme.toUpperCase()}`} (${parent.digitalLink}); an AssociationEvent on the ledger associates a 16-digit traceability code`,
    );
  }
  const sgtins = sgtinsOf(event, 'childEPCs', book);
  if (code === undefined || sgtins.length !== 1 || !gtinOfSgtin(sgtins[0]!)) {
    refuse(
      'EPCIS_EVENT_UNSUPPORTED',
      'an AssociationEvent captures one 16-digit traceability code (parentID) for one SGTIN (childEPCs)',
    );
  }
  return {
    fn: 'goods:Associate',
    header: { ...eventTimeOf(event) },
    items: [{ sgtin: sgtins[0], code }],
    sgtins,
    gtins: distinctGtins(sgtins),
    divisible: true,
  };
}

/** The `hn:` figures of a processing, as the chaincode writes them into its TransformationEvent (domain/goods.ts). */
const PROCESSING_FIGURES = ['hn:hsCode', 'hn:category', 'hn:unitValueFen'] as const;

/**
 * Whether a TransformationEvent is a processing on the ledger: it carries `hn:` members (the figures only the
 * processor knows). A partner's transformation without them is recorded as an observation, never refused.
 */
function isProcessing(event: Fields): boolean {
  return event.type === 'TransformationEvent' && Object.keys(event).some((k) => k.startsWith(HN));
}

/**
 * TransformationEvent with `hn:` figures: processing, one transaction on the chain (inputs consumed, outputs created,
 * value added computed by the chain from the inputs' values and the outputs' unit value).
 */
function processing(event: Fields, book: CompanyPrefixBook): StepRequest {
  const missing = PROCESSING_FIGURES.filter((k) => event[k] === undefined || event[k] === null || event[k] === '');
  if (missing.length > 0) {
    refuse(
      'EPCIS_EVENT_INCOMPLETE',
      `a TransformationEvent with hn: figures is a processing on the ledger and needs ${PROCESSING_FIGURES.join(', ')}; missing: ${missing.join(', ')} (a transformation without hn: members is recorded as an observation)`,
    );
  }
  const inputs = listed(event, 'inputEPCList', 'the items consumed', book);
  const outputs = listed(event, 'outputEPCList', 'the items created', book);
  const outputGtins = distinctGtins(outputs);
  if (outputGtins.length !== 1 || outputs.some((s) => !gtinOfSgtin(s))) {
    refuse(
      'EPCIS_EVENT_INCOMPLETE',
      `a processing creates items of one product: outputEPCList must be SGTINs of one GTIN (found ${outputGtins.length})`,
    );
  }
  const volumeMl = event[`${HN}volumeMl`];
  const cumulativeCode = event[`${HN}cumulativeCode`];
  return {
    fn: 'goods:Process',
    header: {
      ...eventTimeOf(event),
      processingId: required(
        bizTransaction(event, 'prodorder', 'urn:hn:processing:'),
        'the prodorder bizTransaction (the processing id)',
      ),
      location: required(locationOf((event.bizLocation as Fields | undefined)?.id), 'bizLocation'),
      outputs,
      outputProduct: {
        gtin: outputGtins[0],
        hsCode: event[`${HN}hsCode`],
        category: event[`${HN}category`],
        ...(volumeMl === undefined ? {} : { volumeMl }),
      },
      outputUnitValueFen: event[`${HN}unitValueFen`],
      ...(cumulativeCode === undefined ? {} : { cumulativeCode }),
    },
    // The inputs are the transaction's item list (chunking.ts); the outputs ride in the header.
    items: inputs,
    sgtins: [...inputs, ...outputs],
    gtins: distinctGtins(inputs),
    // One processing is one transaction on the chain: its inputs and outputs are never split.
    divisible: false,
    creates: outputs,
  };
}

/** The items of an input or output list, each as the chain keys it; the list must name some. */
function listed(
  event: Fields,
  field: 'inputEPCList' | 'outputEPCList',
  what: string,
  book: CompanyPrefixBook,
): string[] {
  const list = event[field];
  if (!Array.isArray(list) || list.length === 0) {
    const quantities = field === 'inputEPCList' ? 'inputQuantityList' : 'outputQuantityList';
    const first = Array.isArray(event[quantities]) ? (event[quantities] as Fields[])[0]?.epcClass : undefined;
    if (first !== undefined) refuseQuantities(first, `${quantities}[0].epcClass`, field);
    refuse('EPCIS_EVENT_INCOMPLETE', `${field} must list ${what}`);
  }
  return list.map((epc, i) => itemNameOf(epc, `${field}[${i}]`, book));
}

/** The ledger's own namespaces: its extension IRI and its `urn:hn:` document, party and place names. */
const LEDGER_NAMESPACES = ['urn:hn:', 'https://ns.hainan-traceability.dev/epcis/'] as const;

function inLedgerNamespace(value: unknown): boolean {
  return typeof value === 'string' && LEDGER_NAMESPACES.some((ns) => value.startsWith(ns));
}

/**
 * Whether an event speaks the ledger's vocabulary, and so asks for a customs step: a member of the `hn:` extension
 * namespace (the customs figures of an entry or an exit), or a business transaction, source, destination, read point,
 * business location or parent named in the ledger's namespaces (`urn:hn:shipment:…`, `…/party/<credit code>`,
 * `urn:hn:port:…`, `…/tcode/…`). Every event the chaincode writes does (so `GET /v1/events` captures back as steps).
 * A partner's event that does not is recorded as an observation, never refused for customs facts it does not carry.
 */
export function speaksLedgerVocabulary(event: Fields): boolean {
  const named = (list: unknown, key: string): unknown[] =>
    Array.isArray(list) ? list.map((e) => (typeof e === 'object' && e !== null ? (e as Fields)[key] : undefined)) : [];
  return (
    Object.keys(event).some((k) => k.startsWith(HN) || inLedgerNamespace(k)) ||
    [
      ...named(event.bizTransactionList, 'bizTransaction'),
      ...named(event.sourceList, 'source'),
      ...named(event.destinationList, 'destination'),
      (event.readPoint as Fields | undefined)?.id,
      (event.bizLocation as Fields | undefined)?.id,
      event.parentID,
    ].some(inLedgerNamespace)
  );
}

/** A container id (SSCC or GRAI EPC URN, or its tag URI), or undefined when `epc` names no container. */
function containerIdOf(epc: unknown): string | undefined {
  if (typeof epc !== 'string') return undefined;
  const urn = epc.startsWith('urn:epc:tag:') ? epcTagUriToPureIdentity(epc) : epc;
  return urn !== undefined && isContainerId(urn) ? urn : undefined;
}

/** The containers of an epcList when it names containers only (a case or pallet move), else undefined. */
function containersOnly(event: Fields): string[] | undefined {
  const list = event.epcList;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const ids = list.map(containerIdOf);
  return ids.every((id): id is string => id !== undefined) ? ids : undefined;
}

/** AggregationEvent ADD / DELETE: items and cases packed into (or unpacked from) a case or pallet. */
function aggregation(event: Fields, parent: string, book: CompanyPrefixBook): StepRequest {
  const listed = event.childEPCs;
  if (!Array.isArray(listed) || listed.length === 0)
    refuse('EPCIS_EVENT_INCOMPLETE', 'childEPCs must list the items or cases packed or unpacked');
  const containers: string[] = [];
  const items: string[] = [];
  for (const [i, epc] of listed.entries()) {
    const container = containerIdOf(epc);
    if (container) containers.push(container);
    else items.push(itemNameOf(epc, `childEPCs[${i}]`, book));
  }
  // Cases and items go in the transaction's one list (the chain tells them apart by scheme), so a pallet of cases
  // alone is a transaction too.
  const children = [...containers, ...items];
  return {
    fn: event.action === 'ADD' ? 'goods:Pack' : 'goods:Unpack',
    header: { ...eventTimeOf(event), parent },
    items: children,
    sgtins: children,
    gtins: distinctGtins(items),
    // Cases are one transaction with their pallet; an event of items alone may be divided.
    divisible: containers.length === 0,
  };
}

/**
 * Whether an event packs or unpacks serialised children into or out of a case or pallet (AggregationEvent ADD /
 * DELETE with an SSCC or GRAI parent and childEPCs). Packing is a fact about goods, not a customs declaration, so a
 * partner's standard aggregation is applied on the chain even without the ledger's vocabulary.
 */
export function isPacking(event: Fields): boolean {
  return (
    event.type === 'AggregationEvent' &&
    (event.action === 'ADD' || event.action === 'DELETE') &&
    containerIdOf(event.parentID) !== undefined &&
    Array.isArray(event.childEPCs) &&
    event.childEPCs.length > 0
  );
}

/** A case or pallet move: the containers are the step's list. */
function containerMove(event: Fields, containers: string[], book: CompanyPrefixBook): StepRequest {
  const loose = word(event.bizStep) === 'shipping' ? ship(event, book, containers) : receive(event, book, containers);
  return {
    ...loose,
    fn: loose.fn === 'goods:Ship' ? 'goods:ShipContainer' : 'goods:ReceiveContainer',
    items: containers,
    sgtins: [],
    gtins: [],
    divisible: true,
  };
}

/**
 * Map one event.
 *
 * @param book - Company-prefix lengths on record per GTIN, for items named by Digital Link (none: such items are
 *   refused as of an unknown GTIN).
 * @returns The step, or the reason the event cannot be captured.
 */
export function mapEvent(event: Fields, book: CompanyPrefixBook = EMPTY_BOOK): StepRequest | EventRefusal {
  try {
    const step = word(event.bizStep);
    const action = event.action;
    if (event.type === 'AssociationEvent' && action === 'ADD') return associate(event, book);
    // An aggregation of serialised children with a case or pallet as parent is packing / unpacking; OBSERVE or
    // quantity-only aggregations (childQuantityList, no childEPCs) stay observations (issue 15 Must 3).
    const parent = containerIdOf(event.parentID);
    if (parent && isPacking(event)) return aggregation(event, parent, book);
    const moved = containersOnly(event);
    if (event.type === 'ObjectEvent' && action === 'OBSERVE' && moved && (step === 'shipping' || step === 'receiving'))
      return containerMove(event, moved, book);
    if (isProcessing(event)) return processing(event, book);
    if (event.type === 'ObjectEvent') {
      const second = event[`${HN}line`] === 'second';
      if (action === 'ADD' && (step === 'entering_exiting' || step === 'commissioning') && !second)
        return enter(event, book);
      if (action === 'OBSERVE' && step === 'shipping') return ship(event, book);
      if (action === 'OBSERVE' && step === 'receiving') return receive(event, book);
      if (step === 'departing' || (step === 'entering_exiting' && second)) return exit(event, book);
      if (action === 'DELETE' && step === 'destroying') return destroy(event, book);
    }
    return refuse(
      'EPCIS_EVENT_UNSUPPORTED',
      `no ledger step for a ${String(event.type)} with action ${String(action)} and bizStep ${String(event.bizStep)}; supported: entry, shipping, receiving, exit, destroying, processing, traceability-code association`,
    );
  } catch (err) {
    if (err instanceof Refused) return err.refusal;
    throw err;
  }
}

/** Type guard for a refusal. */
export function isRefusal(value: StepRequest | EventRefusal): value is EventRefusal {
  return (value as EventRefusal).code !== undefined && (value as StepRequest).fn === undefined;
}
