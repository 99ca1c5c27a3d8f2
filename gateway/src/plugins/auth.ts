/**
 * API key authentication and authorisation: an `onRequest` hook that turns `Authorization: Bearer <key>` into
 * `request.principal` (401 `UNAUTHENTICATED` when missing, unknown or revoked), `requireRole(...)` as a route's
 * `onRequest` hook (403 `FORBIDDEN_ROLE`, before the body is parsed or validated: a caller that may not call a route
 * learns nothing about its schema), and `assertTenant()` for enterprise-owned resources (403 `FORBIDDEN_TENANT`).
 *
 * Failed authentications are limited per client address, checked before the key lookup, so guessing keys costs the
 * database nothing after the first few tries (429 `TOO_MANY_AUTH_FAILURES` with Retry-After).
 *
 * Register it in the scope of the authenticated routes (`/v1`); public routes (health, metrics, docs) live outside.
 *
 * Routes that set `config: { streamTokenAuth: true }` (server-sent event streams, which a browser's EventSource opens
 * without headers) also accept `?access_token=<stream token>`: a single-use ticket from `POST /v1/stream-tokens`,
 * bound to the key that asked for it and checked against that key's current state (domain/stream-token.ts).
 */
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { apiKeyDigest, parseBearerToken } from '../domain/api-key';
import { mayAccessEnterprise, type Principal, type Role } from '../domain/principal';
import { newFailureLimiter, type FailureLimiter } from '../domain/failure-limiter';
import { newStreamTokens, type StreamTokens } from '../domain/stream-token';
import {
  newRedisFailureLimiter,
  newRedisNonceClaims,
  type NonceClaims,
  type SharedFailureLimiter,
} from '../cluster/shared-limits';
import { ProblemError, newProblem } from '../errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller; set by the auth hook on every authenticated route (`/v1/...`), before any handler runs. */
    principal: Principal;
  }
  interface FastifyInstance {
    /** Stream tickets (`POST /v1/stream-tokens` issues, the auth hook redeems; any process of the deployment when it shares a secret). */
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
  /** Failed authentications allowed per client address and window; default {@link AUTH_FAILURES_MAX}. */
  authFailuresMax?: number;
  /** That window, in milliseconds; default {@link AUTH_FAILURES_WINDOW_MS}. */
  authFailuresWindowMs?: number;
}

/** Failed authentications allowed per client address and minute, by default. */
export const AUTH_FAILURES_MAX = 30;
export const AUTH_FAILURES_WINDOW_MS = 60_000;
/** Most client addresses whose failures are tracked (the least recently failing are forgotten first). */
const AUTH_FAILURES_CLIENTS_MAX = 10_000;

/** Refuse a client that failed too often, before any lookup; else nothing. */
async function assertMayTry(failures: SharedFailureLimiter, request: FastifyRequest): Promise<void> {
  const waitMs = await failures.blockedForMs(request.ip);
  if (waitMs > 0) {
    const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
    throw newProblem(
      'TOO_MANY_AUTH_FAILURES',
      `too many failed authentications from this address; retry in ${retryAfterS} s`,
      {
        headers: { 'retry-after': String(retryAfterS) },
      },
    );
  }
}

