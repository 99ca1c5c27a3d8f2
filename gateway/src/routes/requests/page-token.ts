/**
 * The opaque `nextPageToken` of request pages: the filing time and id of the last request of a page, base64url JSON.
 * A keyset, so pages neither skip nor repeat requests while new ones are filed.
 */
import { newProblem } from '../../errors';
import type { RequestKey } from '../../repositories/requests';

/** Token version: bumped if the keyset ever changes, so that old tokens are refused instead of misread. */
const TOKEN_VERSION = 1;

/** Encode where the next page starts. */
export function encodeRequestToken(key: RequestKey): string {
  return Buffer.from(JSON.stringify([TOKEN_VERSION, key.filedAt.toISOString(), key.requestId])).toString('base64url');
}

/**
 * Decode a token made by {@link encodeRequestToken}.
 *
 * @throws ProblemError `INVALID_PAGE_TOKEN`
 */
export function decodeRequestToken(token: string): RequestKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed[0] === TOKEN_VERSION &&
      typeof parsed[1] === 'string' &&
      typeof parsed[2] === 'string' &&
      parsed[2].length <= 64 &&
      !Number.isNaN(Date.parse(parsed[1]))
    ) {
      return { filedAt: new Date(parsed[1]), requestId: parsed[2] };
    }
  } catch {
    // fall through: not ours
  }
  throw newProblem('INVALID_PAGE_TOKEN', 'nextPageToken is not a token this list gave out');
}
