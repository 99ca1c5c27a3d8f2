/**
 * The chaincode's canonical JSON (chaincode/src/ledger-codec.ts: object keys sorted, no whitespace, integers only),
 * re-implemented for the gateway: a projected payload re-encoded here gives the very bytes the chaincode emitted, so
 * a dossier reader can recompute the SHA-256 of a chaincode event from the JSON alone.
 */
import { createHash } from 'node:crypto';
import { newProblem } from '../errors';

/** Deepest nesting accepted, as in the chaincode's codec. */
export const CANONICAL_MAX_DEPTH = 64;

/** A list or object being written: the parts of its members so far, and what is left of them. */
interface Frame {
    readonly open: '[' | '{';
    readonly depth: number;
    /** Members left, as [key prefix, value]; the prefix is `"key":` in an object and empty in an array. */
    readonly members: readonly (readonly [string, unknown])[];
    next: number;
    readonly parts: string[];
}

function scalar(value: unknown): string {
    if (value === null) return 'null';
    switch (typeof value) {
        case 'string':
            return JSON.stringify(value);
        case 'boolean':
            return value ? 'true' : 'false';
        case 'number':
            return String(value);
        default:
            throw new Error(`canonical-json: ${typeof value} has no JSON form`);
    }
}

function frameOf(value: object, depth: number): Frame {
    if (depth > CANONICAL_MAX_DEPTH) {
        // The chaincode's codec refuses the same depth: a coded refusal, not a crash, whoever calls this.
        throw newProblem('NESTING_TOO_DEEP', `canonical-json: nesting deeper than ${CANONICAL_MAX_DEPTH} levels`, {
            extensions: { max: CANONICAL_MAX_DEPTH },
        });
    }
    if (Array.isArray(value)) {
        return { open: '[', depth, members: value.map((element: unknown) => ['', element] as const), next: 0, parts: [] };
    }
    const record = value as Record<string, unknown>;
    const members: (readonly [string, unknown])[] = [];
    for (const key of Object.keys(record).sort()) {
        if (record[key] !== undefined) members.push([`${JSON.stringify(key)}:`, record[key]]);
    }
    return { open: '{', depth, members, next: 0, parts: [] };
}

/** Writes `value` with its own stack: no JavaScript stack limit, only {@link CANONICAL_MAX_DEPTH}. */
function write(value: unknown): string {
    if (typeof value !== 'object' || value === null) return scalar(value);
    const stack: Frame[] = [frameOf(value, 0)];
    for (;;) {
        const frame = stack[stack.length - 1]!;
        if (frame.next < frame.members.length) {
            const [prefix, child] = frame.members[frame.next++]!;
            if (typeof child === 'object' && child !== null) {
                const inner = frameOf(child, frame.depth + 1);
                frame.parts.push(prefix); // the child's text is appended to this prefix when it is done
                stack.push(inner);
            } else {
                frame.parts.push(prefix + scalar(child));
            }
            continue;
        }
        stack.pop();
        const text = frame.open === '[' ? `[${frame.parts.join(',')}]` : `{${frame.parts.join(',')}}`;
        const parent = stack[stack.length - 1];
        if (parent === undefined) return text;
        parent.parts[parent.parts.length - 1] += text;
    }
}

/**
 * Encode a JSON value canonically.
 *
 * @param value - Plain JSON data.
 * @returns The canonical text.
 */
export function canonicalJson(value: unknown): string {
    return write(value);
}

/**
 * SHA-256 (hex) of bytes or of a value's canonical JSON in UTF-8.
 *
 * @param input - Raw bytes, or a JSON value to encode canonically first.
 * @returns Lower-case hex digest.
 */
export function sha256Hex(input: Uint8Array | { json: unknown }): string {
    const bytes = input instanceof Uint8Array ? input : Buffer.from(canonicalJson(input.json), 'utf8');
    return createHash('sha256').update(bytes).digest('hex');
}
