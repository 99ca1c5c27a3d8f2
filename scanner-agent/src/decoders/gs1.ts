/**
 * GS1 primitives shared by every decoder: check digits, the serial character set, the item key, and the
 * two textual forms the agent uploads (SGTIN URN for what RFID tags give us, GS1 Digital Link URI for what
 * barcodes give us). Pure functions.
 *
 * Why barcodes are uploaded as Digital Link and not as SGTIN URNs: turning a GTIN into an SGTIN URN needs
 * the length of the GS1 Company Prefix, which a barcode does not carry (TDS §7.1, "GTIN to SGTIN" needs it as
 * an input). An RFID tag does carry it (the partition value), so tag reads become URNs.
 */

/** ASCII group separator: how scanners transmit FNC1 inside GS1 element strings. */
export const GS = '\u001d';

/** Longest GS1 serial number (AI 21 is X..20). */
export const SERIAL_CHARS_MAX = 20;

/**
 * GS1 AI encodable character set 82 (GS1 General Specifications, Figure 7.11-1; TDS Annex A, Table A-1):
 * `!"%&'()*+,-./0-9:;<=>?A-Z_a-z`. 0x25..0x3F is one contiguous run.
 */
const CSET82_SERIAL = /^[!"%-?A-Z_a-z]{1,20}$/;

/** TDS Annex A (Table A-1): the characters of CSET 82 that an EPC URI must %-escape. */
const URI_ESCAPES: Readonly<Record<string, string>> = { '"': '%22', '%': '%25', '&': '%26', '/': '%2F', '<': '%3C', '>': '%3E', '?': '%3F' };

/**
 * GS1 mod-10 check digit (weights 3,1,3,… from the right).
 *
 * @param digits the identifier without its check digit (ASCII digits only)
 * @returns the check digit 0-9
 */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10;
}

/** @returns true if `gtin` is 14 digits ending in the right check digit */
export function isValidGtin14(gtin: string): boolean {
  return /^\d{14}$/.test(gtin) && gs1CheckDigit(gtin.slice(0, 13)) === gtin.charCodeAt(13) - 48;
}

/** @returns true if `serial` is 1-20 characters of GS1 CSET 82 */
export function isValidSerial(serial: string): boolean {
  return CSET82_SERIAL.test(serial);
}

/**
 * The deduplication key of a serialized item: the same whether it came from a tag, a barcode or a link.
 *
 * @param gtin14 the item's GTIN-14
 * @param serial the unescaped serial
 * @returns `01{gtin14}21{serial}` (the GTIN has a fixed length, so the key is unambiguous)
 */
export function itemKey(gtin14: string, serial: string): string {
  return `01${gtin14}21${serial}`;
}

/** @returns the key of a Hainan 16-digit traceability code */
export function hainanKey(code: string): string {
  return `hainan:${code}`;
}

/**
 * Escapes a serial for the EPC pure-identity URI (TDS Annex A, Table A-1).
 *
 * @param serial CSET 82 characters
 * @returns the URI form, e.g. `32a/b` -> `32a%2Fb`
 */
export function escapeEpcUriSerial(serial: string): string {
  let out = '';
  for (const ch of serial) out += URI_ESCAPES[ch] ?? ch;
  return out;
}

/**
 * Reverses {@link escapeEpcUriSerial}; only the escapes of Table A-1 are legal in the URI.
 *
 * @returns the serial, or undefined if the URI form has an illegal escape or character
 */
export function unescapeEpcUriSerial(uriSerial: string): string | undefined {
  let out = '';
  for (let i = 0; i < uriSerial.length; i++) {
    const ch = uriSerial[i] ?? '';
    if (ch === '%') {
      const esc = uriSerial.slice(i, i + 3).toUpperCase();
      const raw = Object.keys(URI_ESCAPES).find((k) => URI_ESCAPES[k] === esc);
      if (raw === undefined) return undefined;
      out += raw;
      i += 2;
    } else {
      if (URI_ESCAPES[ch] !== undefined) return undefined; // must have been escaped
      out += ch;
    }
  }
  return isValidSerial(out) ? out : undefined;
}

/**
 * Builds the GTIN-14 of an SGTIN from its URI parts (TDS §7.1: indicator digit, company prefix, rest of the
 * item reference, check digit).
 *
 * @param companyPrefix 6-12 digits
 * @param itemRef indicator digit followed by the item reference; together with the prefix, 13 digits
 * @returns the GTIN-14
 */
export function gtinOfSgtinParts(companyPrefix: string, itemRef: string): string {
  const body = itemRef.slice(0, 1) + companyPrefix + itemRef.slice(1);
  return body + String(gs1CheckDigit(body));
}

/** A parsed SGTIN pure-identity URI. */
export interface SgtinUrn {
  readonly companyPrefix: string;
  readonly itemRef: string;
  /** Unescaped serial. */
  readonly serial: string;
  readonly gtin: string;
}

const SGTIN_URN = /^urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.([!-~]{1,60})$/;

/**
 * Parses `urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial` (TDS §6.3.1).
 *
 * @returns the parts, or undefined if it is not a well-formed SGTIN URN
 */
export function parseSgtinUrn(urn: string): SgtinUrn | undefined {
  const m = SGTIN_URN.exec(urn);
  if (m === null) return undefined;
  const [, companyPrefix = '', itemRef = '', uriSerial = ''] = m;
  if (companyPrefix.length + itemRef.length !== 13) return undefined;
  const serial = unescapeEpcUriSerial(uriSerial);
  if (serial === undefined) return undefined;
  return { companyPrefix, itemRef, serial, gtin: gtinOfSgtinParts(companyPrefix, itemRef) };
}

/** Host the agent writes canonical Digital Link URIs with (any host is accepted when reading). */
export const DIGITAL_LINK_HOST = 'https://id.gs1.org';

/**
 * Canonical GS1 Digital Link URI of a serialized item, serial percent-encoded (GS1 Digital Link URI
 * syntax 1.x, §7: every character outside the URI "unreserved" set is %-encoded).
 *
 * @returns e.g. `https://id.gs1.org/01/80614141123458/21/6789`
 */
export function digitalLinkOf(gtin14: string, serial: string): string {
  const encoded = encodeURIComponent(serial).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${DIGITAL_LINK_HOST}/01/${gtin14}/21/${encoded}`;
}
