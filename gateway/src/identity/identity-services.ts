/**
 * Composes the identity parts for the process (server.ts) and the benches: the CA directory from the profile's and
 * the environment's CAs, the key vault, the store over the pool, the stored-identity source for the ledger clients,
 * onboarding for the enterprise route, and the renewal loop. With no CA configured there is nothing to issue:
 * every part is absent and enterprises sign with the profile's identities, as before onboarding existed.
 */
import type { Queryable } from '../adapters/pg';
import type { LedgerClients } from '../ports';
import { newCaDirectory } from './ca-directory';
import { mergeCas, type CaSettings } from './ca-settings';
import type { IdentityConfig } from './identity-config';
import { newStoredIdentitySource, type StoredIdentitySource } from './identity-registry';
import { newIdentityStore, type IdentityStore, type StoredIdentity } from './identity-store';
import type { ExternalIdentities } from '../ledger/signing-sessions';
import { newProblem } from '../errors';
import { identityExpiredProblem } from './identity-registry';
import { newKeyVault } from './key-vault';
import { FabricCaError, FabricCaErrorCode } from './fabric-ca-errors';
import {
  newIdentityOnboarding,
  nextEnrollmentId,
  problemFromCaError,
  type EnterpriseToOnboard,
  type IdentityOnboarding,
} from './onboarding';
import { newIdentityRenewal, type IdentityRenewal, type IdentityRenewalOptions } from './renewal';

/**
 * What a re-issue did: `none` — the gateway issued the enterprise no identity; `current` — its identity is not revoked
 * (nothing to do); `reissued` — a new certificate (and, for a managed identity, a new sealed key) replaced the revoked
 * one; `needs-csr` — the enterprise keeps its key, so it must send a CSR whose common name is `enrollmentId`.
 */
export type IdentityReissue =
  | { readonly outcome: 'none' | 'current' }
  | { readonly outcome: 'reissued'; readonly identity: StoredIdentity }
  | { readonly outcome: 'needs-csr'; readonly enrollmentId: string };

/**
 * Re-issue the identity of an enterprise whose certificate was revoked.
 *
 * @param csrPem - The enterprise's CSR (it keeps its key; the identity becomes or stays `external`).
 * @throws ProblemError CA_UNAVAILABLE and the other onboarding problems; CSR_REJECTED.
 */
export type ReissueEnterpriseIdentity = (enterprise: EnterpriseToOnboard, csrPem?: string) => Promise<IdentityReissue>;

/** The identity parts, present when at least one CA is configured. */
export interface IdentityServices {
  readonly stored: StoredIdentitySource | undefined;
  /** The certificates of enterprises that keep their own key (bring your own key), for signing sessions. */
  readonly external: ExternalIdentities | undefined;
  readonly onboarding: IdentityOnboarding | undefined;
  /**
   * Revokes an enterprise's identity at its CA (every certificate of its enrollment id) and marks it revoked in the
   * store, so the gateway stops signing with it: 'none' when the gateway issued it no identity. Throws a problem
   * (CA_UNAVAILABLE, ...) when the CA cannot do it; calling it again is safe (already revoked counts as done).
   */
  revoker(ledgers: Pick<LedgerClients, 'evict'>): ((enterpriseId: string) => Promise<'none' | 'done'>) | undefined;
  /**
   * Re-issues a revoked identity under the next enrollment id (onboarding.ts `nextEnrollmentId`: Fabric CA never
   * enrolls a revoked identity again), replacing the store's row, and evicts the enterprise's connected client.
   * Safe to call again: a failed attempt leaves the revoked row, and the CA identity it registered is enrolled again
   * with the same derived secret.
   */
  reissuer(ledgers: Pick<LedgerClients, 'evict'>): ReissueEnterpriseIdentity | undefined;
  /** The renewal loop over `ledgers` (not started), when there is a CA. */
  renewal(ledgers: Pick<LedgerClients, 'evict'>, log?: IdentityRenewalOptions['log']): IdentityRenewal | undefined;
}

/**
 * Build the identity parts.
 *
 * @param options - The pool, the profile's CAs, the identity configuration and the KEKs.
 */
