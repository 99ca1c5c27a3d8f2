/**
 * Limits on the shape of untrusted input, checked in one linear pass before any other work (schema validation,
 * hashing, SQL): how deep a JSON value nests, how long its arrays and strings are, how many keys an object has, how
 * many values it holds in all, and whether every string (and key) is one PostgreSQL can store: no NUL and no lone
 * UTF-16 surrogate (JSON's `\ud800` escapes make those from valid UTF-8). Work after this pass is bounded by these
 * numbers, whatever the document.
 *
 * The walk keeps its own stack: a value nested deeper than the JavaScript stack allows is refused, not a crash.
 */
import { newProblem, type ProblemError } from './errors';

/** Structural limits of one JSON value. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects (the top-level value is depth 1 when it is an array or object). */
  readonly maxDepth: number;
  /** Longest array. */
  readonly maxArrayLength: number;
  /** Longest string (value or key), in UTF-16 code units. */
  readonly maxStringLength: number;
  /** Most keys in one object. */
  readonly maxKeys: number;
  /** Most values (scalars, arrays and objects) in the whole document. */
  readonly maxNodes: number;
}

/**
 * Limits of every JSON body unless a route sets its own (`config.jsonLimits`). Route schemas set the tighter
 * per-field bounds; these only bound the work done before a schema gets to say so.
 */
export const DEFAULT_JSON_LIMITS: JsonLimits = Object.freeze({
  maxDepth: 32,
  // Above every route schema's maxItems (reconciliation lines: 10,000), so the schema's own message wins there.
  maxArrayLength: 20_000,
  maxStringLength: 16_384,
  maxKeys: 256,
  // A 1 MiB body holds at most ~500,000 values ("0," each); no route needs a tenth of that.
  maxNodes: 100_000,
});

/** Which limit a refusal names (the problem's `limit` member). */
export type JsonLimitName = 'depth' | 'arrayLength' | 'stringLength' | 'keys' | 'nodes';

/** `String.prototype.isWellFormed` (Node 20; the ES2024 lib typing is not in this build's lib). */
const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed;

/** Whether `text` holds a character the gateway cannot store: NUL, or a lone surrogate. Native scans, linear. */
export function hasUnsupportedCharacter(text: string): boolean {
  return text.includes('\u0000') || !isWellFormed.call(text);
}

