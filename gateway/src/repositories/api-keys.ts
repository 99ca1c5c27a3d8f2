/**
 * Repository port: API keys: stored digests, roles, revocation and suspension. The row types live here with the
 * interface; adapters/pg implements it.
 */
import type { Role } from '../domain/principal';

/** An API key as the gateway uses it (never the secret, never the digest). */
export interface ApiKey {
  readonly id: string;
  readonly role: Role;
  readonly enterpriseId: string | null;
  /** The enterprise's MSP, or null for customs keys. */
  readonly mspId: string | null;
  readonly label: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
  /**
   * When customs suspended the key's enterprise, the suspension's effective time (possibly ahead); null when the
   * enterprise is not suspended. From that time the key is refused (auth plugin: 403 ENTERPRISE_SUSPENDED).
   */
  readonly suspendedFrom: Date | null;
}

/** What {@link ApiKeysRepository.insert} stores. */
export interface NewApiKey {
  readonly id: string;
  readonly digest: Buffer;
  readonly role: Role;
  readonly enterpriseId: string | null;
  readonly label: string;
}

/** Fixed id of the bootstrap customs key, so that restarting with a new `BOOTSTRAP_CUSTOMS_KEY` replaces it. */
export const BOOTSTRAP_KEY_ID = '00000000-0000-4000-8000-000000000001';

/** Label of the bootstrap customs key. */
export const BOOTSTRAP_KEY_LABEL = 'bootstrap (BOOTSTRAP_CUSTOMS_KEY)';

/** Repository of API keys. */
export interface ApiKeysRepository {
  insert(key: NewApiKey): Promise<ApiKey>;
  /** The key with this digest if it exists and is not revoked. */
  findActiveByDigest(digest: Buffer): Promise<ApiKey | undefined>;
  findById(id: string): Promise<ApiKey | undefined>;
  /** Mark revoked (idempotent: the first revocation time is kept); undefined when no such key. */
  revoke(id: string): Promise<ApiKey | undefined>;
  /**
   * Called after an enterprise's suspension or reinstatement changed in the database: a caching wrapper drops the
   * enterprise's keys so the next request sees the change; the repository itself keeps nothing.
   */
  forgetEnterprise(enterpriseId: string): void;
  /**
   * Make `digest` the bootstrap customs key. A revocation survives restarts with the same key; a new key value
   * replaces the old one and is active.
   */
  upsertBootstrap(digest: Buffer): Promise<void>;
}
