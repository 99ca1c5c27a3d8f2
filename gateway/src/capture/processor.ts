/**
 * The capture job: submits a capture's pending chunks to the chaincode, wave by wave (the chunks of a wave side by
 * side, bounded), each signed as the organisation that sent the capture. Idempotent: a chunk carries
 * `submissionId = cap:<capture>:<seq>`, so a chunk that committed before a crash answers DUPLICATE_SUBMISSION on the
 * retry and is recorded as committed with the first transaction's id. A chaincode refusal is final for its chunk (the
 * capture's status shows it per event); a conflict or an unreachable ledger fails the attempt and the queue retries
 * with backoff, from the chunks still pending, until its attempts are used up and the job is parked.
 */
import { LedgerError } from '../adapters/fabric/errors';
import type { CapturesRepository, ChunkRow } from '../adapters/pg';
import { duplicateOf } from '../ledger/submission';
import type { JobHandler, JobQueue, LedgerClients } from '../ports';

/** Queue of capture jobs (job id = capture id). */
export const CAPTURE_QUEUE = 'captures';

/** Chunks of one wave submitted at once by one job. */
export const DEFAULT_CHUNKS_IN_FLIGHT = 4;

/** Most unfinished captures re-enqueued by one sweep. */
export const SWEEP_LIMIT = 1_000;

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
    return async (job) => {
        const { captureId } = job.data;
        const capture = await deps.captures.find(captureId);
        if (!capture || capture.state === 'done') return;
        if (capture.state === 'accepted') await deps.captures.setState(captureId, 'processing');

        const submit = async (chunk: ChunkRow): Promise<void> => {
            const [contractName, fn] = chunk.fn.split(':') as [string, string];
            const ledger = deps.ledgers.forCaller({ mspId: capture.owner.mspId, enterpriseId: capture.owner.enterpriseId }, contractName);
            const request = JSON.stringify({ ...chunk.request, submissionId: submissionIdOf(captureId, chunk.seq) });
            try {
                const result = await ledger.submit<{ txId?: string }>(fn, [request]);
                await deps.captures.markChunk(captureId, chunk.seq, { state: 'committed', txId: result?.txId ?? '' });
            } catch (err) {
                const firstTxId = duplicateOf(err);
                if (firstTxId !== undefined) {
                    await deps.captures.markChunk(captureId, chunk.seq, { state: 'committed', txId: firstTxId });
                } else if (err instanceof LedgerError && err.kind === 'chaincode') {
                    await deps.captures.markChunk(captureId, chunk.seq, { state: 'refused', code: err.code, message: err.message });
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
            // A later wave may depend on this one: stop here and let the queue retry what is still pending.
            if (failure !== undefined) throw failure;
        }
        await deps.captures.setState(captureId, 'done');
    };
}

/**
 * Re-enqueue captures that are accepted or processing (their enqueue may have been lost in a crash between the
 * database commit and the queue write). Enqueue is idempotent by capture id, so a capture already queued is untouched.
 *
 * @returns How many were enqueued.
 */
export async function sweepUnfinishedCaptures(captures: CapturesRepository, jobQueue: JobQueue): Promise<number> {
    const ids = await captures.unfinished(SWEEP_LIMIT);
    for (const captureId of ids) await jobQueue.enqueue(CAPTURE_QUEUE, captureId, { captureId } satisfies CaptureJob);
    return ids.length;
}
