/**
 * Repository port: Projection checkpoints: where each chain-event projection resumes. The row types live here with the
 * interface; adapters/pg implements it.
 */

/** Position of a projection in the chain: block number, and the last transaction applied in that block. */
export interface ProjectionCheckpoint {
  readonly name: string;
  readonly blockNumber: bigint;
  readonly transactionId: string | null;
}

/** Repository of projection checkpoints. */
export interface CheckpointRepository {
  get(name: string): Promise<ProjectionCheckpoint | undefined>;
  save(checkpoint: ProjectionCheckpoint): Promise<void>;
  /**
   * Compare-and-set: move the checkpoint to `checkpoint` only if it still stands at `expected` (undefined: no row
   * yet), locking the row for the rest of the transaction. False when another writer moved it first (a second
   * follower, e.g. a deposed projection leader): the caller must roll back, so nothing is applied twice or regressed.
   */
  saveIfAt(
    checkpoint: ProjectionCheckpoint,
    expected: Pick<ProjectionCheckpoint, 'blockNumber' | 'transactionId'> | undefined,
  ): Promise<boolean>;
}
