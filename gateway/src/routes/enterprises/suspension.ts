/**
 * Suspension of an enterprise by customs (issue 13 Must 5): `POST /v1/enterprises/{id}/suspension` suspends it on
 * the chain (customs:SuspendEnterprise — the chain's access rule refuses the enterprise whatever client it uses),
 * then records the suspension here so that its API keys are refused at once (auth plugin, API-key cache dropped),
 * then revokes its certificate at its organisation's CA when a revocation port is wired. `DELETE` reinstates. These
 * routes map HTTP only; the use cases, their order and their retries are services/enterprises/suspension-service.ts.
 * A CA that cannot be reached leaves `certRevocation: "pending"` in the answer; the same POST again tries the
 * revocation once more (200 with the suspension, not ALREADY_SUSPENDED, while it is pending), and the server's sweep
 * retries it too (identity/suspension-revocations.ts).
 *
 * Reinstatement re-issues: a revoked certificate can never sign again (Fabric CA revokes an identity for good), so
 * `DELETE` gives a managed enterprise a new certificate and key under the next enrollment id at once; an enterprise
 * that keeps its key is left `needsReenrollment` with the enrollment id its CSR must name, and sends that CSR with
 * `POST /v1/enterprises/{id}/identity` (routes/enterprises/identity.ts, also the retry when the CA was down).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { IdentityReissue } from '../../identity/identity-services';
import { requireRole } from '../../plugins/auth';
import type { Suspension } from '../../repositories/suspensions';
import { newSuspensionService, type SuspensionService } from '../../services/enterprises/suspension-service';
import { Problem, authenticatedErrors } from '../schemas';
import { EnterpriseParams } from './schema';

/** Body of `POST /v1/enterprises/{id}/suspension`. */
const SuspendBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 200 }),
    effectiveAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'Default now; at most 366 days ahead' }),
    ),
  },
  { additionalProperties: false },
);

const SuspensionResponse = Type.Object({
  enterpriseId: Type.String(),
  status: Type.Union([Type.Literal('SUSPENDED'), Type.Literal('REINSTATED')]),
  reason: Type.String(),
  effectiveAt: Type.String({ format: 'date-time' }),
  certRevocation: Type.Union([Type.Literal('none'), Type.Literal('pending'), Type.Literal('done')]),
  needsReenrollment: Type.Boolean({
    description: 'Reinstated with a revoked certificate and no new one yet: see POST /v1/enterprises/{id}/identity',
  }),
  reenrollment: Type.Optional(
    Type.Object({
      enrollmentId: Type.String({ description: "The common name the enterprise's CSR must carry (it keeps its key)" }),
    }),
  ),
  identity: Type.Optional(
    Type.Object(
      {
        kind: Type.Union([Type.Literal('managed'), Type.Literal('external')]),
        enrollmentId: Type.String(),
        certificate: Type.String({ description: 'The new enrollment certificate (PEM)' }),
        notAfter: Type.String({ format: 'date-time' }),
      },
      { description: 'The identity re-issued at reinstatement' },
    ),
  ),
});

function toResponse(suspension: Suspension, reissue?: IdentityReissue) {
  return {
    ...(reissue?.outcome === 'needs-csr' ? { reenrollment: { enrollmentId: reissue.enrollmentId } } : {}),
    ...(reissue?.outcome === 'reissued'
      ? {
          identity: {
            kind: reissue.identity.kind,
            enrollmentId: reissue.identity.enrollmentId,
            certificate: reissue.identity.certPem,
            notAfter: reissue.identity.notAfter.toISOString(),
          },
        }
      : {}),
    enterpriseId: suspension.enterpriseId,
    status: suspension.reinstatedAt === null ? ('SUSPENDED' as const) : ('REINSTATED' as const),
    reason: suspension.reason,
    effectiveAt: suspension.effectiveAt.toISOString(),
    certRevocation: suspension.certRevocation,
    needsReenrollment: suspension.needsReenrollment,
  };
}

/** The suspension use cases over the app's repositories, ledgers and CA ports (also for routes/enterprises/identity.ts). */
export function suspensionServiceOf(fastify: FastifyInstance): SuspensionService {
  return newSuspensionService({
    enterprises: fastify.repositories.enterprises,
    suspensions: fastify.repositories.suspensions,
    apiKeys: fastify.repositories.apiKeys,
    ledgers: fastify.ledgers,
    revokeEnterpriseIdentity: fastify.ports.revokeEnterpriseIdentity,
    reissueEnterpriseIdentity: fastify.ports.reissueEnterpriseIdentity,
  });
}

/** Routes under `/v1/enterprises/{id}/suspension`. */
const suspensionRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const suspensions = suspensionServiceOf(fastify);

  fastify.post(
    '/enterprises/:id/suspension',
    {
      onRequest: requireRole('customs'),
      schema: {
        tags: ['enterprises'],
        summary: 'Suspend an enterprise (customs): refused on the chain, its API keys refused, its certificate revoked',
        params: EnterpriseParams,
        body: SuspendBody,
        response: { 200: SuspensionResponse, 404: Problem, 409: Problem, 422: Problem, ...authenticatedErrors },
      },
    },
    async (request) =>
      toResponse(await suspensions.suspend(request.principal, request.params.id, request.body, request.log)),
  );

  fastify.delete(
    '/enterprises/:id/suspension',
    {
      onRequest: requireRole('customs'),
      schema: {
        tags: ['enterprises'],
        summary:
          'Reinstate a suspended enterprise (customs): its API keys work again; a revoked certificate is re-issued (managed key) or awaits its CSR',
        params: EnterpriseParams,
        response: { 200: SuspensionResponse, 404: Problem, 409: Problem, ...authenticatedErrors },
      },
    },
    async (request) => {
      const { suspension, reissue } = await suspensions.reinstate(request.principal, request.params.id, request.log);
      return toResponse(suspension, reissue);
    },
  );
};

export default suspensionRoutes;
