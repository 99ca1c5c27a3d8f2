/**
 * EPC binary (hex, as an RFID reader reports the EPC bank) to SGTIN pure-identity URN, for SGTIN-96 and
 * SGTIN-198. Pure.
 *
 * Field extraction (partition, company prefix, item reference, SGTIN-96 serial) is done by the `epc-tds`
 * library. Checked against the GS1 test vector it is right for well-formed tags, but it lacks the validity
 * tests of the decoding procedure and gets the SGTIN-198 serial wrong, so this module adds, citing the
 * EPC Tag Data Standard (TDS) 2.x, §14 "EPC Binary Encoding" (section numbers as in the 1.13/2.x text):
 *
 * - input checks (hex only, exact length per header): epc-tds silently decodes a short string as zeros and
 *   throws a TypeError on a non-hex character;
 * - Partition Table decoding (§14.4.3, SGTIN partition table §14.5.1): partition 7 is invalid (epc-tds throws
 *   a TypeError), and a company prefix C >= 10^L or an item reference D >= 10^(13-L) makes the input invalid
 *   (epc-tds prints it anyway, e.g. a 7-digit item reference and a 15-digit GTIN);
 * - String decoding for the SGTIN-198 serial (§14.4.2, coding table §14.5.1.2): the string ends at the first
 *   all-zero 7-bit segment and every later bit must be zero (epc-tds skips zero segments and keeps going),
 *   every character must be in Annex A Table A-1 (epc-tds accepts any 7-bit value), at least one character;
 * - URI escaping of the serial (Annex A Table A-1; EPC URI §6.3.1): `"%&/<>?` are %-escaped (epc-tds does not,
 *   so `32a/b` came out as `urn:epc:id:sgtin:…​.32a/b`, which no URN parser reads back).
 *
 * Not supported (reported as undecodable with their own reason): the TDS 2.0 "+AIDC" schemes SGTIN+ (header
 * 0xF7) and DSGTIN+ (0xFB), and every non-SGTIN scheme (SSCC, SGLN, GRAI, ...): they do not name a trade item.
 */
import { tds } from './epc-tds';
import { escapeEpcUriSerial, gtinOfSgtinParts, isValidSerial } from './gs1';

/** The result of decoding one EPC. */
export type EpcDecodeResult =
  | {
      readonly ok: true;
      readonly scheme: 'sgtin-96' | 'sgtin-198';
      /** `urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial`, serial URI-escaped. */
      readonly urn: string;
      readonly gtin: string;
      /** Unescaped serial. */
      readonly serial: string;
      readonly filter: number;
    }
  | { readonly ok: false; readonly reason: string };

/** TDS §14.2 Table 14-1: EPC binary headers. */
export const SGTIN96_HEADER = 0x30;
export const SGTIN198_HEADER = 0x36;

/** SGTIN-96 is exactly 96 bits = 24 hex digits (6 Gen2 words). */
const SGTIN96_HEX_CHARS = 24;
/** SGTIN-198 is 198 bits: 25 bytes (50 hex) or, as read from word-aligned EPC memory, 13 words (52 hex). */
const SGTIN198_HEX_CHARS = [50, 52] as const;
const SGTIN198_BITS = 198;
/** SGTIN-198 serial: bits 58..197, twenty 7-bit characters (TDS §14.5.1.2). */
const SGTIN198_SERIAL_OFFSET_BITS = 58;
const SGTIN198_SERIAL_CHARS = 20;
const SERIAL_CHAR_BITS = 7;

/** SGTIN partition table (TDS §14.5.1): partition value -> digits of company prefix and item reference. */
const PARTITION_DIGITS: readonly { readonly companyPrefix: number; readonly itemRef: number }[] = [
  { companyPrefix: 12, itemRef: 1 },
  { companyPrefix: 11, itemRef: 2 },
  { companyPrefix: 10, itemRef: 3 },
  { companyPrefix: 9, itemRef: 4 },
  { companyPrefix: 8, itemRef: 5 },
  { companyPrefix: 7, itemRef: 6 },
  { companyPrefix: 6, itemRef: 7 },
];

/** Names of the other EPC schemes (TDS Table 14-1), so an operator sees what was read instead of "unknown". */
const OTHER_SCHEMES: Readonly<Record<number, string>> = {
  0x2c: 'gdti-96',
  0x2d: 'gsrn-96',
  0x2e: 'gsrnp-96',
  0x2f: 'usdod-96',
  0x31: 'sscc-96',
  0x32: 'sgln-96',
  0x33: 'grai-96',
  0x34: 'giai-96',
  0x35: 'gid-96',
  0x37: 'grai-170',
  0x38: 'giai-202',
  0x39: 'sgln-195',
  0x3a: 'gdti-113',
  0x3b: 'adi-var',
  0x3c: 'cpi-96',
  0x3d: 'cpi-var',
  0x3e: 'gdti-174',
  0x3f: 'sgcn-96',
  0x40: 'itip-110',
  0x41: 'itip-212',
};
/** TDS 2.0 "+AIDC" schemes that also carry an SGTIN but are not decoded here. */
const SGTIN_PLUS_HEADERS = new Set([0xf7, 0xfb]);