async function auth(fastify: FastifyInstance, options: AuthOptions): Promise<void> {
  fastify.decorateRequest('principal', null as unknown as Principal);
  // Tickets valid on every process of the deployment when it shares a secret; used once in all of them with Redis.
  const { redis, streamTokenSecret } = fastify.shared;
  fastify.decorate(
    'streamTokens',
    newStreamTokens(streamTokenSecret === undefined ? {} : { secret: streamTokenSecret }),
  );
  const onRedisError = (err: unknown) =>
    fastify.log.warn({ err }, 'auth: redis did not answer; this process alone decides');
  const limits = {
    max: options.authFailuresMax ?? AUTH_FAILURES_MAX,
    windowMs: options.authFailuresWindowMs ?? AUTH_FAILURES_WINDOW_MS,
  };
  const localFailures = newFailureLimiter({ ...limits, maxClients: AUTH_FAILURES_CLIENTS_MAX });
  const failures =
    redis === undefined
      ? localLimiter(localFailures)
      : newRedisFailureLimiter(redis.client, redis.prefix, limits, localFailures, onRedisError);
  const nonces = redis === undefined ? undefined : newRedisNonceClaims(redis.client, redis.prefix, onRedisError);
  fastify.addHook('onRequest', async (request) => {
    const token = parseBearerToken(request.headers.authorization);
    if (
      token === undefined &&
      request.headers.authorization === undefined &&
      request.routeOptions.config?.streamTokenAuth === true
    ) {
      await assertMayTry(failures, request);
      try {
        request.principal = await principalOfStreamToken(fastify, request, options, nonces);
      } catch (error) {
        if (error instanceof ProblemError && error.code === 'UNAUTHENTICATED') await failures.fail(request.ip);
        throw error;
      }
      return;
    }
    if (token === undefined) {
      throw newProblem('UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>"', {
        headers: WWW_AUTHENTICATE,
      });
    }
    await assertMayTry(failures, request);
    const key = await fastify.repositories.apiKeys.findActiveByDigest(apiKeyDigest(token));
    if (!key) {
      await failures.fail(request.ip);
      throw newProblem('UNAUTHENTICATED', 'the API key is unknown or revoked', { headers: WWW_AUTHENTICATE });
    }
    if (key.suspendedFrom !== null && key.suspendedFrom.getTime() <= Date.now()) {
      // Not a failed authentication (the key is genuine): no failure counted, a code of its own.
      throw newProblem(
        'ENTERPRISE_SUSPENDED',
        `enterprise ${key.enterpriseId} is suspended by customs since ${key.suspendedFrom.toISOString()}; its API keys are refused until it is reinstated`,
      );
    }
    const mspId = key.role === 'customs' ? options.customsMspId : key.mspId;
    if (mspId === null) {
      throw new Error(`api key ${key.id} of role ${key.role} has no enterprise MSP`); // the schema forbids it
    }
    request.principal = { keyId: key.id, role: key.role, enterpriseId: key.enterpriseId, mspId };
  });
}

/** A process-local limiter behind the shared (async) interface. */
function localLimiter(local: FailureLimiter): SharedFailureLimiter {
  return { blockedForMs: async (client) => local.blockedForMs(client), fail: async (client) => local.fail(client) };
}

/** Redeem a ticket: once in this process, or once in the deployment when nonces are claimed in Redis. */
async function redeemTicket(
  tokens: StreamTokens,
  ticket: string,
  nonces: NonceClaims | undefined,
): Promise<ReturnType<StreamTokens['redeem']>> {
  if (nonces === undefined) return tokens.redeem(ticket);
  const checked = tokens.check(ticket);
  if (!checked.ok) return checked;
  const first = await nonces.claim(checked.nonce, checked.expiresAtMs, () => tokens.redeem(ticket).ok);
  return first ? { ok: true, keyId: checked.keyId } : { ok: false, reason: 'already-used' };
}

/** The caller a stream token in `?access_token=` stands for. */
async function principalOfStreamToken(
  fastify: FastifyInstance,
  request: FastifyRequest,
  options: AuthOptions,
  nonces: NonceClaims | undefined,
): Promise<Principal> {
  const ticket = (request.query as { access_token?: unknown } | undefined)?.access_token;
  if (typeof ticket !== 'string') {
    throw newProblem(
      'UNAUTHENTICATED',
      'send an API key as "Authorization: Bearer <key>" or a stream token from POST /v1/stream-tokens as ?access_token=',
      {
        headers: WWW_AUTHENTICATE,
      },
    );
  }
  const redeemed = await redeemTicket(fastify.streamTokens, ticket, nonces);
  if (!redeemed.ok) {
    throw newProblem(
      'UNAUTHENTICATED',
      `the stream token is ${redeemed.reason.replace('-', ' ')}; ask POST /v1/stream-tokens for a new one`,
      {
        headers: WWW_AUTHENTICATE,
      },
    );
  }
  const key = await fastify.repositories.apiKeys.findById(redeemed.keyId);
  if (!key || key.revokedAt !== null) {
    throw newProblem('UNAUTHENTICATED', 'the API key of this stream token is unknown or revoked', {
      headers: WWW_AUTHENTICATE,
    });
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
 * A hook that lets only the given roles through. Use it as the route's `onRequest` hook: it runs after the auth hook
 * of the scope and before the body is parsed and validated, so a role that may not call the route gets 403, never a
 * 400 about a body it should not send.
 *
 * @param roles - Allowed roles.
 * @returns The hook, for a route's `onRequest`.
 */
export function requireRole(...roles: Role[]): onRequestAsyncHookHandler {
  const allowed = new Set<Role>(roles);
  return async function requireRoleHook(this: FastifyInstance, request: FastifyRequest) {
    if (!allowed.has(request.principal.role)) {
      throw newProblem(
        'FORBIDDEN_ROLE',
        `role ${request.principal.role} may not call this; allowed: ${roles.join(', ')}`,
      );
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
    // The owner is not named: who owns what is itself another tenant's information.
    throw newProblem('FORBIDDEN_TENANT', "this resource belongs to another enterprise than the caller's");
  }
}
