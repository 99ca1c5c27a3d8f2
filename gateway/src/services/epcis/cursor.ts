/**
 * Opaque `nextPageToken`s of the EPCIS routes: the keyset position of the last event of a page (chain position, and
 * the event time when the query orders by it), what is left of `eventCountLimit`, and a digest of the query, so a
 * token is refused with another query instead of silently paging through it. Stream subscriptions hand out the same
 * token as their bookmark: a client that reconnects with it resumes after the last event it received.
 */
import { createHash } from 'node:crypto';
import type { EpcisQuery } from '../../domain/epcis-query';
import { decodePageToken, encodePageToken } from '../../page-token';
import type { EpcisCursor } from '../../repositories/epcis';

/** Bumped when the layout changes: old tokens are refused, never misread. */
const TOKEN_VERSION = 2;

/** A decoded token. */
export interface PageCursor {
  readonly after: EpcisCursor;
  /** Events still allowed by `eventCountLimit`; undefined: no limit. */
  readonly remaining?: number;
}

/** The digest a token carries of its query (ordering and conditions). */
export function queryDigest(query: EpcisQuery): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 12);
}

/**
 * Encode a page position.
 *
 * @param query - The query paged through.
 * @param cursor - After which event the next page starts.
 * @returns base64url text.
 */
export function encodeCursor(query: EpcisQuery, cursor: PageCursor): string {
  const { after } = cursor;
  return encodePageToken(TOKEN_VERSION, [
    queryDigest(query),
    after.blockNumber.toString(),
    after.txSeq,
    after.eventSeq,
    query.order.by === 'eventTime' ? (after.eventTime ?? null) : null,
    cursor.remaining ?? null,
  ]);
}

/** A timestamptz as PostgreSQL renders it (the cursor's event time); anything else would fail in SQL. */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

/**
 * Decode a token from {@link encodeCursor} for the same query.
 *
 * @throws ProblemError `INVALID_PAGE_TOKEN`
 */
export function decodeCursor(query: EpcisQuery, token: string): PageCursor {
  return decodePageToken(
    token,
    TOKEN_VERSION,
    6,
    ([digest, block, txSeq, eventSeq, eventTime, remaining]): PageCursor | undefined => {
      if (
        digest !== queryDigest(query) ||
        typeof block !== 'string' ||
        !/^\d{1,20}$/.test(block) ||
        !Number.isSafeInteger(txSeq) ||
        !Number.isSafeInteger(eventSeq) ||
        (query.order.by === 'eventTime'
          ? typeof eventTime !== 'string' || !PG_TIMESTAMP.test(eventTime)
          : eventTime !== null) ||
        !(remaining === null || (Number.isSafeInteger(remaining) && (remaining as number) > 0))
      )
        return undefined;
      return {
        after: {
          blockNumber: BigInt(block),
          txSeq: txSeq as number,
          eventSeq: eventSeq as number,
          ...(typeof eventTime === 'string' ? { eventTime } : {}),
        },
        ...(remaining === null ? {} : { remaining: remaining as number }),
      };
    },
    'nextPageToken was not issued for this query by this endpoint',
  );
}
