/**
 * API key authentication and authorisation: an `onRequest` hook that turns `Authorization: Bearer <key>` into
 * `request.principal` (401 `UNAUTHENTICATED` when missing, unknown or revoked), `requireRole(...)` as a preHandler
 * (403 `FORBIDDEN_ROLE`), and `assertTenant()` for enterprise-owned resources (403 `FORBIDDEN_TENANT`).
 *
 * Register it in the scope of the authenticated routes (`/v1`); public routes (health, metrics, docs) live outside.
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { apiKeyDigest, parseBearerToken } from '../domain/api-key';
import { mayAccessEnterprise, type Principal, type Role } from '../domain/principal';
import { newProblem } from '../errors';

declare module 'fastify' {
    interface FastifyRequest {
        /** The caller; set by the auth hook on every authenticated route (`/v1/...`), before any handler runs. */
        principal: Principal;
    }
}

/** Header telling a client how to authenticate (RFC 6750). */
const WWW_AUTHENTICATE = { 'www-authenticate': 'Bearer realm="hainan-trace"' };

/** Options of the auth plugin. */
export interface AuthOptions {
    /** MSP that signs for customs keys. */
    customsMspId: string;
}

async function auth(fastify: FastifyInstance, options: AuthOptions): Promise<void> {
    fastify.decorateRequest('principal', null as unknown as Principal);
    fastify.addHook('onRequest', async (request) => {
        const token = parseBearerToken(request.headers.authorization);
        if (token === undefined) {
            throw newProblem('UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>"', {
                headers: WWW_AUTHENTICATE,
            });
        }
        const key = await fastify.repositories.apiKeys.findActiveByDigest(apiKeyDigest(token));
        if (!key) {
            throw newProblem('UNAUTHENTICATED', 'the API key is unknown or revoked', { headers: WWW_AUTHENTICATE });
        }
        const mspId = key.role === 'customs' ? options.customsMspId : key.mspId;
        if (mspId === null) {
            throw new Error(`api key ${key.id} of role ${key.role} has no enterprise MSP`); // the schema forbids it
        }
        request.principal = { keyId: key.id, role: key.role, enterpriseId: key.enterpriseId, mspId };
    });
}

/** The auth plugin; applies to the scope it is registered in and its children. */
export default fp(auth, { name: 'auth', fastify: '5.x', dependencies: ['dependencies'] });

/**
 * A preHandler that lets only the given roles through.
 *
 * @param roles - Allowed roles.
 * @returns The hook, for a route's `preHandler`.
 */
export function requireRole(...roles: Role[]): preHandlerAsyncHookHandler {
    const allowed = new Set<Role>(roles);
    return async function requireRoleHook(this: FastifyInstance, request: FastifyRequest) {
        if (!allowed.has(request.principal.role)) {
            throw newProblem('FORBIDDEN_ROLE', `role ${request.principal.role} may not call this; allowed: ${roles.join(', ')}`);
        }
    };
}

/**
 * Refuse when the caller is an enterprise other than `enterpriseId` (customs may access every enterprise).
 *
 * @param principal - The caller.
 * @param enterpriseId - Owner of the resource.
 * @throws ProblemError `FORBIDDEN_TENANT`
 */
export function assertTenant(principal: Principal, enterpriseId: string): void {
    if (!mayAccessEnterprise(principal, enterpriseId)) {
        throw newProblem('FORBIDDEN_TENANT', `this resource belongs to enterprise ${enterpriseId}, not to the caller's`);
    }
}
