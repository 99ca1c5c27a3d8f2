/**
 * The EPCIS 2.0 query language (EPCIS 2.0 §8.2.7, the REST binding's query parameters and query-schema.json) as the
 * gateway understands it: one parser for both forms a query arrives in (URL query parameters, pipe-delimited, and
 * the JSON `query` object of a named query), bounded, turned into a list of conditions the projection adapter
 * translates to SQL. A parameter the standard defines but this repository cannot answer, or one it does not define,
 * is refused (`EPCIS_QUERY_PARAMETER`, the binding's `QueryParameterException`) rather than ignored: a filter that
 * is silently dropped returns events the caller did not ask for. Pure: the routes turn {@link EpcisQueryError} into
 * the problem.
 */

/** Most values in one list parameter. */
export const MAX_LIST_VALUES = 100;
/** Most query parameters in one query. */
export const MAX_QUERY_PARAMETERS = 40;
/** Longest value (one URI, one time), in characters. */
export const MAX_VALUE_LENGTH = 2_000;

/** Event fields compared for equality with one of a list of values. */
export type EqualityField =
  | 'type'
  | 'action'
  | 'bizStep'
  | 'disposition'
  | 'readPoint'
  | 'bizLocation'
  | 'transformationID'
  | 'eventID'
  | 'errorReason';

/** EPC fields of MATCH_ parameters (`epc`: epcList and childEPCs; `anyEPC`: every EPC field and parentID). */
export type EpcField = 'epc' | 'parentID' | 'inputEPC' | 'outputEPC' | 'anyEPC';

/** Typed lists of an event (`EQ_bizTransaction_po`, `EQ_source_owning_party`, ...). */
export type TypedList = 'bizTransactionList' | 'sourceList' | 'destinationList';

/** One condition of a query; an event matches a query when it matches every condition. */
export type EpcisCondition =
  | { readonly kind: 'equals'; readonly field: EqualityField; readonly values: readonly string[] }
  | {
      readonly kind: 'time';
      readonly field: 'eventTime' | 'recordTime';
      readonly op: 'GE' | 'LT';
      readonly value: string;
    }
  | {
      readonly kind: 'match';
      readonly field: EpcField;
      /** Whole EPC URIs. */
      readonly exact: readonly string[];
      /** EPC URI prefixes from `urn:epc:idpat:` patterns (`urn:epc:idpat:sgtin:0614141.*.*` -> `urn:epc:id:sgtin:0614141.`). */
      readonly prefixes: readonly string[];
    }
  | { readonly kind: 'typed'; readonly list: TypedList; readonly type: string; readonly values: readonly string[] }
  | { readonly kind: 'exists'; readonly field: 'errorDeclaration' };

/** Result ordering: `chain` is the order the ledger recorded the events in (their record order). */
export interface EpcisOrder {
  readonly by: 'chain' | 'eventTime';
  readonly direction: 'ASC' | 'DESC';
}

/** A parsed query. */
export interface EpcisQuery {
  readonly conditions: readonly EpcisCondition[];
  readonly order: EpcisOrder;
  /** At most this many events in all pages together (`eventCountLimit`). */
  readonly eventCountLimit?: number;
  /** Refuse the query (`QueryTooLargeException`) when more events match (`maxEventCount`). */
  readonly maxEventCount?: number;
}

const ACTIONS = new Set(['ADD', 'OBSERVE', 'DELETE']);

/** CBV 2.0 bare-word vocabularies are stored bare; their Web URI and URN forms name the same value. */
const VOCABULARY_PREFIXES: Readonly<Record<'bizStep' | 'disposition' | 'errorReason', readonly string[]>> = {
  bizStep: ['https://ref.gs1.org/cbv/BizStep-', 'urn:epcglobal:cbv:bizstep:'],
  disposition: ['https://ref.gs1.org/cbv/Disp-', 'urn:epcglobal:cbv:disp:'],
  errorReason: ['https://ref.gs1.org/cbv/ER-', 'urn:epcglobal:cbv:er:'],
};

/** Parameters whose values are lists compared for equality, by name. */
const EQUALITY_PARAMETERS: Readonly<Record<string, EqualityField>> = {
  eventType: 'type',
  EQ_action: 'action',
  EQ_bizStep: 'bizStep',
  EQ_disposition: 'disposition',
  EQ_readPoint: 'readPoint',
  // Without master data no location has descendants: WD_ (with descendants) is EQ_ (EPCIS 2.0 §8.2.7.1).
  WD_readPoint: 'readPoint',
  EQ_bizLocation: 'bizLocation',
  WD_bizLocation: 'bizLocation',
  EQ_transformationID: 'transformationID',
  EQ_eventID: 'eventID',
  EQ_errorReason: 'errorReason',
};

