/**
 * Repository port: Idempotency records of requests sent with an Idempotency-Key. The row types live here with the
 * interface; adapters/pg implements it.
 */

/** What claiming a key found. */
export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'in-progress' }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'replay'; readonly statusCode: number; readonly response: unknown };

/** Repository of idempotency records. */
export interface IdempotencyRepository {
  /**
   * Claim `key` for a request with digest `requestDigest`, or report what an earlier request left. A claim older
   * than `staleClaimMs` without a response (its process died mid-request) is taken over.
   */
  claim(scope: string, key: string, requestDigest: Buffer, staleClaimMs: number): Promise<IdempotencyClaim>;
  /** Store the response of the claimed request. */
  complete(scope: string, key: string, statusCode: number, response: unknown): Promise<void>;
  /** Drop a claim whose request failed, so that the client may try again with the same key. */
  release(scope: string, key: string): Promise<void>;
  /** Delete records older than `maxAgeMs`, at most `limit` of them; returns how many were deleted. */
  purgeOlderThan(maxAgeMs: number, limit: number): Promise<number>;
}
