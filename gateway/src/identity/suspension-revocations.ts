/**
 * The certificate revocation that follows a suspension (issue 13 Must 5), recorded on the suspension's row
 * (`enterprise_suspensions`, migration 018): one attempt through the revocation port, and the retry of every attempt
 * that could not reach the CA. A suspension is never undone by a CA outage: the chain already refuses the enterprise
 * and its API keys are refused; only `cert_revocation` stays `pending` until an attempt succeeds. Two paths retry:
 * the same `POST /v1/enterprises/{id}/suspension` again (it answers the suspension after one more attempt instead of
 * ALREADY_SUSPENDED), and the server's periodic sweep ({@link retryPendingRevocations}, bounded per round). Both work
 * through the suspensions repository port (repositories/suspensions.ts).
 */
import type { Suspension, SuspensionsRepository } from '../repositories/suspensions';

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
export async function attemptRevocation(
  suspensions: SuspensionsRepository,
  revoke: RevokeEnterpriseIdentity,
  enterpriseId: string,
): Promise<Suspension | undefined> {
  let outcome: 'none' | 'done' | null = null;
  let error: string | null = null;
  try {
    outcome = await revoke(enterpriseId);
  } catch (err: unknown) {
    error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_CHARS);
  }
  return suspensions.recordRevocationAttempt(enterpriseId, outcome, error);
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
  suspensions: SuspensionsRepository,
  revoke: RevokeEnterpriseIdentity,
  options: { maxPerRound?: number; olderThanMs?: number } = {},
): Promise<RevocationRound> {
  const limit = options.maxPerRound ?? MAX_REVOCATIONS_PER_ROUND;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REVOCATIONS_PER_ROUND)
    throw new RangeError(`maxPerRound must be 1..${MAX_REVOCATIONS_PER_ROUND}`);
  const enterpriseIds = await suspensions.listPendingRevocations(limit, options.olderThanMs ?? 0);
  let done = 0;
  let pending = 0;
  for (const enterpriseId of enterpriseIds) {
    const row = await attemptRevocation(suspensions, revoke, enterpriseId);
    if (row?.certRevocation === 'pending') pending++;
    else done++;
  }
  return { tried: enterpriseIds.length, done, pending };
}
