/**
 * Leader election on PostgreSQL: of all gateway processes on one database, the one holding a session advisory lock
 * is the leader (it runs the projection follower and the periodic sweeps). The lock lives on a dedicated connection,
 * so it is released by PostgreSQL the moment that connection ends: a leader killed with SIGKILL, or cut off, loses
 * it within the server's detection of the dead socket, and a follower that retries every `retryMs` takes over.
 *
 * A leader that loses its connection is told (`onDeposed`) as soon as the client notices; until then it may still
 * write, which is why the projection checkpoint is compare-and-set (adapters/pg/checkpoint-repository.ts): a
 * deposed leader's batch rolls back instead of applying twice.
 */
import { Client } from 'pg';

/** Advisory lock namespace of the gateway ("HNAN"), and the lock of the projection leader in it. */
export const ADVISORY_LOCK_CLASS = 0x484e414e;
export const PROJECTION_LEADER_LOCK = 1;

/** Default time between attempts of a process that is not the leader, in milliseconds. */
export const DEFAULT_LEADER_RETRY_MS = 2_000;

/** Log sink. */
export interface LeaderLogger {
  info(obj: object, message: string): void;
  warn(obj: object, message: string): void;
}

/** Options of {@link newLeaderElection}. */
export interface LeaderElectionOptions {
  databaseUrl: string;
  /** The lock contended for (within {@link ADVISORY_LOCK_CLASS}); default {@link PROJECTION_LEADER_LOCK}. */
  lock?: number;
  /** Time between attempts, and between checks that the held connection is alive. */
  retryMs?: number;
  /** Became the leader: start the leader's work (must not throw). */
  onElected: () => void;
  /** No longer the leader (connection lost, or stop()): stop the leader's work; awaited before trying again. */
  onDeposed: () => Promise<void>;
  log?: LeaderLogger;
}

/** A running election. */
export interface LeaderElection {
  start(): void;
  /** Whether this process holds the lock now. */
  isLeader(): boolean;
  /** Stop contending; a leader runs `onDeposed`, then releases the lock (its connection ends). */
  stop(): Promise<void>;
}

/**
 * Create an election (not started).
 *
 * @param options - Database, lock, callbacks.
 * @returns The election.
 */
export function newLeaderElection(options: Readonly<LeaderElectionOptions>): LeaderElection {
  const lock = options.lock ?? PROJECTION_LEADER_LOCK;
  const retryMs = options.retryMs ?? DEFAULT_LEADER_RETRY_MS;
  /** Longest silence on the leader connection before either side gives up on it. */
  const idleLimitMs = Math.max(5_000, retryMs * 5);
  let stopped = false;
  let leader = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (wake = undefined));

  /** One connection's life: try the lock until it is ours, then hold it until the connection fails or stop(). */
  async function contendOnce(): Promise<void> {
    // A hung query (a silent network cut) fails after the timeout instead of keeping a dead leader in office.
    const connection = new Client({
      connectionString: options.databaseUrl,
      application_name: 'hainan-gateway-leader',
      keepAlive: true,
      query_timeout: idleLimitMs,
    });
    let lost: Error | undefined;
    const lostSignal = new Promise<void>((resolve) => {
      connection.on('error', (err) => {
        lost = err;
        resolve();
      });
      connection.on('end', () => {
        lost ??= new Error('leader connection ended');
        resolve();
      });
    });
    try {
      await connection.connect();
      // The server's side of a cut: a leader whose checks stop arriving is disconnected (and its lock released)
      // after idleLimitMs, not after the kernel's TCP keepalive (hours). PostgreSQL 14+; older servers ignore it.
      await connection.query(`SET idle_session_timeout = ${idleLimitMs}`).catch(() => undefined);
      // Not the leader: one attempt per retryMs on this connection, until it wins or fails.
      while (!stopped && lost === undefined) {
        const { rows } = await connection.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
          ADVISORY_LOCK_CLASS,
          lock,
        ]);
        if (rows[0]?.ok === true) break;
        await Promise.race([sleep(retryMs), lostSignal]);
      }
      if (stopped || lost !== undefined) return;
      leader = true;
      options.log?.info({ lock }, 'cluster: this process is the projection leader');
      options.onElected();
      // Leader: check the connection every retryMs (a silent network cut shows up as a failed query).
      while (!stopped && lost === undefined) {
        await Promise.race([sleep(retryMs), lostSignal]);
        if (stopped || lost !== undefined) break;
        await connection.query('SELECT 1');
      }
    } finally {
      if (leader) {
        leader = false;
        if (!stopped)
          options.log?.warn({ err: lost }, 'cluster: lost the projection leader lock; stopping the leader work');
        await options.onDeposed();
      }
      // Ending the session releases the lock (after onDeposed: the work stops before another may start it).
      await connection.end().catch(() => undefined);
    }
  }

  async function run(): Promise<void> {
    // Unbounded on purpose, like the projection follower: a process gives up contending only when it stops.
    // Each failed attempt waits retryMs.
    while (!stopped) {
      try {
        await contendOnce();
      } catch (err: unknown) {
        if (stopped) break;
        options.log?.warn({ err }, 'cluster: leader election connection failed; retrying');
      }
      if (!stopped) await sleep(retryMs);
    }
  }

  return {
    start() {
      if (loop) return;
      stopped = false;
      loop = run();
    },
    isLeader: () => leader,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      loop = undefined;
    },
  };
}
