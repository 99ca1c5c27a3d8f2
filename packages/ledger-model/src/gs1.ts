/**
 * GS1 identifier rules (SGTIN, GTIN, GLN), pure functions with no Fabric imports.
 *
 * Only the pure-identity URI forms are accepted on the ledger; tag hex and barcode forms are turned into
 * these by the scanner agent before they are submitted.
 */

/** A parsed `urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial`. */
export interface Sgtin {
  readonly companyPrefix: string;
  /** Indicator digit followed by the item reference, as in the EPC URI. */
  readonly itemRef: string;
  readonly serial: string;
}

/**
 * Longest serial in an SGTIN (and extension in an SGLN) URN, in characters of the URN, as the ledger has accepted it
 * from the start. GS1 allows 20 characters (AI 21, CSET 82); the EPC URI %-escapes seven of them into three
 * characters (TDS Annex A), so the URN form of a GS1 serial can be up to 60 characters long. The ledger's rule is
 * wider than GS1's (any printable ASCII, up to 60): items with such serials may already be on a chain, so every
 * client accepts exactly this rule, and GS1's narrower one ({@link isGs1Serial}) is for what scanners produce.
 */
export const SERIAL_URI_LENGTH_MAX = 60;
/** Longest GS1 serial number (AI 21 is X..20). */
export const GS1_SERIAL_LENGTH_MAX = 20;

/** Company prefix (6-12 digits) and item reference (indicator digit first) together make 13 digits. */
const SGTIN_PREFIX_AND_ITEM_REF =
  '(?:\\d{6}\\.\\d{7}|\\d{7}\\.\\d{6}|\\d{8}\\.\\d{5}|\\d{9}\\.\\d{4}|\\d{10}\\.\\d{3}|\\d{11}\\.\\d{2}|\\d{12}\\.\\d)';
/** Company prefix (6-12 digits) and location reference together make 12 digits. */
const SGLN_PREFIX_AND_LOCATION_REF =
  '(?:\\d{6}\\.\\d{6}|\\d{7}\\.\\d{5}|\\d{8}\\.\\d{4}|\\d{9}\\.\\d{3}|\\d{10}\\.\\d{2}|\\d{11}\\.\\d|\\d{12}\\.)';
/** The serial (or SGLN extension) as the URN carries it. */
const URI_SERIAL = `[!-~]{1,${SERIAL_URI_LENGTH_MAX}}`;

/**
 * The one SGTIN pure-identity URN grammar of the ledger, as a regular-expression source without anchors, for
 * clients that build their own patterns (JSON Schema `pattern`, alternations): `urn:epc:id:sgtin:` company prefix
 * `.` item reference (13 digits together) `.` serial ({@link SERIAL_URI_LENGTH_MAX}).
 */
export const SGTIN_URN_SOURCE = `urn:epc:id:sgtin:${SGTIN_PREFIX_AND_ITEM_REF}\\.${URI_SERIAL}`;
/** The SGLN pure-identity URN grammar (a location: company prefix and location reference make 12 digits). */
export const SGLN_URN_SOURCE = `urn:epc:id:sgln:${SGLN_PREFIX_AND_LOCATION_REF}\\.${URI_SERIAL}`;
/** A Hainan 16-digit traceability code, as a source without anchors. */
export const TRACE_CODE_SOURCE = '\\d{16}';
/** An item as transactions name an existing one: SGTIN URN or 16-digit traceability code, source without anchors. */
export const ITEM_ID_SOURCE = `(?:${SGTIN_URN_SOURCE}|${TRACE_CODE_SOURCE})`;
/** A location: 13-digit GLN (check digit checked by {@link isValidLocation}) or an SGLN URN, source without anchors. */
export const LOCATION_SOURCE = `(?:\\d{13}|${SGLN_URN_SOURCE})`;

/** {@link SGTIN_URN_SOURCE}, anchored. */
export const SGTIN_URN = new RegExp(`^${SGTIN_URN_SOURCE}$`);
/** {@link SGLN_URN_SOURCE}, anchored. */
export const SGLN_URN = new RegExp(`^${SGLN_URN_SOURCE}$`);
/** {@link ITEM_ID_SOURCE}, anchored. */
export const ITEM_ID = new RegExp(`^${ITEM_ID_SOURCE}$`);
/** Longest SGTIN URN the grammar admits (prefix, 13 digits, two dots, the longest serial). */
export const SGTIN_URN_LENGTH_MAX = 'urn:epc:id:sgtin:'.length + 13 + 2 + SERIAL_URI_LENGTH_MAX;
/** Longest location the grammar admits: an SGLN URN with the longest extension. */
export const LOCATION_LENGTH_MAX = 'urn:epc:id:sgln:'.length + 12 + 2 + SERIAL_URI_LENGTH_MAX;

/**
 * GS1 AI encodable character set 82 (GS1 General Specifications, Figure 7.11-1; TDS Annex A, Table A-1):
 * `!"%&'()*+,-./0-9:;<=>?A-Z_a-z`. 0x25..0x3F is one contiguous run.
 */
const CSET82_SERIAL = new RegExp(`^[!"%-?A-Z_a-z]{1,${GS1_SERIAL_LENGTH_MAX}}$`);
/** TDS Annex A (Table A-1): the characters of CSET 82 that an EPC URI must %-escape. */
const URI_ESCAPES: Readonly<Record<string, string>> = {
  '"': '%22',
  '%': '%25',
  '&': '%26',
  '/': '%2F',
  '<': '%3C',
  '>': '%3E',
  '?': '%3F',
};
const URI_UNESCAPES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(URI_ESCAPES).map(([raw, esc]) => [esc, raw]),
);

