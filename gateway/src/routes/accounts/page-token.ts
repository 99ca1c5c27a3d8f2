/**
 * The opaque `nextPageToken` of account movement pages: the chain position of the last movement of a page (block,
 * position in block, book line), base64url-encoded. A keyset, not an offset, so pages neither skip nor repeat
 * movements while the projection appends new ones.
 */
import type { MovementKey } from '../../repositories/accounts';
import { decodePageToken, encodePageToken } from '../../page-token';

/** Token version: bumped if the keyset ever changes, so that old tokens are refused instead of misread. */
const TOKEN_VERSION = 1;

/**
 * Encode the position after which the next page starts.
 *
 * @param key - The last movement of the page.
 * @returns base64url text.
 */
export function encodeMovementToken(key: MovementKey): string {
  return encodePageToken(TOKEN_VERSION, [key.blockNumber.toString(), key.txSeq, key.gtin, key.regime, key.location]);
}

const shortText = (v: unknown): v is string => typeof v === 'string' && v.length <= 100;

/**
 * Decode a token made by {@link encodeMovementToken}.
 *
 * @param token - As the client sent it.
 * @returns The position.
 * @throws ProblemError `INVALID_PAGE_TOKEN`
 */
export function decodeMovementToken(token: string): MovementKey {
  return decodePageToken(token, TOKEN_VERSION, 5, ([block, txSeq, gtin, regime, location]) =>
    typeof block === 'string' &&
    /^\d{1,20}$/.test(block) &&
    Number.isSafeInteger(txSeq) &&
    shortText(gtin) &&
    shortText(regime) &&
    shortText(location)
      ? { blockNumber: BigInt(block), txSeq: txSeq as number, gtin, regime, location }
      : undefined,
  );
}