const MATCH_PARAMETERS: Readonly<Record<string, EpcField>> = {
  MATCH_epc: 'epc',
  MATCH_parentID: 'parentID',
  MATCH_inputEPC: 'inputEPC',
  MATCH_outputEPC: 'outputEPC',
  MATCH_anyEPC: 'anyEPC',
};

const TIME_PARAMETERS: Readonly<Record<string, { field: 'eventTime' | 'recordTime'; op: 'GE' | 'LT' }>> = {
  GE_eventTime: { field: 'eventTime', op: 'GE' },
  LT_eventTime: { field: 'eventTime', op: 'LT' },
  GE_recordTime: { field: 'recordTime', op: 'GE' },
  LT_recordTime: { field: 'recordTime', op: 'LT' },
};

/** `EQ_bizTransaction_<type>` and its kin: the type is part of the name (query-schema.json patternProperties). */
const TYPED_PARAMETER = /^EQ_(bizTransaction|source|destination)_([a-z][a-zA-Z0-9_]+)$/;

/** Standard parameters this repository does not answer (quantities, classes, sensors, persistent dispositions). */
const UNSUPPORTED_STANDARD =
  /^(EQ_persistentDisposition_(set|unset)|MATCH_(epcClass|inputEPCClass|outputEPCClass|anyEPCClass)|(EQ|GT|GE|LT|LE)_quantity|(GE|LT)_errorDeclaration_?Time|EQ_correctiveEventID|EXISTS_sensorElementList|(GE|LT)_(time|startTime|endTime)|EQ_(type|deviceID|dataProcessingMethod|microorganism|chemicalSubstance|bizRules|stringValue|booleanValue|hexBinaryValue|uriValue)|(GE|LT|GT|LE)_percRank|(EQ|GT|GE|LT|LE|EXISTS|HASATTR|EQ_ATTR)_.*)$/;

/** A query parameter refused: unknown, unsupported, malformed, out of bounds or contradicting another. */
export class EpcisQueryError extends Error {
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'EpcisQueryError';
  }
}

function refuse(detail: string): never {
  throw new EpcisQueryError(detail);
}

function text(name: string, value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.length === 0) refuse(`${name} must be a non-empty string`);
  if (value.length > MAX_VALUE_LENGTH) refuse(`${name} is longer than ${MAX_VALUE_LENGTH} characters`);
  return value;
}

/** A list parameter: `a|b` in a URL, repeated URL parameters, or a JSON array of strings. */
function list(name: string, value: unknown): string[] {
  const parts = Array.isArray(value) ? value : [value];
  if (parts.length > MAX_LIST_VALUES) refuse(`${name} has more than ${MAX_LIST_VALUES} values`);
  const values = parts
    .flatMap((part) => text(name, part).split('|'))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  if (values.length === 0) refuse(`${name} names no value`);
  if (values.length > MAX_LIST_VALUES) refuse(`${name} has ${values.length} values; at most ${MAX_LIST_VALUES}`);
  for (const v of values) if (v.length > MAX_VALUE_LENGTH) refuse(`a value of ${name} is too long`);
  return Array.from(new Set(values));
}

function time(name: string, value: unknown): string {
  const raw = text(name, Array.isArray(value) && value.length === 1 ? value[0] : value);
  // RFC 3339 with an offset or Z, as the binding's `format: date-time`.
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ||
    Number.isNaN(Date.parse(raw))
  ) {
    refuse(`${name} must be a date-time with an offset, e.g. 2026-01-31T08:00:00.000+08:00`);
  }
  return new Date(raw).toISOString();
}

function count(name: string, value: unknown): number {
  const raw = text(name, Array.isArray(value) && value.length === 1 ? value[0] : value);
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) refuse(`${name} must be a positive integer`);
  return Number(raw);
}

function bare(field: EqualityField, value: string): string {
  const prefixes = (VOCABULARY_PREFIXES as Record<string, readonly string[] | undefined>)[field] ?? [];
  for (const prefix of prefixes) if (value.startsWith(prefix)) return value.slice(prefix.length);
  return value;
}

