/**
 * One person, one code (一人一码): `POST /v1/persons/codes` turns an identity document into its person code (the
 * keyed hash of gateway/src/domain/person-code.ts), and `GET /v1/persons/{code}/quota` reads the person's duty-free
 * quota use from the chain (`query:GetPersonQuota`, signed as the caller). Customs and duty-free operators only.
 *
 * The document number is personal data: it is hashed and forgotten. Nothing here stores or logs it, the body is
 * not logged by Fastify, and a refusal names the rule broken, never the value (ajv's errors carry no data; the JSON
 * parser's error carries no excerpt of the body).
 */
import type { FastifyPluginAsyncTypebox, Static } from '@fastify/type-provider-typebox';
import { MAX_DOCUMENT_NUMBER_LENGTH } from '../../domain/person-code';
import { newProblem } from '../../errors';
import { requireRole } from '../../plugins/auth';
import { Problem, authenticatedErrors } from '../schemas';
import { PersonCodeBody, PersonCodeResponse, PersonParams, QuotaQuery, QuotaResponse } from './schema';

/** Routes under `/v1/persons`. */
const personsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/persons/codes',
    {
      onRequest: requireRole('customs', 'operator'),
      schema: {
        tags: ['persons'],
        summary: 'The person code of an identity document (customs, operators); the number is never stored or logged',
        body: PersonCodeBody,
        response: { 200: PersonCodeResponse, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      const { documentType, documentNumber } = request.body;
      // The schema bounds the number as sent; the coder bounds it without its spaces. Say which rule, not what.
      if (documentNumber.replace(/\s+/g, '').length > MAX_DOCUMENT_NUMBER_LENGTH) {
        throw newProblem(
          'VALIDATION_FAILED',
          `body/documentNumber must have at most ${MAX_DOCUMENT_NUMBER_LENGTH} characters without spaces`,
        );
      }
      const personCode = fastify.personCodes.codeFor(documentType, documentNumber);
      // A person code is as good as an identity to whoever holds the secret: keep it out of shared caches.
      return reply.header('cache-control', 'no-store').send({ personCode });
    },
  );

  fastify.get(
    '/persons/:code/quota',
    {
      onRequest: requireRole('customs', 'operator'),
      schema: {
        tags: ['persons'],
        summary: "A person's duty-free quota use in a year, from the chain (customs, operators)",
        params: PersonParams,
        querystring: QuotaQuery,
        response: { 200: QuotaResponse, 502: Problem, 503: Problem, 504: Problem, ...authenticatedErrors },
      },
    },
    async (request) => {
      const ledger = fastify.ledgers.forCaller(request.principal, 'query');
      const year = request.query.year;
      const quota = await ledger.evaluate<Static<typeof QuotaResponse>>('GetPersonQuota', [
        JSON.stringify({ personCode: request.params.code, ...(year === undefined ? {} : { year }) }),
      ]);
      if (quota === undefined) {
        throw new Error('query:GetPersonQuota answered nothing');
      }
      return quota;
    },
  );
};

export default personsRoutes;
