/**
 * The canonical EPCIS event hash id of CBV 2.0 (section 8.9, "EPCIS Event Hash ID"): `ni:///sha-256;<hex>?ver=CBV2.0`
 * over a pre-hash string built from the event's fields in the standard's order. It lets an event captured without
 * `eventID` keep the same id however often, and in whatever JSON key order, it is posted, and lets anyone holding the
 * event recompute the id with any conforming tool.
 *
 * Conformance is defined by the reference implementation (github.com/RalphTro/epcis-event-hash-generator) and its
 * test suite, which tests/gateway/event-hash-reference.test.ts runs in full. So this module follows the reference's
 * model step by step, quirks included, rather than the prose of the standard:
 * - the JSON event becomes a tree of (name, text, children) the way the reference reads XML: `xxxList` arrays become a
 *   `xxxList` node of `xxx` members, quantities `quantityElement`, `childEPCs` a list of `epc`; prefixed keys
 *   (`ex:field`) become `{namespace}field` with the namespaces the document's `@context` declares;
 * - bare CBV / GS1 vocabulary words are expanded the way the reference's JSON-LD step does ({@link eventHashContext}):
 *   every string equal to the tail of exactly one vocabulary URI the document uses becomes that URI;
 * - the fields of the standard's order are written `name=value`, members of one field sorted; times in UTC to the
 *   millisecond (half-even rounding), numbers without padding, GS1 keys as canonical Digital Link (`gs1-uri`);
 * - user extensions inside a standard field follow that field's own members; everything else (top-level extensions,
 *   `bizTransactionList`, `sourceList`, `destinationList`, leftovers) follows the ordered part, sorted, except that
 *   the members of one business transaction, source or destination keep their JSON order.
 * Every walk over the event is iterative, so an extension nested 100,000 deep is hashed, never a stack overflow.
 *
 * Where the reference fails or depends on its process rather than the document, this module gives a stable id
 * instead: an infinite number or a time whose milliseconds round up to 1000 stays as written (the reference drops
 * the event); namespaces come from this document only (the reference's accumulate across documents in one process);
 * vocabulary words are matched by index, so a value with more than three `-` or `/` is never a bare word (see
 * {@link bareWordIndex}); strings under keys the EPCIS context does not define still count as vocabulary URIs.
 * EPC tag URIs are hashed as written, as in the reference: the agent turns reads into pure identities first.
 */
import { createHash } from 'node:crypto';
import { cbvTermUri, cbvUrnToWebUri, gs1DigitalLinkOf, type CbvVocabulary } from '@hainan/ledger-model';

/** One element of the reference's tree: its name, its text, its children. */
interface Node {
  name: string;
  text: string;
  children: Child[];
}
/** A business transaction, source or destination: its first two members, in JSON order. */
interface Pair {
  pair: Node[];
}
type Child = Node | Pair;
const isPair = (child: Child): child is Pair => 'pair' in child;

/** What one document contributes to the hashes of all its events: its namespaces and its vocabulary URIs. */
export interface EventHashContext {
  /** Prefix → namespace URI, from the `@context` objects of the document. */
  readonly namespaces: ReadonlyMap<string, string>;
  /** Every CBV / GS1 vocabulary URI the document uses, in full or as a bare word or CURIE. */
  readonly vocabulary: readonly string[];
  /** Bare word → the one vocabulary URI ending in `-word` or `/word` (null: more than one), see {@link bareWordIndex}. */
  readonly bareWords: ReadonlyMap<string, string | null>;
  /** Top-level event fields the document says to leave out of the hash (`<prefix>:ignoreFields`). */
  readonly ignoreFields: readonly string[];
}