/** A JSON pointer token (RFC 6901). */
function pointerToken(key: string | number): string {
  return typeof key === 'number' ? String(key) : key.replace(/~/g, '~0').replace(/\//g, '~1');
}

interface Frame {
  /** The container holding this one (none for the root), and this one's key or index in it. */
  readonly parent: Frame | undefined;
  readonly segment: string | number;
  readonly depth: number;
  readonly value: Record<string, unknown> | unknown[];
  readonly keys: readonly string[] | undefined;
  next: number;
}

/**
 * The path of a value: its container's path and its own segment (the root has none). Built only for a refusal, by
 * walking up the containers, so the walk itself keeps no per-value path (which would cost depth² for deep input).
 */
function pathOf(parent: Frame | undefined, segment: string | number | undefined): readonly (string | number)[] {
  const path: (string | number)[] = segment === undefined ? [] : [segment];
  for (let frame = parent; frame !== undefined && frame.parent !== undefined; frame = frame.parent)
    path.push(frame.segment);
  return path.reverse();
}

/** Longest pointer shown in a refusal (a path of long keys can be long; the start says where). */
const POINTER_SHOWN_MAX = 512;

/** NUL and lone surrogates: what a refusal must not echo back. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point
const UNSUPPORTED_CHARACTERS = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The JSON pointer of a path for a refusal: bounded, and without the characters being refused. */
function pointerOf(path: readonly (string | number)[]): string {
  let pointer = '';
  for (const segment of path) {
    pointer += `/${pointerToken(segment)}`;
    if (pointer.length > POINTER_SHOWN_MAX)
      return `${pointer.slice(0, POINTER_SHOWN_MAX).replace(UNSUPPORTED_CHARACTERS, '\ufffd')}…`;
  }
  return pointer.replace(UNSUPPORTED_CHARACTERS, '\ufffd');
}

/**
 * The refusal of a body over one of its limits.
 *
 * @param limit - Which limit.
 * @param max - Its value.
 * @param path - Where (JSON pointer segments).
 * @param what - What was found, for the sentence.
 */
export function refuseLimit(
  limit: JsonLimitName,
  max: number,
  path: readonly (string | number)[],
  what: string,
): ProblemError {
  const pointer = pointerOf(path);
  return newProblem('BODY_LIMIT_EXCEEDED', `${what} at ${pointer || '/'}: at most ${max}`, {
    extensions: { limit, max, pointer },
  });
}

function refuseCharacter(path: readonly (string | number)[], where: 'body' | 'key'): ProblemError {
  const pointer = pointerOf(path);
  const what = where === 'key' ? 'a key' : 'a string';
  return newProblem(
    'UNSUPPORTED_CHARACTER',
    `${what} at ${pointer || '/'} holds a NUL character or a lone UTF-16 surrogate`,
    {
      extensions: { in: 'body', pointer },
    },
  );
}

/**
 * Check a parsed JSON value against `limits` in one pass over it (each value visited once, each string scanned
 * once), without recursion.
 *
 * @param value - The output of `JSON.parse`.
 * @param limits - The limits.
 * @returns Nothing, or the problem to send: `BODY_LIMIT_EXCEEDED` or `UNSUPPORTED_CHARACTER`, with the pointer of the
 *   first value found at fault.
 */
export function jsonLimitViolation(value: unknown, limits: JsonLimits): ProblemError | undefined {
  let nodes = 0;
  const stack: Frame[] = [];
  // Visits one value: scalars are checked at once, containers pushed to be walked.
  // `parent` and `segment` say where the value is; its path is only built for a refusal.
  const visit = (
    child: unknown,
    parent: Frame | undefined,
    segment: string | number | undefined,
    depth: number,
  ): ProblemError | undefined => {
    nodes += 1;
    if (nodes > limits.maxNodes)
      return refuseLimit('nodes', limits.maxNodes, pathOf(parent, segment), 'too many values in the document');
    if (typeof child === 'string') {
      if (child.length > limits.maxStringLength)
        return refuseLimit(
          'stringLength',
          limits.maxStringLength,
          pathOf(parent, segment),
          `a string of ${child.length} characters`,
        );
      if (hasUnsupportedCharacter(child)) return refuseCharacter(pathOf(parent, segment), 'body');
      return undefined;
    }
    if (typeof child !== 'object' || child === null) return undefined;
    if (depth + 1 > limits.maxDepth)
      return refuseLimit('depth', limits.maxDepth, pathOf(parent, segment), 'nesting too deep');
    if (Array.isArray(child)) {
      if (child.length > limits.maxArrayLength)
        return refuseLimit(
          'arrayLength',
          limits.maxArrayLength,
          pathOf(parent, segment),
          `an array of ${child.length} values`,
        );
      stack.push({ parent, segment: segment ?? '', depth: depth + 1, value: child, keys: undefined, next: 0 });
      return undefined;
    }
    const keys = Object.keys(child);
    if (keys.length > limits.maxKeys)
      return refuseLimit('keys', limits.maxKeys, pathOf(parent, segment), `an object of ${keys.length} keys`);
    for (const key of keys) {
      if (key.length > limits.maxStringLength)
        return refuseLimit(
          'stringLength',
          limits.maxStringLength,
          pathOf(parent, segment),
          `a key of ${key.length} characters`,
        );
      if (hasUnsupportedCharacter(key)) return refuseCharacter([...pathOf(parent, segment), key], 'key');
    }
    stack.push({
      parent,
      segment: segment ?? '',
      depth: depth + 1,
      value: child as Record<string, unknown>,
      keys,
      next: 0,
    });
    return undefined;
  };
  const rootProblem = visit(value, undefined, undefined, 0);
  if (rootProblem) return rootProblem;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const { keys } = frame;
    const length = keys === undefined ? (frame.value as unknown[]).length : keys.length;
    if (frame.next >= length) {
      stack.pop();
      continue;
    }
    const index = frame.next++;
    const segment: string | number = keys === undefined ? index : keys[index]!;
    const child =
      keys === undefined ? (frame.value as unknown[])[index] : (frame.value as Record<string, unknown>)[segment];
    const problem = visit(child, frame, segment, frame.depth);
    if (problem) return problem;
  }
  return undefined;
}
