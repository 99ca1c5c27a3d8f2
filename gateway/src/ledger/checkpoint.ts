/**
 * Bridges a stored projection checkpoint to the Fabric adapter's resume position, so that a projector reopens the
 * chaincode event stream right after the last event it applied (off_chain_data `listen.ts` pattern).
 */
import type { LedgerCheckpoint } from '../adapters/fabric';
import type { ProjectionCheckpoint } from '../repositories/checkpoints';

/**
 * The resume position for `LedgerClient.chaincodeEvents(fromBlock, checkpoint)`.
 *
 * @param stored - The projection's checkpoint row, or undefined before its first event.
 * @returns A checkpoint: undefined block and transaction when nothing was applied yet (the stream then starts at
 *   `fromBlock`).
 */
export function toLedgerCheckpoint(stored: ProjectionCheckpoint | undefined): LedgerCheckpoint {
  return {
    getBlockNumber: () => stored?.blockNumber,
    getTransactionId: () => stored?.transactionId ?? undefined,
  };
}
