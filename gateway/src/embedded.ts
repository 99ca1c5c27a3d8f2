/**
 * The no-servers default: whatever the configuration leaves unset is started here, in this process, with its data
 * under `DATA_DIR` (default `./data`):
 * - no `DATABASE_URL`: an embedded PostgreSQL in `<data>/pg` (and, with no `REDIS_URL`, the queue runs on it too);
 * - no Fabric settings: the dev peer (`@hainan/devnet`) with the project's chaincode in `<data>/devnet`, whose
 *   `connection.json` then supplies the ledger settings;
 * - no `PERSON_CODE_SECRET` with the embedded database: one generated once into `<data>/person-code-secret`;
 * - no `IDENTITY_KEY_ENCRYPTION_KEY`(`_FILE`): a key-encryption key made once into `<data>/identity-kek` (mode 0600).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CHAINCODE, startDevnet } from '@hainan/devnet';
import { startEmbeddedPostgres } from './adapters/pg';
import type { Config } from './config';
import { parseKekList, readOrCreateKekFile } from './identity/key-vault';
import { readConnectionProfile, type LedgerSettings } from './ledger/ledger-settings';

/** gRPC port of the in-process dev peer: the one the README documents for `npm start`. */
export const EMBEDDED_DEVNET_PORT = 7051;

/** Log sink of the embedded servers. */
export interface EmbeddedLogger {
    info(message: string): void;
    debug(message: string): void;
}

/** The servers the gateway talks to, started here or given by the configuration. */
export interface Infrastructure {
    readonly databaseUrl: string;
    readonly ledgerSettings: LedgerSettings;
    readonly personCodeSecret: string;
    /** Key-encryption keys of stored identity keys (the first encrypts). */
    readonly keyEncryptionKeys: readonly Buffer[];
    /** Which parts run in this process. */
    readonly embedded: { readonly postgres: boolean; readonly devnet: boolean };
    /** Stop the dev peer, if started here (after the ledger clients are closed). */
    stopDevnet(): Promise<void>;
    /** Stop the embedded PostgreSQL, if started here (last of all). */
    stopPostgres(): Promise<void>;
}

/**
 * Start what the configuration leaves to the embedded default.
 *
 * @param config - The validated configuration.
 * @param log - Where the servers' start-up lines go.
 * @returns Connection settings and stop functions.
 */
export async function provideInfrastructure(config: Config, log: EmbeddedLogger): Promise<Infrastructure> {
    await mkdir(config.dataDir, { recursive: true });
    const postgres =
        config.databaseUrl === undefined
            ? await startEmbeddedPostgres({ dir: join(config.dataDir, 'pg'), onLog: (line) => log.debug(line) })
            : undefined;
    try {
        const devnet =
            config.ledger.kind === 'embedded'
                ? await startDevnet({
                      dataDir: join(config.dataDir, 'devnet'),
                      port: EMBEDDED_DEVNET_PORT,
                      chaincodes: [DEFAULT_CHAINCODE],
                      log: (line) => log.info(`devnet: ${line}`),
                  })
                : undefined;
        let ledgerSettings: LedgerSettings;
        if (config.ledger.kind === 'settings') {
            ledgerSettings = config.ledger.settings;
        } else {
            const { settings, problems } = readConnectionProfile(devnet?.profilePath ?? '');
            if (!settings) {
                await devnet?.close();
                throw new Error(`dev peer wrote an unusable connection profile: ${problems.join('; ')}`);
            }
            ledgerSettings = settings;
        }
        if (postgres) log.info(`embedded PostgreSQL running (${join(config.dataDir, 'pg')})`);
        if (devnet) log.info(`dev peer running on ${devnet.endpoint} (${devnet.profilePath})`);
        return {
            databaseUrl: postgres?.url ?? (config.databaseUrl as string),
            ledgerSettings,
            personCodeSecret: config.personCodeSecret ?? (await readOrCreateSecret(join(config.dataDir, 'person-code-secret'))),
            keyEncryptionKeys: config.identity.keyEncryptionKeys ?? parseKekList(await readOrCreateKekFile(join(config.dataDir, 'identity-kek'))).keks,
            embedded: { postgres: postgres !== undefined, devnet: devnet !== undefined },
            stopDevnet: async () => devnet?.close(),
            stopPostgres: async () => postgres?.stop(),
        };
    } catch (err: unknown) {
        await postgres?.stop();
        throw err;
    }
}

async function readOrCreateSecret(path: string): Promise<string> {
    if (existsSync(path)) {
        return (await readFile(path, 'utf8')).trim();
    }
    const secret = randomBytes(32).toString('base64url');
    await writeFile(path, `${secret}\n`, { mode: 0o600 });
    return secret;
}
