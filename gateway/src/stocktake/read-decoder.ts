/**
 * Turns the reads a counter uploads (EPC hex of SGTIN-96/198 tags, SGTIN URNs, GS1 element strings, GS1 Digital
 * Links, Hainan 16-digit codes) into item identities, using the scanner agent's decoders (@hainan/epc-decoders) so that the agent and the
 * gateway agree on every form. Pure apart from the decoders' memo.
 *
 * A tag (or URN) names its SGTIN directly. A barcode carries GTIN + serial but not the length of the GS1 Company
 * Prefix, so it cannot be turned into an SGTIN URN on its own (TDS §7.1): it yields the SGTIN URN candidates for
 * every prefix length (6..12), and the book says which one exists. A 16-digit code is looked up in the book too.
 */
import { decodeTextRead, digitalLinkOf, EpcReadDecoder, escapeEpcUriSerial } from '@hainan/epc-decoders';

/** Prefix of an SGTIN pure-identity URN. */
const SGTIN_URN_PREFIX = 'urn:epc:id:sgtin:';
/** GS1 Company Prefix lengths an SGTIN may use (TDS Table 14-2, partitions 0..6). */
const COMPANY_PREFIX_DIGITS_MIN = 6;
const COMPANY_PREFIX_DIGITS_MAX = 12;
/** The dedup key the agent's decoders give a barcode: `01{GTIN-14}21{serial}`. */
const ITEM_KEY = /^01(\d{14})21(.{1,20})$/;
const HAINAN_CODE = /^\d{16}$/;

/** What one read names. */
export type DecodedRead =
  /** An SGTIN, known from the read itself (RFID tag, SGTIN URN). */
  | { readonly kind: 'sgtin'; readonly sgtin: string }
  /** GTIN + serial from a barcode: resolve `candidates` against the book; `fallback` names it if none exists. */
  | { readonly kind: 'gtin-serial'; readonly candidates: readonly string[]; readonly fallback: string }
  /** A Hainan 16-digit traceability code: resolve against the book; the code names it if unknown. */
  | { readonly kind: 'trace-code'; readonly code: string }
  /** Not an item; `reason` is the decoder's stable kebab-case reason. */
  | { readonly kind: 'undecodable'; readonly reason: string };

/**
 * The SGTIN URNs a GTIN-14 + serial may have, one per company prefix length (TDS §7.1: the indicator digit moves
 * to the front of the item reference; the check digit is dropped).
 *
 * @param gtin14 - The GTIN-14.
 * @param serial - The unescaped serial.
 * @returns Seven candidate URNs.
 */
export function sgtinCandidates(gtin14: string, serial: string): string[] {
  const indicator = gtin14.slice(0, 1);
  const body = gtin14.slice(1, 13);
  const uriSerial = escapeEpcUriSerial(serial);
  const out: string[] = [];
  for (let digits = COMPANY_PREFIX_DIGITS_MIN; digits <= COMPANY_PREFIX_DIGITS_MAX; digits++) {
    out.push(`${SGTIN_URN_PREFIX}${body.slice(0, digits)}.${indicator}${body.slice(digits)}.${uriSerial}`);
  }
  return out;
}

/** Decodes reads; one instance per request (its EPC memo is bounded by the scanner agent's limit). */
export interface ReadDecoder {
  /**
   * @param read - One read as uploaded.
   * @returns What it names.
   */
  decode(read: string): DecodedRead;
}

/**
 * Create a decoder.
 *
 * @returns The decoder.
 */
export function newReadDecoder(): ReadDecoder {
  const epc = new EpcReadDecoder({ repeats: false }); // every read must say what it names
  return {
    decode(read) {
      const result = decodeTextRead(read, epc);
      if (result.kind === 'undecodable') {
        return { kind: 'undecodable', reason: result.reason };
      }
      if (result.kind === 'repeat') {
        throw new Error('unreachable: the decoder is built without repeats');
      }
      if (result.upload.startsWith(SGTIN_URN_PREFIX)) {
        return { kind: 'sgtin', sgtin: result.upload };
      }
      if (HAINAN_CODE.test(result.upload)) {
        return { kind: 'trace-code', code: result.upload };
      }
      const key = ITEM_KEY.exec(result.key);
      if (key) {
        const [, gtin = '', serial = ''] = key;
        return {
          kind: 'gtin-serial',
          candidates: sgtinCandidates(gtin, serial),
          fallback: digitalLinkOf(gtin, serial),
        };
      }
      return { kind: 'undecodable', reason: 'unrecognised' }; // a form the agent's decoders added later
    },
  };
}
