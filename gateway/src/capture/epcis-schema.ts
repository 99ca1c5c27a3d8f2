/**
 * Validation of capture documents against the GS1 EPCIS 2.0 JSON schema (the standard's own file, shipped in
 * gateway/schemas/epcis/), with ajv.
 *
 * Deliberate leniency, as production EPCIS repositories have it: the schema's `uri` format is checked as "an
 * RFC 3986 scheme followed by `:` and visible characters" or a JSON-LD blank node id (`_:name`). ajv-formats'
 * strict `uri` refuses blank nodes, which the standard's own examples use for document and event ids, and refuses
 * nothing a repository could act on that our own checks (EPCs, locations) do not refuse more precisely later.
 * And JSON-LD node ids (`id`) on events and sensor elements and the `type` of sensor elements are accepted (the
 * EPCIS context maps them to `@id` / `@type`; the schema's member-name lists omit them, the standard's examples use
 * them). Nothing else is relaxed: documents with a numeric `schemaVersion`, without `creationDate`, or with
 * a single object where the schema wants a list are refused (some of the standard's examples are, and the tests
 * name them).
 *
 * Bounded work (the document is untrusted and may be 16 MiB): ajv's `uniqueItems` compares every pair of members
 * when they may be objects or `$ref`s (`@context`, `epcList`: a 100,001-string `@context` took a minute), so the
 * schema's `uniqueItems` is replaced by an equivalent check that hashes each member's canonical JSON once. And ajv
 * with `allErrors` concatenates the error list of every failing `$ref` into the caller's (40,000 bad
 * `bizTransactionList` entries took 22 s), so a document is first validated stopping at the first error, and the
 * full list (capped) is collected only when the document is small enough for that to be cheap.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { canonicalJson } from '../projection/canonical-json';

/** Where the standard's schema lives, relative to this module (src/ and dist/ sit side by side). */
const SCHEMA_PATH = join(__dirname, '..', '..', 'schemas', 'epcis', 'EPCIS-JSON-Schema.json');

/** At most this many schema errors are reported for one document (ajv stops collecting after the first per path). */
export const MAX_SCHEMA_ERRORS = 50;

const URI_OR_BLANK_NODE = /^(?:[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e\u00a0-\uffff]+|_:[\x21-\x7e]+)$/;

/** One schema violation: where (a JSON pointer) and what. */
export interface SchemaViolation {
  readonly pointer: string;
  readonly message: string;
}

/**
 * Documents of at most this many values get every schema error listed (capped at {@link MAX_SCHEMA_ERRORS});
 * larger ones get the first. Collecting all errors of a document this size takes a few milliseconds at worst.
 */
export const FULL_REPORT_VALUES_MAX = 10_000;

/** Stops at the first error: what every document is validated with. */
let firstError: ValidateFunction | undefined;
/** Collects all errors: only for documents of at most {@link FULL_REPORT_VALUES_MAX} values. */
let allErrors: ValidateFunction | undefined;

/** The keyword that stands in for the schema's `uniqueItems: true`. */
const LINEAR_UNIQUE_ITEMS = 'linearUniqueItems';

/** A key equal for two members exactly when ajv's deep equality says they are equal (JSON values). */
function memberKey(value: unknown): string {
  // Members are parsed JSON and may hold any number (sensor values): keys, not ledger values, so not integers only.
  return typeof value === 'string' ? `s${value}` : `j${canonicalJson(value, { integersOnly: false })}`;
}

/** An ajv `validate` keyword: (keyword value, data) → valid; its errors in `errors`. */
type KeywordCheck = ((schema: unknown, data: unknown) => boolean) & { errors?: Partial<ErrorObject>[] };

/** `uniqueItems` in linear time: one canonical key per member, in a Map. */
const linearUniqueItems: KeywordCheck = (schema: unknown, data: unknown): boolean => {
  if (schema !== true || !Array.isArray(data)) return true;
  const seen = new Map<string, number>();
  for (let j = 0; j < data.length; j++) {
    const key = memberKey(data[j]);
    const i = seen.get(key);
    if (i !== undefined) {
      linearUniqueItems.errors = [
        {
          keyword: 'uniqueItems',
          message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
          params: { i, j },
        },
      ];
      return false;
    }
    seen.set(key, j);
  }
  return true;
};

/**
 * The schema with every `uniqueItems: true` replaced by {@link LINEAR_UNIQUE_ITEMS}. Walks the schema with its own
 * stack (it is the standard's file, but the walk costs nothing to make safe).
 */
