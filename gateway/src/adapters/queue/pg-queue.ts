/**
 * The {@link JobQueue} port on PostgreSQL, for the embedded default where no Redis runs (table `queue_jobs`).
 *
 * Delivery is at least once, with leases instead of held transactions: a worker claims jobs with one
 * `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)` that marks them active until `locked_until` and stamps a
 * fresh `lock_token`; it extends the lease while the handler runs (heartbeat) and acknowledges with the token. A
 * worker that dies stops heart-beating, the lease expires, and another worker reclaims the job (one attempt used).
 * A stale worker whose lease was taken over cannot acknowledge: its token no longer matches.
 *
 * Holding no transaction open while a handler runs keeps connections free and works on any PostgreSQL.
 */
import type { DbPool } from '../pg';
import {
  MAX_QUEUE_CONCURRENCY,
  PermanentJobError,
  RetryLaterError,
  type JobHandler,
  type JobQueue,
  type JobState,
  type JobStatus,
  type ProcessOptions,
  type QueueDepth,
} from '../../ports';
import {
  DEFAULT_JOB_RETRY_POLICY,
  assertConcurrency,
  assertJobId,
  assertJobRetryPolicy,
  backoffDelayMs,
  type JobRetryPolicy,
} from './backoff';

/** Most jobs one claim query takes (the rest wait for the next poll). */
export const CLAIM_BATCH_MAX = 16;

/** Longest failure reason stored, in characters (a stack trace is not a reason). */
export const MAX_REASON_LENGTH = 2_000;

/** Settings of {@link newPgQueue}. */
export interface PgQueueOptions {
  pool: DbPool;
  /** Attempts and backoff; defaults to {@link DEFAULT_JOB_RETRY_POLICY}. */
  retry?: Partial<JobRetryPolicy>;
  /** How long a claimed job stays reserved without a heartbeat, in milliseconds (default 30 s). */
  leaseMs?: number;
  /** How long an idle worker waits before looking for jobs again, in milliseconds (default 500). */
  pollIntervalMs?: number;
  /** How long `close()` waits for running handlers, in milliseconds (default 10 s); their leases then expire. */
  closeTimeoutMs?: number;
  /** Told about failures of the queue machinery itself (database down, ...), never thrown. */
  onError?: (err: unknown, context: string) => void;
}

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_POLL_INTERVAL_MS = 500;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** Heartbeats per lease: the lease is renewed every `leaseMs / HEARTBEATS_PER_LEASE`. */
const HEARTBEATS_PER_LEASE = 3;

interface ClaimedRow {
  id: string;
  data: unknown;
  attempts: number;
  max_attempts: number;
  lock_token: string;
}

interface JobRow {
  id: string;
  state: string;
  attempts: number;
  last_error: string | null;
  delayed: boolean;
}

/**
 * Create the PostgreSQL job queue. The pool is not owned: close the queue first, then the pool.
 *
 * @param options - Pool, retry policy, lease and polling intervals.
 * @returns The queue.
 */