/** Which vocabulary a field's bare words come from; `type` depends on the list or object holding it. */
const VOCABULARY_OF_FIELD: ReadonlyMap<string, CbvVocabulary> = new Map([
  ['bizStep', 'bizStep'],
  ['disposition', 'disposition'],
  ['set', 'disposition'],
  ['unset', 'disposition'],
  ['reason', 'errorReason'],
  ['component', 'component'],
  ['exception', 'sensorAlertType'],
]);
const VOCABULARY_OF_TYPE_IN: ReadonlyMap<string, CbvVocabulary> = new Map([
  ['bizTransactionList', 'bizTransactionType'],
  ['sourceList', 'sourceDestType'],
  ['destinationList', 'sourceDestType'],
  ['sensorReport', 'measurementType'],
]);
/** Vocabulary URIs the reference takes part in bare-word expansion: CBV and GS1 Web Vocabulary. */
const VOCABULARY_URI = /^https:\/\/(?:ref\.gs1\.org\/cbv|gs1\.org\/voc)/;
/** Prefixes every EPCIS 2.0 document has from the standard context. */
const STANDARD_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['cbv', 'https://ref.gs1.org/cbv/'],
  ['gs1', 'https://gs1.org/voc/'],
]);
/** The namespace of the internal fields the reference's `ignoreFields` extension lives in. */
const IGNORE_FIELDS_NAMESPACE = 'https://repository-x.example.com/';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The expanded IRI of a vocabulary word, CURIE or IRI in `field` (JSON-LD `@type: @vocab`), or undefined. */
function expandVocabulary(
  value: string,
  vocabulary: CbvVocabulary | undefined,
  namespaces: ReadonlyMap<string, string>,
): string | undefined {
  const term = vocabulary === undefined ? undefined : cbvTermUri(vocabulary, value);
  if (term !== undefined) return term;
  const colon = value.indexOf(':');
  if (colon < 0) return undefined;
  const prefix = value.slice(0, colon);
  const namespace = STANDARD_PREFIXES.get(prefix) ?? namespaces.get(prefix);
  return namespace !== undefined && !value.startsWith(`${prefix}://`) ? namespace + value.slice(colon + 1) : value;
}

/** Every string in a JSON value, with the key that holds it and the key of the object or list around that. */
function* strings(root: unknown): Generator<readonly [string, string, string]> {
  const stack: (readonly [unknown, string, string])[] = [[root, '', '']];
  while (stack.length > 0) {
    const [value, key, owner] = stack.pop()!;
    if (typeof value === 'string') yield [value, key, owner];
    else if (Array.isArray(value)) for (const member of value) stack.push([member, key, owner]);
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) if (k !== '@context') stack.push([v, k, key]);
  }
}

/** The events of an EPCIS document or query document (`eventList`, query results, or the single `event`). */
export function eventsOfDocument(document: Record<string, unknown>): Record<string, unknown>[] {
  const body = isRecord(document.epcisBody) ? document.epcisBody : {};
  const results =
    isRecord(body.queryResults) && isRecord(body.queryResults.resultsBody) ? body.queryResults.resultsBody : undefined;
  const list = body.eventList ?? results?.eventList ?? (body.event === undefined ? [] : [body.event]);
  return Array.isArray(list) ? list.filter(isRecord) : [];
}

/**
 * What the hashes of a document's events depend on beyond the events themselves: build it once per document and pass
 * it to {@link canonicalEventId} for each event. Without it, an event is hashed as if alone in a document with the
 * standard context only (and its own `@context`, if it has one).
 *
 * @param document - An EPCIS document or query document (or a lone event).
 */
export function eventHashContext(document: Record<string, unknown>): EventHashContext {
  const namespaces = new Map<string, string>();
  const context = document['@context'];
  // only a list of contexts declares namespaces, as in the reference
  if (Array.isArray(context)) {
    for (const entry of context) {
      if (typeof entry === 'string') namespaces.set(entry, entry);
      else if (isRecord(entry))
        for (const [k, v] of Object.entries(entry)) if (typeof v === 'string') namespaces.set(k, v);
    }
  }
  const vocabulary = new Set<string>();
  for (const [value, key, owner] of strings(document)) {
    const field = key === 'type' ? VOCABULARY_OF_TYPE_IN.get(owner) : VOCABULARY_OF_FIELD.get(key);
    const expanded = field !== undefined || key === 'type' ? expandVocabulary(value, field, namespaces) : value;
    if (expanded !== undefined && VOCABULARY_URI.test(expanded)) vocabulary.add(expanded);
  }
  let ignoreKey = ':ignoreFields';
  for (const [prefix, namespace] of namespaces) {
    if (namespace === IGNORE_FIELDS_NAMESPACE) {
      ignoreKey = prefix + ignoreKey;
      break;
    }
  }
  const body = isRecord(document.epcisBody) ? document.epcisBody : {};
  const ignored = isRecord(body.queryResults) ? body.queryResults[ignoreKey] : document[ignoreKey];
  const ignoreFields = Array.isArray(ignored) ? ignored.filter((f): f is string => typeof f === 'string') : [];
  return { namespaces, vocabulary: [...vocabulary], bareWords: bareWordIndex([...vocabulary]), ignoreFields };
}

