/**
 * Public surface of the PostgreSQL adapter, the one place in the gateway that imports `pg` and `postgrator`.
 */
export {
    createPool,
    withTransaction,
    queryPrepared,
    DEFAULT_POOL_SETTINGS,
    type DbPool,
    type PooledClient,
    type PoolSettings,
    type PreparedStatement,
    type Queryable,
} from './pool';
export { migrate, migrationsDirectory, SCHEMA_VERSION_TABLE, type MigrationResult } from './migrate';
export {
    newApiKeysRepository,
    BOOTSTRAP_KEY_ID,
    BOOTSTRAP_KEY_LABEL,
    type ApiKey,
    type ApiKeysRepository,
    type NewApiKey,
} from './api-keys-repository';
export { newEnterprisesRepository, type EnterprisesRepository, type NewEnterprise } from './enterprises-repository';
export { newIdempotencyRepository, type IdempotencyClaim, type IdempotencyRepository } from './idempotency-repository';
export { newCheckpointRepository, type CheckpointRepository, type ProjectionCheckpoint } from './checkpoint-repository';
export {
    newCapturesRepository,
    type CaptureOwner,
    type CaptureRow,
    type CaptureState,
    type CapturesRepository,
    type ChunkRow,
    type NewCapture,
    type NewChunk,
    type UnfinishedCursor,
    type UnfinishedPage,
} from './captures-repository';
export {
    newProjectionRepository,
    PROJECTION_TABLES,
    type EpcisEventFilter,
    type EpcisEventKey,
    type EpcisEventRow,
    type ItemEventRow,
    type ItemRow,
    type ProjectedEpcisEvent,
    type ProjectedItem,
    type ProjectedItemEvent,
    type ProjectedMovement,
    type ProjectedParty,
    type ProjectedTransaction,
    type ProjectionBatch,
    type ProjectionRepository,
    type TransactionRow,
} from './projection-repository';
export {
    newStocktakeRepository,
    newPgStocktakeBook,
    type BatchResponse,
    type NewBatch,
    type RecordBatchResult,
    type Stocktake,
    type StocktakeReport,
    type StocktakeRepository,
    type StocktakeStatus,
} from './stocktake-repository';
export {
    newAccountRepository,
    type AccountLine,
    type AccountMovement,
    type AccountRepository,
    type AccountSnapshot,
    type ClosedPeriod,
    type LineSelector,
    type MovementFilter,
    type MovementKey,
    type NewReconciliation,
    type ProjectedTransactionSummary,
    type ProjectionPosition,
    type SelectedMovements,
    type StoredReconciliation,
} from './account-repository';
export { newAnomaliesRepository, type AnomaliesRepository, type RefusedStep, type StocktakeMiss } from './anomalies-repository';
export {
    newSigningSessionsRepository,
    type CaptureChunkRef,
    type NewSigningSession,
    type SigningSession,
    type SigningSessionsRepository,
    type SigningState,
} from './signing-sessions-repository';
