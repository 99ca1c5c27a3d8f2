/**
 * A named query as a subscription runs it: in chain order (the order the ledger recorded events in, so "after the
 * bookmark" is exactly "new"), without the page-count controls. `initialRecordTime` is not a condition but the
 * starting bookmark (the last event recorded before it), so a bookmark token stays valid whichever start it had.
 */
import type { EpcisQuery } from '../../domain/epcis-query';

/**
 * The subscription form of a query.
 *
 * @param query - The parsed named query.
 * @returns The query to run after each bookmark.
 */
export function streamQuery(query: EpcisQuery): EpcisQuery {
  return { conditions: query.conditions, order: { by: 'chain', direction: 'ASC' } };
}
