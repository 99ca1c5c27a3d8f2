/**
 * A short-lived cache in front of the API key lookup that every authenticated request makes: an active key found by
 * its digest is reused for `ttlMs` instead of a database round trip per request.
 *
 * Revocation: {@link ApiKeysRepository.revoke} through this wrapper (what `DELETE /v1/keys/{id}` calls) forgets the
 * key at once, so the next request with it is refused. A revocation by another process (another gateway replica,
 * SQL) takes effect within `ttlMs`. Unknown or revoked keys are never cached, so a key created anywhere works at once.
 *
 * Suspension: a suspension decided through this process calls {@link ApiKeysRepository.forgetEnterprise}, which drops
 * the enterprise's keys at once; a key whose enterprise has a suspension scheduled ahead is cached no longer than
 * until its effective time, so a scheduled suspension is not outlived by a cache entry. (A suspension decided by
 * another gateway replica takes effect here within `ttlMs`.)
 */
import { BOOTSTRAP_KEY_ID, type ApiKey, type ApiKeysRepository } from '../repositories/api-keys';

/** Default time an active key is trusted without asking the database again, in milliseconds. */
export const DEFAULT_API_KEY_CACHE_TTL_MS = 5_000;
/** Default most keys cached (least recently used dropped first). */
export const DEFAULT_API_KEY_CACHE_MAX_KEYS = 10_000;

/** Options of {@link withApiKeyCache}. */
export interface ApiKeyCacheOptions {
  /** How long a found key is reused, in milliseconds; 0 turns the cache off. */
  ttlMs?: number;
  maxKeys?: number;
  /** Clock, in milliseconds (tests). */
  now?: () => number;
}

/**
 * Wrap a repository with the cache.
 *
 * @param repository - The database repository (over the pool).
 * @param options - TTL and size.
 * @returns A repository with the same behaviour, minus most lookups.
 */
export function withApiKeyCache(
  repository: ApiKeysRepository,
  options: Readonly<ApiKeyCacheOptions> = {},
): ApiKeysRepository {
  const ttlMs = options.ttlMs ?? DEFAULT_API_KEY_CACHE_TTL_MS;
  const maxKeys = options.maxKeys ?? DEFAULT_API_KEY_CACHE_MAX_KEYS;
  const now = options.now ?? Date.now;
  if (ttlMs <= 0) return repository;
  /** Digest (latin1 string of its bytes) to key; insertion order = least recently filled first. */
  const byDigest = new Map<string, { key: ApiKey; expiresMs: number }>();
  /** Bumped by every revocation, so that a lookup racing a revocation does not cache the revoked key. */
  let revocations = 0;

  const forget = (keyId: string): void => {
    revocations++;
    for (const [digest, cached] of byDigest) {
      if (cached.key.id === keyId) byDigest.delete(digest);
    }
  };

  return {
    ...repository,
    async findActiveByDigest(digest) {
      const cacheKey = digest.toString('latin1');
      const cached = byDigest.get(cacheKey);
      if (cached !== undefined) {
        if (now() < cached.expiresMs) return cached.key;
        byDigest.delete(cacheKey);
      }
      const revocationsBefore = revocations;
      const key = await repository.findActiveByDigest(digest);
      if (key !== undefined && revocationsBefore === revocations) {
        const suspendedMs = key.suspendedFrom === null ? Number.POSITIVE_INFINITY : key.suspendedFrom.getTime();
        byDigest.set(cacheKey, { key, expiresMs: Math.min(now() + ttlMs, suspendedMs) });
        if (byDigest.size > maxKeys) {
          const oldest = byDigest.keys().next();
          if (!oldest.done) byDigest.delete(oldest.value);
        }
      }
      return key;
    },
    forgetEnterprise(enterpriseId) {
      revocations++; // a lookup in flight cannot cache the key it read before the change
      for (const [digest, cached] of byDigest) {
        if (cached.key.enterpriseId === enterpriseId) byDigest.delete(digest);
      }
    },
    async revoke(id) {
      forget(id); // before: a lookup in flight cannot cache the key once the UPDATE is under way
      try {
        return await repository.revoke(id);
      } finally {
        forget(id); // and after: nothing cached it while the UPDATE ran
      }
    },
    async upsertBootstrap(digest) {
      forget(BOOTSTRAP_KEY_ID); // a new bootstrap key value replaces the old one
      try {
        await repository.upsertBootstrap(digest);
      } finally {
        forget(BOOTSTRAP_KEY_ID);
      }
    },
  };
}