/**
 * Words with more separators (`-`, `/`) than this are never taken for bare vocabulary words. The reference tries
 * every value against every vocabulary URI of the document; indexing the URIs' tails after their last few separators
 * gives the same answers for any realistic word in one look-up, and keeps a hostile document's cost linear.
 */
const BARE_WORD_SEPARATORS_MAX = 3;

/**
 * Every tail of the vocabulary URIs after one of their last {@link BARE_WORD_SEPARATORS_MAX} + 1 separators, to the
 * URI it ends (null when two URIs end in it). A value matches a URI `…-value` or `…/value` exactly when it is the
 * tail of that URI after its (n+1)-th last separator, n being the separators in the value.
 */
function bareWordIndex(vocabulary: readonly string[]): Map<string, string | null> {
  const index = new Map<string, string | null>();
  for (const uri of vocabulary) {
    let end = uri.length;
    for (let level = 0; level <= BARE_WORD_SEPARATORS_MAX; level++) {
      const at = Math.max(uri.lastIndexOf('-', end - 1), uri.lastIndexOf('/', end - 1));
      if (at < 0) break;
      const tail = uri.slice(at + 1);
      index.set(tail, index.has(tail) && index.get(tail) !== uri ? null : uri);
      end = at;
    }
  }
  return index;
}

/** A bare word as the one vocabulary URI of the document ending in `-word` or `/word`, else unchanged. */
function expandBareWord(value: string, context: EventHashContext): string {
  let separators = 0;
  for (let i = 0; i < value.length && separators <= BARE_WORD_SEPARATORS_MAX; i++)
    if (value[i] === '-' || value[i] === '/') separators++;
  if (separators > BARE_WORD_SEPARATORS_MAX) return value;
  return context.bareWords.get(value) ?? value; // none, or ambiguous: the reference leaves it
}

/** `prefix:name` with a declared prefix as `{namespace}name` (keys) or `namespacename` (values). */
function withNamespace(text: string, context: EventHashContext, isValue: boolean): string {
  const colon = text.indexOf(':');
  if (colon < 0) return text;
  const namespace = context.namespaces.get(text.slice(0, colon));
  if (namespace === undefined) return text;
  return isValue ? namespace + text.slice(colon + 1) : `{${namespace}}${text.slice(colon + 1)}`;
}

