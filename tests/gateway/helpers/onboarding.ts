/**
 * The onboarding stack for tests: a dev peer process with its Fabric CA, a migrated PostgreSQL database, the identity
 * services (CA directory from the dev peer's connection profile, a random key-encryption key, the identity store),
 * ledger clients that load enterprises' stored identities, and the gateway app with a log capture. Plus a TCP relay
 * that can be stopped and started again, to take the CA away and bring it back on the same address.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  createPool,
  newCapturesRepository,
  newSigningSessionsRepository,
  type DbPool,
} from '../../../gateway/src/adapters/pg';
import { usccCheckCharacter } from '../../../gateway/src/domain/uscc';
import type { CaSettings } from '../../../gateway/src/identity/ca-settings';
import { newIdentityServices, type IdentityServices } from '../../../gateway/src/identity/identity-services';
import { newKeyVault, type KeyVault } from '../../../gateway/src/identity/key-vault';
import type { EnterpriseToOnboard, IdentityOnboarding } from '../../../gateway/src/identity/onboarding';
import { newLedgerClients } from '../../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile, type LedgerSettings } from '../../../gateway/src/ledger/ledger-settings';
import { newRegisterEnterpriseOnLedger } from '../../../gateway/src/ledger/register-enterprise';
import type { LedgerClients } from '../../../gateway/src/ports';
import { startDevnetProcess, type DevnetProcess } from '../../../testkit/src/devnet';
import { buildTestApp } from './app';
import { createMigratedDatabase, type Teardown } from './database';

/** Default identity settings of the stack (renewal bounds as in production). */
const IDENTITY_DEFAULTS = {
  certificateAuthorities: [],
  renewBeforeDays: 30,
  renewalIntervalMs: 3_600_000,
  renewalsPerRound: 50,
};

/** What {@link startOnboardingStack} returns. */
export interface OnboardingStack {
  dn: DevnetProcess;
  settings: LedgerSettings;
  app: FastifyInstance;
  db: DbPool;
  databaseUrl: string;
  customsKey: string;
  ledgers: LedgerClients;
  identities: IdentityServices;
  /** The vault over the stack's KEK (to check what the store holds). */
  vault: KeyVault;
  keks: Buffer[];
  /** Every log line the app wrote (JSON). */
  logs: string[];
  /** Swap the onboarding the route uses (e.g. one with a weaker registrar). */
  setOnboarding(onboarding: IdentityOnboarding): void;
  /** Swap the identity services behind the revocation and re-issue ports (e.g. ones reaching the CA through a relay). */
  setIdentityServices(services: IdentityServices): void;
}

/**
 * Start the stack.
 *
 * @param t - The test (everything is stopped at teardown).
 * @param options - CA settings to use instead of the profile's (e.g. through a relay); LRU size.
 */
export async function startOnboardingStack(
  t: Teardown,
  options: {
    mapCas?: (cas: readonly CaSettings[]) => CaSettings[];
    maxActiveIdentities?: number;
    devnetArgs?: string[];
  } = {},
): Promise<OnboardingStack> {
  const dn = await startDevnetProcess(options.devnetArgs ? { args: options.devnetArgs } : {});
  t.teardown(() => dn.stop());
  const { settings, problems } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  if (!settings) throw new Error(problems.join('; '));
  const databaseUrl = await createMigratedDatabase(t);
  const db = createPool({ connectionString: databaseUrl });
  t.teardown(() => db.end());
  const keks = [randomBytes(32)];
  const profileCas = settings.certificateAuthorities ?? [];
  const identities = newIdentityServices({
    db,
    profileCas: options.mapCas ? options.mapCas(profileCas) : profileCas,
    config: IDENTITY_DEFAULTS,
    keyEncryptionKeys: keks,
  });
  const ledgers = newLedgerClients({
    settings,
    customsMspId: 'CustomsMSP',
    ...(identities.stored ? { stored: identities.stored } : {}),
    ...(options.maxActiveIdentities === undefined ? {} : { maxActiveIdentities: options.maxActiveIdentities }),
  });
  t.teardown(() => ledgers.close());
  let onboarding = identities.onboarding as IdentityOnboarding;
  const switchable: IdentityOnboarding = {
    servesMsp: (mspId) => onboarding.servesMsp(mspId),
    issue: (enterprise, csr, issueOptions) => onboarding.issue(enterprise, csr, issueOptions),
    renew: (identity) => onboarding.renew(identity),
  };
  // As server.ts wires them: suspension revokes the certificate, reinstatement re-issues one (switchable).
  let revoke = identities.revoker(ledgers);
  let reissue = identities.reissuer(ledgers);
  const logs: string[] = [];
  const { app, customsKey } = await buildTestApp(t, {
    databaseUrl,
    ledgers,
    ports: {
      registerEnterpriseOnLedger: newRegisterEnterpriseOnLedger(ledgers),
      identityOnboarding: switchable,
      ...(revoke === undefined
        ? {}
        : { revokeEnterpriseIdentity: (enterpriseId: string) => (revoke as NonNullable<typeof revoke>)(enterpriseId) }),
      ...(reissue === undefined
        ? {}
        : {
            reissueEnterpriseIdentity: (enterprise: EnterpriseToOnboard, csr?: string) =>
              (reissue as NonNullable<typeof reissue>)(enterprise, csr),
          }),
      // As server.ts wires it: enterprises that keep their key sign through signing sessions.
      ...(identities.external
        ? {
            externalSigning: {
              offline: ledgers.offlineSigning(),
              identities: identities.external,
              sessions: newSigningSessionsRepository(db),
              captures: newCapturesRepository(db),
            },
          }
        : {}),
    },
    rateLimitMax: 1_000_000,
    fastifyOptions: { logger: { level: 'debug', stream: { write: (line: string) => void logs.push(line) } } },
  });
  return {
    dn,
    settings,
    app,
    db,
    databaseUrl,
    customsKey,
    ledgers,
    identities,
    vault: newKeyVault(keks),
    keks,
    logs,
    setOnboarding: (next) => {
      onboarding = next;
    },
    setIdentityServices: (next) => {
      revoke = next.revoker(ledgers);
      reissue = next.reissuer(ledgers);
    },
  };
}

/** A TCP relay to `target` that can be stopped (connections refused) and started again on the same port. */
export interface TcpRelay {
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Start a relay on a free loopback port.
 *
 * @param target - `host:port` to relay to.
 */
export async function startTcpRelay(t: Teardown, target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((inbound) => {
        const outbound = connect(target.port, target.host);
        for (const socket of [inbound, outbound]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };
  await listen();
  t.teardown(stop);
  return {
    get port() {
      return port;
    },
    stop,
    start: listen,
  };
}

/** A valid unified social credit code numbered `n` (organisation code `MA` + 7 digits), for bulk tests. */
export function usccFor(n: number, prefix = '91460000MA'): string {
  const body = `${prefix}${String(n).padStart(17 - prefix.length, '0')}`;
  return body + usccCheckCharacter(body);
}

/** Run `fn` over `items` with at most `concurrency` at once; results in input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
