/**
 * The chaincode's canonical JSON (chaincode/src/ledger-codec.ts: object keys sorted, no whitespace, integers only),
 * re-implemented for the gateway: a projected payload re-encoded here gives the very bytes the chaincode emitted, so
 * a dossier reader can recompute the SHA-256 of a chaincode event from the JSON alone.
 */
import { createHash } from 'node:crypto';

/** Deepest nesting accepted, as in the chaincode's codec. */
export const CANONICAL_MAX_DEPTH = 64;

function write(value: unknown, depth: number): string {
    if (depth > CANONICAL_MAX_DEPTH) {
        throw new Error(`canonical-json: nesting deeper than ${CANONICAL_MAX_DEPTH} levels`);
    }
    if (value === null) return 'null';
    switch (typeof value) {
        case 'string':
            return JSON.stringify(value);
        case 'boolean':
            return value ? 'true' : 'false';
        case 'number':
            return String(value);
        case 'object': {
            if (Array.isArray(value)) {
                return `[${value.map((element: unknown) => write(element, depth + 1)).join(',')}]`;
            }
            const record = value as Record<string, unknown>;
            const parts: string[] = [];
            for (const key of Object.keys(record).sort()) {
                const child = record[key];
                if (child === undefined) continue;
                parts.push(`${JSON.stringify(key)}:${write(child, depth + 1)}`);
            }
            return `{${parts.join(',')}}`;
        }
        default:
            throw new Error(`canonical-json: ${typeof value} has no JSON form`);
    }
}

/**
 * Encode a JSON value canonically.
 *
 * @param value - Plain JSON data.
 * @returns The canonical text.
 */
export function canonicalJson(value: unknown): string {
    return write(value, 0);
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
