/**
 * `POST /v1/stream-tokens`: a single-use ticket, valid for a minute and bound to the caller's API key, with which a
 * client that cannot send headers (a browser's EventSource) opens a server-sent event stream
 * (`GET /v1/stocktakes/{id}/stream?access_token=...`). The API key itself never goes into a URL.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { STREAM_TOKEN_TTL_MS } from '../../domain/stream-token';
import { newProblem } from '../../errors';
import { Problem, authenticatedErrors } from '../schemas';

const StreamTokenResponse = Type.Object({
  token: Type.String({ description: 'Pass as ?access_token= to a stream route; opens one stream, once' }),
  expiresAt: Type.String({ format: 'date-time', description: 'The ticket must be redeemed before this instant' }),
});

/** Route `POST /v1/stream-tokens`. */
const streamTokensRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/stream-tokens',
    {
      schema: {
        tags: ['keys'],
        summary: `A single-use ticket (valid ${STREAM_TOKEN_TTL_MS / 1000} s, bound to this API key) to open an event stream without an Authorization header`,
        response: { 201: StreamTokenResponse, 503: Problem, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      let issued;
      try {
        issued = fastify.streamTokens.issue(request.principal.keyId);
      } catch (err: unknown) {
        throw newProblem('UNAVAILABLE', 'too many stream tokens are outstanding; retry shortly', {
          headers: { 'retry-after': '5' },
          expose: true,
          cause: err,
        });
      }
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ token: issued.token, expiresAt: issued.expiresAt.toISOString() });
    },
  );
};

export default streamTokensRoutes;
