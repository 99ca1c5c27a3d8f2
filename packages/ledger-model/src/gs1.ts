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

/** Company prefix plus item reference always make 13 digits in an SGTIN. */
const SGTIN_PREFIX_AND_ITEM_DIGITS = 13;
/** Company prefix plus location reference always make 12 digits in an SGLN. */
const SGLN_PREFIX_AND_LOCATION_DIGITS = 12;
/**
 * Longest serial we accept. GS1 allows 20 characters; the EPC URI %-escapes some of them into three,
 * so the escaped form can be up to three times as long.
 */
const SERIAL_URI_LENGTH_MAX = 60;

const SGTIN_URI = /^urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.([!-~]+)$/;
const SGLN_URI = /^urn:epc:id:sgln:(\d{6,12})\.(\d{0,6})\.([!-~]+)$/;

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

function hasValidCheckDigit(digits: string): boolean {
  return gs1CheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1));
}

/**
 * Parses an SGTIN pure-identity URI.
 *
 * @param uri for example `urn:epc:id:sgtin:0614141.812345.6789`
 * @returns the parts, or undefined if the URI is not a well-formed SGTIN
 */
export function parseSgtin(uri: string): Sgtin | undefined {
  const match = SGTIN_URI.exec(uri);
  if (match === null) {
    return undefined;
  }
  const [, companyPrefix = '', itemRef = '', serial = ''] = match;
  if (companyPrefix.length + itemRef.length !== SGTIN_PREFIX_AND_ITEM_DIGITS || serial.length > SERIAL_URI_LENGTH_MAX) {
    return undefined;
  }
  return { companyPrefix, itemRef, serial };
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

/**
 * @param gtin candidate GTIN-14
 * @returns true if it is 14 digits with a correct check digit
 */
export function isValidGtin14(gtin: string): boolean {
  return /^\d{14}$/.test(gtin) && hasValidCheckDigit(gtin);
}

/**
 * Accepts a location as a 13-digit GLN with a correct check digit, or an SGLN pure-identity URI.
 *
 * @param location candidate location identifier
 * @returns true if it is one of the two accepted forms
 */
export function isValidLocation(location: string): boolean {
  if (/^\d{13}$/.test(location)) {
    return hasValidCheckDigit(location);
  }
  const match = SGLN_URI.exec(location);
  if (match === null) {
    return false;
  }
  const [, companyPrefix = '', locationRef = '', extension = ''] = match;
  return companyPrefix.length + locationRef.length === SGLN_PREFIX_AND_LOCATION_DIGITS && extension.length <= SERIAL_URI_LENGTH_MAX;
}