/** Python's `str()` of a JSON scalar, which is the text the reference hashes (then normalises). */
function scalarText(value: unknown, context: EventHashContext): string {
  if (typeof value === 'string') return withNamespace(expandBareWord(value, context), context, true);
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** A value the reference takes without its namespace step: bare words expanded, anything else as text. */
function rawText(value: unknown, context: EventHashContext): string {
  return typeof value === 'string' ? expandBareWord(value, context) : String(value);
}

/** Walk a tree bottom-up without recursion: `combine` gets each node with the results of its children. */
function fold<N, R>(
  root: N,
  childrenOf: (node: N) => readonly N[],
  combine: (node: N, kids: readonly N[], results: R[]) => R,
): R {
  const stack: { node: N; kids: readonly N[]; results: R[] }[] = [{ node: root, kids: childrenOf(root), results: [] }];
  for (;;) {
    const top = stack[stack.length - 1]!;
    if (top.results.length < top.kids.length) {
      const kid = top.kids[top.results.length]!;
      stack.push({ node: kid, kids: childrenOf(kid), results: [] });
      continue;
    }
    stack.pop();
    const result = combine(top.node, top.kids, top.results);
    const parent = stack[stack.length - 1];
    if (parent === undefined) return result;
    parent.results.push(result);
  }
}

/** Keys the reference never hashes, at any depth. */
const NEVER_HASHED = new Set(['#text', 'rdfs:comment', 'comment']);

/** The reference's JSON-to-tree step: objects are their members (arrays repeat their key), scalars their text. */
function jsonToTree(event: Record<string, unknown>, context: EventHashContext, ignoreFields: readonly string[]): Node {
  interface JsonItem {
    readonly value: unknown;
    readonly top: boolean;
    /** The object's hashed members, found once when its children are listed. */
    entries?: [string, unknown][];
  }
  const entriesOf = (item: JsonItem): [string, unknown][] =>
    (item.entries ??= isRecord(item.value)
      ? Object.entries(item.value).filter(
          ([k]) => !NEVER_HASHED.has(k) && !k.startsWith('@xmlns') && !(item.top && ignoreFields.includes(k)),
        )
      : []);
  return fold<JsonItem, Node>(
    { value: event, top: true },
    (item) =>
      Array.isArray(item.value)
        ? item.value.map((value) => ({ value, top: false }))
        : entriesOf(item).map(([, value]) => ({ value, top: false })),
    (item, _kids, results) => {
      if (Array.isArray(item.value)) return { name: '', text: '', children: results };
      if (!isRecord(item.value)) return { name: '', text: scalarText(item.value, context), children: [] };
      const object = item.value;
      const node: Node = {
        // the type names the element (only an event's shows: members are named by their keys); both as written
        name: object.type === undefined ? '' : rawText(object.type, context),
        text: object['#text'] === undefined ? '' : rawText(object['#text'], context),
        children: [],
      };
      entriesOf(item).forEach(([key, value], i) => {
        const name = withNamespace(key, context, false);
        const result = results[i]!;
        if (Array.isArray(value))
          for (const member of result.children as Node[])
            node.children.push({ name, text: member.text, children: member.children });
        else node.children.push({ name, text: result.text, children: result.children });
      });
      return node;
    },
  );
}

const PAIR_LISTS = new Set(['sourceList', 'destinationList', 'bizTransactionList']);

/** The reference's JSON-to-XML model corrections: `xxxList` groups, `childEPCs`, `epc` and `quantityElement` names. */
function correctStructure(root: Node): Node {
  const grouped = (node: Node): Child[] => {
    if (!node.children.some((c) => !isPair(c) && (c.name === 'childEPCs' || c.name.endsWith('List'))))
      return node.children;
    const lists = new Map<string, Node[]>();
    const rest: Child[] = [];
    const childEpcs: Node[] = [];
    for (const child of node.children) {
      if (isPair(child)) rest.push(child);
      else if (child.name.endsWith('List')) {
        const members = lists.get(child.name) ?? [];
        members.push({ name: child.name.slice(0, -4), text: child.text, children: child.children });
        lists.set(child.name, members);
      } else if (child.name === 'childEPCs') childEpcs.push({ name: 'epc', text: child.text, children: [] });
      else rest.push(child);
    }
    for (const [name, members] of lists) {
      rest.push(
        PAIR_LISTS.has(name)
          ? { name, text: '', children: members.map((m) => ({ pair: m.children.slice(0, 2) as Node[] })) }
          : { name, text: '', children: members },
      );
    }
    if (childEpcs.length > 0) rest.push({ name: 'childEPCs', text: '', children: childEpcs });
    return rest;
  };
  return fold<Child, Child>(
    root,
    (child) => (isPair(child) || PAIR_LISTS.has(child.name) ? [] : grouped(child)),
    (child, _kids, results) => {
      if (isPair(child) || PAIR_LISTS.has(child.name)) return child;
      let name = child.name;
      if (name === 'inputEPC' || name === 'outputEPC') name = 'epc';
      else if (
        name === 'inputQuantity' ||
        name === 'outputQuantity' ||
        name === 'childQuantity' ||
        (name === 'quantity' && results.length > 0)
      )
        name = 'quantityElement';
      return { name, text: child.text, children: results };
    },
  ) as Node;
}

/** Python's `repr` of a float, which the reference's number normalisation produces. */
function pythonFloat(value: number): string {
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16)
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return String(value);
}

/** Python `float()` syntax: sign, digits with single underscores between them, fraction, exponent. */
const PY_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?$/;

