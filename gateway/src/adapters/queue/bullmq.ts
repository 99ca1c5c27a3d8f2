/**
 * The {@link JobQueue} port on BullMQ (Redis): the job id is the caller's idempotency key, so adding it again is a
 * no-op while BullMQ holds the job; retries use an exponential backoff capped at a maximum, with bounded attempts; a
 * {@link PermanentJobError} becomes an `UnrecoverableError`, which fails the job at once (BullMQ's failed set is the
 * port's `parked` state, with the reason). `close()` lets running jobs finish (`worker.close()`), bounded in time.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  MAX_QUEUE_CONCURRENCY,
  PermanentJobError,
  RetryLaterError,
  type JobHandler,
  type JobQueue,
  type JobState,
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

/** Settings of {@link newBullmqQueue}. */
export interface BullmqQueueOptions {
  /** `redis://host:port[/db]`. */
  redisUrl: string;
  /** Key prefix in Redis (default `hainan`), so that several deployments can share a server. */
  prefix?: string;
  /** Attempts and backoff; defaults to {@link DEFAULT_JOB_RETRY_POLICY}. */
  retry?: Partial<JobRetryPolicy>;
  /** How long a job's lock lasts without renewal, in milliseconds (BullMQ default 30 s). A dead worker's job is
   * picked up again after about this long plus {@link stalledIntervalMs}. */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs, in milliseconds (BullMQ default 30 s). */
  stalledIntervalMs?: number;
  /** How long completed jobs are kept, in seconds: the window in which re-adding the same id is a no-op. */
  completedRetentionS?: number;
  /** Most completed jobs kept per queue. */
  completedRetentionCount?: number;
  /** How long `close()` waits for running handlers, in milliseconds (default 10 s), before forcing. */
  closeTimeoutMs?: number;
  /** Told about connection and worker errors (never thrown). */
  onError?: (err: unknown, context: string) => void;
}

/** Completed jobs are kept 7 days by default: the idempotency window of `enqueue`. */
const DEFAULT_COMPLETED_RETENTION_S = 7 * 24 * 3600;
const DEFAULT_COMPLETED_RETENTION_COUNT = 100_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** Retries of one producer command while Redis reconnects, so that an HTTP request fails rather than hangs. */
const PRODUCER_MAX_RETRIES_PER_REQUEST = 2;

/** Longest wait between reconnection attempts to Redis, in milliseconds. */
const RECONNECT_DELAY_MAX_MS = 2_000;

/** Backoff type name handled by the worker's `backoffStrategy` (BullMQ calls it for non-built-in types). */
const CAPPED_EXPONENTIAL_BACKOFF = 'capped-exponential';

/** BullMQ refuses integer-looking and `:`-containing custom ids; this prefix and encoding make any key safe. */
const JOB_ID_PREFIX = 'k-';

function toBullmqJobId(jobId: string): string {
  return JOB_ID_PREFIX + encodeURIComponent(jobId);
}

function fromBullmqJobId(bullmqId: string | undefined): string {
  if (bullmqId === undefined || !bullmqId.startsWith(JOB_ID_PREFIX)) {
    return bullmqId ?? '';
  }
  return decodeURIComponent(bullmqId.slice(JOB_ID_PREFIX.length));
}

function reconnectDelayMs(times: number): number {
  return Math.min(RECONNECT_DELAY_MAX_MS, 100 * 2 ** Math.min(times, 10));
}

/** The BullMQ queue: `close()` drains, then `disconnect()` releases the Redis connections (shutdown order). */
export interface BullmqJobQueue extends JobQueue {
  /** Quit the Redis connections; call after `close()`. Idempotent. */
  disconnect(): Promise<void>;
}

/**
 * Create the BullMQ job queue. Connections open lazily and reconnect by themselves after a Redis restart.
 *
 * @param options - Redis URL, retry policy, lock and retention settings.
 * @returns The queue; `close()` it before the process exits.
 */
