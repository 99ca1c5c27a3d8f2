/**
 * The suspension use cases against their ports (enterprises and suspensions repositories, the API keys' cache, the
 * ledger, the CA's revocation and re-issue ports): suspend an enterprise, reinstate it, and re-issue the identity a
 * suspension revoked. The routes (routes/enterprises/suspension.ts, identity.ts) map HTTP to these and back.
 *
 * Order and retries: the chain first, because it is what binds; a failure after it (database, CA) leaves the chain's
 * suspension standing, and the same request again completes the rest (the chain's ALREADY_SUSPENDED / NOT_SUSPENDED
 * answer to a retry counts as done when the database does not have it yet). A CA that cannot be reached leaves the
 * revocation `pending` on the row; the same suspension again tries it once more (answering the suspension, not
 * ALREADY_SUSPENDED, while it is pending), and the server's sweep retries it too (identity/suspension-revocations.ts).
 */
import type { Enterprise, Principal } from '../../domain/principal';
import { newProblem } from '../../errors';
import type { IdentityReissue, ReissueEnterpriseIdentity } from '../../identity/identity-services';
import { attemptRevocation, type RevokeEnterpriseIdentity } from '../../identity/suspension-revocations';
import type { StoredIdentity } from '../../identity/identity-store';
import { isChaincodeRefusal } from '../../ledger-error';
import type { LedgerClients } from '../../ports';
import type { ApiKeysRepository } from '../../repositories/api-keys';
import type { EnterprisesRepository } from '../../repositories/enterprises';
import type { Suspension, SuspensionsRepository } from '../../repositories/suspensions';

/** The logger a use case reports to (the request's). */
export interface UseCaseLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What the suspension use cases depend on. */
export interface SuspensionServiceDeps {
  readonly enterprises: EnterprisesRepository;
  readonly suspensions: SuspensionsRepository;
  /** Its lookup cache forgets the enterprise's keys when its suspension changes. */
  readonly apiKeys: Pick<ApiKeysRepository, 'forgetEnterprise'>;
  readonly ledgers: LedgerClients;
  /** Unwired: every suspension's certificate revocation stays pending. */
  readonly revokeEnterpriseIdentity?: RevokeEnterpriseIdentity | undefined;
  /** Unwired: a reinstated enterprise keeps its revoked certificate. */
  readonly reissueEnterpriseIdentity?: ReissueEnterpriseIdentity | undefined;
}

/** What a customs officer asks for when suspending. */
export interface SuspendInput {
  readonly reason: string;
  /** ISO 8601; the chain defaults it to now. */
  readonly effectiveAt?: string | undefined;
}

/** A reinstatement: the suspension's row, and what re-issuing the revoked identity gave (undefined: unwired or failed). */
export interface Reinstatement {
  readonly suspension: Suspension;
  readonly reissue: IdentityReissue | undefined;
}

/** The suspension use cases. */
export interface SuspensionService {
  /**
   * Suspend on the chain, record it (the enterprise's API keys are refused from now), revoke its certificate.
   *
   * @throws ProblemError `NOT_FOUND`; the chain's refusal (`ALREADY_SUSPENDED` unless its revocation is pending)
   */
  suspend(caller: Principal, enterpriseId: string, input: SuspendInput, log: UseCaseLog): Promise<Suspension>;
  /**
   * Reinstate on the chain, record it (its API keys work again), re-issue its revoked identity.
   *
   * @throws ProblemError `NOT_FOUND`; the chain's refusal (`NOT_SUSPENDED` when nothing is left to finish)
   */
  reinstate(caller: Principal, enterpriseId: string, log: UseCaseLog): Promise<Reinstatement>;
  /**
   * A new identity for a reinstated enterprise whose certificate was revoked, with its CSR when it keeps its key.
   *
   * @throws ProblemError `NOT_FOUND`, `UNPROCESSABLE` (no CA, or nothing issued), `STILL_SUSPENDED`,
   *   `IDENTITY_CURRENT`, `CSR_REQUIRED`
   */
  reissueIdentity(enterpriseId: string, csr: string | undefined, log: UseCaseLog): Promise<StoredIdentity>;
}

/**
 * Create the service.
 *
 * @param deps - Its ports.
 * @returns The service.
 */