/**
 * @param serial an unescaped serial
 * @returns true if it is a GS1 serial: 1-20 characters of CSET 82
 */
export function isGs1Serial(serial: string): boolean {
  return CSET82_SERIAL.test(serial);
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
 * @returns the serial, or undefined if the URI form has an illegal escape or character or is not a GS1 serial
 */
export function unescapeEpcUriSerial(uriSerial: string): string | undefined {
  let out = '';
  for (let i = 0; i < uriSerial.length; i++) {
    const ch = uriSerial[i] ?? '';
    if (ch === '%') {
      const raw = URI_UNESCAPES[uriSerial.slice(i, i + 3).toUpperCase()];
      if (raw === undefined) return undefined;
      out += raw;
      i += 2;
    } else {
      if (URI_ESCAPES[ch] !== undefined) return undefined; // must have been escaped
      out += ch;
    }
  }
  return isGs1Serial(out) ? out : undefined;
}

/**
 * Computes the GS1 mod-10 check digit for a string of digits (weights 3,1,3,... from the right).
 *
 * @param digits the identifier without its check digit
 * @returns the check digit, 0-9
 */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * @param digits a GS1 key with its check digit last (GTIN, GLN, SSCC...)
 * @returns true if the last digit is the check digit of the ones before it
 */
export function hasValidGs1CheckDigit(digits: string): boolean {
  return gs1CheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1));
}

/**
 * Parses an SGTIN pure-identity URI.
 *
 * @param uri for example `urn:epc:id:sgtin:0614141.812345.6789`
 * @returns the parts, or undefined if the URI is not a well-formed SGTIN
 */
export function parseSgtin(uri: string): Sgtin | undefined {
  if (!SGTIN_URN.test(uri)) {
    return undefined;
  }
  const rest = uri.slice('urn:epc:id:sgtin:'.length);
  const dot1 = rest.indexOf('.');
  const dot2 = rest.indexOf('.', dot1 + 1);
  return { companyPrefix: rest.slice(0, dot1), itemRef: rest.slice(dot1 + 1, dot2), serial: rest.slice(dot2 + 1) };
}

/**
 * Derives the GTIN-14 an SGTIN belongs to: indicator digit, company prefix, rest of the item reference,
 * check digit.
 *
 * @param sgtin a parsed SGTIN
 * @returns 14 digits, e.g. `80614141123458` for `urn:epc:id:sgtin:0614141.812345.6789`
 */
export function gtinOfSgtin(sgtin: Sgtin): string {
  const body = sgtin.itemRef.slice(0, 1) + sgtin.companyPrefix + sgtin.itemRef.slice(1);
  return body + String(gs1CheckDigit(body));
}

/** GS1 Company Prefix lengths an SGTIN may use (TDS Table 14-2, partitions 0..6). */
export const COMPANY_PREFIX_DIGITS_MIN = 6;
export const COMPANY_PREFIX_DIGITS_MAX = 12;

/**
 * The SGTIN URN of a GTIN-14 and a serial (what a GS1 Digital Link or a barcode names), given how many digits the
 * GTIN's company prefix has (TDS §7.1: the indicator digit moves to the front of the item reference, the check digit
 * is dropped). The length is an input because nothing in a GTIN says it: it comes from the ledger's record of the
 * GTIN, never from a guess.
 *
 * @param gtin14 a GTIN-14 with a valid check digit
 * @param serial the serial unescaped (as a Digital Link carries it once percent-decoded); it is escaped for the URN
 *   ({@link escapeEpcUriSerial}), so `A/B` names the item the chain keys `....A%2FB`
 * @param companyPrefixDigits 6..12
 * @returns the URN, or undefined when an input is out of range or the URN is not one the ledger's grammar accepts
 */
export function sgtinUrnOfGtin(gtin14: string, serial: string, companyPrefixDigits: number): string | undefined {
  if (!isValidGtin14(gtin14) || !Number.isInteger(companyPrefixDigits)) return undefined;
  if (companyPrefixDigits < COMPANY_PREFIX_DIGITS_MIN || companyPrefixDigits > COMPANY_PREFIX_DIGITS_MAX)
    return undefined;
  const cp = gtin14.slice(1, 1 + companyPrefixDigits);
  const urn = `urn:epc:id:sgtin:${cp}.${gtin14.slice(0, 1)}${gtin14.slice(1 + companyPrefixDigits, 13)}.${escapeEpcUriSerial(serial)}`;
  return SGTIN_URN.test(urn) ? urn : undefined;
}

/**
 * @param gtin candidate GTIN-14
 * @returns true if it is 14 digits with a correct check digit
 */
export function isValidGtin14(gtin: string): boolean {
  return /^\d{14}$/.test(gtin) && hasValidGs1CheckDigit(gtin);
}

/**
 * Accepts a location as a 13-digit GLN with a correct check digit, or an SGLN pure-identity URI.
 *
 * @param location candidate location identifier
 * @returns true if it is one of the two accepted forms
 */
export function isValidLocation(location: string): boolean {
  if (/^\d{13}$/.test(location)) {
    return hasValidGs1CheckDigit(location);
  }
  return SGLN_URN.test(location);
}
