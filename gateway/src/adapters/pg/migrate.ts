/**
 * Schema migrations with postgrator over `db/migrations/NNN.{do,undo}.<name>.sql`, serialised by a PostgreSQL
 * advisory lock so that two gateways starting together do not both apply the same migration.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Client } from 'pg';
import Postgrator from 'postgrator';

/** Arbitrary, fixed key of the advisory lock held while migrating ("hainan" in ASCII, as a bigint). */
const MIGRATION_LOCK_KEY = '114589476014446';

/** Folders walked up from this file to find `db/migrations` (src/adapters/pg or dist/adapters/pg -> repo root). */
const MIGRATIONS_DIR_SEARCH_DEPTH = 6;

/** The table postgrator records applied versions in. */
export const SCHEMA_VERSION_TABLE = 'schema_version';

/** What {@link migrate} did. */
export interface MigrationResult {
  /** Schema version before. */
  fromVersion: number;
  /** Schema version after. */
  toVersion: number;
  /** File names applied, in order. */
  applied: string[];
}

/**
 * The repository's `db/migrations` folder, found from this file's location.
 *
 * @returns Absolute path.
 * @throws Error when not found (a packaging mistake).
 */
export function migrationsDirectory(): string {
  let dir = __dirname;
  for (let i = 0; i < MIGRATIONS_DIR_SEARCH_DEPTH; i++) {
    const candidate = join(dir, 'db', 'migrations');
    if (existsSync(candidate)) {
      return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error(`db/migrations not found above ${__dirname}`);
}

/**
 * Bring the schema to `targetVersion` (default: the newest migration), up or down.
 *
 * Safe to run again: applied migrations are skipped (postgrator compares versions and checksums).
 *
 * @param connectionString - Database URL.
 * @param targetVersion - Version to reach; `0` undoes everything.
 * @returns Versions before and after, and what ran.
 */
export async function migrate(connectionString: string, targetVersion?: number): Promise<MigrationResult> {
  const client = new Client({ connectionString, application_name: 'hainan-gateway-migrate' });
  client.on('error', () => undefined); // a dropped connection surfaces as the failing query's error
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    const postgrator = new Postgrator({
      migrationPattern: join(migrationsDirectory(), '*'),
      driver: 'pg',
      schemaTable: SCHEMA_VERSION_TABLE,
      validateChecksums: true,
      execQuery: (query: string) => client.query(query),
    });
    const fromVersion = await postgrator.getDatabaseVersion();
    const target = targetVersion ?? (await postgrator.getMaxVersion());
    const applied = await postgrator.migrate(String(target));
    return { fromVersion, toVersion: target, applied: applied.map((migration) => basename(migration.filename)) };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
