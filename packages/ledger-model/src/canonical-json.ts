/**
 * Canonical JSON: the one place where ledger values become text, for the chaincode (write sets, events, results)
 * and for every client that must reproduce the chaincode's bytes (the gateway's projection hashes payloads with it).
 *
 * Every endorsing peer must produce byte-identical write sets, event payloads and results for the same
 * proposal, or the endorsements will not match. JSON.stringify keeps insertion order, so two code paths that
 * build the same object in a different order would write different bytes. This encoder writes JSON with the keys
 * of every object sorted, and refuses values that have no single exact JSON form: floats (money is integer fen),
 * NaN, Infinity, unsafe integers, bigint, undefined inside arrays, functions, symbols, and class instances such
 * as Date or Buffer (store an ISO string or hex instead). Those are programmer errors, so they fail an assertion.
 *
 * Keys are sorted by UTF-16 code unit (the default `Array.prototype.sort` order), which is the same on every
 * endorser because every endorser runs this file.
 *
 * The encoder keeps its own stack instead of recursing, so hostile input (a client's deeply nested JSON) is refused
 * at {@link CANONICAL_JSON_MAX_DEPTH} with a {@link NestingTooDeepError}, never with a JavaScript stack overflow.
 */
import { AssertionError } from 'node:assert';

/** How deeply values may nest before we assume a cycle or a runaway structure. */
export const CANONICAL_JSON_MAX_DEPTH = 64;

/** Refusal of a value nested deeper than {@link CANONICAL_JSON_MAX_DEPTH} (a cycle, or hostile input). */
export class NestingTooDeepError extends AssertionError {
  readonly maxDepth = CANONICAL_JSON_MAX_DEPTH;
}

/** Options of {@link encodeCanonicalJson}. */
export interface CanonicalJsonOptions {
  /**
   * Whether numbers must be safe integers (the default, and the ledger's rule). `false` writes any number as
   * `String(n)`, for keys of JSON values that were parsed from text (not for anything the ledger stores or hashes).
   */
  readonly integersOnly?: boolean;
}

/** A key or an index from the root. */
type Segment = string | number;

/** An array or object being written. */
interface Frame {
  /** Its key or index in its parent; undefined at the root. */
  readonly segment: Segment | undefined;
  readonly array: readonly unknown[] | undefined;
  readonly record: Readonly<Record<string, unknown>> | undefined;
  /** The record's keys, sorted. */
  readonly keys: readonly string[];
  /** Next member to write. */
  next: number;
  /** Whether a member was written (a comma precedes the next one). */
  written: boolean;
}

function pathText(stack: readonly Frame[], last: Segment | undefined): string {
  let out = '$';
  const segment = (s: Segment | undefined): string =>
    s === undefined ? '' : typeof s === 'number' ? `[${s}]` : `.${s}`;
  for (const frame of stack) out += segment(frame.segment);
  return out + segment(last);
}

function fail(path: string, message: string): never {
  throw new AssertionError({ message: `ledger-codec: ${path}: ${message}` });
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Encodes a value as canonical JSON text (sorted keys, no whitespace, integers only).
 *
 * @param value plain data: objects, arrays, strings, safe integers, booleans, null
 * @param options see {@link CanonicalJsonOptions}
 * @returns the canonical JSON text
 * @throws NestingTooDeepError past {@link CANONICAL_JSON_MAX_DEPTH} levels
 * @throws AssertionError if the value contains something else with no single exact JSON form
 */
export function encodeCanonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const integersOnly = options.integersOnly ?? true;
  const stack: Frame[] = [];
  let out = '';
  let current: unknown = value;
  let segment: Segment | undefined;
  for (;;) {
    // Write `current` (a scalar whole, a container's opening), found at `stack` + `segment`.
    if (stack.length > CANONICAL_JSON_MAX_DEPTH) {
      throw new NestingTooDeepError({
        message: `ledger-codec: ${pathText(stack, segment)}: nesting deeper than ${CANONICAL_JSON_MAX_DEPTH} levels (cycle?)`,
      });
    }
    switch (typeof current) {
      case 'string':
        out += JSON.stringify(current);
        break;
      case 'boolean':
        out += current ? 'true' : 'false';
        break;
      case 'number':
        if (integersOnly && !Number.isSafeInteger(current)) {
          fail(
            pathText(stack, segment),
            `${String(current)} is not a safe integer (amounts are integer fen; no floats, NaN or Infinity)`,
          );
        }
        // String(-0) is "0", so -0 and 0 encode alike.
        out += String(current);
        break;
      case 'object':
        if (current === null) {
          out += 'null';
        } else if (Array.isArray(current)) {
          out += '[';
          stack.push({ segment, array: current, record: undefined, keys: [], next: 0, written: false });
        } else {
          if (!isPlainObject(current)) {
            const name = (current as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
            fail(pathText(stack, segment), `${name} is not a plain object; convert it to plain data first`);
          }
          const record = current as Record<string, unknown>;
          out += '{';
          stack.push({ segment, array: undefined, record, keys: Object.keys(record).sort(), next: 0, written: false });
        }
        break;
      default:
        // undefined, bigint, function, symbol
        fail(pathText(stack, segment), `${typeof current} has no JSON form`);
    }
    // Find the next member to write, closing the containers that are done.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (frame === undefined) {
        return out;
      }
      if (frame.array !== undefined) {
        if (frame.next < frame.array.length) {
          const index = frame.next++;
          current = frame.array[index];
          segment = index;
          if (current === undefined) {
            fail(pathText(stack, segment), 'undefined inside an array has no JSON form');
          }
          if (index > 0) {
            out += ',';
          }
          break;
        }
        out += ']';
        stack.pop();
        continue;
      }
      const record = frame.record as Readonly<Record<string, unknown>>;
      let found = false;
      while (frame.next < frame.keys.length) {
        const key = frame.keys[frame.next++] as string;
        const child = record[key];
        // An absent optional field: skip it, as JSON.stringify would, so {a: undefined} equals {}.
        if (child === undefined) {
          continue;
        }
        out += `${frame.written ? ',' : ''}${JSON.stringify(key)}:`;
        frame.written = true;
        current = child;
        segment = key;
        found = true;
        break;
      }
      if (found) {
        break;
      }
      out += '}';
      stack.pop();
    }
  }
}
