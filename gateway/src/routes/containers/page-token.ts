/**
 * The opaque `nextPageToken` of a container's contents: the SGTIN of the last item of a page, base64url JSON. A keyset
 * (items in SGTIN order), so pages neither skip nor repeat items that stay inside while items are packed or unpacked.
 */
import { decodePageToken, encodePageToken } from '../../page-token';

/** Token version: bumped if the keyset ever changes, so that old tokens are refused instead of misread. */
const TOKEN_VERSION = 1;

/** Longest SGTIN URN a token carries (the item-id bound of the ledger model is well below). */
const SGTIN_LENGTH_MAX = 200;

/** Encode where the next page starts. */
export function encodeContentsToken(lastSgtin: string): string {
  return encodePageToken(TOKEN_VERSION, [lastSgtin]);
}

/**
 * Decode a token made by {@link encodeContentsToken}.
 *
 * @throws ProblemError `INVALID_PAGE_TOKEN`
 */
export function decodeContentsToken(token: string): string {
  return decodePageToken(token, TOKEN_VERSION, 1, ([sgtin]) =>
    typeof sgtin === 'string' && sgtin.length > 0 && sgtin.length <= SGTIN_LENGTH_MAX ? sgtin : undefined,
  );
}
