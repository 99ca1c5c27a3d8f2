/**
 * The servers and secrets the gateway runs on. The production gateway (server.ts) takes every one of them from its
 * configuration and starts nothing; the embedded default (`@hainan/embedded`, what `npm start` runs) starts a dev
 * peer and a PostgreSQL for whatever is left unset, then hands the same shape to {@link runGateway}.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config';
import { parseKekList, readOrCreateKekFile } from './identity/key-vault';
import type { LedgerSettings } from './ledger/ledger-settings';

/** The servers the gateway talks to, started by the caller or given by the configuration. */
export interface Infrastructure {
  readonly databaseUrl: string;
  readonly ledgerSettings: LedgerSettings;
  readonly personCodeSecret: string;
  /** Key-encryption keys of stored identity keys (the first encrypts). */
  readonly keyEncryptionKeys: readonly Buffer[];
  /** Which parts run in this process (the embedded default). */
  readonly embedded: { readonly postgres: boolean; readonly devnet: boolean };
  /** Stop the dev peer, if started here (after the ledger clients are closed); idempotent. */
  stopDevnet(): Promise<void>;
  /** Stop the embedded PostgreSQL, if started here (last of all); idempotent. */
  stopPostgres(): Promise<void>;
}

/** Log sink of whoever provides the infrastructure. */
export interface InfrastructureLog {
  info(message: string): void;
  debug(message: string): void;
}

/** Provides the infrastructure for a validated configuration; stops what it started before it throws. */
export type ProvideInfrastructure = (config: Config, log: InfrastructureLog) => Promise<Infrastructure>;

/** A setting the production gateway needs and the configuration leaves to the embedded default. */
export class MissingSettingError extends Error {
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'MissingSettingError';
  }
}

/**
 * The production gateway's infrastructure: everything from the configuration, nothing started.
 *
 * @param config - The validated configuration.
 * @returns The settings; the stop functions do nothing.
 * @throws MissingSettingError when `DATABASE_URL` or the Fabric settings are unset.
 */
export async function configuredInfrastructure(config: Config): Promise<Infrastructure> {
  const missing = [
    ...(config.databaseUrl === undefined ? ['DATABASE_URL'] : []),
    ...(config.ledger.kind === 'embedded' ? ['FABRIC_CONNECTION_PROFILE'] : []),
  ];
  if (config.databaseUrl === undefined || config.ledger.kind === 'embedded' || config.personCodeSecret === undefined) {
    throw new MissingSettingError(
      `${missing.join(' and ')} must be set (the production gateway starts no servers; ` +
        '`npm start` runs the embedded default with a dev peer and its own PostgreSQL)',
    );
  }
  return {
    databaseUrl: config.databaseUrl,
    ledgerSettings: config.ledger.settings,
    personCodeSecret: config.personCodeSecret,
    keyEncryptionKeys: await keyEncryptionKeysOf(config),
    embedded: { postgres: false, devnet: false },
    stopDevnet: async () => undefined,
    stopPostgres: async () => undefined,
  };
}

/**
 * The key-encryption keys: from `IDENTITY_KEY_ENCRYPTION_KEY`(`_FILE`), or a key made once into `<data>/identity-kek`
 * (mode 0600) when neither is set.
 */
export async function keyEncryptionKeysOf(config: Config): Promise<readonly Buffer[]> {
  if (config.identity.keyEncryptionKeys !== undefined) return config.identity.keyEncryptionKeys;
  await mkdir(config.dataDir, { recursive: true });
  return parseKekList(await readOrCreateKekFile(join(config.dataDir, 'identity-kek'))).keks;
}
