/**
 * Field readers for transaction requests: each transaction takes one JSON object, and these helpers read its fields
 * with types and bounds, refusing anything else with INVALID_ARGUMENT naming the field. The chaincode reads its
 * requests with them and the gateway checks what it will submit with the same functions, so both refuse the same
 * values with the same words.
 */
import { newInvalidArgument } from './errors';
import { parseSgtin } from './gs1';
import { TRACE_CODE } from './patterns';

/** A parsed request object. */
export type Fields = Record<string, unknown>;

/** Parses the single JSON argument of a transaction. */
export function parseRequest(json: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw newInvalidArgument('the request must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw newInvalidArgument('the request must be a JSON object');
  return value as Fields;
}

/** Reads a required string field (optionally matching a pattern, at most maxLength characters). */
export function str(f: Fields, name: string, opts: { pattern?: RegExp; maxLength?: number } = {}): string {
  const v = f[name];
  if (typeof v !== 'string' || v.length === 0) throw newInvalidArgument(`${name} must be a non-empty string`);
  if (v.length > (opts.maxLength ?? 256))
    throw newInvalidArgument(`${name} is longer than ${opts.maxLength ?? 256} characters`);
  if (opts.pattern && !opts.pattern.test(v)) throw newInvalidArgument(`${name} is malformed: ${JSON.stringify(v)}`);
  return v;
}

/** Reads an optional string field. */
export function optStr(
  f: Fields,
  name: string,
  opts: { pattern?: RegExp; maxLength?: number } = {},
): string | undefined {
  return f[name] === undefined || f[name] === null ? undefined : str(f, name, opts);
}

/** Reads a required safe integer in [min, max]. */
export function int(f: Fields, name: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  const v = f[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw newInvalidArgument(`${name} must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** Reads an optional integer. */
export function optInt(f: Fields, name: string, min: number, max?: number): number | undefined {
  return f[name] === undefined || f[name] === null ? undefined : int(f, name, min, max);
}

/** Reads a required boolean (absent -> fallback when given). */
export function bool(f: Fields, name: string, fallback?: boolean): boolean {
  const v = f[name];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'boolean') throw newInvalidArgument(`${name} must be true or false`);
  return v;
}

/** Reads one of a fixed set of strings. */
export function oneOf<T extends string>(f: Fields, name: string, allowed: readonly T[]): T {
  const v = f[name];
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw newInvalidArgument(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** Reads an array with 1..maxItems entries, mapping each through `item`. */
export function list<T>(
  f: Fields,
  name: string,
  maxItems: number,
  item: (v: unknown, index: number) => T,
  minItems = 1,
): T[] {
  const v = f[name];
  if (!Array.isArray(v)) throw newInvalidArgument(`${name} must be an array`);
  if (v.length < minItems)
    throw newInvalidArgument(`${name} must have at least ${minItems} entr${minItems === 1 ? 'y' : 'ies'}`);
  if (v.length > maxItems)
    throw newInvalidArgument(`${name} has ${v.length} entries; at most ${maxItems} per transaction`);
  return v.map(item);
}

/** Reads a nested object. */
export function obj(f: Fields, name: string): Fields {
  const v = f[name];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw newInvalidArgument(`${name} must be an object`);
  return v as Fields;
}

/** Reads an optional nested object. */
export function optObj(f: Fields, name: string): Fields | undefined {
  return f[name] === undefined || f[name] === null ? undefined : obj(f, name);
}

/** Refuses duplicates in a list of identifiers. */
export function unique(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw newInvalidArgument(`${what} ${v} appears twice in the request`);
    seen.add(v);
  }
}

/** Reads one entry of an `items` list: an SGTIN URN or a 16-digit traceability code. */
export function itemIdOf(v: unknown, i: number): string {
  if (typeof v !== 'string' || (!parseSgtin(v) && !TRACE_CODE.test(v))) {
    throw newInvalidArgument(
      `items[${i}] must be an SGTIN URN or a 16-digit traceability code, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}
