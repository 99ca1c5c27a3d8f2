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
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

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

let validator: ValidateFunction | undefined;

/**
 * Compile the standard's schema.
 *
 * @param uri - `lenient` (what capture uses) or `strict` (ajv-formats' RFC 3986 check, for comparison in tests).
 */
export function compileEpcisSchema(uri: 'lenient' | 'strict' = 'lenient'): ValidateFunction {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(ajv, uri === 'strict' ? ['date-time', 'uri'] : ['date-time']);
    if (uri === 'lenient') ajv.addFormat('uri', { type: 'string', validate: (value: string) => URI_OR_BLANK_NODE.test(value) });
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as unknown;
    return ajv.compile(schema as object);
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
    if (typeof doc !== 'object' || doc === null || typeof body !== 'object' || body === null || !Array.isArray(body.eventList)) return document;
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
 * Check a document against the EPCIS 2.0 schema.
 *
 * @param document - Parsed JSON / JSON-LD.
 * @returns The violations (at most {@link MAX_SCHEMA_ERRORS}); empty when the document is valid.
 */
export function epcisSchemaViolations(document: unknown): SchemaViolation[] {
    validator ??= compileEpcisSchema();
    if (validator(withoutJsonLdAliases(document))) return [];
    const errors = validator.errors ?? [];
    // The schema's if/then branches repeat the underlying failure as "must match then schema": drop that noise.
    const useful = errors.filter((e) => e.keyword !== 'if');
    return (useful.length > 0 ? useful : errors).slice(0, MAX_SCHEMA_ERRORS).map(describe);
}
