/**
 * The projection follower as the server runs it, for tests: its own customs-signed event stream from the dev peer
 * into `databaseUrl`, started now and stopped (stream, pool) at teardown.
 */
import { createPool } from '../../../gateway/src/adapters/pg';
import type { LedgerSettings } from '../../../gateway/src/ledger/ledger-settings';
import { newProjectionFollower, type ProjectionFollower } from '../../../gateway/src/projection/follower';
import { openProjectionLedgerClient } from '../../../gateway/src/projection/ledger-source';
import type { Teardown } from './database';

/**
 * Start a follower.
 *
 * @param t - The test (for teardown).
 * @param settings - The dev peer's ledger settings.
 * @param databaseUrl - The migrated database to project into.
 * @returns The running follower.
 */
export function startProjection(t: Teardown, settings: LedgerSettings, databaseUrl: string): ProjectionFollower {
  const client = openProjectionLedgerClient(settings, 'CustomsMSP');
  const pool = createPool({ connectionString: databaseUrl });
  const follower = newProjectionFollower({
    pool,
    openEvents: (from, checkpoint) => client.chaincodeEvents(from, checkpoint),
  });
  follower.start();
  t.teardown(async () => {
    await follower.stop();
    client.close();
    await pool.end();
  });
  return follower;
}