export function newSuspensionService(deps: SuspensionServiceDeps): SuspensionService {
  const { enterprises, suspensions, apiKeys, ledgers } = deps;

  async function findEnterprise(id: string): Promise<Enterprise> {
    const enterprise = await enterprises.findById(id);
    if (!enterprise) throw newProblem('NOT_FOUND', `no enterprise ${id}`);
    return enterprise;
  }

  /** Revokes the enterprise's certificate through the port when wired; a failure leaves the row pending. */
  async function revokeCertificate(suspension: Suspension, log: UseCaseLog): Promise<Suspension> {
    const revoke = deps.revokeEnterpriseIdentity;
    if (revoke === undefined) return suspension; // no CA wired: stays pending, visible, until a revocation path exists
    const after = (await attemptRevocation(suspensions, revoke, suspension.enterpriseId)) ?? suspension;
    if (after.certRevocation === 'pending')
      log.warn(
        { enterpriseId: suspension.enterpriseId },
        'certificate revocation pending (CA unreachable?); retried by the sweep',
      );
    return after;
  }

  /** Re-issues a revoked identity through the port when wired; undefined when unwired or the CA failed (logged). */
  async function reissueAtReinstatement(enterprise: Enterprise, log: UseCaseLog): Promise<IdentityReissue | undefined> {
    const reissue = deps.reissueEnterpriseIdentity;
    if (reissue === undefined) return undefined;
    try {
      return await reissue({ id: enterprise.id, mspId: enterprise.mspId, roles: enterprise.roles });
    } catch (err: unknown) {
      log.warn(
        { err, enterpriseId: enterprise.id },
        'identity re-issue at reinstatement failed; POST /v1/enterprises/{id}/identity retries it',
      );
      return undefined;
    }
  }

  return {
    async suspend(caller, id, input, log) {
      await findEnterprise(id);
      const ledger = ledgers.forCaller(caller, 'customs');
      let record: { reason: string; effectiveAt: string } | undefined;
      try {
        const body = { id, reason: input.reason, ...(input.effectiveAt ? { effectiveAt: input.effectiveAt } : {}) };
        record = await ledger.submit<{ reason: string; effectiveAt: string }>('SuspendEnterprise', [
          JSON.stringify(body),
        ]);
      } catch (err) {
        // A retry after a failure past the chain: the chain has it, the database may not.
        if (!isChaincodeRefusal(err, 'ALREADY_SUSPENDED')) throw err;
        const standing = await suspensions.findStanding(id);
        // Suspended, but the certificate revocation is still pending (the CA was down): this call retries it.
        if (standing?.certRevocation === 'pending') return revokeCertificate(standing, log);
        if (standing) throw err;
        const ent = await ledgers
          .forCaller(caller, 'query')
          .evaluate<{ suspension?: { reason: string; effectiveAt: string } }>('GetEnterprise', [
            JSON.stringify({ id }),
          ]);
        record = ent?.suspension;
      }
      if (record === undefined) throw new Error(`the chain returned no suspension record for ${id}`); // the contract always does
      const suspension = await suspensions.suspend(id, record.reason, new Date(record.effectiveAt));
      apiKeys.forgetEnterprise(id);
      log.info({ enterpriseId: id, effectiveAt: record.effectiveAt }, 'enterprise suspended');
      return revokeCertificate(suspension, log);
    },

    async reinstate(caller, id, log) {
      const enterprise = await findEnterprise(id);
      try {
        await ledgers.forCaller(caller, 'customs').submit('ReinstateEnterprise', [JSON.stringify({ id })]);
      } catch (err) {
        if (!isChaincodeRefusal(err, 'NOT_SUSPENDED')) throw err;
        // Reinstated on the chain by an earlier attempt whose database step failed: finish it; else refuse.
        if ((await suspensions.findStanding(id)) === undefined) throw err;
      }
      // Undefined when the chain held a suspension the database never recorded (its step failed after the chain's).
      const reinstated = await suspensions.reinstate(id);
      apiKeys.forgetEnterprise(id);
      log.info({ enterpriseId: id }, 'enterprise reinstated');
      // Its revoked certificate can never sign again: re-issue now (also when the row says pending: a revocation
      // may have reached the CA while its answer was lost). A CA that is down leaves needsReenrollment for
      // POST /v1/enterprises/{id}/identity; the reinstatement itself stands.
      const reissue = await reissueAtReinstatement(enterprise, log);
      if (reissue === undefined && reinstated === undefined)
        throw new Error(`enterprise ${id} was reinstated on the chain but has no standing suspension row`);
      const needsReenrollment = reissue === undefined ? reinstated!.needsReenrollment : reissue.outcome === 'needs-csr';
      // The enterprise's latest row (also a reinstated one the chain's repeated suspension never reached).
      const suspension = (await suspensions.setNeedsReenrollment(id, needsReenrollment)) ?? reinstated;
      if (suspension === undefined) throw new Error(`enterprise ${id} has no suspension row to answer with`);
      return { suspension, reissue };
    },

    async reissueIdentity(id, csr, log) {
      const enterprise = await findEnterprise(id);
      const reissue = deps.reissueEnterpriseIdentity;
      if (reissue === undefined)
        throw newProblem('UNPROCESSABLE', 'this gateway issues no identities (no certificate authority configured)');
      if ((await suspensions.findStanding(id)) !== undefined) {
        throw newProblem(
          'STILL_SUSPENDED',
          `enterprise ${id} is suspended: reinstate it first (DELETE /v1/enterprises/${id}/suspension)`,
        );
      }
      const outcome = await reissue({ id, mspId: enterprise.mspId, roles: enterprise.roles }, csr);
      switch (outcome.outcome) {
        case 'none':
          throw newProblem('UNPROCESSABLE', `the gateway issued enterprise ${id} no identity: nothing to re-issue`);
        case 'current':
          throw newProblem(
            'IDENTITY_CURRENT',
            `the certificate of enterprise ${id} is not revoked: nothing to re-issue`,
          );
        case 'needs-csr':
          throw newProblem(
            'CSR_REQUIRED',
            `enterprise ${id} keeps its own key: send a CSR whose common name is ${outcome.enrollmentId}`,
            {
              extensions: { enrollmentId: outcome.enrollmentId },
            },
          );
        case 'reissued':
          break;
      }
      await suspensions.setNeedsReenrollment(id, false);
      const { identity } = outcome;
      log.info(
        {
          enterpriseId: id,
          identityKind: identity.kind,
          certSerial: identity.certSerial,
          enrollmentId: identity.enrollmentId,
        },
        'enterprise identity re-issued',
      );
      return identity;
    },
  };
}
