/**
 * The opaque `nextPageToken` of request pages: the filing time and id of the last request of a page, base64url JSON.
 * A keyset, so pages neither skip nor repeat requests while new ones are filed.
 */
import { decodePageToken, encodePageToken } from '../../page-token';
import type { RequestKey } from '../../repositories/requests';

/** Token version: bumped if the keyset ever changes, so that old tokens are refused instead of misread. */
const TOKEN_VERSION = 1;

/** Encode where the next page starts. */
export function encodeRequestToken(key: RequestKey): string {
  return encodePageToken(TOKEN_VERSION, [key.filedAt.toISOString(), key.requestId]);
}

/**
 * Decode a token made by {@link encodeRequestToken}.
 *
 * @throws ProblemError `INVALID_PAGE_TOKEN`
 */
export function decodeRequestToken(token: string): RequestKey {
  return decodePageToken(token, TOKEN_VERSION, 2, ([filedAt, requestId]) =>
    typeof filedAt === 'string' &&
    typeof requestId === 'string' &&
    requestId.length <= 64 &&
    !Number.isNaN(Date.parse(filedAt))
      ? { filedAt: new Date(filedAt), requestId }
      : undefined,
  );
}
