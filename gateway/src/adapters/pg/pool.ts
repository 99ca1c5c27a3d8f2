/**
 * The PostgreSQL connection pool and the minimal query interface the repositories take (kysely-style: repositories
 * depend on {@link Queryable}, not on the driver's types, so a pool, a pooled client or a transaction all fit).
 */
import { Client, Pool } from 'pg';

/** A row-returning SQL query runner: a pool, a checked-out client, or a transaction's client. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A client checked out of the pool, for a transaction. */
export interface PooledClient extends Queryable {
  /** Return the client; pass an error to destroy it instead (it may be in a broken state). */
  release(err?: Error | boolean): void;
}

/** What the gateway needs from a pool. */
export interface DbPool extends Queryable {
  connect(): Promise<PooledClient>;
  end(): Promise<void>;
  /** Connections open, idle, and callers waiting, for metrics. */
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** Pool settings, with units in the names. */
export interface PoolSettings {
  connectionString: string;
  /** Most connections, shared by HTTP requests, queue workers and the projector. */
  maxConnections?: number;
  /** How long to wait for a free connection or a new one before failing, in milliseconds. */
  connectionTimeoutMs?: number;
  /** Server-side limit on one statement, in milliseconds: a stuck query cannot hold a connection forever. */
  statementTimeoutMs?: number;
  /** Close connections idle this long, in milliseconds. */
  idleTimeoutMs?: number;
  /** Called with errors of idle connections (e.g. the server restarted); the pool replaces them. */
  onIdleError?: (err: Error) => void;
}

/** Defaults sized for a 2-core gateway: requests are short and the queue uses a handful of connections. */
export const DEFAULT_POOL_SETTINGS = Object.freeze({
  maxConnections: 10,
  connectionTimeoutMs: 5_000,
  statementTimeoutMs: 15_000,
  idleTimeoutMs: 30_000,
});

/**
 * Create the pool. No connection is opened until the first query.
 *
 * @param settings - Connection string and limits.
 * @returns The pool; `end()` it at shutdown.
 */
export function createPool(settings: Readonly<PoolSettings>): DbPool {
  const pool = new Pool({
    connectionString: settings.connectionString,
    max: settings.maxConnections ?? DEFAULT_POOL_SETTINGS.maxConnections,
    connectionTimeoutMillis: settings.connectionTimeoutMs ?? DEFAULT_POOL_SETTINGS.connectionTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs ?? DEFAULT_POOL_SETTINGS.idleTimeoutMs,
    statement_timeout: settings.statementTimeoutMs ?? DEFAULT_POOL_SETTINGS.statementTimeoutMs,
    application_name: 'hainan-gateway',
  });
  // Without a listener, an idle connection dropped by the server (restart, failover) crashes the process.
  const onIdleError = settings.onIdleError ?? (() => undefined);
  pool.on('error', (err: Error) => onIdleError(err));
  // A connection that dies while checked out (between the queries of a transaction, say) emits 'error' on its
  // client, where the pool listens no more: give every client a listener too. The caller's next query on it
  // rejects, and withTransaction releases it as broken, so nothing is lost by not crashing here.
  pool.on('connect', (client) => {
    client.on('error', (err: Error) => onIdleError(err));
  });
  return pool as unknown as DbPool;
}

/**
 * Run `fn` inside one transaction on one pooled connection: COMMIT if it resolves, ROLLBACK if it throws.
 *
 * @param pool - Where to take the connection from.
 * @param fn - The work; it must use the `Queryable` it is given, not the pool.
 * @returns What `fn` returned.
 */
export async function withTransaction<T>(pool: DbPool, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err: unknown) {
    // A failed ROLLBACK means the connection is broken: destroy it rather than return it to the pool.
    await client.query('ROLLBACK').then(
      () => client.release(),
      (rollbackErr: unknown) => client.release(rollbackErr instanceof Error ? rollbackErr : true),
    );
    throw err;
  }
}

/** A statement run as a named prepared statement: PostgreSQL parses and plans it once per connection. */
export interface PreparedStatement {
  /** Unique per statement text in the whole process (pg keys prepared statements by name per connection). */
  readonly name: string;
  readonly text: string;
}

/**
 * Run a hot read as a prepared statement (saves PostgreSQL the parse and plan of every execution). A Queryable that
 * is not a pg pool or client (a test double) gets the plain text query.
 *
 * @param db - Pool, pooled client or transaction.
 * @param statement - Name and SQL; list columns explicitly (a cached plan must keep its result type).
 * @param values - Parameters.
 * @returns The rows.
 */
export function queryPrepared<R extends object = Record<string, unknown>>(
  db: Queryable,
  statement: PreparedStatement,
  values: readonly unknown[],
): Promise<{ rows: R[]; rowCount: number | null }> {
  if (db instanceof Pool || db instanceof Client) {
    return db.query<R>({ name: statement.name, text: statement.text, values: values as unknown[] });
  }
  return db.query<R>(statement.text, values);
}
