/**
 * The canonical EPCIS event hash id of CBV 2.0 (section 8.9, "EPCIS Event Hash ID"): `ni:///sha-256;<hex>?ver=CBV2.0`
 * over a pre-hash string built from the event's fields in the standard's order, with values normalised (times to
 * UTC milliseconds, CBV short names to their ref.gs1.org web URIs, EPC URNs to GS1 Digital Link URIs), list members
 * sorted, `eventID` / `recordTime` left out and user extensions appended in sorted order. It lets an event captured
 * without `eventID` keep the same id however often, and in whatever JSON key order, it is posted.
 *
 * Checked against the reference implementation's test vector (github.com/RalphTro/epcis-event-hash-generator,
 * epcisDocWithSingleEvent). Supported: the standard fields of the five event types except sensor data, whose
 * elements are hashed generically (sorted), which is stable but may differ from the reference for sensor events.
 */
import { createHash } from 'node:crypto';
import { glnOf, gs1CheckDigit, sgtinParts } from '../domain/gs1';

const CBV = 'https://ref.gs1.org/cbv/';

/** Fields hashed in this order (CBV 2.0 section 8.9.2), with how their children are ordered. */
const ORDER: readonly (readonly [string, 'value' | 'epcs' | 'quantities' | 'id' | 'typed' | 'persistent'])[] = [
    ['eventTime', 'value'],
    ['eventTimeZoneOffset', 'value'],
    ['epcList', 'epcs'],
    ['parentID', 'value'],
    ['inputEPCList', 'epcs'],
    ['childEPCs', 'epcs'],
    ['quantityList', 'quantities'],
    ['childQuantityList', 'quantities'],
    ['inputQuantityList', 'quantities'],
    ['outputEPCList', 'epcs'],
    ['outputQuantityList', 'quantities'],
    ['action', 'value'],
    ['transformationID', 'value'],
    ['bizStep', 'value'],
    ['disposition', 'value'],
    ['persistentDisposition', 'persistent'],
    ['readPoint', 'id'],
    ['bizLocation', 'id'],
    ['bizTransactionList', 'typed'],
    ['sourceList', 'typed'],
    ['destinationList', 'typed'],
];
const IGNORED = new Set(['type', 'eventID', 'recordTime', '@context', 'certificationInfo', 'errorDeclaration']);

/** Vocabulary fields whose bare CBV names expand to web URIs, and the prefix of each. */
const VOCABULARY: Readonly<Record<string, string>> = {
    bizStep: `${CBV}BizStep-`,
    disposition: `${CBV}Disp-`,
    set: `${CBV}Disp-`,
    unset: `${CBV}Disp-`,
    bizTransactionList: `${CBV}BTT-`,
    sourceList: `${CBV}SDT-`,
    destinationList: `${CBV}SDT-`,
};
const OLD_URN: readonly (readonly [string, string])[] = [
    ['urn:epcglobal:cbv:bizstep:', `${CBV}BizStep-`],
    ['urn:epcglobal:cbv:disp:', `${CBV}Disp-`],
    ['urn:epcglobal:cbv:btt:', `${CBV}BTT-`],
    ['urn:epcglobal:cbv:sdt:', `${CBV}SDT-`],
    ['urn:epcglobal:cbv:er:', `${CBV}ER-`],
];

/** EPC pure-identity URNs (SGTIN, SSCC, SGLN, GRAI, PGLN) as GS1 Digital Link URIs; anything else unchanged. */
export function epcUrnToDigitalLink(value: string): string {
    const sgtin = sgtinParts(value);
    if (sgtin) return `https://id.gs1.org/01/${sgtin.gtin}/21/${sgtin.serial}`;
    let m = /^urn:epc:id:sscc:(\d+)\.(\d+)$/.exec(value);
    if (m && m[1]!.length + m[2]!.length === 17) {
        const body = `${m[2]!.slice(0, 1)}${m[1]}${m[2]!.slice(1)}`;
        return `https://id.gs1.org/00/${body}${gs1CheckDigit(body)}`;
    }
    m = /^urn:epc:id:sgln:(\d+)\.(\d*)\.(.+)$/.exec(value);
    if (m && m[1]!.length + m[2]!.length === 12) return `https://id.gs1.org/414/${glnOf(m[1]!, m[2]!)}${m[3] === '0' ? '' : `/254/${m[3]}`}`;
    m = /^urn:epc:id:pgln:(\d+)\.(\d*)$/.exec(value);
    if (m && m[1]!.length + m[2]!.length === 12) return `https://id.gs1.org/417/${glnOf(m[1]!, m[2]!)}`;
    return value;
}

