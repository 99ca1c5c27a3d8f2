/**
 * The gateway's ports: small interfaces and function types that routes and plugins depend on, implemented by the
 * adapters (BullMQ or PostgreSQL queue, Fabric ledger clients) and replaced by recording fakes in tests.
 */
import type { Enterprise, Principal } from './domain/principal';

// ---------------------------------------------------------------------------------------------------------------
// Ledger

/** A transaction argument as the chaincode receives it. */
export type LedgerArgumentValue = string | Uint8Array;

/**
 * One contract of the chaincode, signed as one organisation. The Fabric adapter's `LedgerClient` implements it;
 * failures are the adapter's `LedgerError`, which the problem-details plugin maps to HTTP statuses.
 */
export interface LedgerContractPort {
  /** Run a read-only transaction function on one peer. */
  evaluate<T>(transactionName: string, args?: readonly LedgerArgumentValue[]): Promise<T | undefined>;
  /** Endorse, order and wait for the commit of a transaction (retrying conflicts within the adapter's bounds). */
  submit<T>(
    transactionName: string,
    args?: readonly LedgerArgumentValue[],
    options?: {
      transientData?: Record<string, string | Uint8Array>;
      /**
       * Called with the id of the transaction that committed (retries submit new transactions): for answers that
       * must name it when the chaincode's result does not.
       */
      onCommitted?: (transactionId: string) => void;
    },
  ): Promise<T | undefined>;
}

/** Whom a ledger call is made for: the MSP that signs and, when the caller is an enterprise, its credit code. */
export interface LedgerCaller {
  readonly mspId: string;
  readonly enterpriseId: string | null;
}

/**
 * The gateway's Fabric identities, one client per organisation: the gateway submits every transaction under the
 * identity of the caller's organisation, so that the chaincode's access rules see the real actor.
 */
export interface LedgerClients {
  /**
   * The contract client that signs as `caller`'s organisation.
   *
   * @param caller - Usually the request's principal.
   * @param contractName - Contract inside the chaincode (e.g. `item`, `system`); the default contract when omitted.
   * @throws ProblemError `LEDGER_IDENTITY_MISSING` when the gateway holds no identity for that organisation.
   */
  forCaller(caller: LedgerCaller, contractName?: string): LedgerContractPort;
  /**
   * Forget the caller's connected identity, so the next call reads the identity store again (after onboarding or a
   * renewal in this process). Optional: registries without stored identities need not implement it.
   */
  evict?(caller: LedgerCaller): void;
  /** Stored identities connected right now (the LRU's size), for metrics and the memory bench. */
  activeIdentities?(): number;
  /** Readiness probe: can a transaction commit now (endorse-only `system:GetVersion` as customs, orderer reachable); rejects with the reasons. */
  ping(): Promise<void>;
  /** Close every client, then the shared connection. */
  close(): void;
}

/**
 * Register an enterprise on the ledger (a chaincode transaction signed by customs). Called by
 * `POST /v1/enterprises` after the gateway-side directory row is written; the lead supplies the implementation with
 * the chaincode's domain transactions.
 */
export type RegisterEnterpriseOnLedger = (input: {
  readonly caller: Principal;
  readonly enterprise: Enterprise;
}) => Promise<void>;

// ---------------------------------------------------------------------------------------------------------------
// Queue

/** One job as a handler sees it. */
export interface QueueJob<T = unknown> {
  /** Queue name. */
  readonly queue: string;
  /** The idempotency key the job was enqueued with. */
  readonly id: string;
  readonly data: T;
  /** Attempt number, starting at 1 (waits asked for with {@link RetryLaterError} do not count). */
  readonly attempt: number;
  /** True when a failure of this attempt parks the job (its attempts are then used up). */
  readonly lastAttempt: boolean;
}

/**
 * Handles one job; resolving acknowledges it. Throw {@link PermanentJobError} for failures a retry cannot fix, and
 * {@link RetryLaterError} when the job cannot make progress until something outside it comes back (the ledger, the
 * database): it runs again after the given wait without using one of its attempts.
 */
export type JobHandler<T = unknown> = (job: QueueJob<T>) => Promise<void>;

/** Options of {@link JobQueue.process}. */
export interface ProcessOptions {
  /** Jobs of this queue handled at once by this process, 1..{@link MAX_QUEUE_CONCURRENCY}. */
  concurrency: number;
}

/** Upper bound on {@link ProcessOptions.concurrency}. */
export const MAX_QUEUE_CONCURRENCY = 64;

/** Where a job is in its life. `parked` = failed for good (permanent error or attempts used up), with a reason. */
export type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'parked';

/** What {@link JobQueue.getJob} tells about one job. */
export interface JobStatus {
  readonly id: string;
  readonly state: JobState;
  /** Attempts started so far. */
  readonly attempts: number;
  /** Why the last attempt failed, or why the job is parked. */
  readonly reason?: string;
}

/** Number of jobs of one queue per state, for the queue depth gauges. */
export type QueueDepth = Readonly<Record<'waiting' | 'active' | 'delayed' | 'parked', number>>;

/**
 * A durable job queue: at-least-once delivery, retries with exponential backoff up to a bounded number of attempts,
 * then a parked state with a reason. Handlers must be idempotent (a job whose worker died mid-way runs again).
 */
export interface JobQueue {
  /**
   * Add a job. Idempotent by `jobId`: adding an id the queue already holds (in any state, until retention removes
   * finished jobs) changes nothing.
   */
  enqueue(queue: string, jobId: string, data: unknown): Promise<void>;
  /** Start handling jobs of `queue` in this process. Call once per queue. */
  process<T>(queue: string, handler: JobHandler<T>, options: ProcessOptions): void;
  /**
   * Put a parked job back to waiting with its attempts reset (an operator fixed the cause, or a restart resumes
   * unfinished work). A job in any other state, or unknown, is left alone.
   *
   * @returns Whether the job was parked and now waits again.
   */
  revive(queue: string, jobId: string): Promise<boolean>;
  /** Status of one job, or undefined when the queue does not hold it. */
  getJob(queue: string, jobId: string): Promise<JobStatus | undefined>;
  /** Jobs per state, for metrics. */
  depth(queue: string): Promise<QueueDepth>;
  /** Queue names this process enqueues to or handles (for metrics). */
  queueNames(): readonly string[];
  /** Reachability probe for readiness. */
  ping(): Promise<void>;
  /** Stop taking jobs, wait for the running ones to finish (bounded), then release connections. */
  close(): Promise<void>;
}

/** Thrown by a {@link JobHandler} when retrying cannot help: the job is parked at once with this message as reason. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'PermanentJobError';
  }
}

/**
 * Thrown by a {@link JobHandler} when the job cannot make progress now for a cause outside it (a dependency is
 * unreachable): the queue runs it again after `delayMs` and does not count the attempt, so an outage of any length
 * never uses up a job's attempts. The handler bounds the wait (capped backoff) and says why in `message`.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    /** Wait before the next run, in milliseconds. */
    readonly delayMs: number,
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'RetryLaterError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Operability

/** One dependency checked by `/readyz`. */
export interface ReadinessCheck {
  /** Name reported when it fails, e.g. `database`. */
  readonly name: string;
  /** Resolves when the dependency answers; the caller bounds it with a timeout. */
  check(): Promise<void>;
}
