/**
 * GS1 primitives shared by every decoder: check digits, the serial character set, the item key, and the
 * two textual forms the agent uploads (SGTIN URN for what RFID tags give us, GS1 Digital Link URI for what
 * barcodes give us). Pure functions.
 *
 * Why barcodes are uploaded as Digital Link and not as SGTIN URNs: turning a GTIN into an SGTIN URN needs
 * the length of the GS1 Company Prefix, which a barcode does not carry (TDS §7.1, "GTIN to SGTIN" needs it as
 * an input). An RFID tag does carry it (the partition value), so tag reads become URNs.
 */

import {
  escapeEpcUriSerial,
  GS1_SERIAL_LENGTH_MAX,
  gs1CheckDigit,
  gtinOfSgtin,
  isGs1Serial,
  isValidGtin14,
  parseSgtin,
  unescapeEpcUriSerial,
} from '@hainan/ledger-model';

/**
 * Check digits, the serial character set, the EPC URI escapes and the SGTIN grammar are the ledger's
 * (@hainan/ledger-model), the same the chaincode and the gateway apply.
 */
export { escapeEpcUriSerial, gs1CheckDigit, isValidGtin14, unescapeEpcUriSerial };

/** ASCII group separator: how scanners transmit FNC1 inside GS1 element strings. */
export const GS = '\u001d';

/** Longest GS1 serial number (AI 21 is X..20). */
export const SERIAL_CHARS_MAX = GS1_SERIAL_LENGTH_MAX;

/** @returns true if `serial` is 1-20 characters of GS1 CSET 82 */
export function isValidSerial(serial: string): boolean {
  return isGs1Serial(serial);
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
 * Builds the GTIN-14 of an SGTIN from its URI parts (TDS §7.1: indicator digit, company prefix, rest of the
 * item reference, check digit).
 *
 * @param companyPrefix 6-12 digits
 * @param itemRef indicator digit followed by the item reference; together with the prefix, 13 digits
 * @returns the GTIN-14
 */
export function gtinOfSgtinParts(companyPrefix: string, itemRef: string): string {
  return gtinOfSgtin({ companyPrefix, itemRef, serial: '' });
}

/** A parsed SGTIN pure-identity URI. */
export interface SgtinUrn {
  readonly companyPrefix: string;
  readonly itemRef: string;
  /**
   * Unescaped serial. When the URN's serial is one the ledger accepts but that is no GS1 serial in EPC URI form
   * (longer than 20 characters, characters outside CSET 82, a character left unescaped), the URN form as is.
   */
  readonly serial: string;
  readonly gtin: string;
  /** Present when `serial` is the URN form of a serial the ledger accepts but GS1 does not. */
  readonly notGs1?: true;
}

/**
 * Parses `urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial` (TDS §6.3.1) with the ledger's grammar: every URN the
 * chain accepts is read, so a stocktake can count items whose serials are wider than GS1's (see SgtinUrn.serial).
 *
 * @returns the parts, or undefined if it is not a well-formed SGTIN URN
 */
export function parseSgtinUrn(urn: string): SgtinUrn | undefined {
  const sgtin = parseSgtin(urn);
  if (sgtin === undefined) return undefined;
  const { companyPrefix, itemRef } = sgtin;
  const gtin = gtinOfSgtin(sgtin);
  const serial = unescapeEpcUriSerial(sgtin.serial);
  return serial === undefined
    ? { companyPrefix, itemRef, serial: sgtin.serial, gtin, notGs1: true }
    : { companyPrefix, itemRef, serial, gtin };
}

/**
 * The deduplication key of an SGTIN URN: {@link itemKey} of its GTIN and unescaped serial, so that a tag and a
 * barcode of one item share it; a serial that is no GS1 serial gets a key of its own kind, which no barcode has.
 */
export function keyOfSgtinUrn(urn: SgtinUrn): string {
  return urn.notGs1 === true ? `sgtin-uri:${urn.gtin}:${urn.serial}` : itemKey(urn.gtin, urn.serial);
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
  const encoded = encodeURIComponent(serial).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${DIGITAL_LINK_HOST}/01/${gtin14}/21/${encoded}`;
}