/** Numbers without leading zeros, `+`, trailing `.0`; integral values as integers (the reference's rule). */
function normaliseNumber(text: string): string {
  const trimmed = text.trim();
  if (!PY_FLOAT.test(trimmed)) return text;
  const value = Number(trimmed.replaceAll('_', ''));
  if (!Number.isFinite(value)) return text;
  return Number.isInteger(value) ? BigInt(value).toString() : pythonFloat(value);
}

/** A value as the reference canonicalises it: CBV 2.0 URIs, normalised numbers, canonical Digital Link. */
function canonicalValue(text: string): string {
  const value = normaliseNumber(cbvUrnToWebUri(text));
  return gs1DigitalLinkOf(value) ?? value;
}

/** ISO 8601 date-time as the reference's parser reads it (zone optional: UTC assumed, the reference's host zone). */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** UTC at millisecond precision with `Z`; sub-millisecond digits rounded half to even, as Python's `round`. */
function normaliseTime(text: string): string {
  const m = DATE_TIME.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone = 'Z'] = m;
  const micros = Number(fraction.slice(0, 6).padEnd(6, '0'));
  let millis = Math.floor(micros / 1000);
  const remainder = micros % 1000;
  if (remainder > 500 || (remainder === 500 && millis % 2 === 1)) millis += 1;
  if (millis === 1000) return text; // the reference fails on this event (microsecond overflow); keep it stable
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes =
      (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * (zone.startsWith('-') ? -1 : 1);
  }
  const utc =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), millis) - offsetMinutes * 60_000;
  if (Number.isNaN(utc)) return text;
  return new Date(utc).toISOString();
}

/** The reference's field order (CBV 2.0 section 8.9.2), with the order of each field's own members. */
interface Order {
  readonly name: string;
  readonly members?: readonly Order[];
}
const leaf = (name: string): Order => ({ name });
const QUANTITY: readonly Order[] = [{ name: 'quantityElement', members: ['epcClass', 'quantity', 'uom'].map(leaf) }];
const EPCS: readonly Order[] = [leaf('epc')];
const EVENT_ORDER: readonly Order[] = [
  leaf('eventTime'),
  leaf('eventTimeZoneOffset'),
  leaf('certificationInfo'),
  leaf('parentID'),
  { name: 'epcList', members: EPCS },
  { name: 'inputEPCList', members: EPCS },
  { name: 'childEPCs', members: EPCS },
  { name: 'quantityList', members: QUANTITY },
  { name: 'childQuantityList', members: QUANTITY },
  { name: 'inputQuantityList', members: QUANTITY },
  { name: 'outputEPCList', members: EPCS },
  { name: 'outputQuantityList', members: QUANTITY },
  leaf('action'),
  leaf('transformationID'),
  leaf('bizStep'),
  leaf('disposition'),
  { name: 'persistentDisposition', members: [leaf('set'), leaf('unset')] },
  { name: 'readPoint', members: [leaf('id')] },
  { name: 'bizLocation', members: [leaf('id')] },
  // bizTransactionList, sourceList and destinationList are ordered by the reference's generic part (see below)
  {
    name: 'sensorElementList',
    members: [
      {
        name: 'sensorElement',
        members: [
          {
            name: 'sensorMetadata',
            members: [
              'time',
              'startTime',
              'endTime',
              'deviceID',
              'deviceMetadata',
              'rawData',
              'dataProcessingMethod',
              'bizRules',
            ].map(leaf),
          },
          {
            name: 'sensorReport',
            members: [
              'type',
              'exception',
              'deviceID',
              'deviceMetadata',
              'rawData',
              'dataProcessingMethod',
              'time',
              'microorganism',
              'chemicalSubstance',
              'value',
              'component',
              'stringValue',
              'booleanValue',
              'hexBinaryValue',
              'uriValue',
              'minValue',
              'maxValue',
              'meanValue',
              'sDev',
              'percRank',
              'percValue',
              'uom',
              'coordinateReferenceSystem',
            ].map(leaf),
          },
        ],
      },
    ],
  },
];
/** Top-level fields that never take part in the hash. */
const NOT_HASHED = new Set(['recordTime', 'eventID', 'type', 'errorDeclaration']);
const KEEPS_JSON_ORDER = new Set(['bizTransaction', 'source', 'destination']);

