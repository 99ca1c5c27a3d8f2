/**
 * Repository port: Accounts: balances, movements, closed periods, write-offs and stored reconciliations, read from the
 * projection.
 * The row types live here with the interface; adapters/pg implements it.
 */

/** One line of the book: the balance of (GTIN, regime, location). */
export interface AccountLine {
  readonly gtin: string;
  readonly regime: string;
  readonly location: string;
  readonly quantity: number;
}

/** Where the projection stood: the last block (and transaction in it) whose events it applied. */
export interface ProjectionPosition {
  readonly blockNumber: bigint;
  readonly txId: string | null;
  readonly updatedAt: Date;
}

/** A closed account period as the chain's PERIOD_CLOSE transaction recorded it. */
export interface ClosedPeriod {
  readonly period: string;
  readonly closedAt: string;
  readonly closedBy: string;
  readonly snapshotHash: string;
  readonly txId: string;
  readonly blockNumber: bigint;
}

/** A write-off (核销) of a closed period as the chain's WRITE_OFF transaction recorded it, and where it is. */
export interface StoredWriteOff {
  /** The chain's record (`records.writeOff` of the payload), shaped as @hainan/ledger-model's WriteOffRecord. */
  readonly record: Record<string, unknown>;
  readonly txId: string;
  readonly blockNumber: bigint;
}

/** Position of one movement in chain order: the keyset of movement pages. */
export interface MovementKey {
  readonly blockNumber: bigint;
  readonly txSeq: number;
  readonly gtin: string;
  readonly regime: string;
  readonly location: string;
}

/** One movement: the net change of one book line by one transaction. */
export interface AccountMovement extends MovementKey {
  readonly txId: string;
  readonly qty: number;
  readonly eventType: string;
  readonly eventTime: Date;
  readonly period: string;
}

/** Filter of {@link AccountRepository.movements}. */
export interface MovementFilter {
  readonly enterprise: string;
  readonly gtin?: string;
  /** Event time at or after (inclusive), ISO-8601. */
  readonly from?: string;
  /** Event time before (exclusive), ISO-8601. */
  readonly to?: string;
  /** Resume after this movement. */
  readonly after?: MovementKey;
  readonly limit: number;
}

/** A set of book lines: one GTIN, and one regime and/or location or all of them (null). */
export interface LineSelector {
  readonly gtin: string;
  readonly regime: string | null;
  readonly location: string | null;
}

/** The movements behind one {@link LineSelector}: the latest ones (shown in chain order) and how many there are. */
export interface SelectedMovements {
  readonly movements: AccountMovement[];
  readonly total: number;
}

/** Reads inside one consistent snapshot. */
export interface AccountSnapshot {
  /** The projection's position, or undefined when it has applied nothing yet. */
  position(checkpointName: string): Promise<ProjectionPosition | undefined>;
  /** Non-zero balances from movements with event time <= `asOf`, in line order, at most `limit` lines. */
  balances(enterprise: string, asOf: Date, limit: number): Promise<AccountLine[]>;
  /** The enterprise's closed periods, oldest first, at most `limit`. */
  closedPeriods(enterprise: string, limit: number): Promise<ClosedPeriod[]>;
  /** The enterprise's closed period `period` (yyyy-mm), or undefined when the projection has no close of it. */
  closedPeriod(enterprise: string, period: string): Promise<ClosedPeriod | undefined>;
  /** The write-off of (enterprise, period), or undefined when the projection has none. */
  writeOff(enterprise: string, period: string): Promise<StoredWriteOff | undefined>;
  /**
   * For each selector, the latest `perSelectorMax` movements with event time <= `asOf` (in chain order) and their
   * number. Index-aligned with `selectors`; the selectors must not overlap.
   */
  movementsOfLines(
    enterprise: string,
    asOf: Date,
    selectors: readonly LineSelector[],
    perSelectorMax: number,
  ): Promise<SelectedMovements[]>;
}

/** A projected transaction, as far as the period-close route needs it. */
export interface ProjectedTransactionSummary {
  readonly txId: string;
  readonly type: string;
  readonly blockNumber: bigint;
  /** `records.period` of the payload (a PERIOD_CLOSE's period record), if any. */
  readonly periodRecord: Record<string, unknown> | null;
}

/** A reconciliation to store. */
export interface NewReconciliation {
  readonly id: string;
  readonly enterprise: string;
  readonly asOf: Date;
  readonly position: ProjectionPosition | undefined;
  readonly createdByKey: string;
  readonly erpLines: number;
  readonly variances: number;
  /** The answer as returned to the client (without `createdAt`, which the row supplies). */
  readonly result: Record<string, unknown>;
}

/** A stored reconciliation. */
export interface StoredReconciliation {
  readonly id: string;
  readonly enterprise: string;
  readonly createdAt: Date;
  readonly result: Record<string, unknown>;
}

/** Repository of the account projection and reconciliations. */
export interface AccountRepository {
  /** Run `fn` over one read-only, repeatable-read snapshot. */
  snapshot<T>(fn: (snapshot: AccountSnapshot) => Promise<T>): Promise<T>;
  /** Movements of an enterprise in chain order (block, position in block, line), at most `limit`. */
  movements(filter: MovementFilter): Promise<AccountMovement[]>;
  /** A projected transaction by id, or undefined when the projection has not applied it (yet). */
  findTransaction(txId: string): Promise<ProjectedTransactionSummary | undefined>;
  insertReconciliation(reconciliation: NewReconciliation): Promise<StoredReconciliation>;
  findReconciliation(id: string): Promise<StoredReconciliation | undefined>;
}