/** UTC at millisecond precision with `Z`, as the algorithm prescribes (sub-millisecond digits rounded). */
function normaliseTime(value: string): string {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

function normaliseValue(field: string, raw: unknown): string {
    if (typeof raw === 'number') return String(raw);
    if (typeof raw === 'boolean') return String(raw);
    let text = String(raw).trim();
    if (/time$/i.test(field) && !/offset/i.test(field)) return normaliseTime(text);
    for (const [urn, uri] of OLD_URN) if (text.startsWith(urn)) text = uri + text.slice(urn.length);
    const vocabulary = VOCABULARY[field];
    if (vocabulary && /^[a-z_]+$/.test(text)) text = vocabulary + text;
    if (/^[+-]?\d+(\.\d+)?$/.test(text)) text = String(Number(text));
    return epcUrnToDigitalLink(text);
}

function sorted(values: string[]): string {
    return values.sort().join('');
}

/** A list or object whose members are being pre-hashed: its name, its members, and the parts made so far. */
interface GenericFrame {
    readonly name: string;
    readonly members: readonly (readonly [string, unknown])[];
    next: number;
    readonly parts: string[];
}

function genericFrame(name: string, value: object): GenericFrame {
    const members = Array.isArray(value) ? value.map((v: unknown) => ['', v] as const) : Object.entries(value as Record<string, unknown>);
    return { name, members, next: 0, parts: [] };
}

/**
 * Generic pre-hash of a value not in the prescribed order (user extensions, sensor data): keys and members sorted,
 * empty values left out; a list or object is its name followed by its sorted member parts. Walked with its own stack,
 * so an extension nested thousands deep is hashed like any other, never a stack overflow.
 */
function generic(rootName: string, rootValue: unknown): string {
    const leaf = (name: string, value: unknown): string => (value === null || value === undefined ? '' : `${name}=${normaliseValue(name, value)}`);
    if (typeof rootValue !== 'object' || rootValue === null) return leaf(rootName, rootValue);
    const stack: GenericFrame[] = [genericFrame(rootName, rootValue)];
    for (;;) {
        const frame = stack[stack.length - 1]!;
        if (frame.next < frame.members.length) {
            const [name, value] = frame.members[frame.next++]!;
            if (typeof value === 'object' && value !== null) {
                stack.push(genericFrame(name, value));
            } else {
                const part = leaf(name, value);
                if (part !== '') frame.parts.push(part);
            }
            continue;
        }
        stack.pop();
        const text = frame.parts.length > 0 ? frame.name + sorted(frame.parts) : '';
        const parent = stack[stack.length - 1];
        if (parent === undefined) return text;
        if (text !== '') parent.parts.push(text);
    }
}

function field(event: Record<string, unknown>, name: string, kind: (typeof ORDER)[number][1]): string {
    const value = event[name];
    if (value === undefined || value === null) return '';
    switch (kind) {
        case 'value':
            return `${name}=${normaliseValue(name, value)}`;
        case 'epcs': {
            const list = (value as unknown[]).map((epc) => `epc=${normaliseValue('epc', epc)}`);
            return list.length > 0 ? name + sorted(list) : '';
        }
        case 'quantities': {
            const list = (value as Record<string, unknown>[]).map((q) =>
                ['epcClass', 'quantity', 'uom'].map((k) => (q[k] === undefined ? '' : `${k}=${normaliseValue(k, q[k])}`)).join(''),
            );
            return list.length > 0 ? `${name}${sorted(list.map((q) => `quantityElement${q}`))}` : '';
        }
        case 'id': {
            const id = (value as Record<string, unknown>).id;
            return id === undefined ? '' : `${name}id=${normaliseValue('id', id)}`;
        }
        case 'typed': {
            const member = name.replace(/List$/, '');
            const list = (value as Record<string, unknown>[]).map((entry) =>
                sorted([
                    ...(entry[member] !== undefined ? [`${member}=${normaliseValue(member, entry[member])}`] : []),
                    ...(entry.type !== undefined ? [`type=${normaliseValue(name, entry.type)}`] : []),
                ]),
            );
            return list.length > 0 ? name + sorted(list) : '';
        }
        case 'persistent': {
            const p = value as Record<string, unknown[] | undefined>;
            const parts = (['set', 'unset'] as const).map((k) => sorted((p[k] ?? []).map((v) => `${k}=${normaliseValue(k, v)}`))).join('');
            return parts ? name + parts : '';
        }
    }
}

/**
 * The pre-hash string of one event (exposed for tests and for clients checking our ids).
 *
 * @param event - One member of an EPCIS document's eventList.
 */
export function eventPreHash(event: Record<string, unknown>): string {
    const known = new Set(ORDER.map(([name]) => name));
    const ordered = ORDER.map(([name, kind]) => field(event, name, kind)).join('');
    const extensions = sorted(
        Object.entries(event)
            .filter(([k]) => !known.has(k) && !IGNORED.has(k))
            .map(([k, v]) => generic(k, v)),
    );
    return `eventType=${String(event.type)}${ordered}${extensions}`;
}

/**
 * The canonical event hash id of one event.
 *
 * @param event - One member of an EPCIS document's eventList.
 * @returns `ni:///sha-256;<64 hex>?ver=CBV2.0`
 */
export function canonicalEventId(event: Record<string, unknown>): string {
    return `ni:///sha-256;${createHash('sha256').update(eventPreHash(event), 'utf8').digest('hex')}?ver=CBV2.0`;
}
