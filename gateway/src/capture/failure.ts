/**
 * What can fix a failed capture submission, decided once for the capture job (capture/processor.ts):
 *
 * | kind | causes | what the job does |
 * |---|---|---|
 * | `refused` | the chaincode refused the chunk with a code (a business rule) | the chunk is final: refused |
 * | `wait` | the ledger or the database is unreachable, a read conflict, a timeout, an outcome unknown, a cancelled call | waits with capped backoff, no attempt used, for as long as it lasts |
 * | `park` | no usable ledger identity for the sender (missing, expired, revoked, refused by the peer, its key unavailable), unknown channel or chaincode, a result the gateway cannot read | parked at once, the cause named, until an operator retries or a restart |
 * | `fail` | anything else (a bug) | ordinary attempts with backoff, then parked with the error |
 *
 * Resubmitting after a timeout or an unknown outcome is safe here (it is not for an arbitrary client): every chunk
 * carries its submission id, and the chaincode answers a second submission with DUPLICATE_SUBMISSION naming the
 * first transaction.
 */
import { LedgerError } from '../ledger/ledger-error-type';
import { ProblemError } from '../errors';
import { isDependencyUnavailable } from '../plugins/problem-details';

/** How a failure is handled. */
export type CaptureFailure =
  | { readonly kind: 'refused'; readonly code: string; readonly reason: string }
  | { readonly kind: 'wait' | 'park' | 'fail'; readonly code: string; readonly reason: string };

/** Ledger adapter codes that a retry cannot fix: the gateway's settings or the channel's must change first. */
const PARKING_LEDGER_CODES: ReadonlySet<string> = new Set([
  'IDENTITY_REFUSED',
  'LEDGER_MISCONFIGURED',
  'LEDGER_BAD_RESULT',
]);

/** Ledger adapter codes of an outage or a race: the same submission succeeds once the ledger answers again. */
const WAITING_LEDGER_CODES: ReadonlySet<string> = new Set([
  'LEDGER_UNAVAILABLE',
  'LEDGER_CONFLICT',
  'LEDGER_TIMEOUT',
  'LEDGER_OUTCOME_UNKNOWN',
  'LEDGER_CANCELLED',
  'LEDGER_CLOSED',
  // A peer killed mid-call fails the call with whatever gRPC status its socket ends with (INTERNAL, UNKNOWN, ...).
  'LEDGER_FAILURE',
]);

/**
 * Gateway problems about the sender's ledger identity: parked until it is fixed (an identity added to the profile,
 * renewed, re-issued after a revocation, its key-encryption key configured, or signing sessions offered for an
 * enterprise that keeps its key).
 */
const PARKING_PROBLEM_CODES: ReadonlySet<string> = new Set([
  'LEDGER_IDENTITY_MISSING',
  'LEDGER_IDENTITY_EXTERNAL',
  'LEDGER_IDENTITY_EXPIRED',
  'LEDGER_IDENTITY_REVOKED',
  'LEDGER_IDENTITY_REFUSED',
  'IDENTITY_KEY_UNAVAILABLE',
]);

/** Longest reason kept (the queue and the capture row store it). */
const MAX_REASON_CHARS = 500;

function reasonOf(code: string, message: string): string {
  return `${code}: ${message}`.slice(0, MAX_REASON_CHARS);
}

/**
 * Sort a failure of the capture job.
 *
 * @param err - What submitting (or reading the capture) threw.
 * @returns How the job handles it.
 */
export function classifyCaptureFailure(err: unknown): CaptureFailure {
  if (err instanceof LedgerError) {
    if (err.kind === 'chaincode') return { kind: 'refused', code: err.code, reason: err.message };
    if (PARKING_LEDGER_CODES.has(err.code) || err.kind === 'identity')
      return { kind: 'park', code: err.code, reason: reasonOf(err.code, err.message) };
    if (WAITING_LEDGER_CODES.has(err.code) || err.retryable)
      return { kind: 'wait', code: err.code, reason: reasonOf(err.code, err.message) };
    return { kind: 'fail', code: err.code, reason: reasonOf(err.code, err.message) };
  }
  if (err instanceof ProblemError && PARKING_PROBLEM_CODES.has(err.code)) {
    return { kind: 'park', code: err.code, reason: reasonOf(err.code, err.message) };
  }
  if (isDependencyUnavailable(err)) {
    return {
      kind: 'wait',
      code: 'DATABASE_UNAVAILABLE',
      reason: reasonOf('DATABASE_UNAVAILABLE', (err as Error).message),
    };
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { kind: 'fail', code: 'CAPTURE_JOB_FAILED', reason: message.slice(0, MAX_REASON_CHARS) };
}

/** First wait after a failure, in milliseconds. */
export const WAIT_BASE_MS = 1_000;
/** Longest wait: how late, at most, a capture notices that the ledger is back. */
export const WAIT_MAX_MS = 15_000;

/**
 * The wait before the next run after `waits` consecutive waits: doubling from {@link WAIT_BASE_MS}, capped at
 * {@link WAIT_MAX_MS}, with jitter in its upper half so that many waiting captures do not all probe the ledger in the
 * same instant when it comes back.
 *
 * @param waits - Consecutive waits so far, this one included (1 for the first).
 * @param random - Source of jitter in [0, 1) (tests pass a constant).
 */
export function waitDelayMs(waits: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(waits - 1, 0), 20);
  const ceiling = Math.min(WAIT_MAX_MS, WAIT_BASE_MS * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