const HEX = /^[0-9A-Fa-f]+$/;

function fail(reason: string): EpcDecodeResult {
  return { ok: false, reason };
}

/**
 * Decodes an SGTIN-96 or SGTIN-198 EPC.
 *
 * @param hex the EPC bank contents after the PC word, upper or lower case
 * @returns the URN, GTIN and serial, or a stable reason why it is not a valid SGTIN
 * @example decodeEpcHex('3074257BF7194E4000001A85') // urn:epc:id:sgtin:0614141.812345.6789, GTIN 80614141123458
 */
export function decodeEpcHex(hex: string): EpcDecodeResult {
  if (hex.length < 2 || hex.length % 2 !== 0 || !HEX.test(hex)) return fail('epc-not-hex');
  const header = parseInt(hex.slice(0, 2), 16);
  if (header === SGTIN96_HEADER) {
    if (hex.length !== SGTIN96_HEX_CHARS) return fail('epc-length');
  } else if (header === SGTIN198_HEADER) {
    if (!(SGTIN198_HEX_CHARS as readonly number[]).includes(hex.length)) return fail('epc-length');
  } else if (SGTIN_PLUS_HEADERS.has(header)) {
    return fail('epc-sgtin-plus-unsupported');
  } else {
    return fail(OTHER_SCHEMES[header] === undefined ? 'epc-unknown-header' : `epc-not-sgtin-${OTHER_SCHEMES[header]}`);
  }

  const byte1 = parseInt(hex.slice(2, 4), 16);
  const filter = byte1 >> 5;
  const partition = (byte1 >> 2) & 0b111;
  const digits = PARTITION_DIGITS[partition];
  if (digits === undefined) return fail('epc-partition-invalid'); // partition 7 (§14.4.3)

  let companyPrefix: number;
  let itemRef: number;
  let serial: string;
  if (header === SGTIN96_HEADER) {
    const epc = new tds.Sgtin96(hex);
    companyPrefix = epc.getCompanyPrefix();
    itemRef = epc.getItemReference();
    serial = String(epc.getSerial()); // Integer decoding (§14.4.1): decimal, no leading zeros
  } else {
    const bytes = Buffer.from(hex, 'hex');
    const decoded = decodeSgtin198Serial(bytes);
    if (decoded === undefined) return fail('epc-serial-invalid');
    if (!trailingBitsZero(bytes, SGTIN198_BITS)) return fail('epc-padding-not-zero');
    const epc = new tds.Sgtin198(hex.slice(0, SGTIN198_HEX_CHARS[0]));
    companyPrefix = epc.getCompanyPrefix();
    itemRef = epc.getItemReference();
    serial = decoded;
  }
  // Partition Table decoding (§14.4.3): each value must fit its number of digits.
  if (companyPrefix >= 10 ** digits.companyPrefix) return fail('epc-company-prefix-range');
  if (itemRef >= 10 ** digits.itemRef) return fail('epc-item-reference-range');

  const cp = String(companyPrefix).padStart(digits.companyPrefix, '0');
  const item = String(itemRef).padStart(digits.itemRef, '0');
  return {
    ok: true,
    scheme: header === SGTIN96_HEADER ? 'sgtin-96' : 'sgtin-198',
    urn: `urn:epc:id:sgtin:${cp}.${item}.${escapeEpcUriSerial(serial)}`,
    gtin: gtinOfSgtinParts(cp, item),
    serial,
    filter,
  };
}

/** Reads `count` (<= 8) bits MSB-first starting at bit `offset`. */
function readBits(bytes: Uint8Array, offset: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const bit = offset + i;
    value = (value << 1) | (((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1);
  }
  return value;
}

function trailingBitsZero(bytes: Uint8Array, fromBit: number): boolean {
  for (let bit = fromBit; bit < bytes.length * 8; bit++) {
    if (readBits(bytes, bit, 1) !== 0) return false;
  }
  return true;
}

/**
 * TDS String decoding method (§14.4.2) for the SGTIN-198 serial: 7-bit characters up to the first all-zero
 * segment; all later segments zero; every character in Annex A Table A-1; at least one character.
 *
 * @param bytes the whole EPC (at least 198 bits)
 * @returns the unescaped serial, or undefined if the bits are not a valid serial
 */
export function decodeSgtin198Serial(bytes: Uint8Array): string | undefined {
  let serial = '';
  let ended = false;
  for (let i = 0; i < SGTIN198_SERIAL_CHARS; i++) {
    const code = readBits(bytes, SGTIN198_SERIAL_OFFSET_BITS + i * SERIAL_CHAR_BITS, SERIAL_CHAR_BITS);
    if (ended) {
      if (code !== 0) return undefined;
    } else if (code === 0) {
      ended = true;
    } else {
      serial += String.fromCharCode(code);
    }
  }
  return isValidSerial(serial) ? serial : undefined;
}
