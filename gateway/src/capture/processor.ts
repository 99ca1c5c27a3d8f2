/**
 * The capture job: submits a capture's pending chunks to the chaincode, wave by wave (the chunks of a wave side by
 * side, bounded), each signed as the organisation that sent the capture. Idempotent: a chunk carries
 * `submissionId = cap:<capture>:<seq>`, so a chunk that committed before a crash answers DUPLICATE_SUBMISSION on the
 * retry and is recorded as committed with the first transaction's id. A chaincode refusal is final for its chunk (the
 * capture's status shows it per event).
 *
 * Accepted means committed: every other failure is sorted by what can fix it (capture/failure.ts):
 * - the ledger or the database is unreachable, a conflict, an outcome unknown: the capture **waits** — the job asks
 *   the queue to run it again after a capped backoff without using an attempt, for as long as the outage lasts, and
 *   after a wait it probes the ledger (readiness) before submitting anything;
 * - a cause no retry can fix (the gateway holds no identity for the sender's organisation, the peer refuses that
 *   identity, the channel or chaincode is unknown): the capture is **parked** at once with the cause named, and
 *   resumes when an operator retries it (`POST /v1/capture/{id}/retry`) or the gateway restarts after the fix;
 * - anything else (a bug): ordinary attempts with backoff, then parked with the error.
 */
import type { CapturesRepository, ChunkRow, UnfinishedCursor } from '../repositories/captures';
import type { SigningSession } from '../repositories/signing-sessions';
import { ProblemError } from '../errors';
import { startSigningSession, type ExternalSigning } from '../ledger/signing-sessions';
import { duplicateOf } from '../ledger/submission';
import { PermanentJobError, RetryLaterError, type JobHandler, type JobQueue, type LedgerClients } from '../ports';
import { classifyCaptureFailure, waitDelayMs } from './failure';

/** Queue of capture jobs (job id = capture id). */
export const CAPTURE_QUEUE = 'captures';

/** Chunks of one wave submitted at once by one job. */
export const DEFAULT_CHUNKS_IN_FLIGHT = 4;

/** Captures read per page by the resume sweep. */
export const SWEEP_PAGE_SIZE = 500;

/** Wait when the database cannot record the wait (it is what is down). */
const UNRECORDED_WAIT_MS = 5_000;

/** Data of a capture job. */
export interface CaptureJob {
  readonly captureId: string;
}

/** What the job needs. */
export interface CaptureProcessorDeps {
  readonly captures: CapturesRepository;
  readonly ledgers: LedgerClients;
  /** Chunks of one wave in flight at once, 1..16. */
  readonly chunksInFlight?: number;
  /** Told about each wait and each park (never thrown). */
  readonly log?: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
  /**
   * Bring your own key: a capture whose sender keeps its key gets a signing session per chunk ready to go, and waits
   * until the sender has signed them (ledger/signing-sessions.ts). Without it, such a capture parks with
   * LEDGER_IDENTITY_EXTERNAL.
   */
  readonly externalSigning?: ExternalSigning;
}

/** How often a capture waiting for its sender's signatures looks again. */
export const SIGNATURE_POLL_MS = 5_000;

/** The chunks of a wave wait for their sender's signatures (bring your own key): not a failure, a wait. */
class AwaitingSignatures extends Error {
  constructor(readonly chunks: number) {
    super(`waiting for the sender's signatures on ${chunks} transaction(s): see transactions[].signingSession`);
    this.name = 'AwaitingSignatures';
  }
}

/** The chaincode submission id of a chunk. */
export function submissionIdOf(captureId: string, seq: number): string {
  return `cap:${captureId}:${seq}`;
}

/**
 * Create the job handler.
 *
 * @param deps - Repository and ledger clients.
 * @returns The handler for {@link CAPTURE_QUEUE}.
 */