/** `urn:epc:idpat:<scheme>:<a>.<b>.*` -> prefix `urn:epc:id:<scheme>:<a>.<b>.`; whole URIs pass as exact. */
function epcPattern(name: string, value: string): { exact?: string; prefix?: string } {
  if (!value.startsWith('urn:epc:idpat:')) return { exact: value };
  const [scheme, body] = [value.slice('urn:epc:idpat:'.length).split(':')[0], value.split(':').slice(4).join(':')];
  const fields = body.split('.');
  const star = fields.indexOf('*');
  if (scheme === undefined || scheme.length === 0 || body.length === 0)
    refuse(`${name}: ${value} is not an EPC pattern`);
  if (star === -1) return { exact: `urn:epc:id:${scheme}:${body}` };
  // Only trailing wildcards (the pattern grammar's other forms, ranges, are not supported).
  if (fields.slice(star).some((f) => f !== '*') || fields.slice(0, star).some((f) => f.includes('*') || f === '')) {
    refuse(`${name}: ${value}: only trailing * fields are supported in EPC patterns`);
  }
  return { prefix: `urn:epc:id:${scheme}:${fields.slice(0, star).join('.')}${star > 0 ? '.' : ''}` };
}

/**
 * Parse a query.
 *
 * @param parameters - Parameter name -> value: a string (URL, `|`-separated lists), a string array (repeated URL
 *   parameter, JSON list) or a number (JSON). Paging and subscription parameters must be taken out before.
 * @returns The query.
 * @throws EpcisQueryError for an unknown, unsupported, malformed or contradictory parameter.
 */
export function parseEpcisQuery(parameters: Readonly<Record<string, unknown>>): EpcisQuery {
  const names = Object.keys(parameters);
  if (names.length > MAX_QUERY_PARAMETERS) refuse(`at most ${MAX_QUERY_PARAMETERS} query parameters`);
  const conditions: EpcisCondition[] = [];
  let orderBy: string | undefined;
  let orderDirection: 'ASC' | 'DESC' | undefined;
  let eventCountLimit: number | undefined;
  let maxEventCount: number | undefined;
  for (const name of names) {
    const value = parameters[name];
    if (value === undefined) continue;
    const equality = EQUALITY_PARAMETERS[name];
    const match = MATCH_PARAMETERS[name];
    const timed = TIME_PARAMETERS[name];
    const typed = TYPED_PARAMETER.exec(name);
    if (equality !== undefined) {
      const values = list(name, value).map((v) => bare(equality, v));
      if (equality === 'action') {
        for (const v of values) if (!ACTIONS.has(v)) refuse(`EQ_action values are ADD, OBSERVE or DELETE, not ${v}`);
      }
      conditions.push({ kind: 'equals', field: equality, values });
    } else if (match !== undefined) {
      const exact: string[] = [];
      const prefixes: string[] = [];
      for (const v of list(name, value)) {
        const pattern = epcPattern(name, v);
        if (pattern.exact !== undefined) exact.push(pattern.exact);
        if (pattern.prefix !== undefined) prefixes.push(pattern.prefix);
      }
      conditions.push({ kind: 'match', field: match, exact, prefixes });
    } else if (timed !== undefined) {
      conditions.push({ kind: 'time', field: timed.field, op: timed.op, value: time(name, value) });
    } else if (typed !== null) {
      const list_ = `${typed[1]}List` as TypedList;
      conditions.push({ kind: 'typed', list: list_, type: typed[2] as string, values: list(name, value) });
    } else if (name === 'EXISTS_errorDeclaration') {
      conditions.push({ kind: 'exists', field: 'errorDeclaration' });
    } else if (name === 'orderBy') {
      orderBy = text(name, value);
      if (orderBy !== 'eventTime' && orderBy !== 'recordTime') refuse('orderBy is eventTime or recordTime');
    } else if (name === 'orderDirection') {
      const direction = text(name, value);
      if (direction !== 'ASC' && direction !== 'DESC') refuse('orderDirection is ASC or DESC');
      orderDirection = direction;
    } else if (name === 'eventCountLimit') {
      eventCountLimit = count(name, value);
    } else if (name === 'maxEventCount') {
      maxEventCount = count(name, value);
    } else if (UNSUPPORTED_STANDARD.test(name)) {
      refuse(`${name} is not supported by this repository (its events carry no such data)`);
    } else {
      refuse(`unknown query parameter ${name.slice(0, 100)}`);
    }
  }
  if (eventCountLimit !== undefined && maxEventCount !== undefined) {
    refuse('eventCountLimit and maxEventCount are mutually exclusive');
  }
  if (eventCountLimit !== undefined && orderBy === undefined) refuse('eventCountLimit needs orderBy');
  // Record time is when the ledger committed the event: chain order is record order.
  const order: EpcisOrder =
    orderBy === undefined
      ? { by: 'chain', direction: 'ASC' }
      : { by: orderBy === 'eventTime' ? 'eventTime' : 'chain', direction: orderDirection ?? 'DESC' };
  return {
    conditions,
    order,
    ...(eventCountLimit === undefined ? {} : { eventCountLimit }),
    ...(maxEventCount === undefined ? {} : { maxEventCount }),
  };
}
