/**
 * The enterprise directory: customs registers enterprises (the X.509 identity issued by the organisation's CA
 * through the `identityOnboarding` port, then gateway row + identity row + ledger registration through the
 * `registerEnterpriseOnLedger` port, in one database transaction) and issues their API keys; an enterprise may read
 * its own entry.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isChaincodeRefusal } from '../../ledger-error';
import { apiKeyDigest, generateApiKey } from '../../domain/api-key';
import type { Enterprise } from '../../domain/principal';
import { newProblem } from '../../errors';
import { assertTenant, requireRole } from '../../plugins/auth';
import { IdempotencyHeaders, Problem, authenticatedErrors } from '../schemas';
import {
  CreateEnterpriseBody,
  CreateKeyBody,
  CreatedKeyResponse,
  EnterpriseParams,
  EnterpriseResponse,
} from './schema';

function toResponse(enterprise: Enterprise) {
  return {
    id: enterprise.id,
    name: enterprise.name,
    roles: [...enterprise.roles],
    mspId: enterprise.mspId,
    createdAt: enterprise.createdAt.toISOString(),
  };
}

/** Routes under `/v1/enterprises`. */
const enterprisesRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/enterprises',
    {
      onRequest: requireRole('customs'),
      config: { idempotent: true },
      schema: {
        tags: ['enterprises'],
        summary:
          "Register an enterprise (customs) and issue its X.509 identity with its organisation's CA; honours Idempotency-Key",
        headers: IdempotencyHeaders,
        body: CreateEnterpriseBody,
        response: {
          201: EnterpriseResponse,
          409: Problem,
          422: Problem,
          ...authenticatedErrors,
          502: Problem,
          503: Problem,
        },
      },
    },
    async (request, reply) => {
      const { id, name, roles, mspId, csr } = request.body;
      const onboarding = fastify.ports.identityOnboarding;
      if (csr !== undefined && !onboarding) {
        throw newProblem(
          'UNPROCESSABLE',
          'this gateway issues no identities (no certificate authority configured): a csr cannot be enrolled',
        );
      }
      // Checked before any CA work, so a duplicate costs the CA nothing (the insert below still settles a race).
      if (await fastify.repositories.enterprises.findById(id)) {
        throw newProblem('ALREADY_EXISTS', `enterprise ${id} is already registered`);
      }
      // The identity is issued before anything is stored: a CA that is down leaves no row behind (503, retry), and
      // the retry finds the CA identity registered by the first attempt and enrolls it again (onboarding.ts).
      const issued = onboarding ? await onboarding.issue({ id, mspId, roles }, csr) : undefined;
      const { enterprise, identity } = await fastify.repositories.transaction(async (tx) => {
        const inserted = await tx.enterprises.insert({ id, name, roles, mspId });
        if (!inserted) {
          throw newProblem('ALREADY_EXISTS', `enterprise ${id} is already registered`);
        }
        const stored = issued ? await tx.identities.insert(issued) : undefined;
        try {
          await fastify.ports.registerEnterpriseOnLedger({ caller: request.principal, enterprise: inserted });
        } catch (err: unknown) {
          // Registered on the ledger by an earlier attempt whose database commit failed: same outcome.
          if (!isChaincodeRefusal(err, 'ALREADY_EXISTS')) {
            throw err;
          }
        }
        return { enterprise: inserted, identity: stored };
      });
      if (identity) {
        fastify.ledgers.evict?.({ mspId, enterpriseId: id });
        request.log.info(
          { enterpriseId: id, mspId, identityKind: identity.kind, certSerial: identity.certSerial },
          'enterprise identity issued',
        );
      }
      return reply
        .code(201)
        .header('location', `/v1/enterprises/${enterprise.id}`)
        .send({
          ...toResponse(enterprise),
          ...(identity
            ? {
                identity: {
                  kind: identity.kind,
                  enrollmentId: identity.enrollmentId,
                  certificate: identity.certPem,
                  notAfter: identity.notAfter.toISOString(),
                },
              }
            : {}),
        });
    },
  );

  fastify.get(
    '/enterprises/:id',
    {
      schema: {
        tags: ['enterprises'],
        summary: 'Read an enterprise (customs, or the enterprise itself)',
        params: EnterpriseParams,
        response: { 200: EnterpriseResponse, 404: Problem, ...authenticatedErrors },
      },
    },
    async (request) => {
      assertTenant(request.principal, request.params.id);
      const enterprise = await fastify.repositories.enterprises.findById(request.params.id);
      if (!enterprise) {
        throw newProblem('NOT_FOUND', `no enterprise ${request.params.id}`);
      }
      return toResponse(enterprise);
    },
  );

  fastify.post(
    '/enterprises/:id/keys',
    {
      onRequest: requireRole('customs'),
      schema: {
        tags: ['enterprises'],
        summary: 'Issue an API key to an enterprise (customs); the key is shown once',
        params: EnterpriseParams,
        body: CreateKeyBody,
        response: { 201: CreatedKeyResponse, 404: Problem, 422: Problem, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      const enterprise = await fastify.repositories.enterprises.findById(request.params.id);
      if (!enterprise) {
        throw newProblem('NOT_FOUND', `no enterprise ${request.params.id}`);
      }
      const { role, label } = request.body;
      if (!enterprise.roles.includes(role)) {
        throw newProblem(
          'UNPROCESSABLE',
          `enterprise ${enterprise.id} is not granted role ${role} (roles: ${enterprise.roles.join(', ')})`,
        );
      }
      const key = generateApiKey();
      const stored = await fastify.repositories.apiKeys.insert({
        id: randomUUID(),
        digest: apiKeyDigest(key),
        role,
        enterpriseId: enterprise.id,
        label,
      });
      request.log.info({ keyId: stored.id, enterpriseId: enterprise.id, role }, 'api key issued');
      return reply.code(201).header('cache-control', 'no-store').send({
        id: stored.id,
        key,
        role,
        enterpriseId: enterprise.id,
        label,
        createdAt: stored.createdAt.toISOString(),
      });
    },
  );
};

export default enterprisesRoutes;