export function newPgQueue(options: Readonly<PgQueueOptions>): JobQueue {
  const pool = options.pool;
  const retry: JobRetryPolicy = { ...DEFAULT_JOB_RETRY_POLICY, ...options.retry };
  assertJobRetryPolicy(retry);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const onError = options.onError ?? (() => undefined);
  const names = new Set<string>();
  const workers: PgWorker[] = [];
  let closed = false;

  return {
    async enqueue(queue, jobId, data) {
      assertJobId(jobId);
      if (closed) {
        throw new Error('queue is closed');
      }
      names.add(queue);
      await pool.query(
        `INSERT INTO queue_jobs (queue, id, data, max_attempts) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (queue, id) DO NOTHING`,
        [queue, jobId, JSON.stringify(data ?? null), retry.maxAttempts],
      );
    },

    process<T>(queue: string, handler: JobHandler<T>, processOptions: ProcessOptions) {
      assertConcurrency(processOptions.concurrency, MAX_QUEUE_CONCURRENCY);
      if (closed) {
        throw new Error('queue is closed');
      }
      if (workers.some((worker) => worker.queue === queue)) {
        throw new Error(`queue ${queue} already has a worker in this process`);
      }
      names.add(queue);
      const worker = new PgWorker(queue, handler as JobHandler, {
        pool,
        retry,
        leaseMs,
        pollIntervalMs,
        concurrency: processOptions.concurrency,
        onError,
      });
      workers.push(worker);
      worker.start();
    },

    async revive(queue, jobId) {
      const { rowCount } = await pool.query(
        `UPDATE queue_jobs SET state = 'waiting', attempts = 0, run_at = now(), finished_at = NULL,
                        last_error = 'revived after: ' || coalesce(last_error, 'no reason')
                 WHERE queue = $1 AND id = $2 AND state = 'parked'`,
        [queue, jobId],
      );
      return rowCount === 1;
    },

    async getJob(queue, jobId) {
      const { rows } = await pool.query<JobRow>(
        `SELECT id, state, attempts, last_error, (state = 'waiting' AND run_at > now()) AS delayed
                 FROM queue_jobs WHERE queue = $1 AND id = $2`,
        [queue, jobId],
      );
      const row = rows[0];
      if (!row) {
        return undefined;
      }
      const state: JobState = row.delayed ? 'delayed' : (row.state as JobState);
      const status: JobStatus = { id: row.id, state, attempts: row.attempts };
      return row.last_error === null ? status : { ...status, reason: row.last_error };
    },

    async depth(queue) {
      const { rows } = await pool.query<{ waiting: string; active: string; delayed: string; parked: string }>(
        `SELECT count(*) FILTER (WHERE state = 'waiting' AND run_at <= now()) AS waiting,
                        count(*) FILTER (WHERE state = 'active') AS active,
                        count(*) FILTER (WHERE state = 'waiting' AND run_at > now()) AS delayed,
                        count(*) FILTER (WHERE state = 'parked') AS parked
                 FROM queue_jobs WHERE queue = $1 AND state <> 'completed'`,
        [queue],
      );
      const row = rows[0];
      const depth: QueueDepth = {
        waiting: Number(row?.waiting ?? 0),
        active: Number(row?.active ?? 0),
        delayed: Number(row?.delayed ?? 0),
        parked: Number(row?.parked ?? 0),
      };
      return depth;
    },

    queueNames() {
      return Array.from(names);
    },

    async ping() {
      await pool.query('SELECT 1 FROM queue_jobs LIMIT 1');
    },

    async close() {
      if (closed) {
        return;
      }
      closed = true;
      await Promise.all(workers.map((worker) => worker.close(closeTimeoutMs)));
    },
  };
}

interface PgWorkerSettings {
  pool: DbPool;
  retry: JobRetryPolicy;
  leaseMs: number;
  pollIntervalMs: number;
  concurrency: number;
  onError: (err: unknown, context: string) => void;
}

