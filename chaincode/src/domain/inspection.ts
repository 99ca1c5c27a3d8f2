/**
 * Deterministic, auditable selection of exits for inspection.
 *
 * Customs commits in advance to a secret seed by publishing its SHA-256. Each declaration or transaction is then
 * selected when a draw derived from SHA-256(seed || transaction id) falls below the class's rate. Every endorser
 * computes the same answer (no randomness), an enterprise cannot predict it without the seed, and once customs
 * reveals the seed anyone can check it matches the commitment and recompute every selection.
 */
import { createHash } from 'node:crypto';
import { ChaincodeError, ErrorCode } from '@hainan/ledger-model';

/**
 * Fewest seed bytes: a short seed could be found by trying every value against the public commitment, which would
 * let an enterprise predict selection. 16 bytes (128 bits) put that out of reach; customs should use 32.
 */
const SEED_BYTES_MIN = 16;
/** Most seed bytes; a limit on input, far above any sensible seed. */
const SEED_BYTES_MAX = 512;
/** Longest transaction / declaration id; Fabric transaction ids are 64 hex characters. */
const TX_ID_LENGTH_MAX = 256;
/** Draws run 0..9999, one per basis point. */
const DRAWS = 10_000;

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

function seedBytes(seedHex: string): Buffer {
  // Buffer.from(hex) silently stops at the first non-hex character, so the form is checked first.
  if (
    typeof seedHex !== 'string' ||
    !HEX.test(seedHex) ||
    seedHex.length < SEED_BYTES_MIN * 2 ||
    seedHex.length > SEED_BYTES_MAX * 2
  ) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      `inspection seed must be ${SEED_BYTES_MIN}-${SEED_BYTES_MAX} bytes of hex (an even number of 0-9a-f characters)`,
    );
  }
  return Buffer.from(seedHex, 'hex');
}

/**
 * The public commitment to a seed, published before the seed is used.
 *
 * @param seedHex the secret seed, hex, 16-512 bytes (case-insensitive)
 * @returns SHA-256 of the seed bytes, lower-case hex
 * @throws ChaincodeError INVALID_ARGUMENT if the seed is not hex of that length
 */
export function seedCommitment(seedHex: string): string {
  return createHash('sha256').update(seedBytes(seedHex)).digest('hex');
}

/**
 * The draw for one transaction: the first 4 bytes of SHA-256(seed bytes || UTF-8 txId), read as a big-endian
 * unsigned integer, modulo 10000. (2^32 is not a multiple of 10000, which favours draws below 7296 by one part in
 * about 430,000: far below any inspection rate's precision.)
 *
 * @param seedHex the seed, hex
 * @param txId the declaration or transaction id
 * @returns 0-9999
 * @throws ChaincodeError INVALID_ARGUMENT for a malformed seed or an empty or over-long id
 */
export function selectionDraw(seedHex: string, txId: string): number {
  const seed = seedBytes(seedHex);
  if (typeof txId !== 'string' || txId.length === 0 || txId.length > TX_ID_LENGTH_MAX) {
    throw new ChaincodeError(ErrorCode.INVALID_ARGUMENT, `transaction id must be 1-${TX_ID_LENGTH_MAX} characters`);
  }
  const digest = createHash('sha256').update(seed).update(txId, 'utf8').digest();
  return digest.readUInt32BE(0) % DRAWS;
}

/**
 * Whether a transaction is selected for inspection at a rate.
 *
 * @param seedHex the seed, hex
 * @param txId the declaration or transaction id
 * @param rateBp the class's inspection rate, 0 (never) to 10000 (always)
 * @returns true when the draw is below the rate
 * @throws ChaincodeError INVALID_ARGUMENT for a malformed seed, id or rate
 */
export function isSelected(seedHex: string, txId: string, rateBp: number): boolean {
  if (!Number.isSafeInteger(rateBp) || rateBp < 0 || rateBp > DRAWS) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      `inspection rate must be 0-${DRAWS} bp, got ${String(rateBp)}`,
    );
  }
  return selectionDraw(seedHex, txId) < rateBp;
}

/**
 * Checks a revealed seed against the commitment published earlier.
 *
 * @param commitmentHex the published commitment (case-insensitive)
 * @param seedHex the revealed seed
 * @returns true only when the seed is well formed and hashes to the commitment
 */
export function verifyReveal(commitmentHex: string, seedHex: string): boolean {
  if (typeof commitmentHex !== 'string') {
    return false;
  }
  let actual: string;
  try {
    actual = seedCommitment(seedHex);
  } catch (error) {
    if (error instanceof ChaincodeError) {
      return false; // a malformed reveal simply does not verify
    }
    throw error;
  }
  return actual === commitmentHex.toLowerCase();
}
