/**
 * Per-API-key rate limits (@fastify/rate-limit), keyed by the key id the auth hook found, so that one client's
 * burst does not starve the others; 429 `RATE_LIMITED` as problem+json with Retry-After. Counters are in Redis when
 * the deployment shares one (`fastify.shared.redis`: the limit holds over all gateway processes), else in memory.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { newProblem } from '../errors';

/** Options of the rate-limit plugin. */
export interface RateLimitOptions {
  /** Requests allowed per window and per key. */
  max: number;
  /** Window length, in milliseconds. */
  windowMs: number;
}

/** Most distinct keys tracked at once by the in-memory store (least recently used ones are dropped). */
const RATE_LIMIT_CACHE_KEYS = 10_000;

async function perKeyRateLimit(fastify: FastifyInstance, options: RateLimitOptions): Promise<void> {
  await fastify.register(rateLimit, {
    global: true,
    max: options.max,
    timeWindow: options.windowMs,
    cache: RATE_LIMIT_CACHE_KEYS,
    ...(fastify.shared.redis === undefined
      ? {}
      : {
          redis: fastify.shared.redis.client,
          nameSpace: `${fastify.shared.redis.prefix}:rate-limit:`,
          skipOnError: true,
        }),
    // After the auth hook (onRequest), so the key id is known; before validation, so bad requests count too.
    hook: 'preValidation',
    keyGenerator: (request) => `key:${request.principal?.keyId ?? `ip:${request.ip}`}`,
    errorResponseBuilder: (_request, context) =>
      newProblem('RATE_LIMITED', `more than ${context.max} requests for this API key; retry in ${context.after}`, {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      }),
  });
}

/** The rate-limit plugin; applies to the scope it is registered in. */
export default fp(perKeyRateLimit, { name: 'per-key-rate-limit', fastify: '5.x', dependencies: ['auth'] });
