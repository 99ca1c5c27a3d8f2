/**
 * The capture use cases against their ports (captures repository, job queue, signing sessions): accept an EPCIS
 * document and queue it, follow a capture to the ledger per event, and retry a parked one. Customs reads any capture,
 * others only their own enterprise's.
 */
import type { Principal } from '../../domain/principal';
import { acceptCapture, type AcceptedCapture } from '../../capture/accept';
import { CAPTURE_QUEUE, retryCapture, type CaptureJob } from '../../capture/processor';
import { newProblem } from '../../errors';
import { sessionUrl } from '../../ledger/signing-sessions';
import type { JobQueue } from '../../ports';
import type { CaptureRow, CaptureState, CapturesRepository, ChunkRow } from '../../repositories/captures';
import type { SigningSession, SigningSessionsRepository } from '../../repositories/signing-sessions';

/** What the capture use cases depend on. */
export interface CaptureServiceDeps {
  readonly captures: CapturesRepository;
  readonly jobQueue: JobQueue;
  /** Signing sessions of bring-your-own-key senders, when the gateway offers external signing. */
  readonly signingSessions: Pick<SigningSessionsRepository, 'latestOfCapture'> | undefined;
}

/** Where one event of a capture is. */
export type EventState = 'committed' | 'refused' | 'pending';

/** A capture followed to the ledger, per event (the body of `GET /v1/capture/{id}`). */
export interface CaptureStatusView {
  readonly id: string;
  readonly state: CaptureState;
  readonly outcome: 'pending' | 'committed' | 'partially_refused' | 'refused' | 'nothing_new';
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly eventCount: number;
  readonly itemCount: number;
  readonly counts: { committed: number; refused: number; pending: number; duplicate: number };
  readonly transactions: {
    seq: number;
    fn: string;
    items: number;
    state: ChunkRow['state'];
    txId: string | null;
    signingSession?: string;
  }[];
  readonly errors: { eventID: string; code: string; message: string }[];
  readonly events: { eventID: string; state: EventState; txIds: string[] }[];
  readonly duplicates: { eventID: string; captureId: string }[];
  readonly parkReason?: string;
  readonly waiting?: { reason: string; since: string; waits: number; retryAt: string | null };
}

/** The capture use cases. */
export interface CaptureService {
  /**
   * Store a capture with its events and chunks, then queue it (job id = capture id). A crash in between is healed by
   * the startup sweep.
   *
   * @throws ProblemError the document's refusals (schema, unsupported or incomplete events, sizes)
   */
  accept(caller: Principal, document: unknown): Promise<AcceptedCapture>;
  /**
   * A capture's progress, per event.
   *
   * @throws ProblemError `NOT_FOUND`, `FORBIDDEN_TENANT`
   */
  status(caller: Principal, id: string): Promise<CaptureStatusView>;
  /**
   * Queue a parked capture again.
   *
   * @returns Whether anything was put back to work.
   * @throws ProblemError `NOT_FOUND`, `FORBIDDEN_TENANT`, `CAPTURE_FINISHED`
   */
  retry(caller: Principal, id: string): Promise<boolean>;
}

function eventStates(eventIds: readonly string[], chunks: readonly ChunkRow[]) {
  const states: EventState[] = eventIds.map(() => 'committed');
  const txIds: string[][] = eventIds.map(() => []);
  const errors: { eventID: string; code: string; message: string }[] = [];
  // Events left out of every chunk were duplicates of earlier captures (they are listed separately).
  const covered = new Set<number>();
  for (const chunk of chunks) {
    for (const seq of chunk.eventSeqs) {
      covered.add(seq);
      if (chunk.state === 'refused') {
        if (states[seq] !== 'refused')
          errors.push({ eventID: eventIds[seq]!, code: chunk.errorCode ?? 'REFUSED', message: chunk.error ?? '' });
        states[seq] = 'refused';
      } else if (chunk.state === 'pending' && states[seq] !== 'refused') {
        states[seq] = 'pending';
      } else if (chunk.txId) {
        txIds[seq]!.push(chunk.txId);
      }
    }
  }
  return { states, txIds, errors, covered };
}

/**
 * Build the capture use cases over their ports.
 *
 * @param deps - Captures repository, job queue, signing sessions.
 * @returns The service.
 */