export function newCaptureJobHandler(deps: CaptureProcessorDeps): JobHandler<CaptureJob> {
  const inFlight = Math.min(Math.max(deps.chunksInFlight ?? DEFAULT_CHUNKS_IN_FLIGHT, 1), 16);
  const log = deps.log ?? (() => undefined);

  /** Record a wait (when the database answers) and hand the queue the delay. */
  const waitFor = async (captureId: string, previousWaits: number, reason: string): Promise<RetryLaterError> => {
    let waits = previousWaits + 1;
    let delayMs = waitDelayMs(waits);
    try {
      waits = await deps.captures.recordWait(captureId, reason, new Date(Date.now() + delayMs));
      delayMs = waitDelayMs(waits);
    } catch {
      // The database itself is down: the wait cannot be counted, so it is not allowed to stay short.
      delayMs = Math.max(delayMs, UNRECORDED_WAIT_MS);
    }
    log('warn', { captureId, waits, delayMs, reason }, 'capture waits');
    return new RetryLaterError(reason, delayMs);
  };

  return async (job) => {
    const { captureId } = job.data;
    let waits = 0;
    try {
      const capture = await deps.captures.find(captureId);
      if (!capture || capture.state === 'done') return;
      waits = capture.waits;
      if (waits > 0) {
        // Readiness, not attempts: after a wait, nothing is submitted until the ledger answers again.
        try {
          await deps.ledgers.ping();
        } catch (err) {
          throw await waitFor(captureId, waits, `ledger not ready: ${classifyCaptureFailure(err).reason}`);
        }
        await deps.captures.clearWaits(captureId);
        waits = 0;
      }
      if (capture.state !== 'processing') await deps.captures.setState(captureId, 'processing');
      await submitPending(deps, captureId, capture.owner, inFlight);
      await deps.captures.setState(captureId, 'done');
    } catch (err) {
      if (err instanceof RetryLaterError) throw err;
      if (err instanceof AwaitingSignatures) {
        await deps.captures
          .recordWait(captureId, err.message, new Date(Date.now() + SIGNATURE_POLL_MS))
          .catch(() => undefined);
        throw new RetryLaterError(err.message, SIGNATURE_POLL_MS);
      }
      const failure = classifyCaptureFailure(err);
      if (failure.kind === 'wait') throw await waitFor(captureId, waits, failure.reason);
      if (failure.kind === 'park' || job.lastAttempt) {
        const reason =
          failure.kind === 'park' ? failure.reason : `attempts used up (${job.attempt}): ${failure.reason}`;
        await deps.captures.setState(captureId, 'parked', reason).catch(() => undefined);
        log('warn', { captureId, reason }, 'capture parked');
        throw new PermanentJobError(reason);
      }
      throw err;
    }
  };
}

/**
 * A chunk the sender signs itself: its newest session decides — committed (record it), still open (wait), or none,
 * expired or failed for a cause a new proposal can fix (open a new one: the same submission id, so the chain commits
 * the chunk once whatever happens to earlier sessions).
 *
 * @returns True when the chunk waits for a signature.
 */
async function throughSigningSession(
  signing: ExternalSigning,
  captures: CapturesRepository,
  captureId: string,
  owner: { mspId: string; enterpriseId: string | null; apiKeyId: string },
  chunk: ChunkRow,
  request: string,
  latest: SigningSession | undefined,
): Promise<boolean> {
  if (latest?.state === 'committed') {
    await captures.markChunk(captureId, chunk.seq, { state: 'committed', txId: latest.transactionId });
    return false;
  }
  if (
    latest !== undefined &&
    (latest.state === 'proposed' || latest.state === 'endorsed') &&
    latest.expiresAt.getTime() > Date.now()
  )
    return true;
  const [contract, transaction] = chunk.fn.split(':') as [string, string];
  await startSigningSession(
    signing,
    { keyId: owner.apiKeyId, enterpriseId: owner.enterpriseId, mspId: owner.mspId },
    { contract, transaction, args: [request] },
    { captureId, seq: chunk.seq },
  );
  return true;
}

/** Submit the capture's pending chunks, wave by wave; the first failure of a wave stops the run (later waves may depend on it). */
async function submitPending(
  deps: CaptureProcessorDeps,
  captureId: string,
  owner: { mspId: string; enterpriseId: string | null; apiKeyId: string },
  inFlight: number,
): Promise<void> {
  let sessions: Promise<Map<number, SigningSession>> | undefined;
  let awaiting = 0;
  const submit = async (chunk: ChunkRow): Promise<void> => {
    const [contractName, fn] = chunk.fn.split(':') as [string, string];
    const request = JSON.stringify({ ...chunk.request, submissionId: submissionIdOf(captureId, chunk.seq) });
    try {
      const ledger = deps.ledgers.forCaller({ mspId: owner.mspId, enterpriseId: owner.enterpriseId }, contractName);
      const result = await ledger.submit<{ txId?: string }>(fn, [request]);
      await deps.captures.markChunk(captureId, chunk.seq, { state: 'committed', txId: result?.txId ?? '' });
    } catch (err) {
      const signing = deps.externalSigning;
      if (err instanceof ProblemError && err.code === 'LEDGER_IDENTITY_EXTERNAL' && signing !== undefined) {
        sessions ??= signing.sessions.latestOfCapture(captureId);
        if (
          await throughSigningSession(
            signing,
            deps.captures,
            captureId,
            owner,
            chunk,
            request,
            (await sessions).get(chunk.seq),
          )
        )
          awaiting += 1;
        return;
      }
      const firstTxId = duplicateOf(err);
      const failure = classifyCaptureFailure(err);
      if (firstTxId !== undefined) {
        await deps.captures.markChunk(captureId, chunk.seq, { state: 'committed', txId: firstTxId });
      } else if (failure.kind === 'refused') {
        await deps.captures.markChunk(captureId, chunk.seq, {
          state: 'refused',
          code: failure.code,
          message: failure.reason,
        });
      } else {
        throw err;
      }
    }
  };

  const pending = (await deps.captures.chunks(captureId)).filter((c) => c.state === 'pending');
  const waves = [...new Set(pending.map((c) => c.wave))].sort((a, b) => a - b);
  for (const wave of waves) {
    const queue = pending.filter((c) => c.wave === wave);
    let failure: unknown;
    const workers = Array.from({ length: Math.min(inFlight, queue.length) }, async () => {
      for (let chunk = queue.shift(); chunk !== undefined && failure === undefined; chunk = queue.shift()) {
        try {
          await submit(chunk);
        } catch (err) {
          failure ??= err;
        }
      }
    });
    await Promise.all(workers);
    if (failure !== undefined) throw failure;
    if (awaiting > 0) throw new AwaitingSignatures(awaiting);
  }
}

