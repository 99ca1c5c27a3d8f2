/**
 * Bounded retry with full-jitter exponential backoff, for ledger calls that failed in a way a new attempt can fix.
 *
 * Only a {@link LedgerError} with `retryable: true` is retried: MVCC / phantom read conflicts (a fresh transaction
 * reads fresh versions) and transient unavailability (orderer restarting, peer briefly unreachable). Chaincode
 * refusals, identity problems and unknown outcomes are final and surface at once.
 *
 * Full jitter (delay = random(0, min(maxDelayMs, baseDelayMs × 2^(attempt-1)))) spreads out clients that lost the
 * same MVCC race, so they do not collide again in the next block.
 */
import { fullJitterBackoffMs } from '@hainan/ledger-model';
import { LedgerError } from './errors';

/** Upper bound on `maxAttempts`, so that a configuration typo cannot turn into an unbounded retry loop. */
export const MAX_ATTEMPTS_LIMIT = 10;

/** Upper bound on `maxDelayMs` (one minute): a longer single wait would outlive any HTTP request. */
export const MAX_DELAY_MS_LIMIT = 60_000;

/** How many attempts, and how long to wait between them. */
export interface RetryPolicy {
  /** Total attempts including the first, 1..{@link MAX_ATTEMPTS_LIMIT}. 1 disables retrying. */
  maxAttempts: number;
  /** Backoff cap before the first retry, in milliseconds; it doubles for each further retry. */
  baseDelayMs: number;
  /** Largest backoff cap, in milliseconds, at most {@link MAX_DELAY_MS_LIMIT}. */
  maxDelayMs: number;
}

/** Information passed to {@link RetryOptions.onRetry} before each wait. */
export interface RetryEvent {
  /** The attempt that just failed, starting at 1. */
  attempt: number;
  /** The wait before the next attempt, in milliseconds. */
  delayMs: number;
  /** The retryable error of the failed attempt. */
  error: LedgerError;
}

/** A retry policy plus injectable randomness, clock and observer (for tests and logs). */
export interface RetryOptions extends RetryPolicy {
  /** Uniform random number in [0, 1). Defaults to `Math.random`. */
  random?: () => number;
  /** Waits the given milliseconds. Defaults to a `setTimeout` promise. */
  sleep?: (delayMs: number) => Promise<void>;
  /** Called before each wait, for example to log or count retries. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Default policy for submits: 5 attempts, waits capped at 0.2, 0.4, 0.8, 1.6 s (3 s at most).
 * Sized for the real network: a block is cut every ~200 ms, so a conflict loser usually succeeds on the next
 * attempt, and an orderer restart lasts a few seconds.
 */
export const DEFAULT_SUBMIT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 3_000,
});

/**
 * The full-jitter wait after failed attempt number `attempt`.
 *
 * @param attempt - The attempt that failed, starting at 1.
 * @param policy - Backoff settings.
 * @param random - Uniform random number in [0, 1).
 * @returns A wait in whole milliseconds, in [0, min(maxDelayMs, baseDelayMs × 2^(attempt-1))].
 */
export function fullJitterDelayMs(attempt: number, policy: Readonly<RetryPolicy>, random: () => number): number {
  return fullJitterBackoffMs(Math.min(attempt - 1, MAX_ATTEMPTS_LIMIT), policy.baseDelayMs, policy.maxDelayMs, random);
}

/**
 * Run `fn`, retrying it after a full-jitter backoff while it throws a retryable {@link LedgerError}, for at most
 * `maxAttempts` attempts in all. The last error is rethrown unchanged; a non-retryable error is rethrown at once.
 *
 * `fn` must build a new request on every call (for Fabric: a new proposal, hence a new transaction id).
 *
 * @param fn - The operation; it receives the attempt number, starting at 1.
 * @param options - Policy and injectable helpers.
 * @returns What `fn` returned on the first successful attempt.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: Readonly<RetryOptions>): Promise<T> {
  assertPolicy(options);
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;

  let lastError: unknown;
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (err: unknown) {
      lastError = err;
      if (!(err instanceof LedgerError) || !err.retryable || attempt === options.maxAttempts) {
        break;
      }
      const delayMs = fullJitterDelayMs(attempt, options, random);
      options.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs);
    }
  }
  throw lastError;
}

function assertPolicy(policy: Readonly<RetryPolicy>): void {
  const { maxAttempts, baseDelayMs, maxDelayMs } = policy;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
    throw new RangeError(`maxAttempts must be an integer in 1..${MAX_ATTEMPTS_LIMIT}, got ${maxAttempts}`);
  }
  if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0) {
    throw new RangeError(`baseDelayMs must be a finite number >= 0, got ${baseDelayMs}`);
  }
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < baseDelayMs || maxDelayMs > MAX_DELAY_MS_LIMIT) {
    throw new RangeError(`maxDelayMs must be in baseDelayMs..${MAX_DELAY_MS_LIMIT}, got ${maxDelayMs}`);
  }
}

function defaultSleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}
