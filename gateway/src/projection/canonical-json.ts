/**
 * The chaincode's canonical JSON (@hainan/ledger-model `encodeCanonicalJson`, the encoder of chaincode/src/ledger-codec.ts:
 * object keys sorted, no whitespace, safe integers only): a projected payload re-encoded here gives the very bytes the
 * chaincode emitted, so a dossier reader can recompute the SHA-256 of a chaincode event from the JSON alone.
 */
import { createHash } from 'node:crypto';
import {
  CANONICAL_JSON_MAX_DEPTH,
  encodeCanonicalJson,
  NestingTooDeepError,
  type CanonicalJsonOptions,
} from '@hainan/ledger-model';
import { newProblem } from '../errors';

/** Deepest nesting accepted, as in the chaincode's codec. */
export const CANONICAL_MAX_DEPTH = CANONICAL_JSON_MAX_DEPTH;

/**
 * Encode a JSON value canonically, with the chaincode's own encoder.
 *
 * @param value - Plain JSON data (integers only, unless `options.integersOnly` is false).
 * @param options - See @hainan/ledger-model `CanonicalJsonOptions`.
 * @returns The canonical text.
 * @throws ProblemError `NESTING_TOO_DEEP` past {@link CANONICAL_MAX_DEPTH} levels (hostile input: a coded refusal,
 *   never a stack overflow); AssertionError for a value with no single JSON form.
 */
export function canonicalJson(value: unknown, options?: CanonicalJsonOptions): string {
  try {
    return encodeCanonicalJson(value, options);
  } catch (error) {
    if (error instanceof NestingTooDeepError) {
      throw newProblem('NESTING_TOO_DEEP', `canonical-json: nesting deeper than ${CANONICAL_MAX_DEPTH} levels`, {
        extensions: { max: CANONICAL_MAX_DEPTH },
      });
    }
    throw error;
  }
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
