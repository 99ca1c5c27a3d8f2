/**
 * The forms an item may be named by in a URL or an EPCIS list, turned into what the projection can look up: an SGTIN
 * URN (as is), an SGTIN EPC tag URI (`urn:epc:tag:sgtin-96:<filter>.…`: the filter names no part of the identity, so it
 * is its pure-identity URN), an SGTIN EPC in hex (SGTIN-96 or SGTIN-198 tag memory, decoded with epc-tds), a GS1
 * Digital Link with GTIN and serial (`https://<any host>/…/01/<GTIN>/21/<serial>`, read by the scanner agent's decoder;
 * a GTIN does not say how long its company prefix is, so it is looked up by GTIN and serial), or a 16-digit
 * traceability code. Whatever form it came in, an SGTIN is accepted by
 * the ledger's one grammar (@hainan/ledger-model `SGTIN_URN`), so every item the chain accepted can be named here.
 */
import { parseDigitalLink, tds } from '@hainan/epc-decoders';
import {
  epcTagUriToPureIdentity,
  escapeEpcUriSerial,
  hasValidGs1CheckDigit,
  SERIAL_URI_LENGTH_MAX,
  SGTIN_URN,
  TRACE_CODE,
} from '@hainan/ledger-model';

/** What an item id names. */
export type ItemRef =
  | { readonly kind: 'sgtin'; readonly sgtin: string }
  | { readonly kind: 'traceCode'; readonly code: string }
  | { readonly kind: 'gtinSerial'; readonly gtin: string; readonly serial: string };

/** Longest item id accepted, in characters (a Digital Link with the longest serial is well below). */
export const ITEM_ID_MAX_LENGTH = 300;

/** SGTIN-96 (header 0x30, 24 hex digits) or SGTIN-198 (header 0x36, 50 or 52 hex digits). */
const SGTIN_HEX = /^(30[0-9a-f]{22}|36[0-9a-f]{48}(?:[0-9a-f]{2})?)$/i;
/** GTIN-14 and serial of a Digital Link path; the serial is percent-encoded, up to three characters per character. */
const DIGITAL_LINK_PATH = new RegExp(`/01/(\\d{14})/21/([^/?#]{1,${3 * SERIAL_URI_LENGTH_MAX}})(?:/|$)`);
/** A Digital Link serial names the item whose SGTIN URN ends in its EPC URI form: printable ASCII, up to the ledger's limit. */
const DIGITAL_LINK_SERIAL = /^[!-~]+$/;

/**
 * Parse an item id.
 *
 * @param id - As it arrived in the path (already percent-decoded once by the router).
 * @returns What it names, or undefined when it is none of the accepted forms.
 */
export function parseItemId(id: string): ItemRef | undefined {
  if (id.length > ITEM_ID_MAX_LENGTH) return undefined;
  if (SGTIN_URN.test(id)) return { kind: 'sgtin', sgtin: id };
  if (id.startsWith('urn:epc:tag:sgtin-')) {
    const pure = epcTagUriToPureIdentity(id);
    return SGTIN_URN.test(pure) ? { kind: 'sgtin', sgtin: pure } : undefined;
  }
  if (TRACE_CODE.test(id)) return { kind: 'traceCode', code: id };
  if (SGTIN_HEX.test(id)) {
    try {
      const uri = tds.valueOf(id.toUpperCase()).toIdURI();
      return typeof uri === 'string' && SGTIN_URN.test(uri) ? { kind: 'sgtin', sgtin: uri } : undefined;
    } catch {
      return undefined;
    }
  }
  if (/^https?:\/\//i.test(id)) {
    // GS1's own reading first (short names, GTIN-8/12/13 widened, GS1 serials); a link naming a product, not an
    // item, is not an item id.
    const link = parseDigitalLink(id);
    if (link.ok)
      return link.serial === undefined ? undefined : { kind: 'gtinSerial', gtin: link.gtin, serial: link.serial };
    // Then the ledger's wider serials (any printable ASCII up to the URN's limit), which no GS1 decoder reads.
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
    return DIGITAL_LINK_SERIAL.test(serial) && escapeEpcUriSerial(serial).length <= SERIAL_URI_LENGTH_MAX
      ? { kind: 'gtinSerial', gtin, serial }
      : undefined;
  }
  return undefined;
}

/**
 * The serials to look a Digital Link's GTIN + serial up by, in the order to try: the EPC URI form first (an SGTIN URN
 * on the chain escapes `"%&/<>?` as `%XX`, while a Digital Link carries the serial unescaped), then the serial as it
 * is when escaping changed it (the chain's grammar also admits URNs written with those characters raw).
 *
 * @param serial - The Digital Link's serial, unescaped.
 */
export function serialLookupForms(serial: string): readonly string[] {
  const escaped = escapeEpcUriSerial(serial);
  return escaped === serial ? [serial] : [escaped, serial];
}
