/**
 * Retry policy shared by the queue adapters: bounded attempts and an exponential backoff with a cap.
 */

/** Upper bound on attempts, so that a configuration typo cannot retry a job forever. */
export const MAX_JOB_ATTEMPTS_LIMIT = 100;

/** How often a failing job is tried, and how long to wait between tries. */
export interface JobRetryPolicy {
  /** Total attempts including the first, 1..{@link MAX_JOB_ATTEMPTS_LIMIT}. */
  maxAttempts: number;
  /** Wait after the first failure, in milliseconds; doubles after each further one. */
  backoffBaseMs: number;
  /** Longest wait, in milliseconds. */
  backoffMaxMs: number;
}

/** 5 attempts, waits of 1, 2, 4, 8 s (capped at 60 s). */
export const DEFAULT_JOB_RETRY_POLICY: Readonly<JobRetryPolicy> = Object.freeze({
  maxAttempts: 5,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
});

/**
 * The wait before the attempt after failed attempt number `attempt`.
 *
 * @param attempt - The attempt that failed, starting at 1.
 * @param policy - Backoff settings.
 * @returns Milliseconds: min(backoffMaxMs, backoffBaseMs × 2^(attempt-1)).
 */
export function backoffDelayMs(attempt: number, policy: Readonly<JobRetryPolicy>): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30); // keeps 2^exponent finite
  return Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** exponent);
}

/**
 * Check a policy at construction time.
 *
 * @param policy - The policy.
 * @throws RangeError when a value is out of range.
 */
export function assertJobRetryPolicy(policy: Readonly<JobRetryPolicy>): void {
  const { maxAttempts, backoffBaseMs, backoffMaxMs } = policy;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_JOB_ATTEMPTS_LIMIT) {
    throw new RangeError(`maxAttempts must be an integer in 1..${MAX_JOB_ATTEMPTS_LIMIT}, got ${maxAttempts}`);
  }
  if (!Number.isFinite(backoffBaseMs) || backoffBaseMs < 0) {
    throw new RangeError(`backoffBaseMs must be >= 0, got ${backoffBaseMs}`);
  }
  if (!Number.isFinite(backoffMaxMs) || backoffMaxMs < backoffBaseMs) {
    throw new RangeError(`backoffMaxMs must be >= backoffBaseMs, got ${backoffMaxMs}`);
  }
}

/** Check a concurrency value against the port's bound. */
export function assertConcurrency(concurrency: number, limit: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > limit) {
    throw new RangeError(`concurrency must be an integer in 1..${limit}, got ${concurrency}`);
  }
}

/** Check a job id: the idempotency key, non-empty and short enough to index. */
export function assertJobId(jobId: string): void {
  if (jobId.length === 0 || jobId.length > MAX_JOB_ID_LENGTH) {
    throw new RangeError(`job id must be 1..${MAX_JOB_ID_LENGTH} characters, got ${jobId.length}`);
  }
}

/** Longest job id (the queue_jobs table's CHECK uses the same bound). */
export const MAX_JOB_ID_LENGTH = 200;
