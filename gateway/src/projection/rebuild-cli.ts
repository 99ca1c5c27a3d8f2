/**
 * `npm run -w gateway projection:rebuild [-- --idle-ms 2000]`: truncate the projection tables and replay the chain
 * from block 0 into `DATABASE_URL`, reading events from the configured Fabric peer (`FABRIC_CONNECTION_PROFILE` or
 * `FABRIC_*`). Stop the gateway first. The embedded defaults are refused: they belong to a running gateway.
 */
import { createPool, migrate } from '../adapters/pg';
import { ConfigError, loadConfig } from '../config';
import { openProjectionLedgerClient } from './ledger-source';
import { DEFAULT_REBUILD_IDLE_MS, rebuildProjection } from './rebuild';

function fail(message: string, code: number): never {
  process.stderr.write(`projection:rebuild: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let config;
  try {
    // The rebuild never codes a person, so it does not ask for the person-code key the gateway requires.
    config = loadConfig({ PERSON_CODE_SECRET: 'not-used-by-the-projection-rebuild-cli', ...process.env });
  } catch (err: unknown) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
  if (config.databaseUrl === undefined || config.ledger.kind !== 'settings') {
    fail('set DATABASE_URL and the Fabric settings (FABRIC_CONNECTION_PROFILE or FABRIC_*)', 2);
  }
  const idleArg = process.argv.indexOf('--idle-ms');
  const idleMs = idleArg >= 0 ? Number(process.argv[idleArg + 1]) : DEFAULT_REBUILD_IDLE_MS;
  if (!Number.isInteger(idleMs) || idleMs <= 0) fail('--idle-ms must be a positive integer', 2);

  await migrate(config.databaseUrl);
  const pool = createPool({ connectionString: config.databaseUrl });
  const client = openProjectionLedgerClient(config.ledger.settings, config.customsMspId);
  try {
    const result = await rebuildProjection({
      pool,
      openEvents: (from, checkpoint) => client.chaincodeEvents(from, checkpoint),
      idleMs,
      log: {
        info: (obj, message) => process.stdout.write(`${message} ${JSON.stringify(obj)}\n`),
        warn: (obj, message) => process.stderr.write(`${message} ${String((obj as { err?: unknown }).err ?? '')}\n`),
      },
    });
    process.stdout.write(
      `projection rebuilt: ${result.eventsApplied} events, last block ${result.lastBlock ?? 'none'}\n`,
    );
  } finally {
    client.close();
    await pool.end();
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err), 1));
