/**
 * The one place where ledger values become bytes and bytes become values. The text is @hainan/ledger-model's
 * canonical JSON (encodeCanonicalJson), the encoder the gateway reproduces the chaincode's bytes with.
 *
 * Every endorsing peer must produce byte-identical write sets, event payloads and results for the same
 * proposal, or the endorsements will not match. JSON.stringify keeps insertion order, so two code paths that
 * build the same object in a different order would write different bytes. This codec writes JSON with the keys
 * of every object sorted, and refuses values that have no single exact JSON form: floats (money is integer fen),
 * NaN, Infinity, unsafe integers, bigint, undefined inside arrays, functions, symbols, and class instances such
 * as Date or Buffer (store an ISO string or hex instead). Those are programmer errors, so they fail an assertion.
 *
 * Keys are sorted by UTF-16 code unit (the default `Array.prototype.sort` order), which is the same on every
 * endorser because every endorser runs this file.
 */
import { AssertionError } from 'node:assert';
import { CANONICAL_JSON_MAX_DEPTH, encodeCanonicalJson } from '@hainan/ledger-model';

/** How deeply objects may nest before we assume a cycle or a runaway structure. */
export const MAX_DEPTH = CANONICAL_JSON_MAX_DEPTH;

/** A value the codec can encode: JSON without floats. */
export type LedgerValue =
  | null
  | boolean
  | number
  | string
  | readonly LedgerValue[]
  | { readonly [key: string]: LedgerValue | undefined };

// fatal: refuse malformed UTF-8 instead of silently inserting U+FFFD, which would hide corruption.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function fail(path: string, message: string): never {
  throw new AssertionError({ message: `ledger-codec: ${path}: ${message}` });
}

/**
 * Encodes a value as canonical JSON text (sorted keys, integers only).
 *
 * @param value plain data: objects, arrays, strings, safe integers, booleans, null
 * @returns the canonical JSON text
 * @throws AssertionError if the value contains something with no single exact JSON form
 */
export function encodeToString(value: unknown): string {
  return encodeCanonicalJson(value);
}

/**
 * Encodes a value as canonical JSON in UTF-8 bytes, ready for putState, setEvent or a transaction result.
 *
 * @param value plain data: objects, arrays, strings, safe integers, booleans, null
 * @returns UTF-8 bytes of the canonical JSON text
 * @throws AssertionError if the value contains something with no single exact JSON form
 */
export function encode(value: unknown): Uint8Array {
  // Buffer.from takes a value of under 4 KiB (an item record) out of Node's shared 8 KiB pool; TextEncoder gives
  // every value its own ArrayBuffer, which the garbage collector then tracks and sweeps one by one. Same bytes.
  return Buffer.from(encodeToString(value), 'utf8');
}

/**
 * Decodes bytes written by {@link encode}.
 *
 * The caller states the type; the codec does not validate the shape (the chaincode wrote these bytes itself).
 * An empty input is refused: `getState` returns empty bytes for a missing key, and the caller must check for
 * that before decoding rather than have "missing" turn into a parse error.
 *
 * @param bytes UTF-8 JSON bytes
 * @returns the parsed value
 * @throws AssertionError on empty input, malformed UTF-8 or malformed JSON
 */
export function decode<T>(bytes: Uint8Array): T {
  if (bytes.length === 0) {
    fail('$', 'cannot decode empty bytes (missing key? check length first)');
  }
  let text: string;
  try {
    text = utf8Decoder.decode(bytes);
  } catch {
    return fail('$', 'bytes are not valid UTF-8');
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    return fail('$', `bytes are not JSON: ${(error as Error).message}`);
  }
}
