/**
 * Public surface of the PostgreSQL adapter, the one place in the gateway that imports `pg` and `postgrator`. The
 * repository interfaces and their row types are ports (gateway/src/repositories); the app builds every repository
 * once with {@link newPgRepositories}. The single factories stay exported for code that runs outside an app (the
 * server's capture worker, the projection follower and rebuild, tests).
 */
export {
  createPool,
  withTransaction,
  DEFAULT_POOL_SETTINGS,
  type DbPool,
  type PooledClient,
  type PoolSettings,
  type Queryable,
} from './pool';
export { migrate, migrationsDirectory, SCHEMA_VERSION_TABLE, type MigrationResult } from './migrate';
export { newPgRepositories, type PgRepositoriesOptions } from './repositories';
export { newApiKeysRepository } from './api-keys-repository';
export { newCapturesRepository } from './captures-repository';
export { newCheckpointRepository } from './checkpoint-repository';
export { newProjectionRepository } from './projection-repository';
export { newEpcisRepository, newEpcisSubscriptionsRepository } from './epcis-repository';
export { newSigningSessionsRepository } from './signing-sessions-repository';
export { newSuspensionsRepository } from './suspensions-repository';
export { newRequestsRepository } from './requests-repository';