function withLinearUniqueItems(schema: unknown): unknown {
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (!Array.isArray(node)) {
      const record = node as Record<string, unknown>;
      if (record.uniqueItems === true) {
        delete record.uniqueItems;
        record[LINEAR_UNIQUE_ITEMS] = true;
      }
    }
    for (const child of Object.values(node)) stack.push(child);
  }
  return schema;
}

/**
 * Compile the standard's schema.
 *
 * @param uri - `lenient` (what capture uses) or `strict` (ajv-formats' RFC 3986 check, for comparison in tests).
 * @param collect - `all` errors, or stop at the `first`.
 */
export function compileEpcisSchema(
  uri: 'lenient' | 'strict' = 'lenient',
  collect: 'all' | 'first' = 'all',
): ValidateFunction {
  const ajv = new Ajv({ allErrors: collect === 'all', strict: false, validateFormats: true });
  addFormats(ajv, uri === 'strict' ? ['date-time', 'uri'] : ['date-time']);
  if (uri === 'lenient')
    ajv.addFormat('uri', { type: 'string', validate: (value: string) => URI_OR_BLANK_NODE.test(value) });
  ajv.addKeyword({
    keyword: LINEAR_UNIQUE_ITEMS,
    type: 'array',
    schemaType: 'boolean',
    errors: true,
    validate: linearUniqueItems,
  });
  const schema = withLinearUniqueItems(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as unknown);
  return ajv.compile(schema as object);
}

/** Whether `value` holds at most `max` values (arrays, objects and scalars), counted without recursion. */
function valuesAtMost(value: unknown, max: number): boolean {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0) {
    const node = stack.pop();
    count += 1;
    if (count > max) return false;
    if (typeof node === 'object' && node !== null) {
      for (const child of Object.values(node)) stack.push(child);
    }
  }
  return true;
}

type Json = Record<string, unknown>;

/**
 * A view of the document without the JSON-LD node ids (`id`) of events and sensor elements and without the `type` of
 * sensor elements, which the schema's member-name lists omit but the EPCIS context defines (`id` → `@id`,
 * `type` → `@type`). Copies only what it changes; the document itself is not modified.
 */
function withoutJsonLdAliases(document: unknown): unknown {
  const doc = document as Json;
  const body = doc?.epcisBody as Json | undefined;
  if (
    typeof doc !== 'object' ||
    doc === null ||
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray(body.eventList)
  )
    return document;
  const eventList = (body.eventList as unknown[]).map((event) => {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return event;
    const { id: _id, ...rest } = event as Json;
    if (Array.isArray(rest.sensorElementList)) {
      rest.sensorElementList = rest.sensorElementList.map((element: unknown) => {
        if (typeof element !== 'object' || element === null || Array.isArray(element)) return element;
        const { id: _eid, type: _type, ...kept } = element as Json;
        return kept;
      });
    }
    return rest;
  });
  return { ...doc, epcisBody: { ...body, eventList } };
}

function describe(error: ErrorObject): SchemaViolation {
  const pointer = error.instancePath || '/';
  const detail = error.params && Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : '';
  return { pointer, message: `${error.message ?? 'is invalid'}${detail}` };
}

/**
 * Compile the capture validator now instead of at the first capture (a few hundred milliseconds of CPU for the
 * standard's schema): the server calls it before it listens, so the first capture does not pay for it. Tests that
 * never capture skip it.
 */
export function prepareEpcisSchema(): ValidateFunction {
  firstError ??= compileEpcisSchema('lenient', 'first');
  return firstError;
}

/**
 * Check a document against the EPCIS 2.0 schema.
 *
 * @param document - Parsed JSON / JSON-LD.
 * @returns The violations (at most {@link MAX_SCHEMA_ERRORS}); empty when the document is valid.
 */
export function epcisSchemaViolations(document: unknown): SchemaViolation[] {
  const first = prepareEpcisSchema();
  const view = withoutJsonLdAliases(document);
  if (first(view)) return [];
  let errors = first.errors ?? [];
  if (valuesAtMost(view, FULL_REPORT_VALUES_MAX)) {
    allErrors ??= compileEpcisSchema('lenient', 'all');
    allErrors(view);
    errors = allErrors.errors ?? errors;
  }
  // The schema's if/then branches repeat the underlying failure as "must match then schema": drop that noise.
  const useful = errors.filter((e) => e.keyword !== 'if');
  return (useful.length > 0 ? useful : errors).slice(0, MAX_SCHEMA_ERRORS).map(describe);
}
