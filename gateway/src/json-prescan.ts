/**
 * A scan of a JSON body's bytes *before* `JSON.parse`, in slices that yield to the event loop, counting what the
 * structural limits bound (nesting depth, values per array, keys per object, values in all). `JSON.parse` of a large
 * body holds the event loop for its whole length (~75 ms for 16 MB here) and builds every value before anything can
 * say no; this scan refuses a hostile body — 330,000 list entries, a 100,001-string `@context` — after seeing just
 * enough of it, a slice at a time, so `/healthz` and every other request keep being served meanwhile.
 *
 * It is not a JSON validator: `JSON.parse` still judges the grammar of what passes. It only has to follow strings
 * (so that brackets inside them do not count) and count values; strings are skipped with the native `indexOf`.
 * Keys are decoded only to name the place of a refusal. The string-length and character checks stay in the walk
 * after parsing (input-limits.ts), which sees the decoded text.
 */
import type { JsonLimitName, JsonLimits } from './input-limits';

/** Bytes scanned between two yields to the event loop (~1-2 ms of work). */
export const PRESCAN_SLICE_BYTES = 512 * 1024;

/** What the scan found over a limit: which, where (a JSON pointer path) and a sentence. */
export interface PrescanViolation {
  readonly limit: JsonLimitName;
  readonly max: number;
  readonly path: readonly (string | number)[];
  readonly what: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

interface Frame {
  readonly isArray: boolean;
  /** Values of an array, keys of an object, so far. */
  count: number;
  /** Object: the next string is a key. */
  expectKey: boolean;
  /** Object: byte range of the current key (with its quotes), decoded only for a refusal. */
  keyStart: number;
  keyEnd: number;
}

/** Whether `byte` starts a JSON scalar other than a string: a number, true, false or null. */
function startsScalar(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x74 || byte === 0x66 || byte === 0x6e;
}

/** The end of a string that starts (opening quote) at `start`: the index of its closing quote, or -1. */
function stringEnd(body: Buffer, start: number): number {
  let at = start;
  for (;;) {
    at = body.indexOf(QUOTE, at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    for (let b = at - 1; b > start && body[b] === BACKSLASH; b--) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

function pathOf(body: Buffer, stack: readonly Frame[], depth: number): (string | number)[] {
  const path: (string | number)[] = [];
  for (let level = 0; level < depth; level++) {
    const frame = stack[level]!;
    if (frame.isArray) {
      path.push(frame.count - 1);
    } else {
      let key = '';
      try {
        key = JSON.parse(body.toString('utf8', frame.keyStart, frame.keyEnd + 1)) as string;
      } catch {
        key = '?';
      }
      path.push(key);
    }
  }
  return path;
}

/**
 * Scan `body` against `limits`, yielding between slices.
 *
 * @param body - The raw body (already known to be UTF-8).
 * @param limits - Depth, array length, keys and value count are checked here.
 * @param sliceBytes - Bytes between yields (tests use small values).
 * @returns The first violation, or undefined when the body is within the limits (or is not JSON the scan can
 *   follow: `JSON.parse` then says why).
 */
export async function prescanJson(
  body: Buffer,
  limits: JsonLimits,
  sliceBytes: number = PRESCAN_SLICE_BYTES,
): Promise<PrescanViolation | undefined> {
  const stack: Frame[] = [];
  let depth = 0;
  let nodes = 0;
  let expectValue = true;
  let sliceEnd = sliceBytes;
  const refuse = (limit: JsonLimitName, max: number, what: string, levels = depth): PrescanViolation => ({
    limit,
    max,
    what,
    path: pathOf(body, stack, levels),
  });
  /** A value starts: count it in the document and in its array. */
  const valueStarts = (): PrescanViolation | undefined => {
    const top = depth > 0 ? stack[depth - 1]! : undefined;
    if (top?.isArray) {
      top.count += 1;
      if (top.count > limits.maxArrayLength)
        return refuse(
          'arrayLength',
          limits.maxArrayLength,
          `an array of more than ${limits.maxArrayLength} values`,
          depth - 1,
        );
    }
    nodes += 1;
    if (nodes > limits.maxNodes) return refuse('nodes', limits.maxNodes, 'too many values in the document');
    expectValue = false;
    return undefined;
  };
  for (let i = 0; i < body.length; i++) {
    if (i >= sliceEnd) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceEnd = i + sliceBytes;
    }
    const byte = body[i]!;
    if (byte === QUOTE) {
      const end = stringEnd(body, i);
      if (end < 0) return undefined; // unterminated: JSON.parse refuses it
      const top = depth > 0 ? stack[depth - 1]! : undefined;
      if (top !== undefined && !top.isArray && top.expectKey) {
        top.count += 1;
        if (top.count > limits.maxKeys)
          return refuse('keys', limits.maxKeys, `an object of more than ${limits.maxKeys} keys`, depth - 1);
        top.keyStart = i;
        top.keyEnd = end;
        top.expectKey = false;
      } else {
        const problem = valueStarts();
        if (problem) return problem;
      }
      i = end;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      const problem = valueStarts();
      if (problem) return problem;
      if (depth + 1 > limits.maxDepth) return refuse('depth', limits.maxDepth, 'nesting too deep');
      const frame = stack[depth];
      const isArray = byte === OPEN_ARRAY;
      if (frame === undefined) {
        stack.push({ isArray, count: 0, expectKey: !isArray, keyStart: 0, keyEnd: 0 });
      } else {
        // Frames are reused by depth: a body of many sibling containers allocates only `maxDepth` of them.
        Object.assign(frame, { isArray, count: 0, expectKey: !isArray, keyStart: 0, keyEnd: 0 });
      }
      depth += 1;
      expectValue = isArray;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      if (depth === 0) return undefined;
      depth -= 1;
      expectValue = false;
    } else if (byte === COMMA) {
      const top = depth > 0 ? stack[depth - 1]! : undefined;
      if (top === undefined) return undefined;
      if (top.isArray) expectValue = true;
      else top.expectKey = true;
    } else if (byte === COLON) {
      expectValue = true;
    } else if (expectValue && startsScalar(byte)) {
      const problem = valueStarts();
      if (problem) return problem;
    }
  }
  return undefined;
}