export function newCaptureService(deps: CaptureServiceDeps): CaptureService {
  const { captures, jobQueue, signingSessions } = deps;

  /** The capture, when the caller may see it: customs any, others their own enterprise's. */
  async function findOwnCapture(caller: Principal, id: string): Promise<CaptureRow> {
    const capture = await captures.find(id);
    if (!capture) throw newProblem('NOT_FOUND', `no capture ${id}`);
    if (caller.role !== 'customs' && caller.enterpriseId !== capture.owner.enterpriseId) {
      throw newProblem('FORBIDDEN_TENANT', `capture ${id} belongs to another enterprise`);
    }
    return capture;
  }

  return {
    async accept(caller, document) {
      const accepted = await acceptCapture(captures, caller, document);
      // Enqueued after the capture is committed; a crash in between is healed by the startup sweep.
      await jobQueue.enqueue(CAPTURE_QUEUE, accepted.captureId, { captureId: accepted.captureId } satisfies CaptureJob);
      return accepted;
    },

    async status(caller, id) {
      const capture = await findOwnCapture(caller, id);
      const [eventIds, chunks, sessions] = await Promise.all([
        captures.eventIds(id),
        captures.chunks(id),
        signingSessions ? signingSessions.latestOfCapture(id) : Promise.resolve(new Map<number, SigningSession>()),
      ]);
      // Sessions still waiting for the sender's signatures (bring your own key).
      const openSessions = new Map(
        [...sessions].filter(
          ([, s]) => (s.state === 'proposed' || s.state === 'endorsed') && s.expiresAt.getTime() > Date.now(),
        ),
      );
      const { states, txIds, errors, covered } = eventStates(eventIds, chunks);
      const owned = eventIds.map((_, seq) => seq).filter((seq) => covered.has(seq));
      const count = (s: EventState) => owned.filter((seq) => states[seq] === s).length;
      const counts = {
        committed: count('committed'),
        refused: count('refused'),
        pending: count('pending'),
        duplicate: capture.duplicates.length,
      };
      let state = capture.state;
      let parkReason = capture.parkReason ?? undefined;
      if (state !== 'done' && state !== 'parked') {
        // The capture job names its own parks; a park by the queue itself (a lost worker) shows the queue's.
        const job = await jobQueue.getJob(CAPTURE_QUEUE, id);
        if (job?.state === 'parked') {
          // The job may have parked the capture (with its own reason) since the row was read: that reason
          // names the cause; the queue's wraps it or only says the attempts ran out.
          const again = await captures.find(id);
          state = 'parked';
          parkReason = (again?.state === 'parked' ? again.parkReason : undefined) ?? job.reason ?? 'attempts used up';
        }
      }
      const outcome: CaptureStatusView['outcome'] =
        owned.length === 0
          ? 'nothing_new'
          : counts.pending > 0
            ? 'pending'
            : counts.refused === 0
              ? 'committed'
              : counts.committed === 0
                ? 'refused'
                : 'partially_refused';
      return {
        id,
        state,
        outcome,
        receivedAt: capture.receivedAt.toISOString(),
        updatedAt: capture.updatedAt.toISOString(),
        eventCount: capture.eventCount,
        itemCount: capture.itemCount,
        counts,
        transactions: chunks.map((c) => {
          const session = c.state === 'pending' ? openSessions.get(c.seq) : undefined;
          return {
            seq: c.seq,
            fn: c.fn,
            items: c.itemCount,
            state: c.state,
            txId: c.txId,
            ...(session ? { signingSession: sessionUrl(session.id) } : {}),
          };
        }),
        errors,
        events: owned.map((seq) => ({ eventID: eventIds[seq]!, state: states[seq]!, txIds: txIds[seq]! })),
        duplicates: [...capture.duplicates],
        ...(parkReason !== undefined ? { parkReason } : {}),
        ...(state !== 'done' && state !== 'parked' && capture.waits > 0 && capture.waitReason !== null
          ? {
              waiting: {
                reason: capture.waitReason,
                since: (capture.waitingSince ?? capture.updatedAt).toISOString(),
                waits: capture.waits,
                retryAt: capture.retryAt?.toISOString() ?? null,
              },
            }
          : {}),
      };
    },

    async retry(caller, id) {
      const capture = await findOwnCapture(caller, id);
      if (capture.state === 'done')
        throw newProblem(
          'CAPTURE_FINISHED',
          `capture ${id} is done: every chunk is committed or refused; nothing to retry`,
        );
      return retryCapture(captures, jobQueue, id);
    },
  };
}
