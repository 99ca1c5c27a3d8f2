/**
 * Rebuild the projection from block 0: empty its tables and checkpoint in one transaction, then follow the chain
 * until the peer has delivered nothing new for a while. Run it with the gateway's follower stopped (the follower
 * would only re-apply idempotent rows, but the rebuild's truncate would race with it).
 */
import { newProjectionRepository, withTransaction, type DbPool } from '../adapters/pg';
import { PROJECTION_NAME, newProjectionFollower, type FollowerLogger, type OpenLedgerEvents } from './follower';

/** Default quiet time that means "caught up", in milliseconds. */
export const DEFAULT_REBUILD_IDLE_MS = 2_000;
/** Default longest rebuild, in milliseconds. */
export const DEFAULT_REBUILD_MAX_MS = 3_600_000;

/** Options of {@link rebuildProjection}. */
export interface RebuildOptions {
  pool: DbPool;
  openEvents: OpenLedgerEvents;
  log?: FollowerLogger;
  idleMs?: number;
  maxMs?: number;
}

/**
 * Truncate and replay.
 *
 * @param options - Pool, event source, limits.
 * @returns Events applied and the last projected block.
 */
export async function rebuildProjection(
  options: Readonly<RebuildOptions>,
): Promise<{ eventsApplied: number; lastBlock: bigint | undefined }> {
  await withTransaction(options.pool, (tx) => newProjectionRepository(tx).truncate(PROJECTION_NAME));
  const follower = newProjectionFollower({
    pool: options.pool,
    openEvents: options.openEvents,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  follower.start();
  try {
    await follower.waitUntilIdle(options.idleMs ?? DEFAULT_REBUILD_IDLE_MS, options.maxMs ?? DEFAULT_REBUILD_MAX_MS);
  } finally {
    await follower.stop();
  }
  const { eventsApplied, lastBlock } = follower.status();
  return { eventsApplied, lastBlock };
}
