/**
 * The certificate revocation that follows a suspension (issue 13 Must 5), recorded on the suspension's row
 * (`enterprise_suspensions`, migration 018): one attempt through the revocation port, and the retry of every attempt
 * that could not reach the CA. A suspension is never undone by a CA outage: the chain already refuses the enterprise
 * and its API keys are refused; only `cert_revocation` stays `pending` until an attempt succeeds. Two paths retry:
 * the same `POST /v1/enterprises/{id}/suspension` again (it answers the suspension after one more attempt instead of
 * ALREADY_SUSPENDED), and the server's periodic sweep ({@link retryPendingRevocations}, bounded per round).
 */
import type { Queryable } from '../adapters/pg';

/** A suspension as the gateway keeps it. */
export interface SuspensionRow {
    enterprise_id: string;
    reason: string;
    effective_at: Date;
    reinstated_at: Date | null;
    cert_revocation: 'none' | 'pending' | 'done';
    needs_reenrollment: boolean;
}

/** The columns of {@link SuspensionRow}. */
export const SUSPENSION_COLUMNS = 'enterprise_id, reason, effective_at, reinstated_at, cert_revocation, needs_reenrollment';

/** The revocation port (identity-services.ts `revoker`). */
export type RevokeEnterpriseIdentity = (enterpriseId: string) => Promise<'none' | 'done'>;

/** Longest CA error text kept on the row (the column's bound). */
const MAX_ERROR_CHARS = 500;

/** Most pending revocations one sweep round tries. */
export const MAX_REVOCATIONS_PER_ROUND = 100;

/**
 * One revocation attempt for a standing suspension: the row becomes `done` or `none` when the port answers, stays
 * `pending` with the error text when it throws (never thrown on). A row reinstated meanwhile is left alone.
 *
 * @returns The row after the attempt (undefined when there is no standing suspension of the enterprise).
 */
export async function attemptRevocation(db: Queryable, revoke: RevokeEnterpriseIdentity, enterpriseId: string): Promise<SuspensionRow | undefined> {
    let outcome: 'none' | 'done' | null = null;
    let error: string | null = null;
    try {
        outcome = await revoke(enterpriseId);
    } catch (err: unknown) {
        error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_CHARS);
    }
    const { rows } = await db.query<SuspensionRow>(
        `UPDATE enterprise_suspensions SET cert_revocation = coalesce($2, cert_revocation), cert_revocation_error = $3,
           revocation_attempts = revocation_attempts + 1
         WHERE enterprise_id = $1 AND reinstated_at IS NULL RETURNING ${SUSPENSION_COLUMNS}`,
        [enterpriseId, outcome, error],
    );
    return rows[0];
}

/** What one sweep round did. */
export interface RevocationRound {
    readonly tried: number;
    readonly done: number;
    readonly pending: number;
}

/**
 * Try again the revocations of standing suspensions still `pending`, oldest suspension first, one at a time (the CA
 * is one server; a round that finds it down costs one failed request per row, at most `maxPerRound`).
 *
 * @param options - `maxPerRound` (1..{@link MAX_REVOCATIONS_PER_ROUND}); `olderThanMs`: leave rows suspended more
 *   recently than this to the request that is still revoking them (default 0).
 */
export async function retryPendingRevocations(
    db: Queryable,
    revoke: RevokeEnterpriseIdentity,
    options: { maxPerRound?: number; olderThanMs?: number } = {},
): Promise<RevocationRound> {
    const limit = options.maxPerRound ?? MAX_REVOCATIONS_PER_ROUND;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REVOCATIONS_PER_ROUND) throw new RangeError(`maxPerRound must be 1..${MAX_REVOCATIONS_PER_ROUND}`);
    const { rows } = await db.query<{ enterprise_id: string }>(
        `SELECT enterprise_id FROM enterprise_suspensions
         WHERE cert_revocation = 'pending' AND reinstated_at IS NULL AND suspended_at <= now() - make_interval(secs => $2)
         ORDER BY suspended_at LIMIT $1`,
        [limit, (options.olderThanMs ?? 0) / 1000],
    );
    let done = 0;
    let pending = 0;
    for (const { enterprise_id } of rows) {
        const row = await attemptRevocation(db, revoke, enterprise_id);
        if (row?.cert_revocation === 'pending') pending++;
        else done++;
    }
    return { tried: rows.length, done, pending };
}
