/**
 * API key administration: customs revokes a key (it stops working on the next request).
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { newProblem } from '../../errors';
import { requireRole } from '../../plugins/auth';
import { Problem, authenticatedErrors } from '../schemas';

const KeyParams = Type.Object({ keyId: Type.String({ format: 'uuid' }) });

/** Routes under `/v1/keys`. */
const keysRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.delete(
    '/keys/:keyId',
    {
      onRequest: requireRole('customs'),
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key (customs); idempotent',
        params: KeyParams,
        response: { 204: Type.Null(), 404: Problem, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      const revoked = await fastify.repositories.apiKeys.revoke(request.params.keyId);
      if (!revoked) {
        throw newProblem('NOT_FOUND', `no API key ${request.params.keyId}`);
      }
      request.log.info({ keyId: revoked.id }, 'api key revoked');
      return reply.code(204).send(null);
    },
  );
};

export default keysRoutes;
