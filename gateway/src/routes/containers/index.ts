/**
 * `GET /v1/containers/{id}` (issue 15 Must 3): a case or pallet (SSCC or GRAI EPC URN) as the chain holds it: its
 * state (where its top container is), its book lines (items inside per GTIN and regime, through its cases), its cases
 * and its history, read from the chain as the caller (`query:GetContainer`): customs sees every container, an
 * enterprise those it held or was sent (else the chain's 403 `ACCESS_DENIED`); one not on the chain is 404.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CONTAINER_ID } from '@hainan/ledger-model';
import { Problem, authenticatedErrors } from '../schemas';

const ContainerParams = Type.Object({
  id: Type.String({ pattern: CONTAINER_ID.source, maxLength: 120, description: 'SSCC or GRAI EPC URN' }),
});

const containersRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/containers/:id',
    {
      schema: {
        tags: ['provenance'],
        summary:
          'A case or pallet: its state, the items inside per product line, its cases and its history (from the chain)',
        params: ContainerParams,
        response: {
          // The chain's record as it is (container, containers, history); its shape is chaincode/src/domain/containers.ts.
          200: Type.Object(
            { container: Type.Unknown(), containers: Type.Array(Type.Unknown()), history: Type.Array(Type.Unknown()) },
            { additionalProperties: true },
          ),
          404: Problem,
          502: Problem,
          503: Problem,
          504: Problem,
          ...authenticatedErrors,
        },
      },
    },
    async (request) => {
      const answer = await fastify.ledgers
        .forCaller(request.principal, 'query')
        .evaluate<{ container: unknown; containers: unknown[]; history: unknown[] }>('GetContainer', [
          JSON.stringify({ id: request.params.id }),
        ]);
      if (answer === undefined) throw new Error('query:GetContainer answered nothing');
      return answer;
    },
  );
};

export default containersRoutes;
