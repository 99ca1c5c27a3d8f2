/** Ledger calls of a transaction queued together (no import of the ledger modules: any of them may use it). */

/**
 * Runs one ledger call per element, all queued at once, and gives the results in element order.
 *
 * Why: fabric-shim sends a transaction's state requests to the peer one at a time whatever we do, but with
 * every request queued it sends the next one the moment a response arrives, instead of after the chaincode's
 * own event-loop turn; for a 1,000-item batch that is 1,000 turns off the critical path. All calls settle
 * before an error is raised (the first in element order, so every endorser refuses with the same message), so
 * no request of a finished transaction is still queued for the peer.
 */
export async function inOrder<T, R>(
  elements: readonly T[],
  call: (element: T, index: number) => Promise<R>,
): Promise<R[]> {
  const settled = await Promise.allSettled(elements.map(call));
  return settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}
