/**
 * The opaque `nextPageToken` of account movement pages: the chain position of the last movement of a page (block,
 * position in block, book line), base64url-encoded. A keyset, not an offset, so pages neither skip nor repeat
 * movements while the projection appends new ones.
 */
import type { MovementKey } from '../../repositories/accounts';
import { newProblem } from '../../errors';

/** Token version: bumped if the keyset ever changes, so that old tokens are refused instead of misread. */
const TOKEN_VERSION = 1;

/** Longest token text accepted (a GTIN, a regime and an 80-character location fit well below). */
export const PAGE_TOKEN_MAX_LENGTH = 400;

/**
 * Encode the position after which the next page starts.
 *
 * @param key - The last movement of the page.
 * @returns base64url text.
 */
export function encodeMovementToken(key: MovementKey): string {
  return Buffer.from(
    JSON.stringify([TOKEN_VERSION, key.blockNumber.toString(), key.txSeq, key.gtin, key.regime, key.location]),
  ).toString('base64url');
}

/**
 * Decode a token made by {@link encodeMovementToken}.
 *
 * @param token - As the client sent it.
 * @returns The position.
 * @throws ProblemError `INVALID_PAGE_TOKEN`
 */
export function decodeMovementToken(token: string): MovementKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 6 &&
      parsed[0] === TOKEN_VERSION &&
      typeof parsed[1] === 'string' &&
      /^\d{1,20}$/.test(parsed[1]) &&
      Number.isSafeInteger(parsed[2]) &&
      typeof parsed[3] === 'string' &&
      typeof parsed[4] === 'string' &&
      typeof parsed[5] === 'string' &&
      (parsed[3] as string).length <= 100 &&
      (parsed[4] as string).length <= 100 &&
      (parsed[5] as string).length <= 100
    ) {
      return {
        blockNumber: BigInt(parsed[1]),
        txSeq: parsed[2] as number,
        gtin: parsed[3] as string,
        regime: parsed[4] as string,
        location: parsed[5] as string,
      };
    }
  } catch {
    // fall through: not ours
  }
  throw newProblem('INVALID_PAGE_TOKEN', 'nextPageToken was not issued by this endpoint');
}
