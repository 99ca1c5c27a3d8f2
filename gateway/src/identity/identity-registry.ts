/**
 * Where the ledger clients find an enterprise's own identity: the identity store, read when the enterprise first
 * calls (or again after its cached client was evicted), its key opened by the key vault. It decides, per call, whether
 * the gateway may sign: an external identity (the enterprise keeps its key), an expired or a revoked one are each a
 * clear problem, never a 500. The connected clients themselves are kept by ledger-clients.ts in a bounded LRU.
 */
import { newProblem } from '../errors';
import type { LedgerCaller } from '../ports';
import type { IdentityStore } from './identity-store';
import { KeyVaultError, type KeyVault } from './key-vault';

/** An identity ready to connect: certificate and the opened key (the caller zeroes `keyPem` after use). */
export interface LoadedIdentity {
  readonly identityId: string;
  readonly enterpriseId: string;
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: Buffer;
  readonly notAfter: Date;
  readonly version: number;
}

/** What the ledger clients ask for an enterprise caller. */
export interface StoredIdentitySource {
  /** Whether enterprises of `mspId` get identities from the store (the MSP has a CA). */
  servesMsp(mspId: string): boolean;
  /**
   * The caller's stored identity; undefined when it has none (then the profile's static identities apply).
   *
   * @throws ProblemError LEDGER_IDENTITY_EXTERNAL, LEDGER_IDENTITY_REVOKED, LEDGER_IDENTITY_EXPIRED, IDENTITY_KEY_UNAVAILABLE.
   */
  load(caller: LedgerCaller): Promise<LoadedIdentity | undefined>;
}

/** The problem for an identity past its end of validity. */
export function identityExpiredProblem(enterpriseId: string, notAfter: Date): Error {
  return newProblem(
    'LEDGER_IDENTITY_EXPIRED',
    `the certificate of enterprise ${enterpriseId} expired at ${notAfter.toISOString()}; the gateway renews certificates ` +
      'before they expire, so its CA was unreachable or refused the renewal: ask the operator',
  );
}

/**
 * A source over the store.
 *
 * @param options - Store, vault, the MSPs with a CA, and a clock for tests.
 */
export function newStoredIdentitySource(options: {
  store: IdentityStore;
  vault: KeyVault;
  mspIds: readonly string[];
  now?: () => number;
}): StoredIdentitySource {
  const msps = new Set(options.mspIds);
  const now = options.now ?? Date.now;
  return {
    servesMsp: (mspId) => msps.has(mspId),
    async load(caller) {
      if (caller.enterpriseId === null) return undefined;
      const row = await options.store.findByEnterprise(caller.enterpriseId);
      if (!row || row.mspId !== caller.mspId) return undefined;
      if (row.revokedAt !== undefined) {
        throw newProblem(
          'LEDGER_IDENTITY_REVOKED',
          `the certificate of enterprise ${row.enterpriseId} was revoked at ${row.revokedAt.toISOString()}`,
        );
      }
      if (row.kind === 'external' || row.sealedKey === undefined) {
        throw newProblem(
          'LEDGER_IDENTITY_EXTERNAL',
          `enterprise ${row.enterpriseId} keeps its own signing key (it enrolled with a CSR); the gateway cannot sign for it`,
        );
      }
      if (row.notAfter.getTime() <= now()) throw identityExpiredProblem(row.enterpriseId, row.notAfter);
      let keyPem: Buffer;
      try {
        keyPem = options.vault.open(row.sealedKey, row.id);
      } catch (err: unknown) {
        if (!(err instanceof KeyVaultError)) throw err;
        throw newProblem(
          'IDENTITY_KEY_UNAVAILABLE',
          `the key of enterprise ${row.enterpriseId} cannot be opened: ${err.message}`,
          { expose: true },
        );
      }
      return {
        identityId: row.id,
        enterpriseId: row.enterpriseId,
        mspId: row.mspId,
        certPem: row.certPem,
        keyPem,
        notAfter: row.notAfter,
        version: row.version,
      };
    },
  };
}
