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
import { newIdentityStore } from './identity-store';
import { newKeyVault } from './key-vault';
import { newIdentityOnboarding, type IdentityOnboarding } from './onboarding';
import { newIdentityRenewal, type IdentityRenewal, type IdentityRenewalOptions } from './renewal';

/** The identity parts, present when at least one CA is configured. */
export interface IdentityServices {
    readonly stored: StoredIdentitySource | undefined;
    readonly onboarding: IdentityOnboarding | undefined;
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
    if (cas.length === 0) return { stored: undefined, onboarding: undefined, renewal: () => undefined };
    const vault = newKeyVault(options.keyEncryptionKeys);
    const store = newIdentityStore(options.db);
    const directory = newCaDirectory(cas);
    const onboarding = newIdentityOnboarding({ cas: directory, vault });
    return {
        stored: newStoredIdentitySource({ store, vault, mspIds: directory.mspIds() }),
        onboarding,
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
