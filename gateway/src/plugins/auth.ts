/**
 * API key authentication and authorisation: an `onRequest` hook that turns `Authorization: Bearer <key>` into
 * `request.principal` (401 `UNAUTHENTICATED` when missing, unknown or revoked), `requireRole(...)` as a preHandler
 * (403 `FORBIDDEN_ROLE`), and `assertTenant()` for enterprise-owned resources (403 `FORBIDDEN_TENANT`).
 *
 * Register it in the scope of the authenticated routes (`/v1`); public routes (health, metrics, docs) live outside.
 *
 * Routes that set `config: { streamTokenAuth: true }` (server-sent event streams, which a browser's EventSource opens
 * without headers) also accept `?access_token=<stream token>`: a single-use ticket from `POST /v1/stream-tokens`,
 * bound to the key that asked for it and checked against that key's current state (domain/stream-token.ts).
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { apiKeyDigest, parseBearerToken } from '../domain/api-key';
import { mayAccessEnterprise, type Principal, type Role } from '../domain/principal';
import { newStreamTokens, type StreamTokens } from '../domain/stream-token';
import { newProblem } from '../errors';

declare module 'fastify' {
    interface FastifyRequest {
        /** The caller; set by the auth hook on every authenticated route (`/v1/...`), before any handler runs. */
        principal: Principal;
    }
    interface FastifyInstance {
        /** Stream tickets of this process (`POST /v1/stream-tokens` issues, the auth hook redeems). */
        streamTokens: StreamTokens;
    }
    interface FastifyContextConfig {
        /** Accept a stream token in `?access_token=` when no Authorization header is sent. */
        streamTokenAuth?: boolean;
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
    fastify.decorate('streamTokens', newStreamTokens());
    fastify.addHook('onRequest', async (request) => {
        const token = parseBearerToken(request.headers.authorization);
        if (token === undefined && request.headers.authorization === undefined && request.routeOptions.config?.streamTokenAuth === true) {
            request.principal = await principalOfStreamToken(fastify, request, options);
            return;
        }
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

/** The caller a stream token in `?access_token=` stands for. */
async function principalOfStreamToken(fastify: FastifyInstance, request: FastifyRequest, options: AuthOptions): Promise<Principal> {
    const ticket = (request.query as { access_token?: unknown } | undefined)?.access_token;
    if (typeof ticket !== 'string') {
        throw newProblem('UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>" or a stream token from POST /v1/stream-tokens as ?access_token=', {
            headers: WWW_AUTHENTICATE,
        });
    }
    const redeemed = fastify.streamTokens.redeem(ticket);
    if (!redeemed.ok) {
        throw newProblem('UNAUTHENTICATED', `the stream token is ${redeemed.reason.replace('-', ' ')}; ask POST /v1/stream-tokens for a new one`, {
            headers: WWW_AUTHENTICATE,
        });
    }
    const key = await fastify.repositories.apiKeys.findById(redeemed.keyId);
    if (!key || key.revokedAt !== null) {
        throw newProblem('UNAUTHENTICATED', 'the API key of this stream token is unknown or revoked', { headers: WWW_AUTHENTICATE });
    }
    const mspId = key.role === 'customs' ? options.customsMspId : key.mspId;
    if (mspId === null) {
        throw new Error(`api key ${key.id} of role ${key.role} has no enterprise MSP`); // the schema forbids it
    }
    return { keyId: key.id, role: key.role, enterpriseId: key.enterpriseId, mspId };
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
