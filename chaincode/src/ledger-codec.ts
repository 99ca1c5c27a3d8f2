/**
 * The one place where ledger values become bytes and bytes become values.
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

/** How deeply objects may nest before we assume a cycle or a runaway structure. */
export const MAX_DEPTH = 64;

/** A value the codec can encode: JSON without floats. */
export type LedgerValue =
  | null
  | boolean
  | number
  | string
  | readonly LedgerValue[]
  | { readonly [key: string]: LedgerValue | undefined };

const utf8Encoder = new TextEncoder();
// fatal: refuse malformed UTF-8 instead of silently inserting U+FFFD, which would hide corruption.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function fail(path: string, message: string): never {
  throw new AssertionError({ message: `ledger-codec: ${path}: ${message}` });
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Where the encoder is: object keys and array indexes from the root. Kept as a stack of raw segments, not a
 * string per node, because values are encoded on every ledger write and event (thousands of item records per
 * transaction) and the path is only needed for an error message. Its length is the nesting depth.
 */
type Path = (string | number)[];

function pathText(path: Path): string {
  return `$${path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}`;
}

function write(value: unknown, path: Path): string {
  if (path.length > MAX_DEPTH) {
    fail(pathText(path), `nesting deeper than ${MAX_DEPTH} levels (cycle?)`);
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        fail(pathText(path), `${String(value)} is not a safe integer (amounts are integer fen; no floats, NaN or Infinity)`);
      }
      // String(-0) is "0", so -0 and 0 encode alike.
      return String(value);
    case 'object': {
      if (value === null) {
        return 'null';
      }
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index++) {
          const element: unknown = value[index];
          path.push(index);
          if (element === undefined) {
            fail(pathText(path), 'undefined inside an array has no JSON form');
          }
          out += (index === 0 ? '' : ',') + write(element, path);
          path.pop();
        }
        return `${out}]`;
      }
      if (!isPlainObject(value)) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
        fail(pathText(path), `${name} is not a plain object; convert it to plain data first`);
      }
      const record = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of Object.keys(record).sort()) {
        const child = record[key];
        // An absent optional field: skip it, as JSON.stringify would, so {a: undefined} equals {}.
        if (child === undefined) {
          continue;
        }
        path.push(key);
        out += `${first ? '' : ','}${JSON.stringify(key)}:${write(child, path)}`;
        path.pop();
        first = false;
      }
      return `${out}}`;
    }
    default:
      // undefined, bigint, function, symbol
      return fail(pathText(path), `${typeof value} has no JSON form`);
  }
}

/**
 * Encodes a value as canonical JSON text (sorted keys, integers only).
 *
 * @param value plain data: objects, arrays, strings, safe integers, booleans, null
 * @returns the canonical JSON text
 * @throws AssertionError if the value contains something with no single exact JSON form
 */
export function encodeToString(value: unknown): string {
  return write(value, []);
}

/**
 * Encodes a value as canonical JSON in UTF-8 bytes, ready for putState, setEvent or a transaction result.
 *
 * @param value plain data: objects, arrays, strings, safe integers, booleans, null
 * @returns UTF-8 bytes of the canonical JSON text
 * @throws AssertionError if the value contains something with no single exact JSON form
 */
export function encode(value: unknown): Uint8Array {
  return utf8Encoder.encode(encodeToString(value));
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
