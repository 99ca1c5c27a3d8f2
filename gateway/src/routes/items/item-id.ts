/**
 * The forms an item may be named by in a URL, turned into what the projection can look up: an SGTIN URN (as is), an
 * SGTIN EPC in hex (SGTIN-96 or SGTIN-198 tag memory, decoded with epc-tds), a GS1 Digital Link
 * `https://<any host>/01/<GTIN-14>/21/<serial>` (a GTIN-14 does not say how long its company prefix is, so it is
 * looked up by GTIN and serial), or a 16-digit traceability code.
 */
import * as epcTdsModule from 'epc-tds';
import { hasValidGs1CheckDigit } from '../../domain/gs1';

type Tds = typeof epcTdsModule.default;
// epc-tds publishes its API as `module.exports` and as `default`; which one a default import sees depends on interop.
const tds: Tds = (epcTdsModule as unknown as { default?: Tds }).default ?? (epcTdsModule as unknown as Tds);

/** What an item id names. */
export type ItemRef =
    | { readonly kind: 'sgtin'; readonly sgtin: string }
    | { readonly kind: 'traceCode'; readonly code: string }
    | { readonly kind: 'gtinSerial'; readonly gtin: string; readonly serial: string };

/** Longest item id accepted, in characters (a Digital Link with a 20-character serial is well below). */
export const ITEM_ID_MAX_LENGTH = 300;

const SGTIN_URN = /^urn:epc:id:sgtin:\d{6,12}\.\d{1,7}\.[\x21-\x7e]{1,20}$/;
const TRACE_CODE = /^\d{16}$/;
/** SGTIN-96 (header 0x30, 24 hex digits) or SGTIN-198 (header 0x36, 50 or 52 hex digits). */
const SGTIN_HEX = /^(30[0-9a-f]{22}|36[0-9a-f]{48}(?:[0-9a-f]{2})?)$/i;
const DIGITAL_LINK_PATH = /\/01\/(\d{14})\/21\/([^/?#]{1,60})(?:\/|$)/;

/**
 * Parse an item id.
 *
 * @param id - As it arrived in the path (already percent-decoded once by the router).
 * @returns What it names, or undefined when it is none of the accepted forms.
 */
export function parseItemId(id: string): ItemRef | undefined {
    if (id.length > ITEM_ID_MAX_LENGTH) return undefined;
    if (SGTIN_URN.test(id)) return { kind: 'sgtin', sgtin: id };
    if (TRACE_CODE.test(id)) return { kind: 'traceCode', code: id };
    if (SGTIN_HEX.test(id)) {
        try {
            const uri = tds.valueOf(id.toUpperCase()).toIdURI();
            return typeof uri === 'string' && uri.startsWith('urn:epc:id:sgtin:') ? { kind: 'sgtin', sgtin: uri } : undefined;
        } catch {
            return undefined;
        }
    }
    if (/^https?:\/\//i.test(id)) {
        let url: URL;
        try {
            url = new URL(id);
        } catch {
            return undefined;
        }
        const match = DIGITAL_LINK_PATH.exec(url.pathname);
        const gtin = match?.[1];
        const rawSerial = match?.[2];
        if (gtin === undefined || rawSerial === undefined || !hasValidGs1CheckDigit(gtin)) return undefined;
        let serial: string;
        try {
            serial = decodeURIComponent(rawSerial);
        } catch {
            return undefined;
        }
        return /^[\x21-\x7e]{1,20}$/.test(serial) ? { kind: 'gtinSerial', gtin, serial } : undefined;
    }
    return undefined;
}