/** What one resume sweep did. */
export interface SweepOutcome {
  /** Unfinished captures looked at. */
  readonly seen: number;
  /** Captures whose job was missing and is queued again. */
  readonly enqueued: number;
  /** Captures whose parked job waits again. */
  readonly revived: number;
}

/** Options of {@link resumeUnfinishedCaptures}. */
export interface SweepOptions {
  /**
   * `restart` (at startup): every unfinished capture resumes, parked ones included — a restart is how a fix of the
   * gateway's settings (an identity added to the connection profile) takes effect. `stale` (periodic): only captures
   * that did not move for `staleMs` and whose job the queue lost or parked by itself (a stalled worker, not the
   * capture job's decision, which sets the capture's own state to parked).
   */
  readonly mode: 'restart' | 'stale';
  /** For `stale`: how long without progress, in milliseconds. */
  readonly staleMs?: number;
  /** Most captures looked at in one sweep (pages of {@link SWEEP_PAGE_SIZE}); default 100,000. */
  readonly maxCaptures?: number;
}

/** Default bound of one sweep. */
export const SWEEP_MAX_CAPTURES = 100_000;

/**
 * Resume unfinished captures: enqueue those whose job is gone (an enqueue lost in a crash between the database commit
 * and the queue write, or a job the queue's retention removed) and revive those whose job is parked. Enqueue is
 * idempotent by capture id, so a capture already queued is untouched.
 *
 * @returns What was done.
 */
export async function resumeUnfinishedCaptures(
  captures: CapturesRepository,
  jobQueue: JobQueue,
  options: SweepOptions,
): Promise<SweepOutcome> {
  const maxCaptures = options.maxCaptures ?? SWEEP_MAX_CAPTURES;
  const staleBefore = Date.now() - (options.staleMs ?? 0);
  let seen = 0;
  let enqueued = 0;
  let revived = 0;
  let after: UnfinishedCursor | undefined;
  do {
    const page = await captures.unfinished(Math.min(SWEEP_PAGE_SIZE, maxCaptures - seen), after);
    for (const capture of page.captures) {
      seen += 1;
      if (options.mode === 'stale' && (capture.state === 'parked' || capture.updatedAt.getTime() > staleBefore))
        continue;
      const job = await jobQueue.getJob(CAPTURE_QUEUE, capture.id);
      if (job === undefined) {
        await jobQueue.enqueue(CAPTURE_QUEUE, capture.id, { captureId: capture.id } satisfies CaptureJob);
        enqueued += 1;
      } else if (job.state === 'parked' && (await jobQueue.revive(CAPTURE_QUEUE, capture.id))) {
        revived += 1;
      }
    }
    after = page.next;
  } while (after !== undefined && seen < maxCaptures);
  return { seen, enqueued, revived };
}

/**
 * Put one parked capture back to work (an operator fixed the cause). A capture still in flight is left as it is.
 *
 * @returns Whether the capture was parked and is queued again.
 */
export async function retryCapture(
  captures: CapturesRepository,
  jobQueue: JobQueue,
  captureId: string,
): Promise<boolean> {
  const job = await jobQueue.getJob(CAPTURE_QUEUE, captureId);
  if (job === undefined) {
    await jobQueue.enqueue(CAPTURE_QUEUE, captureId, { captureId } satisfies CaptureJob);
    await captures.setState(captureId, 'processing');
    return true;
  }
  if (job.state !== 'parked') return false;
  await captures.setState(captureId, 'processing');
  return jobQueue.revive(CAPTURE_QUEUE, captureId);
}
