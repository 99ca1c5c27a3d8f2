/**
 * Every PostgreSQL repository over one pool, built once by the composition root (plugins/dependencies.ts).
 */
import { newIdentityStore } from '../../identity/identity-store';
import type { Repositories } from '../../repositories';
import type { ApiKeysRepository } from '../../repositories/api-keys';
import { newAccountRepository } from './account-repository';
import { newAnomaliesRepository } from './anomalies-repository';
import { newApiKeysRepository } from './api-keys-repository';
import { newCapturesRepository } from './captures-repository';
import { newCheckpointRepository } from './checkpoint-repository';
import { newEnterprisesRepository } from './enterprises-repository';
import { newEpcisRepository, newEpcisSubscriptionsRepository } from './epcis-repository';
import { newIdempotencyRepository } from './idempotency-repository';
import { withTransaction, type DbPool } from './pool';
import { newProjectionRepository } from './projection-repository';
import { newSigningSessionsRepository } from './signing-sessions-repository';
import { newPgStocktakeBook, newStocktakeRepository } from './stocktake-repository';
import { newSuspensionsRepository } from './suspensions-repository';
import { newRequestsRepository } from './requests-repository';

/** Options of {@link newPgRepositories}. */
export interface PgRepositoriesOptions {
  /** Wraps the API keys repository (the composition root's lookup cache); identity when omitted. */
  decorateApiKeys?: (repository: ApiKeysRepository) => ApiKeysRepository;
}

/**
 * The repositories over `pool`.
 *
 * @param pool - The app's pool.
 * @param options - Decorations.
 * @returns The repositories.
 */
export function newPgRepositories(pool: DbPool, options: PgRepositoriesOptions = {}): Repositories {
  const apiKeys = newApiKeysRepository(pool);
  return {
    apiKeys: options.decorateApiKeys ? options.decorateApiKeys(apiKeys) : apiKeys,
    enterprises: newEnterprisesRepository(pool),
    idempotency: newIdempotencyRepository(pool),
    captures: newCapturesRepository(pool),
    checkpoints: newCheckpointRepository(pool),
    signingSessions: newSigningSessionsRepository(pool),
    projection: newProjectionRepository(pool),
    anomalies: newAnomaliesRepository(pool),
    stocktakes: newStocktakeRepository(pool),
    stocktakeBook: newPgStocktakeBook(pool),
    accounts: newAccountRepository(pool),
    suspensions: newSuspensionsRepository(pool),
    requests: newRequestsRepository(pool),
    epcis: newEpcisRepository(pool),
    epcisSubscriptions: newEpcisSubscriptionsRepository(pool),
    transaction: (work) =>
      withTransaction(pool, (tx) =>
        work({ enterprises: newEnterprisesRepository(tx), identities: newIdentityStore(tx) }),
      ),
  };
}