/** The parts of a list of children joined; sorted unless one is a business transaction, source or destination. */
function joinParts(children: readonly Child[], parts: string[]): string {
  const keepOrder = children.some((c) => !isPair(c) && KEEPS_JSON_ORDER.has(c.name));
  return (children.length > 1 && !keepOrder ? parts.sort() : parts).join('');
}

/** The reference's generic pre-hash of children outside the prescribed order: `name=value` and members, recursively. */
function genericPreHash(children: readonly Child[]): string {
  const parts = children.map((root) =>
    fold<Child, string>(
      root,
      (child) => (isPair(child) ? child.pair : child.children),
      (child, kids, results) => {
        if (isPair(child)) return joinParts(kids, results);
        const text = child.text.trim();
        return child.name + (text ? `=${canonicalValue(text)}` : '') + joinParts(kids, results);
      },
    ),
  );
  return joinParts(children, parts);
}

/** One child in the prescribed order: `name=value` (times and values normalised) and its ordered members. */
function orderedChild(child: Node, members: readonly Order[] | undefined): string {
  const memberText = members ? orderedChildren(child.children, members) : '';
  let text = '';
  if (child.text) {
    text = child.text.trim();
    const lower = child.name.toLowerCase();
    text = lower.includes('time') && !lower.includes('offset') ? normaliseTime(text) : canonicalValue(text);
    if (text) text = `=${text}`;
  }
  return text || memberText ? child.name + text + memberText : '';
}

/**
 * The ordered part of a list of children; what it writes leaves the list (the reference consumes its tree), so
 * what remains afterwards is hashed generically. User extensions (`{namespace/}name`) of a nested element follow
 * that element's ordered members.
 */
function orderedChildren(children: Child[], order: readonly Order[]): string {
  let extensions: Child[] = [];
  const isTopLevel = children.some((c) => !isPair(c) && (c.name.includes('eventTime') || c.name.includes('action')));
  if (children.length > 1 && !isTopLevel) {
    extensions = children.filter((c) => !isPair(c) && c.name.includes('{') && c.name.includes('/}'));
    for (const extension of extensions) children.splice(children.indexOf(extension), 1);
  }
  let preHash = '';
  for (const { name, members } of order) {
    const values: string[] = [];
    for (const child of children.filter((c): c is Node => !isPair(c) && c.name === name)) {
      const part = orderedChild(child, members);
      if (part) values.push(part);
      if (child.children.length === 0) children.splice(children.indexOf(child), 1);
    }
    preHash += values.sort().join('');
  }
  return extensions.length > 0 ? preHash + genericPreHash(extensions) : preHash;
}

/**
 * The pre-hash string of one event (exposed for tests and for clients checking our ids).
 *
 * @param event - One member of an EPCIS document's eventList.
 * @param context - Of the event's document ({@link eventHashContext}); by default, of the event alone.
 * @param ignoreFields - Top-level fields to leave out; by default the context's.
 */
export function eventPreHash(
  event: Record<string, unknown>,
  context?: EventHashContext,
  ignoreFields?: readonly string[],
): string {
  const ctx = context ?? eventHashContext(event);
  const tree = correctStructure(jsonToTree(event, ctx, ignoreFields ?? ctx.ignoreFields));
  const ordered = orderedChildren(tree.children, EVENT_ORDER);
  const rest = tree.children.filter((c) => isPair(c) || !NOT_HASHED.has(c.name));
  return `eventType=${tree.name}${ordered}${rest.length > 0 ? genericPreHash(rest) : ''}`;
}

/**
 * The canonical event hash id of one event.
 *
 * @param event - One member of an EPCIS document's eventList.
 * @param context - Of the event's document ({@link eventHashContext}, built once per document); by default, of the
 *   event alone, which gives the same id whenever the event uses only the standard context.
 * @param ignoreFields - Top-level fields to leave out; by default the context's.
 * @returns `ni:///sha-256;<64 hex>?ver=CBV2.0`
 */
export function canonicalEventId(
  event: Record<string, unknown>,
  context?: EventHashContext,
  ignoreFields?: readonly string[],
): string {
  return `ni:///sha-256;${createHash('sha256')
    .update(eventPreHash(event, context, ignoreFields), 'utf8')
    .digest('hex')}?ver=CBV2.0`;
}
