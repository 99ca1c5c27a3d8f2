/**
 * Access to the PostgreSQL and Redis servers the test suite runs against.
 *
 * `npm test` (scripts/test.sh) either provisions private throw-away servers through
 * `scripts/services.sh` or uses the ones named by `DATABASE_URL` / `REDIS_URL` in the
 * environment. These helpers read that environment and, for provisioned servers only,
 * restart them so tests can prove a component survives a database/Redis restart.
 *
 * @packageDocumentation
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

function requireEnv(name: 'DATABASE_URL' | 'REDIS_URL'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set. Run the tests with \`npm test\` (scripts/test.sh provisions PostgreSQL and ` +
        `Redis and exports ${name}), or export ${name} to point at a server you run yourself.`,
    );
  }
  return value;
}

/**
 * Connection string of the test PostgreSQL database, e.g.
 * `postgres://postgres@127.0.0.1:55432/traceability_test`.
 *
 * @throws Error if `DATABASE_URL` is unset (the tests were not started via `npm test`).
 */
export function databaseUrl(): string {
  return requireEnv('DATABASE_URL');
}

/**
 * Connection string of the test Redis server, e.g. `redis://127.0.0.1:56379`.
 *
 * @throws Error if `REDIS_URL` is unset (the tests were not started via `npm test`).
 */
export function redisUrl(): string {
  return requireEnv('REDIS_URL');
}

/**
 * True when PostgreSQL was provisioned by `scripts/services.sh` (and so can be restarted by
 * {@link restartPostgres}); false when `DATABASE_URL` points at a server supplied by the caller.
 */
export function postgresManaged(): boolean {
  return process.env.HAINAN_PG_MANAGED === '1';
}

/**
 * True when Redis was provisioned by `scripts/services.sh` (and so can be restarted by
 * {@link restartRedis}); false when `REDIS_URL` points at a server supplied by the caller.
 */
export function redisManaged(): boolean {
  return process.env.HAINAN_REDIS_MANAGED === '1';
}

/** Repo root: the nearest ancestor of this file (src/ or dist/) holding scripts/services.sh. */
function servicesScript(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'scripts', 'services.sh');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`scripts/services.sh not found above ${__dirname}`);
}

function runServices(command: 'restart-pg' | 'restart-redis', managed: boolean, what: string): Promise<void> {
  if (!managed) {
    return Promise.reject(
      new Error(
        `cannot restart ${what}: it was not provisioned by scripts/services.sh (the URL came from the ` +
          `environment, or the tests were not started via \`npm test\`). Only provisioned servers can be restarted.`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    // HAINAN_SERVICES_DIR in process.env tells the script which instance to restart.
    execFile('bash', [servicesScript(), command], { env: process.env, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/services.sh ${command} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

/**
 * Stop and start the provisioned PostgreSQL server, keeping its data (clean `pg_ctl stop -m fast`).
 * Existing connections are terminated; new ones work once this resolves.
 *
 * @throws Error (rejects) if PostgreSQL was not provisioned by `scripts/services.sh`.
 */
export function restartPostgres(): Promise<void> {
  return runServices('restart-pg', postgresManaged(), 'PostgreSQL');
}

/**
 * Stop and start the provisioned Redis server, keeping its data (`SHUTDOWN SAVE` then reload of the
 * dump). Existing connections drop; clients with reconnect logic (ioredis) reconnect.
 *
 * @throws Error (rejects) if Redis was not provisioned by `scripts/services.sh`.
 */
export function restartRedis(): Promise<void> {
  return runServices('restart-redis', redisManaged(), 'Redis');
}
