/**
 * Capture (EPCIS 2.0 REST binding style): `POST /v1/capture` takes an EPCISDocument, stores it as a capture with its
 * events and chunks, queues it (job id = capture id) and answers 202 with `Location: /v1/capture/{id}`;
 * `GET /v1/capture/{id}` follows it to the ledger, per event. Operators and enterprises capture; customs reads any
 * capture, others only their own enterprise's.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CaptureRow, ChunkRow } from '../../repositories/captures';
import type { SigningSession } from '../../repositories/signing-sessions';
import { sessionUrl } from '../../ledger/signing-sessions';
import type { Principal } from '../../domain/principal';
import { acceptCapture } from '../../capture/accept';
import { CAPTURE_JSON_LIMITS } from '../../capture/epcis-limits';
import { CAPTURE_QUEUE, retryCapture, type CaptureJob } from '../../capture/processor';
import { newProblem } from '../../errors';
import { requireRole } from '../../plugins/auth';
import { jsonBodyParser } from '../../plugins/json-body';
import { Problem, authenticatedErrors } from '../schemas';
import { CaptureAccepted, CaptureBody, CaptureParams, CaptureRetried, CaptureStatus } from './schema';

/**
 * Largest capture body: 100,000 EPCs of up to ~70 characters (SGTIN URNs, Digital Link URIs with 20-character
 * serials) and their event envelopes fit. Bounded so that the parse, walk and schema check of an accepted document
 * hold the event loop well under 100 ms (JSON.parse alone costs ~5 ms per MB here).
 */
export const CAPTURE_BODY_LIMIT_BYTES = 8 * 1_048_576;

type EventState = 'committed' | 'refused' | 'pending';

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
                if (states[seq] !== 'refused') errors.push({ eventID: eventIds[seq]!, code: chunk.errorCode ?? 'REFUSED', message: chunk.error ?? '' });
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

const captureRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
    /** The capture, when the caller may see it: customs any, others their own enterprise's. */
    const findOwnCapture = async (principal: Principal, id: string): Promise<CaptureRow> => {
        const capture = await fastify.repositories.captures.find(id);
        if (!capture) throw newProblem('NOT_FOUND', `no capture ${id}`);
        if (principal.role !== 'customs' && principal.enterpriseId !== capture.owner.enterpriseId) {
            throw newProblem('FORBIDDEN_TENANT', `capture ${id} belongs to another enterprise`);
        }
        return capture;
    };

    // EPCIS 2.0 documents travel as JSON-LD; parse them like JSON.
    fastify.addContentTypeParser('application/ld+json', { parseAs: 'buffer', bodyLimit: CAPTURE_BODY_LIMIT_BYTES }, jsonBodyParser(fastify));

    fastify.post(
        '/capture',
        {
            bodyLimit: CAPTURE_BODY_LIMIT_BYTES,
            config: { jsonLimits: CAPTURE_JSON_LIMITS },
            onRequest: requireRole('operator', 'enterprise'),
            schema: {
                tags: ['capture'],
                summary: 'Capture an EPCIS 2.0 document: 202, then follow Location',
                body: CaptureBody,
                response: { 202: CaptureAccepted, 413: Problem, 415: Problem, 422: Problem, ...authenticatedErrors },
            },
        },
        async (request, reply) => {
            const accepted = await acceptCapture(fastify.repositories.captures, request.principal, request.body);
            // Enqueued after the capture is committed; a crash in between is healed by the startup sweep.
            await fastify.jobQueue.enqueue(CAPTURE_QUEUE, accepted.captureId, { captureId: accepted.captureId } satisfies CaptureJob);
            const location = `/v1/capture/${accepted.captureId}`;
            return reply.code(202).header('location', location).send({ ...accepted, status: location });
        },
    );

    fastify.get(
        '/capture/:id',
        {
            schema: {
                tags: ['capture'],
                summary: 'Status of a capture, per event',
                params: CaptureParams,
                response: { 200: CaptureStatus, 404: Problem, ...authenticatedErrors },
            },
        },
        async (request) => {
            const { id } = request.params;
            const capture = await findOwnCapture(request.principal, id);
            const signing = fastify.ports.externalSigning;
            const [eventIds, chunks, sessions] = await Promise.all([
                fastify.repositories.captures.eventIds(id),
                fastify.repositories.captures.chunks(id),
                signing ? signing.sessions.latestOfCapture(id) : Promise.resolve(new Map<number, SigningSession>()),
            ]);
            // Sessions still waiting for the sender's signatures (bring your own key).
            const openSessions = new Map([...sessions].filter(([, s]) => (s.state === 'proposed' || s.state === 'endorsed') && s.expiresAt.getTime() > Date.now()));
            const { states, txIds, errors, covered } = eventStates(eventIds, chunks);
            const owned = eventIds.map((_, seq) => seq).filter((seq) => covered.has(seq));
            const count = (s: EventState) => owned.filter((seq) => states[seq] === s).length;
            const counts = { committed: count('committed'), refused: count('refused'), pending: count('pending'), duplicate: capture.duplicates.length };
            let state = capture.state;
            let parkReason = capture.parkReason ?? undefined;
            if (state !== 'done' && state !== 'parked') {
                // The capture job names its own parks; a park by the queue itself (a lost worker) shows the queue's.
                const job = await fastify.jobQueue.getJob(CAPTURE_QUEUE, id);
                if (job?.state === 'parked') {
                    state = 'parked';
                    parkReason = job.reason ?? 'attempts used up';
                }
            }
            const outcome: 'pending' | 'committed' | 'partially_refused' | 'refused' | 'nothing_new' =
                owned.length === 0 ? 'nothing_new'
                : counts.pending > 0 ? 'pending'
                : counts.refused === 0 ? 'committed'
                : counts.committed === 0 ? 'refused'
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
                    return { seq: c.seq, fn: c.fn, items: c.itemCount, state: c.state, txId: c.txId, ...(session ? { signingSession: sessionUrl(session.id) } : {}) };
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
    );

    fastify.post(
        '/capture/:id/retry',
        {
            onRequest: requireRole('customs', 'operator', 'enterprise'),
            schema: {
                tags: ['capture'],
                summary: 'Retry a parked capture once its cause is fixed (customs, or the capture\'s sender)',
                params: CaptureParams,
                response: { 202: CaptureRetried, 404: Problem, 409: Problem, ...authenticatedErrors },
            },
        },
        async (request, reply) => {
            const { id } = request.params;
            const capture = await findOwnCapture(request.principal, id);
            if (capture.state === 'done') throw newProblem('CAPTURE_FINISHED', `capture ${id} is done: every chunk is committed or refused; nothing to retry`);
            const retried = await retryCapture(fastify.repositories.captures, fastify.jobQueue, id);
            request.log.info({ captureId: id, retried }, 'capture retry requested');
            const location = `/v1/capture/${id}`;
            return reply.code(202).header('location', location).send({ id, retried, status: location });
        },
    );
};

export default captureRoutes;
