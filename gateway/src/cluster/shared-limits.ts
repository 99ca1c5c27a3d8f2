/**
 * What must hold across gateway processes and lives in Redis: stream tickets redeemed once in the whole deployment
 * (SET NX of the ticket's nonce until its expiry), and failed authentications counted per client address over all
 * processes (INCR in a fixed window). When Redis does not answer, each falls back to this process's own memory:
 * a ticket stays single-use per process and the failure limit per process, never weaker than one gateway alone.
 */
import type { Redis } from 'ioredis';
import type { FailureLimiter } from '../domain/failure-limiter';

/** Redis time allowed per check before the process-local fallback is used, in milliseconds. */
const REDIS_CHECK_TIMEOUT_MS = 500;

/** Marks ticket nonces used, once in the whole deployment. */
export interface NonceClaims {
  /**
   * True the first time a nonce is claimed anywhere; false after. When Redis fails, `fallback()` decides (this
   * process's own single-use check: `redeem` of domain/stream-token.ts).
   */
  claim(nonce: string, expiresAtMs: number, fallback: () => boolean): Promise<boolean>;
}

/** A failure counter shared by the processes. */
export interface SharedFailureLimiter {
  blockedForMs(client: string): Promise<number>;
  fail(client: string): Promise<void>;
}

function bounded<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`redis: no answer within ${REDIS_CHECK_TIMEOUT_MS} ms`)),
        REDIS_CHECK_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Nonce claims in Redis. */
export function newRedisNonceClaims(redis: Redis, prefix: string, onError: (err: unknown) => void): NonceClaims {
  return {
    async claim(nonce, expiresAtMs, fallback) {
      const ttlMs = Math.max(1, expiresAtMs - Date.now());
      try {
        return (await bounded(redis.set(`${prefix}:stream-token:${nonce}`, '1', 'PX', ttlMs, 'NX'))) === 'OK';
      } catch (err: unknown) {
        onError(err);
        return fallback();
      }
    },
  };
}

/**
 * A failure limiter over Redis (fixed windows: INCR, and PEXPIRE on the first failure of a window).
 *
 * @param local - This process's limiter, used when Redis fails; it counts every failure too.
 */
export function newRedisFailureLimiter(
  redis: Redis,
  prefix: string,
  options: { readonly max: number; readonly windowMs: number },
  local: FailureLimiter,
  onError: (err: unknown) => void,
): SharedFailureLimiter {
  const key = (client: string) => `${prefix}:auth-failures:${client}`;
  return {
    async blockedForMs(client) {
      try {
        const [[, count], [, ttl]] = (await bounded(redis.multi().get(key(client)).pttl(key(client)).exec())) as [
          [unknown, string | null],
          [unknown, number],
        ];
        if (count === null || Number(count) < options.max) return 0;
        return ttl > 0 ? ttl : options.windowMs;
      } catch (err: unknown) {
        onError(err);
        return local.blockedForMs(client);
      }
    },
    async fail(client) {
      local.fail(client);
      try {
        const [, [, ttl]] = (await bounded(redis.multi().incr(key(client)).pttl(key(client)).exec())) as [
          [unknown, number],
          [unknown, number],
        ];
        // The window starts at the first failure (no expiry yet); later failures do not extend it.
        if (ttl < 0) await bounded(redis.pexpire(key(client), options.windowMs));
      } catch (err: unknown) {
        onError(err);
      }
    },
  };
}
