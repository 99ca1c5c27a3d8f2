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
 * | ObjectEvent, bizStep `departing` or `entering_exiting` with `hn:line: second` | `goods:Exit` (release list bizTransaction, port = readPoint `urn:hn:port:<port>`, `hn:exitValueFen` per item) |
 * | ObjectEvent DELETE, bizStep `destroying` | `goods:Destroy` (reference = first bizTransaction) |
 * | AssociationEvent ADD, parentID a traceability code | `goods:Associate` |
 *
 * Anything else is refused with its reason, before anything is queued.
 */
import { glnOf, sgtinParts } from '../domain/gs1';
import { parseItemId } from '../domain/item-id';

/** What the chaincode receives for one capture step, minus its item list (added per chunk). */
export interface StepRequest {
    /** `contract:Transaction`. */
    readonly fn: 'goods:Enter' | 'goods:Ship' | 'goods:Receive' | 'goods:Exit' | 'goods:Destroy' | 'goods:Associate';
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
}

/** Why an event cannot be captured: a stable code and a sentence. */
export interface EventRefusal {
    readonly code: 'EPCIS_EVENT_UNSUPPORTED' | 'INVALID_EPC' | 'EPCIS_EVENT_INCOMPLETE';
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

/** Items of an event: SGTIN URNs, SGTIN EPC hex or 16-digit codes (a Digital Link lacks the company prefix split). */
function sgtinsOf(list: unknown, field: string): string[] {
    if (!Array.isArray(list) || list.length === 0) refuse('EPCIS_EVENT_INCOMPLETE', `${field} must list the items`);
    return list.map((epc, i) => {
        const ref = typeof epc === 'string' ? parseItemId(epc) : undefined;
        if (ref?.kind === 'sgtin' && gtinOfSgtin(ref.sgtin)) return ref.sgtin;
        if (ref?.kind === 'traceCode') return ref.code;
        return refuse('INVALID_EPC', `${field}[${i}] ${JSON.stringify(epc).slice(0, 120)} is not an SGTIN (EPC URN or hex) or 16-digit traceability code`);
    });
}

function distinctGtins(ids: readonly string[]): string[] {
    return [...new Set(ids.map((id) => gtinOfSgtin(id)).filter((g): g is string => g !== undefined))];
}

function bizTransaction(event: Fields, typeSuffix: string, urnPrefix: string): string | undefined {
    const list = Array.isArray(event.bizTransactionList) ? (event.bizTransactionList as Fields[]) : [];
    const entry = list.find((b) => typeof b.type === 'string' && (b.type === typeSuffix || b.type.endsWith(`/${typeSuffix}`) || b.type.endsWith(`-${typeSuffix}`)));
    const value = entry?.bizTransaction;
    if (typeof value !== 'string') return undefined;
    return value.startsWith(urnPrefix) ? value.slice(urnPrefix.length) : value;
}

function required<T>(value: T | undefined, what: string): T {
    if (value === undefined || value === null || value === '') refuse('EPCIS_EVENT_INCOMPLETE', `${what} is missing`);
    return value;
}

/** A GLN for an SGLN with extension 0 (the chaincode's and the API's canonical form); other SGLNs as they are. */
export function locationOf(id: unknown): string | undefined {
    if (typeof id !== 'string') return undefined;
    const m = /^urn:epc:id:sgln:(\d{6,12})\.(\d{0,6})\.0$/.exec(id);
    return (m && glnOf(m[1]!, m[2]!)) || id;
}

function sourceDest(list: unknown, type: string, key: 'source' | 'destination'): string | undefined {
    const entries = Array.isArray(list) ? (list as Fields[]) : [];
    const entry = entries.find((e) => typeof e.type === 'string' && (e.type === type || e.type.endsWith(`-${type}`) || e.type.endsWith(`/${type}`)));
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

function enter(event: Fields): StepRequest {
    const sgtins = sgtinsOf(event.epcList, 'epcList');
    const gtins = distinctGtins(sgtins);
    if (gtins.length !== 1 || sgtins.some((s) => !gtinOfSgtin(s))) {
        refuse('EPCIS_EVENT_INCOMPLETE', `an entry event declares one product: its epcList must be SGTINs of one GTIN (found ${gtins.length})`);
    }
    const volumeMl = event[`${HN}volumeMl`];
    return {
        fn: 'goods:Enter',
        header: {
            ...eventTimeOf(event),
            declarationNo: required(bizTransaction(event, 'import_declaration', 'urn:hn:decl:'), 'the import_declaration bizTransaction'),
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

function ship(event: Fields): StepRequest {
    const sgtins = sgtinsOf(event.epcList, 'epcList');
    const party = sourceDest(event.destinationList, 'owning_party', 'destination');
    return {
        fn: 'goods:Ship',
        header: {
            ...eventTimeOf(event),
            shipmentId: required(bizTransaction(event, 'desadv', 'urn:hn:shipment:'), 'the desadv bizTransaction (shipment)'),
            toEnterprise: required(party === undefined ? undefined : PARTY.exec(party)?.[1], 'the owning_party destination (a credit code)'),
            toLocation: required(locationOf(sourceDest(event.destinationList, 'location', 'destination')), 'the location destination'),
        },
        items: sgtins,
        sgtins,
        gtins: distinctGtins(sgtins),
        divisible: true,
    };
}

function receive(event: Fields): StepRequest {
    const sgtins = sgtinsOf(event.epcList, 'epcList');
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

function exit(event: Fields): StepRequest {
    const sgtins = sgtinsOf(event.epcList, 'epcList');
    const port = (event.readPoint as Fields | undefined)?.id;
    const value = required(event[`${HN}exitValueFen`], 'hn:exitValueFen');
    return {
        fn: 'goods:Exit',
        header: {
            ...eventTimeOf(event),
            releaseListNo: required(bizTransaction(event, 'release_list', 'urn:hn:release:'), 'the release_list bizTransaction'),
            port: required(typeof port === 'string' ? port.replace(/^urn:hn:port:/, '') : undefined, 'readPoint (the port)'),
            ...(event[`${HN}batch`] === true ? { batch: true } : {}),
        },
        items: sgtins.map((id) => ({ id, exitValueFen: value })),
        sgtins,
        gtins: distinctGtins(sgtins),
        // One release list is one transaction on the chain.
        divisible: false,
    };
}

function destroy(event: Fields): StepRequest {
    const sgtins = sgtinsOf(event.epcList, 'epcList');
    const list = Array.isArray(event.bizTransactionList) ? (event.bizTransactionList as Fields[]) : [];
    const reference = typeof list[0]?.bizTransaction === 'string' ? (list[0].bizTransaction as string).replace(/^urn:hn:ref:/, '') : undefined;
    return {
        fn: 'goods:Destroy',
        header: { ...eventTimeOf(event), reference: required(reference, 'a bizTransaction (the destruction reference)') },
        items: sgtins,
        sgtins,
        gtins: distinctGtins(sgtins),
        divisible: true,
    };
}

function associate(event: Fields): StepRequest {
    const code = typeof event.parentID === 'string' ? TRACE_CODE_PARENT.exec(event.parentID)?.[1] : undefined;
    const sgtins = sgtinsOf(event.childEPCs, 'childEPCs');
    if (code === undefined || sgtins.length !== 1 || !gtinOfSgtin(sgtins[0]!)) {
        refuse('EPCIS_EVENT_UNSUPPORTED', 'an AssociationEvent captures one 16-digit traceability code (parentID) for one SGTIN (childEPCs)');
    }
    return { fn: 'goods:Associate', header: { ...eventTimeOf(event) }, items: [{ sgtin: sgtins[0], code }], sgtins, gtins: distinctGtins(sgtins), divisible: true };
}

/**
 * Map one event.
 *
 * @returns The step, or the reason the event cannot be captured.
 */
export function mapEvent(event: Fields): StepRequest | EventRefusal {
    try {
        const step = word(event.bizStep);
        const action = event.action;
        if (event.type === 'AssociationEvent' && action === 'ADD') return associate(event);
        if (event.type === 'ObjectEvent') {
            const second = event[`${HN}line`] === 'second';
            if (action === 'ADD' && (step === 'entering_exiting' || step === 'commissioning') && !second) return enter(event);
            if (action === 'OBSERVE' && step === 'shipping') return ship(event);
            if (action === 'OBSERVE' && step === 'receiving') return receive(event);
            if (step === 'departing' || (step === 'entering_exiting' && second)) return exit(event);
            if (action === 'DELETE' && step === 'destroying') return destroy(event);
        }
        return refuse('EPCIS_EVENT_UNSUPPORTED', `no ledger step for a ${String(event.type)} with action ${String(action)} and bizStep ${String(event.bizStep)}; supported: entry, shipping, receiving, exit, destroying, traceability-code association`);
    } catch (err) {
        if (err instanceof Refused) return err.refusal;
        throw err;
    }
}

/** Type guard for a refusal. */
export function isRefusal(value: StepRequest | EventRefusal): value is EventRefusal {
    return (value as EventRefusal).code !== undefined && (value as StepRequest).fn === undefined;
}
