/**
 * `Idempotency-Key` for routes that opt in with `config: { idempotent: true }`: the first request with a key runs
 * and its 2xx response is stored; a repeat with the same key and the same request gets the stored response (header
 * `idempotent-replayed: true`) without running again; the same key with another request is refused (422
 * `IDEMPOTENCY_KEY_REUSED`), and a repeat while the first is still running gets 409 `IDEMPOTENCY_IN_PROGRESS`.
 * Keys are scoped by API key. A request that fails releases its key, so that the client can retry with it.
 *
 * Do not opt in a route whose response holds a secret (e.g. a new API key): responses are stored in plain JSON.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { newProblem } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Honour the `Idempotency-Key` header on this route. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    /** The claimed idempotency key of this request, if any. */
    idempotencyClaim: { scope: string; key: string } | null;
  }
}

/** Header names. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** Longest accepted key (the table's CHECK uses the same bound). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** A claim without a response for this long belongs to a request whose process died: it may be taken over. */
export const STALE_CLAIM_MS = 5 * 60_000;

/** How long a stored response is replayed: a client retrying later than this is making a new request. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600_000;

/** How often expired records are purged, and how many at most per round (the rest wait for the next round). */
export const PURGE_INTERVAL_MS = 10 * 60_000;
export const PURGE_BATCH_MAX = 1_000;

const KEY_PATTERN = /^[\x21-\x7e]+$/; // visible ASCII

function requestDigest(request: FastifyRequest): Buffer {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(JSON.stringify(request.body ?? null))
    .digest();
}

async function idempotency(fastify: FastifyInstance): Promise<void> {
  fastify.decorateRequest('idempotencyClaim', null);
  const records = () => fastify.repositories.idempotency;

  const claimHook: preHandlerAsyncHookHandler = async (request, reply) => {
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (key === undefined) {
      return;
    }
    if (typeof key !== 'string' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !KEY_PATTERN.test(key)) {
      throw newProblem(
        'VALIDATION_FAILED',
        `${IDEMPOTENCY_KEY_HEADER} must be 1..${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters`,
      );
    }
    const scope = request.principal.keyId;
    const claim = await records().claim(scope, key, requestDigest(request), STALE_CLAIM_MS);
    switch (claim.kind) {
      case 'claimed':
        request.idempotencyClaim = { scope, key };
        return;
      case 'replay':
        return reply.code(claim.statusCode).header(IDEMPOTENT_REPLAYED_HEADER, 'true').send(claim.response);
      case 'in-progress':
        throw newProblem(
          'IDEMPOTENCY_IN_PROGRESS',
          `a request with ${IDEMPOTENCY_KEY_HEADER} ${key} is still being processed; retry later`,
          {
            headers: { 'retry-after': '1' },
          },
        );
      case 'mismatch':
        throw newProblem('IDEMPOTENCY_KEY_REUSED', `${IDEMPOTENCY_KEY_HEADER} ${key} was used for a different request`);
    }
  };

  let purgeTimer: NodeJS.Timeout | undefined;
  fastify.addHook('onReady', async () => {
    purgeTimer = setInterval(() => {
      records()
        .purgeOlderThan(IDEMPOTENCY_RETENTION_MS, PURGE_BATCH_MAX)
        .catch((err: unknown) => fastify.log.warn({ err }, 'purging idempotency records failed'));
    }, PURGE_INTERVAL_MS);
    purgeTimer.unref(); // housekeeping must not keep the process alive
  });
  fastify.addHook('onClose', async () => clearInterval(purgeTimer));

  // Appended to the route's own preHandlers, so that role and tenant checks run before a key is claimed.
  fastify.addHook('onRoute', (routeOptions) => {
    if (routeOptions.config?.idempotent !== true) {
      return;
    }
    const existing = routeOptions.preHandler;
    routeOptions.preHandler = [
      ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
      claimHook,
    ];
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (!claim) {
      return payload;
    }
    request.idempotencyClaim = null;
    if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string') {
      await records().complete(claim.scope, claim.key, reply.statusCode, JSON.parse(payload));
    } else {
      await records().release(claim.scope, claim.key);
    }
    return payload;
  });
}

/** The idempotency plugin; applies to routes of its scope that set `config.idempotent`. */
export default fp(idempotency, { name: 'idempotency', fastify: '5.x', dependencies: ['dependencies', 'auth'] });