export function newBullmqQueue(options: Readonly<BullmqQueueOptions>): BullmqJobQueue {
  const retry: JobRetryPolicy = { ...DEFAULT_JOB_RETRY_POLICY, ...options.retry };
  assertJobRetryPolicy(retry);
  const prefix = options.prefix ?? 'hainan';
  const onError = options.onError ?? (() => undefined);
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;

  const producer = new Redis(options.redisUrl, {
    maxRetriesPerRequest: PRODUCER_MAX_RETRIES_PER_REQUEST,
    retryStrategy: reconnectDelayMs,
    lazyConnect: true,
  });
  producer.on('error', (err: unknown) => onError(err, 'redis (producer)'));
  const workerConnections: Redis[] = [];
  const queues = new Map<string, Queue>();
  const workers = new Map<string, Worker>();
  let closed = false;
  let disconnected = false;

  const queueFor = (name: string): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: producer, prefix });
      queue.on('error', (err: unknown) => onError(err, `queue ${name}`));
      queues.set(name, queue);
    }
    return queue;
  };

  return {
    async enqueue(name, jobId, data) {
      assertJobId(jobId);
      if (closed) {
        throw new Error('queue is closed');
      }
      await queueFor(name).add(name, data, {
        jobId: toBullmqJobId(jobId),
        attempts: retry.maxAttempts,
        backoff: { type: CAPPED_EXPONENTIAL_BACKOFF, delay: retry.backoffBaseMs },
        removeOnComplete: {
          age: options.completedRetentionS ?? DEFAULT_COMPLETED_RETENTION_S,
          count: options.completedRetentionCount ?? DEFAULT_COMPLETED_RETENTION_COUNT,
        },
        removeOnFail: false, // parked jobs stay until someone looks at them
      });
    },

    process<T>(name: string, handler: JobHandler<T>, processOptions: ProcessOptions) {
      assertConcurrency(processOptions.concurrency, MAX_QUEUE_CONCURRENCY);
      if (closed) {
        throw new Error('queue is closed');
      }
      if (workers.has(name)) {
        throw new Error(`queue ${name} already has a worker in this process`);
      }
      queueFor(name);
      // Workers block on Redis: BullMQ requires maxRetriesPerRequest null on their connection.
      const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, retryStrategy: reconnectDelayMs });
      connection.on('error', (err: unknown) => onError(err, `redis (worker ${name})`));
      workerConnections.push(connection);
      const worker = new Worker(
        name,
        async (job: Job, token?: string) => {
          try {
            await handler({
              queue: name,
              id: fromBullmqJobId(job.id),
              data: jobData(job) as T,
              attempt: attemptsOf(job),
              // BullMQ parks a job when a failure makes attemptsMade (failed attempts) reach `attempts`.
              lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
            });
          } catch (err: unknown) {
            if (err instanceof PermanentJobError) {
              throw new UnrecoverableError(err.message);
            }
            if (err instanceof RetryLaterError) {
              // BullMQ's documented way to run a job later without counting a failed attempt; the
              // wait is counted in the job's data so that `attempt` leaves it out.
              await job.updateData(withWaits(job, waitsOf(job) + 1));
              await job.moveToDelayed(Date.now() + err.delayMs, token);
              throw new DelayedError(err.message);
            }
            throw err;
          }
        },
        {
          connection,
          prefix,
          concurrency: processOptions.concurrency,
          ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
          ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
          // BullMQ's built-in exponential backoff has no cap; this one stops at backoffMaxMs.
          settings: { backoffStrategy: (attemptsMade: number) => backoffDelayMs(attemptsMade, retry) },
        },
      );
      worker.on('error', (err: unknown) => onError(err, `worker ${name}`));
      workers.set(name, worker);
    },

    async revive(name, jobId) {
      const job = await queueFor(name).getJob(toBullmqJobId(jobId));
      if (!job || !(await job.isFailed())) {
        return false;
      }
      await job.updateData(withWaits(job, 0));
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    },

    async getJob(name, jobId) {
      // State first, then the job: a job read before its state could lack the failedReason of that state.
      const queue = queueFor(name);
      const bullState = await queue.getJobState(toBullmqJobId(jobId));
      const job = await queue.getJob(toBullmqJobId(jobId));
      if (!job || bullState === 'unknown') {
        return undefined;
      }
      const state = toJobState(bullState);
      const status = { id: jobId, state, attempts: attemptsOf(job) };
      return job.failedReason ? { ...status, reason: job.failedReason } : status;
    },

    async depth(name) {
      const counts = await queueFor(name).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      const depth: QueueDepth = {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        parked: counts.failed ?? 0,
      };
      return depth;
    },

    queueNames() {
      return Array.from(queues.keys());
    },

    async ping() {
      await producer.ping();
    },

    async close() {
      if (closed) {
        return;
      }
      closed = true;
      await Promise.all(Array.from(workers.values()).map((worker) => closeWorker(worker, closeTimeoutMs)));
      await Promise.all(
        Array.from(queues.values()).map((queue) =>
          queue.close().catch((err: unknown) => onError(err, 'closing queue')),
        ),
      );
    },

    async disconnect() {
      if (disconnected) {
        return;
      }
      disconnected = true;
      await Promise.all(
        [producer, ...workerConnections].map((connection) =>
          connection.quit().then(
            () => undefined,
            () => connection.disconnect(),
          ),
        ),
      );
    },
  };
}

/**
 * Waits ({@link RetryLaterError}) a job has had, kept in its data under a reserved key: BullMQ counts every start in
 * `attemptsStarted`, a wait included, and the port's attempt number must leave waits out.
 */
const WAITS_KEY = '__waits';

function waitsOf(job: Job): number {
  const data = job.data as Record<string, unknown> | null;
  const waits = typeof data === 'object' && data !== null ? data[WAITS_KEY] : undefined;
  return typeof waits === 'number' ? waits : 0;
}

function withWaits(job: Job, waits: number): unknown {
  const data = job.data as unknown;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data; // only object data can carry it
  return { ...(data as Record<string, unknown>), [WAITS_KEY]: waits };
}

/** The job's data as it was enqueued (without the wait counter). */
function jobData(job: Job): unknown {
  const data = job.data as unknown;
  if (typeof data !== 'object' || data === null || !(WAITS_KEY in data)) return data;
  const { [WAITS_KEY]: _waits, ...rest } = data as Record<string, unknown>;
  return rest;
}

/** Attempts started, waits left out. */
function attemptsOf(job: Job): number {
  return Math.max(job.attemptsStarted - waitsOf(job), 0);
}

/** Let running jobs finish for up to `timeoutMs`, then force the worker closed (their locks expire; they rerun). */
async function closeWorker(worker: Worker, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([worker.close().then(() => 'closed' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await worker.close(true);
  }
}

function toJobState(bullState: string): JobState {
  switch (bullState) {
    case 'completed':
      return 'completed';
    case 'failed':
      return 'parked';
    case 'active':
      return 'active';
    case 'delayed':
      return 'delayed';
    default:
      return 'waiting'; // waiting, prioritized, waiting-children
  }
}
