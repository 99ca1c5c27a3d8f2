/**
 * Capture (EPCIS 2.0 REST binding style): `POST /v1/capture` takes an EPCISDocument, stores it as a capture with its
 * events and chunks, queues it (job id = capture id) and answers 202 with `Location: /v1/capture/{id}`;
 * `GET /v1/capture/{id}` follows it to the ledger, per event. Operators and enterprises capture; customs reads any
 * capture, others only their own enterprise's.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CAPTURE_JSON_LIMITS } from '../../capture/epcis-limits';
import { requireRole } from '../../plugins/auth';
import { jsonBodyParser } from '../../plugins/json-body';
import { newCaptureService } from '../../services/capture/capture-service';
import { Problem, authenticatedErrors } from '../schemas';
import { CaptureAccepted, CaptureBody, CaptureParams, CaptureRetried, CaptureStatus } from './schema';

/**
 * Largest capture body: 100,000 EPCs of up to ~70 characters (SGTIN URNs, Digital Link URIs with 20-character
 * serials) and their event envelopes fit. Bounded so that the parse, walk and schema check of an accepted document
 * hold the event loop well under 100 ms (JSON.parse alone costs ~5 ms per MB here).
 */
export const CAPTURE_BODY_LIMIT_BYTES = 8 * 1_048_576;

const captureRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const captures = newCaptureService({
    captures: fastify.repositories.captures,
    jobQueue: fastify.jobQueue,
    signingSessions: fastify.ports.externalSigning?.sessions,
  });

  // EPCIS 2.0 documents travel as JSON-LD; parse them like JSON.
  fastify.addContentTypeParser(
    'application/ld+json',
    { parseAs: 'buffer', bodyLimit: CAPTURE_BODY_LIMIT_BYTES },
    jsonBodyParser(fastify),
  );

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
      const accepted = await captures.accept(request.principal, request.body);
      const location = `/v1/capture/${accepted.captureId}`;
      return reply
        .code(202)
        .header('location', location)
        .send({ ...accepted, status: location });
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
    async (request) => captures.status(request.principal, request.params.id),
  );

  fastify.post(
    '/capture/:id/retry',
    {
      onRequest: requireRole('customs', 'operator', 'enterprise'),
      schema: {
        tags: ['capture'],
        summary: "Retry a parked capture once its cause is fixed (customs, or the capture's sender)",
        params: CaptureParams,
        response: { 202: CaptureRetried, 404: Problem, 409: Problem, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const retried = await captures.retry(request.principal, id);
      request.log.info({ captureId: id, retried }, 'capture retry requested');
      const location = `/v1/capture/${id}`;
      return reply.code(202).header('location', location).send({ id, retried, status: location });
    },
  );
};

export default captureRoutes;
