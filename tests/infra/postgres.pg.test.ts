// Proves DATABASE_URL points at a REAL PostgreSQL server whose data survives a server restart.
// How: pg client creates a table, inserts and reads back; restartPostgres() restarts the server (new postmaster start time), then a new connection still sees the row.
import t from 'tap';
import { Client } from 'pg';
import { databaseUrl, postgresManaged, restartPostgres } from '../../testkit/src/services';

async function connect(): Promise<Client> {
  const client = new Client({ connectionString: databaseUrl() });
  client.on('error', () => {}); // the restart kills idle connections; don't crash on the 'error' event
  await client.connect();
  return client;
}

t.test('postgres is real and keeps data across a restart', async (t) => {
  const note = `probe-${process.pid}-${Date.now()}`;
  const client = await connect();
  t.teardown(() => client.end().catch(() => {}));

  const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  t.ok(
    Number(version.rows[0]?.server_version_num) >= 120000,
    `PostgreSQL server_version_num=${version.rows[0]?.server_version_num}`,
  );

  await client.query('CREATE TABLE IF NOT EXISTS infra_probe (id serial PRIMARY KEY, note text NOT NULL)');
  const inserted = await client.query<{ id: number }>('INSERT INTO infra_probe (note) VALUES ($1) RETURNING id', [
    note,
  ]);
  const id = inserted.rows[0]?.id;
  const read = await client.query<{ note: string }>('SELECT note FROM infra_probe WHERE id = $1', [id]);
  t.equal(read.rows[0]?.note, note, 'row reads back');

  if (!postgresManaged()) {
    t.skip('restart: DATABASE_URL came from the environment, not scripts/services.sh', () => undefined);
    return;
  }
  const before = await client.query<{ started: Date }>('SELECT pg_postmaster_start_time() AS started');
  await restartPostgres();
  await t.rejects(client.query('SELECT 1'), 'connection from before the restart is gone');

  const fresh = await connect();
  t.teardown(() => fresh.end().catch(() => {}));
  const after = await fresh.query<{ started: Date }>('SELECT pg_postmaster_start_time() AS started');
  t.ok(after.rows[0]!.started.getTime() > before.rows[0]!.started.getTime(), 'server really restarted');
  const survived = await fresh.query<{ note: string }>('SELECT note FROM infra_probe WHERE id = $1', [id]);
  t.equal(survived.rows[0]?.note, note, 'row survived the restart');
});
