/**
 * Automatic renewal of the identities the gateway holds: a background round (every `intervalMs`) reenrolls live
 * managed identities whose certificate ends within `renewBeforeMs` (default 30 days; the dev CA issues 8,760 h
 * certificates), soonest first, at most `maxPerRound` per round, one at a time (the CA is a shared service). Each
 * renewal makes a new key; the row is replaced only if no other process renewed it meanwhile (version check), then
 * this process's connected client is dropped so the next call signs with the new certificate. A CA outage ends the
 * round early; the next round tries again. External identities are not renewed here (their owner holds the key).
 */
import { ProblemError } from '../errors';
import type { LedgerClients } from '../ports';
import type { IdentityStore } from './identity-store';
import type { KeyVault } from './key-vault';
import type { IdentityOnboarding } from './onboarding';

/** Default: renew certificates that end within 30 days. */
export const DEFAULT_RENEW_BEFORE_MS = 30 * 86_400_000;
/** Default: at most this many renewals per round. */
export const DEFAULT_RENEWALS_PER_ROUND = 50;
/** Default: one round an hour. */
export const DEFAULT_RENEWAL_INTERVAL_MS = 3_600_000;

/** What one round did. */
export interface RenewalRound {
  renewed: number;
  failed: number;
  /** Another process renewed it first. */
  superseded: number;
}

/** The renewal loop. */
export interface IdentityRenewal {
  /** One round now. */
  runOnce(): Promise<RenewalRound>;
  /** Rounds every `intervalMs` (the first after one interval), until stop(). */
  start(): void;
  /** Stop the timer and wait for a running round. */
  stop(): Promise<void>;
}

/** Options of {@link newIdentityRenewal}. */
export interface IdentityRenewalOptions {
  store: IdentityStore;
  vault: KeyVault;
  onboarding: IdentityOnboarding;
  ledgers: Pick<LedgerClients, 'evict'>;
  renewBeforeMs?: number;
  maxPerRound?: number;
  intervalMs?: number;
  /** Log sink; gets ids and codes only, never key material or secrets. */
  log?: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
  now?: () => number;
}

/**
 * Create the loop (not started).
 *
 * @param options - Store, vault, onboarding (CA access), the ledger clients to evict from, bounds.
 */
export function newIdentityRenewal(options: IdentityRenewalOptions): IdentityRenewal {
  const renewBeforeMs = options.renewBeforeMs ?? DEFAULT_RENEW_BEFORE_MS;
  const maxPerRound = options.maxPerRound ?? DEFAULT_RENEWALS_PER_ROUND;
  const intervalMs = options.intervalMs ?? DEFAULT_RENEWAL_INTERVAL_MS;
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RenewalRound> | undefined;

  const round = async (): Promise<RenewalRound> => {
    const outcome: RenewalRound = { renewed: 0, failed: 0, superseded: 0 };
    const due = await options.store.dueForRenewal(new Date(now() + renewBeforeMs), maxPerRound);
    for (const identity of due) {
      if (!identity.sealedKey) continue;
      let keyPem: Buffer | undefined;
      try {
        keyPem = options.vault.open(identity.sealedKey, identity.id);
        const renewal = await options.onboarding.renew({
          identityId: identity.id,
          enrollmentId: identity.enrollmentId,
          mspId: identity.mspId,
          caName: identity.caName,
          certPem: identity.certPem,
          keyPem,
        });
        if (await options.store.renew(identity.id, identity.version, renewal)) {
          outcome.renewed++;
          options.ledgers.evict?.({ mspId: identity.mspId, enterpriseId: identity.enterpriseId });
          log(
            'info',
            { enterpriseId: identity.enterpriseId, notAfter: renewal.notAfter.toISOString() },
            'identity renewed',
          );
        } else {
          outcome.superseded++;
        }
      } catch (err: unknown) {
        outcome.failed++;
        const code = err instanceof ProblemError ? err.code : 'INTERNAL';
        log(
          'warn',
          { enterpriseId: identity.enterpriseId, code, notAfter: identity.notAfter.toISOString() },
          'identity renewal failed',
        );
        if (code === 'CA_UNAVAILABLE') break; // the rest would fail the same way; the next round retries
      } finally {
        keyPem?.fill(0);
      }
    }
    return outcome;
  };

  const runOnce = (): Promise<RenewalRound> => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        runOnce().catch((err: unknown) =>
          log('warn', { code: err instanceof ProblemError ? err.code : 'INTERNAL' }, 'identity renewal round failed'),
        );
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
