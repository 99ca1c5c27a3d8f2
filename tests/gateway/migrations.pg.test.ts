// Proves the migrations in db/migrations apply up and down cleanly and idempotently (re-running up or down changes nothing).
// How: postgrator via the pg adapter's migrate() on a private empty database, checking the version table and the tables.
import t from 'tap';
import { Client } from 'pg';
import { readdirSync } from 'node:fs';
import { migrate, migrationsDirectory } from '../../gateway/src/adapters/pg';
import { createEmptyDatabase } from './helpers/database';

/** Every migration in db/migrations (do + undo pairs). */
const MIGRATIONS = readdirSync(migrationsDirectory()).filter((file) => /^\d+\.do\..+\.sql$/.test(file)).length;
const TABLES = [
  'account_movements',
  'account_reconciliations',
  'api_keys',
  'capture_chunks',
  'capture_events',
  'captures',
  'container_events',
  'container_members',
  'container_state',
  'customs_requests',
  'enterprise_identities',
  'enterprise_suspensions',
  'enterprises',
  'epcis_events',
  'epcis_named_queries',
  'epcis_subscriptions',
  'idempotency_records',
  'item_events',
  'item_parties',
  'items',
  'known_gtins',
  'ledger_transactions',
  'projection_checkpoint',
  'queue_jobs',
  'signing_sessions',
  'stocktake_batches',
  'stocktake_reads',
  'stocktake_reports',
  'stocktakes',
];

async function tablesIn(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_version' ORDER BY table_name`,
    );
    return rows.map((row) => row.table_name);
  } finally {
    await client.end();
  }
}

t.test('up, up again, down to 0, down again, up again', async (t) => {
  const url = await createEmptyDatabase(t);

  const first = await migrate(url);
  t.equal(first.fromVersion, 0);
  t.equal(first.toVersion, MIGRATIONS);
  t.equal(first.applied.length, MIGRATIONS, 'every migration ran once');
  t.same(await tablesIn(url), TABLES);

  const second = await migrate(url);
  t.same(second, { fromVersion: MIGRATIONS, toVersion: MIGRATIONS, applied: [] }, 'running up again does nothing');

  const down = await migrate(url, 0);
  t.equal(down.applied.length, MIGRATIONS, 'every undo ran');
  t.ok(down.applied.every((file) => file.includes('.undo.')));
  t.same(await tablesIn(url), [], 'all tables gone');

  const downAgain = await migrate(url, 0);
  t.same(downAgain.applied, [], 'running down again does nothing');

  const up = await migrate(url);
  t.equal(up.applied.length, MIGRATIONS, 'the schema comes back');
  t.same(await tablesIn(url), TABLES);
});

t.test('two migrations started at once apply each migration once', async (t) => {
  const url = await createEmptyDatabase(t);
  const [a, b] = await Promise.all([migrate(url), migrate(url)]);
  t.equal(a.applied.length + b.applied.length, MIGRATIONS, 'the advisory lock serialised them');
  t.same(await tablesIn(url), TABLES);
});
