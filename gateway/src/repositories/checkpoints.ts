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
}
