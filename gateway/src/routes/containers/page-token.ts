/**
 * The opaque `nextPageToken` of a container's contents: the SGTIN of the last item of a page, base64url JSON. A keyset
 * (items in SGTIN order), so pages neither skip nor repeat items that stay inside while items are packed or unpacked.
 */
import { newProblem } from '../../errors';

/** Token version: bumped if the keyset ever changes, so that old tokens are refused instead of misread. */
const TOKEN_VERSION = 1;

/** Longest SGTIN URN a token carries (the item-id bound of the ledger model is well below). */
const SGTIN_LENGTH_MAX = 200;

/** Encode where the next page starts. */
export function encodeContentsToken(lastSgtin: string): string {
  return Buffer.from(JSON.stringify([TOKEN_VERSION, lastSgtin])).toString('base64url');
}

/**
 * Decode a token made by {@link encodeContentsToken}.
 *
 * @throws ProblemError `INVALID_PAGE_TOKEN`
 */
export function decodeContentsToken(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      parsed[0] === TOKEN_VERSION &&
      typeof parsed[1] === 'string' &&
      parsed[1].length > 0 &&
      parsed[1].length <= SGTIN_LENGTH_MAX
    )
      return parsed[1];
  } catch {
    // fall through: not ours
  }
  throw newProblem('INVALID_PAGE_TOKEN', 'nextPageToken is not a token this list gave out');
}