export function newIdentityServices(options: {
  db: Queryable;
  profileCas: readonly CaSettings[];
  config: Pick<IdentityConfig, 'certificateAuthorities' | 'renewBeforeDays' | 'renewalIntervalMs' | 'renewalsPerRound'>;
  keyEncryptionKeys: readonly Buffer[];
}): IdentityServices {
  const cas = mergeCas(options.profileCas, options.config.certificateAuthorities);
  if (cas.length === 0)
    return {
      stored: undefined,
      external: undefined,
      onboarding: undefined,
      revoker: () => undefined,
      reissuer: () => undefined,
      renewal: () => undefined,
    };
  const vault = newKeyVault(options.keyEncryptionKeys);
  const store = newIdentityStore(options.db);
  const directory = newCaDirectory(cas);
  const onboarding = newIdentityOnboarding({ cas: directory, vault });
  return {
    stored: newStoredIdentitySource({ store, vault, mspIds: directory.mspIds() }),
    external: externalIdentitiesOf(store),
    onboarding,
    revoker: (ledgers) => async (enterpriseId) => {
      const identity = await store.findByEnterprise(enterpriseId);
      if (!identity) return 'none';
      const ca = directory.forMsp(identity.mspId);
      if (ca && identity.revokedAt === undefined) {
        try {
          await ca.client.revoke(
            await ca.registrar(),
            { enrollmentId: identity.enrollmentId },
            { reason: 'cessationofoperation' },
          );
        } catch (err: unknown) {
          if (!(err instanceof FabricCaError && err.code === FabricCaErrorCode.alreadyRevoked)) {
            throw err instanceof FabricCaError ? problemFromCaError(err, identity.mspId, 'register') : err;
          }
        }
        await store.markRevoked(enterpriseId, new Date());
      }
      ledgers.evict?.({ mspId: identity.mspId, enterpriseId });
      return 'done';
    },
    reissuer: (ledgers) => async (enterprise, csrPem) => {
      const identity = await store.findByEnterprise(enterprise.id);
      if (!identity) return { outcome: 'none' };
      if (identity.revokedAt === undefined) return { outcome: 'current' };
      const enrollmentId = nextEnrollmentId(enterprise.id, identity.enrollmentId);
      if (csrPem === undefined && identity.kind === 'external') return { outcome: 'needs-csr', enrollmentId };
      const issued = await onboarding.issue({ ...enterprise, mspId: identity.mspId }, csrPem, { enrollmentId });
      const replaced = await store.replaceRevoked(issued);
      ledgers.evict?.({ mspId: identity.mspId, enterpriseId: enterprise.id });
      return replaced ? { outcome: 'reissued', identity: replaced } : { outcome: 'current' };
    },
    renewal: (ledgers, log) =>
      newIdentityRenewal({
        store,
        vault,
        onboarding,
        ledgers,
        renewBeforeMs: options.config.renewBeforeDays * 86_400_000,
        intervalMs: options.config.renewalIntervalMs,
        maxPerRound: options.config.renewalsPerRound,
        ...(log === undefined ? {} : { log }),
      }),
  };
}

/** An enterprise's own certificate when it keeps its key and the certificate is live (not revoked, not expired). */
function externalIdentitiesOf(store: IdentityStore): ExternalIdentities {
  return {
    async find(caller) {
      if (caller.enterpriseId === null) return undefined;
      const identity = await store.findByEnterprise(caller.enterpriseId);
      if (identity?.kind !== 'external' || identity.mspId !== caller.mspId) return undefined;
      if (identity.revokedAt !== undefined) {
        throw newProblem(
          'LEDGER_IDENTITY_REVOKED',
          `the certificate of enterprise ${caller.enterpriseId} was revoked at ${identity.revokedAt.toISOString()}`,
        );
      }
      if (identity.notAfter.getTime() <= Date.now())
        throw identityExpiredProblem(caller.enterpriseId, identity.notAfter);
      return { mspId: identity.mspId, certPem: identity.certPem };
    },
  };
}
