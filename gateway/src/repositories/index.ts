/**
 * The gateway's repository ports, one object: the app decorates `fastify.repositories` with it once
 * (plugins/dependencies.ts) and routes and services read from it instead of building repositories over the pool.
 * adapters/pg implements it (`newPgRepositories`); each port and its row types live in this folder.
 */
import type { IdentityStore } from '../identity/identity-store';
import type { StocktakeBook } from '../stocktake/book';
import type { AccountRepository } from './accounts';
import type { AnomaliesRepository } from './anomalies';
import type { ApiKeysRepository } from './api-keys';
import type { CapturesRepository } from './captures';
import type { CheckpointRepository } from './checkpoints';
import type { EnterprisesRepository } from './enterprises';
import type { EpcisRepository, EpcisSubscriptionsRepository } from './epcis';
import type { IdempotencyRepository } from './idempotency';
import type { ProjectionRepository } from './projection';
import type { SigningSessionsRepository } from './signing-sessions';
import type { StocktakeRepository } from './stocktakes';
import type { SuspensionsRepository } from './suspensions';
import type { RequestsRepository } from './requests';

/** The repositories that take part in one database transaction ({@link Repositories.transaction}). */
export interface TransactionRepositories {
  readonly enterprises: EnterprisesRepository;
  readonly identities: IdentityStore;
}

/** Every repository over the app's database. */
export interface Repositories {
  readonly apiKeys: ApiKeysRepository;
  readonly enterprises: EnterprisesRepository;
  readonly idempotency: IdempotencyRepository;
  readonly captures: CapturesRepository;
  readonly checkpoints: CheckpointRepository;
  readonly signingSessions: SigningSessionsRepository;
  readonly projection: ProjectionRepository;
  readonly anomalies: AnomaliesRepository;
  readonly stocktakes: StocktakeRepository;
  /** What the book says is at a location (the projection's items), for stocktakes. */
  readonly stocktakeBook: StocktakeBook;
  readonly accounts: AccountRepository;
  /** Enterprise suspensions and the certificate revocations that follow them. */
  readonly suspensions: SuspensionsRepository;
  /** Enterprises' requests to customs and the answers (一呼一应), from the projection. */
  readonly requests: RequestsRepository;
  /** The EPCIS 2.0 query interface: events by query, vocabularies, named queries. */
  readonly epcis: EpcisRepository;
  /** EPCIS webhook subscriptions and their delivery bookmarks. */
  readonly epcisSubscriptions: EpcisSubscriptionsRepository;
  /**
   * Run `work` in one database transaction: everything it writes through `tx` commits together, or nothing does
   * when it throws (the error is rethrown).
   */
  transaction<T>(work: (tx: TransactionRepositories) => Promise<T>): Promise<T>;
}
