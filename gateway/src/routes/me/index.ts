/**
 * `GET /v1/me`: who the API key is (role, enterprise, signing MSP), so that a client can check its key.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticatedErrors } from '../schemas';

const MeResponse = Type.Object({
  keyId: Type.String(),
  role: Type.String(),
  enterpriseId: Type.Union([Type.String(), Type.Null()]),
  mspId: Type.String(),
});

/** Route `GET /v1/me`. */
const meRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/me',
    {
      schema: {
        tags: ['keys'],
        summary: 'The caller, as the API key identifies it',
        response: { 200: MeResponse, ...authenticatedErrors },
      },
    },
    async (request) => ({ ...request.principal }),
  );
};

export default meRoutes;
