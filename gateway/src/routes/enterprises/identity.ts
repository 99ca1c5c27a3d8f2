/**
 * `POST /v1/enterprises/{id}/identity` (customs): a new X.509 identity for a reinstated enterprise whose certificate
 * was revoked by its suspension. Reinstatement already re-issues a managed identity (suspension.ts); this route is for
 * the rest: an enterprise that keeps its key sends its CSR (common name = the enrollment id the reinstatement named),
 * and any re-issue that found the CA down is retried here. The identity gets the next enrollment id at the CA
 * (identity/onboarding.ts `nextEnrollmentId`), the same attributes, and replaces the revoked row. The route maps HTTP
 * only; the use case is services/enterprises/suspension-service.ts `reissueIdentity`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { requireRole } from '../../plugins/auth';
import { Problem, authenticatedErrors } from '../schemas';
import { EnterpriseParams } from './schema';
import { suspensionServiceOf } from './suspension';

/** Body of `POST /v1/enterprises/{id}/identity`. */
const ReissueBody = Type.Object(
  {
    csr: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 16_384,
        description:
          'For an enterprise that keeps its key: a PEM PKCS#10 CSR (ECDSA P-256, CN = the enrollment id named by the reinstatement)',
      }),
    ),
  },
  { additionalProperties: false },
);

const ReissueResponse = Type.Object({
  enterpriseId: Type.String(),
  identity: Type.Object({
    kind: Type.Union([Type.Literal('managed'), Type.Literal('external')]),
    enrollmentId: Type.String(),
    certificate: Type.String({ description: 'The new enrollment certificate (PEM)' }),
    notAfter: Type.String({ format: 'date-time' }),
  }),
});

/** Routes under `/v1/enterprises/{id}/identity`. */
const enterpriseIdentityRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const suspensions = suspensionServiceOf(fastify);

  fastify.post(
    '/enterprises/:id/identity',
    {
      onRequest: requireRole('customs'),
      schema: {
        tags: ['enterprises'],
        summary:
          "Re-issue a reinstated enterprise's revoked identity (customs); with a CSR when the enterprise keeps its key",
        params: EnterpriseParams,
        body: ReissueBody,
        response: {
          201: ReissueResponse,
          404: Problem,
          409: Problem,
          422: Problem,
          ...authenticatedErrors,
          502: Problem,
          503: Problem,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const identity = await suspensions.reissueIdentity(id, request.body.csr, request.log);
      return reply.code(201).send({
        enterpriseId: id,
        identity: {
          kind: identity.kind,
          enrollmentId: identity.enrollmentId,
          certificate: identity.certPem,
          notAfter: identity.notAfter.toISOString(),
        },
      });
    },
  );
};

export default enterpriseIdentityRoutes;
