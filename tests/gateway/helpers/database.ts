/**
 * A private, migrated database per test file on the test PostgreSQL server (DATABASE_URL), dropped at teardown, so
 * that gateway tests do not see each other's rows or schema changes.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrl } from '../../../testkit/src/services';
import { migrate } from '../../../gateway/src/adapters/pg';

/** What tap's `t` offers that the helpers use. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl() });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Create an empty database, dropped when the test ends.
 *
 * @param t - The test (for teardown).
 * @returns Its connection string.
 */
export async function createEmptyDatabase(t: Teardown): Promise<string> {
  const name = `gw_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  t.teardown(() =>
    admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined),
  );
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Create a database with the gateway's schema, dropped when the test ends.
 *
 * @param t - The test (for teardown).
 * @returns Its connection string.
 */
export async function createMigratedDatabase(t: Teardown): Promise<string> {
  const url = await createEmptyDatabase(t);
  await migrate(url);
  return url;
}
