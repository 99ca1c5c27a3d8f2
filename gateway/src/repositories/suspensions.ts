/**
 * Repository port: Enterprise suspensions as the gateway keeps them (`enterprise_suspensions`, migration 018): one row
 * per enterprise, standing while `reinstatedAt` is null, with the state of the certificate revocation that follows a
 * suspension (issue 13 Must 5). The row types live here with the interface; adapters/pg implements it.
 */

/** Where a suspension's certificate revocation stands: `pending` until an attempt reaches the CA. */
export type CertRevocation = 'none' | 'pending' | 'done';

/** A suspension, standing or reinstated. */
export interface Suspension {
  readonly enterpriseId: string;
  readonly reason: string;
  readonly effectiveAt: Date;
  /** Null while the suspension stands. */
  readonly reinstatedAt: Date | null;
  readonly certRevocation: CertRevocation;
  /** Reinstated with a revoked certificate and no new identity yet. */
  readonly needsReenrollment: boolean;
}

/** Repository of suspensions. */
export interface SuspensionsRepository {
  /** The enterprise's standing suspension (not reinstated), if any. */
  findStanding(enterpriseId: string): Promise<Suspension | undefined>;
  /**
   * Record a suspension the chain holds: a new standing row, or the enterprise's earlier row started afresh
   * (revocation `pending`, no attempts, no re-enrollment owed).
   */
  suspend(enterpriseId: string, reason: string, effectiveAt: Date): Promise<Suspension>;
  /**
   * Mark the standing suspension reinstated; a re-enrollment is owed when its certificate was revoked.
   *
   * @returns The row, undefined when none was standing.
   */
  reinstate(enterpriseId: string): Promise<Suspension | undefined>;
  /** Set whether a re-enrollment is owed (whatever the row's state); undefined when the enterprise has no row. */
  setNeedsReenrollment(enterpriseId: string, needsReenrollment: boolean): Promise<Suspension | undefined>;
  /**
   * Record one revocation attempt on the standing suspension: `outcome` when the CA answered (null keeps the state),
   * `error` the CA's failure text (null when it answered). A row reinstated meanwhile is left alone.
   *
   * @returns The row after it, undefined when no suspension is standing.
   */
  recordRevocationAttempt(
    enterpriseId: string,
    outcome: 'none' | 'done' | null,
    error: string | null,
  ): Promise<Suspension | undefined>;
  /** Enterprises whose standing suspension's revocation is pending, suspended at least `olderThanMs` ago, oldest first. */
  listPendingRevocations(limit: number, olderThanMs: number): Promise<string[]>;
}