/** One queue's polling loop and its running jobs. */
class PgWorker {
  readonly queue: string;
  readonly #handler: JobHandler;
  readonly #settings: PgWorkerSettings;
  readonly #running = new Set<Promise<void>>();
  readonly #heartbeats = new Set<NodeJS.Timeout>();
  #closing = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(queue: string, handler: JobHandler, settings: PgWorkerSettings) {
    this.queue = queue;
    this.#handler = handler;
    this.#settings = settings;
  }

  start(): void {
    this.#loop = this.#run();
  }

  /** Stop claiming, wait up to `timeoutMs` for running jobs; unfinished ones are left to their leases. */
  async close(timeoutMs: number): Promise<void> {
    this.#closing = true;
    this.#wake?.();
    await this.#loop;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled(Array.from(this.#running)), timeout]);
    clearTimeout(timer);
    // Handlers still running are abandoned: stop renewing their leases so that another worker can take over.
    for (const heartbeat of Array.from(this.#heartbeats)) {
      clearInterval(heartbeat);
    }
    this.#heartbeats.clear();
  }

  /** The polling loop; it runs until {@link close} (one claim query per round, at most CLAIM_BATCH_MAX jobs). */
  async #run(): Promise<void> {
    while (!this.#closing) {
      const free = this.#settings.concurrency - this.#running.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const jobs = await this.#claim(Math.min(free, CLAIM_BATCH_MAX));
          claimed = jobs.length;
          for (const job of jobs) {
            const running: Promise<void> = this.#execute(job).finally(() => {
              this.#running.delete(running);
              this.#wake?.();
            });
            this.#running.add(running);
          }
        } catch (err: unknown) {
          this.#settings.onError(err, `claiming jobs of ${this.queue}`);
        }
      }
      if (claimed === 0 || claimed === free) {
        await this.#sleep(this.#settings.pollIntervalMs);
      }
    }
  }

  #sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, delayMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #claim(limit: number): Promise<ClaimedRow[]> {
    const { pool, leaseMs } = this.#settings;
    // A job whose worker died on its last attempt is parked rather than run once more.
    await pool.query(
      `UPDATE queue_jobs SET state = 'parked', locked_until = NULL, lock_token = NULL, finished_at = now(),
                    last_error = 'worker lost during attempt ' || attempts || ' (lease expired); attempts used up'
             WHERE queue = $1 AND state = 'active' AND locked_until < now() AND attempts >= max_attempts`,
      [this.queue],
    );
    const { rows } = await pool.query<ClaimedRow>(
      `UPDATE queue_jobs j
                SET state = 'active', attempts = j.attempts + 1, lock_token = gen_random_uuid(),
                    locked_until = now() + make_interval(secs => $3::double precision / 1000)
               FROM (SELECT queue, id FROM queue_jobs
                      WHERE queue = $1
                        AND ((state = 'waiting' AND run_at <= now())
                          OR (state = 'active' AND locked_until < now() AND attempts < max_attempts))
                      ORDER BY run_at, created_at
                      LIMIT $2
                      FOR UPDATE SKIP LOCKED) AS next
              WHERE j.queue = next.queue AND j.id = next.id
          RETURNING j.id, j.data, j.attempts, j.max_attempts, j.lock_token::text AS lock_token`,
      [this.queue, limit, leaseMs],
    );
    return rows;
  }

  async #execute(row: ClaimedRow): Promise<void> {
    const { pool, leaseMs, retry, onError } = this.#settings;
    const heartbeat = setInterval(
      () => {
        pool
          .query(
            `UPDATE queue_jobs SET locked_until = now() + make_interval(secs => $3::double precision / 1000)
                 WHERE queue = $1 AND id = $2 AND lock_token = $4::uuid`,
            [this.queue, row.id, leaseMs, row.lock_token],
          )
          .catch((err: unknown) => onError(err, `renewing the lease of ${this.queue}/${row.id}`));
      },
      Math.max(1, Math.floor(leaseMs / HEARTBEATS_PER_LEASE)),
    );
    this.#heartbeats.add(heartbeat);
    const stopHeartbeat = (): void => {
      clearInterval(heartbeat);
      this.#heartbeats.delete(heartbeat);
    };
    try {
      await this.#handler({
        queue: this.queue,
        id: row.id,
        data: row.data,
        attempt: row.attempts,
        lastAttempt: row.attempts >= row.max_attempts,
      });
    } catch (err: unknown) {
      stopHeartbeat();
      const reason = describe(err);
      if (err instanceof RetryLaterError) {
        // A wait for something outside the job: the attempt is given back.
        await this.#finish(row, 'waiting', reason, err.delayMs, true);
        return;
      }
      const permanent = err instanceof PermanentJobError;
      if (permanent || row.attempts >= row.max_attempts) {
        const why = permanent ? reason : `attempts used up (${row.attempts}): ${reason}`;
        await this.#finish(row, 'parked', why, 0);
      } else {
        await this.#finish(row, 'waiting', reason, backoffDelayMs(row.attempts, retry));
      }
      return;
    }
    stopHeartbeat();
    await this.#finish(row, 'completed', null, 0);
  }

  /** Record the outcome if this worker still holds the lease; a lost lease means another worker owns the job. */
  async #finish(
    row: ClaimedRow,
    state: 'completed' | 'parked' | 'waiting',
    reason: string | null,
    delayMs: number,
    refundAttempt = false,
  ): Promise<void> {
    try {
      await this.#settings.pool.query(
        `UPDATE queue_jobs
                    SET state = $3, last_error = $4, locked_until = NULL, lock_token = NULL,
                        attempts = CASE WHEN $7 THEN greatest(attempts - 1, 0) ELSE attempts END,
                        run_at = now() + make_interval(secs => $5::double precision / 1000),
                        finished_at = CASE WHEN $3 = 'waiting' THEN NULL ELSE now() END
                  WHERE queue = $1 AND id = $2 AND lock_token = $6::uuid`,
        [
          this.queue,
          row.id,
          state,
          reason?.slice(0, MAX_REASON_LENGTH) ?? null,
          delayMs,
          row.lock_token,
          refundAttempt,
        ],
      );
    } catch (err: unknown) {
      // The lease will expire and the job run again: handlers are idempotent.
      this.#settings.onError(err, `recording ${state} for ${this.queue}/${row.id}`);
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
