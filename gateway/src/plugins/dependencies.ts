/**
 * Decorates the app with what routes depend on: the repositories (built once over the pool, the API keys behind
 * their lookup cache), the ledger clients, the job queue and the ports the lead's domain routes plug into. Routes
 * and the services they build read them as `fastify.repositories`, `fastify.ledgers`, `fastify.jobQueue`,
 * `fastify.ports`; none builds a repository of its own. Tests pass recording implementations of the ports.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { newPgRepositories, type DbPool } from '../adapters/pg';
import { withApiKeyCache } from '../cache/api-key-cache';
import type { ProjectionReadCache } from '../cache/read-cache';
import { newPersonCoder, type PersonCoder } from '../domain/person-code';
import type { IdentityOnboarding } from '../identity/onboarding';
import type { ReissueEnterpriseIdentity } from '../identity/identity-services';
import type { ExternalSigning } from '../ledger/signing-sessions';
import type { JobQueue, LedgerClients, RegisterEnterpriseOnLedger } from '../ports';
import type { Repositories } from '../repositories';

/** Ports whose implementation the composition root chooses. */
export interface Ports {
  readonly registerEnterpriseOnLedger: RegisterEnterpriseOnLedger;
  /**
   * Issues each new enterprise its X.509 identity with its organisation's CA (identity/onboarding.ts). Without it,
   * registration issues no identity and enterprises sign with the profile's identities.
   */
  readonly identityOnboarding?: IdentityOnboarding;
  /**
   * Revokes a suspended enterprise's certificate(s) at its organisation's CA (registrar from the profile): 'done',
   * or 'none' when the gateway issued it no identity; throws when the CA cannot be reached (the suspension stays,
   * the row stays `pending`). Unwired: every suspension's certificate revocation stays pending.
   */
  readonly revokeEnterpriseIdentity?: (enterpriseId: string) => Promise<'none' | 'done'>;
  /**
   * Gives an enterprise whose certificate was revoked a new identity (reinstatement, `POST /v1/enterprises/{id}/identity`):
   * a new enrollment id at its CA with the same attributes; a new key sealed in the store for a managed identity, the
   * enterprise's CSR for an external one. Unwired: a reinstated enterprise keeps its revoked certificate.
   */
  readonly reissueEnterpriseIdentity?: ReissueEnterpriseIdentity;
  /**
   * Bring-your-own-key signing (ledger/signing-sessions.ts): an enterprise that keeps its key gets a signing session
   * from the step routes instead of a submission. Without it, such an enterprise's steps answer
   * LEDGER_IDENTITY_EXTERNAL.
   */
  readonly externalSigning?: ExternalSigning;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The PostgreSQL pool (owned by the process, not the app). */
    db: DbPool;
    repositories: Repositories;
    /** Ledger clients, one per organisation: `fastify.ledgers.forCaller(request.principal, 'item')`. */
    ledgers: LedgerClients;
    jobQueue: JobQueue;
    ports: Ports;
    /** One person, one code: `fastify.personCodes.codeFor('PASSPORT', 'E12345678')`. */
    personCodes: PersonCoder;
    /** The projection read cache, when the host wires one (and its invalidation by the projection follower). */
    readCache: ProjectionReadCache | undefined;
  }
}

/** What the composition root hands to the app. */
export interface DependenciesOptions {
  db: DbPool;
  ledgers: LedgerClients;
  jobQueue: JobQueue;
  ports: Ports;
  /** HMAC key of person codes. */
  personCodeSecret: string;
  /** How long an active API key is reused without a lookup, in milliseconds (0: every request looks it up). */
  apiKeyCacheTtlMs?: number;
  /** Projection read cache; the host must invalidate it from its projection follower (`onCommitted`). */
  readCache?: ProjectionReadCache;
}

async function dependencies(fastify: FastifyInstance, options: DependenciesOptions): Promise<void> {
  fastify.decorate('db', options.db);
  // Built once: routes and services read `fastify.repositories`, none builds its own over the pool.
  const repositories: Repositories = newPgRepositories(options.db, {
    decorateApiKeys: (apiKeys) =>
      withApiKeyCache(apiKeys, options.apiKeyCacheTtlMs === undefined ? {} : { ttlMs: options.apiKeyCacheTtlMs }),
  });
  fastify.decorate('repositories', repositories);
  fastify.decorate('ledgers', options.ledgers);
  fastify.decorate('jobQueue', options.jobQueue);
  fastify.decorate('ports', options.ports);
  fastify.decorate('personCodes', newPersonCoder(options.personCodeSecret));
  fastify.decorate('readCache', options.readCache);
}

/** The dependencies plugin. */
export default fp(dependencies, { name: 'dependencies', fastify: '5.x' });
