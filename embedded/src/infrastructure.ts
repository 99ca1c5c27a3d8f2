/**
 * The no-servers default: whatever the configuration leaves unset is started here, in this process, with its data
 * under `DATA_DIR` (default `./data`), then handed to the gateway as its infrastructure:
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
import { PROJECT_CHAINCODE, startDevnet, type ChaincodeSpec, type Devnet } from '@hainan/devnet';
import {
  keyEncryptionKeysOf,
  readConnectionProfile,
  type Config,
  type Infrastructure,
  type InfrastructureLog,
  type LedgerSettings,
} from '@hainan/gateway';
import { startEmbeddedPostgres } from './embedded-postgres';

/** gRPC port of the in-process dev peer: the one the README documents for `npm start`. */
export const EMBEDDED_DEVNET_PORT = 7051;

/** What the embedded default runs besides the configuration. */
export interface EmbeddedOptions {
  /** gRPC port of the dev peer (0: a free one). */
  readonly devnetPort: number;
  /** The chaincodes the dev peer deploys; the first is the one the gateway calls. */
  readonly chaincodes: readonly ChaincodeSpec[];
}

/** The embedded default's own settings: `DEVNET_PORT` (default {@link EMBEDDED_DEVNET_PORT}) and the project chaincode. */
export function embeddedOptions(env: NodeJS.ProcessEnv = process.env): EmbeddedOptions {
  const raw = env.DEVNET_PORT?.trim() ?? '';
  if (raw !== '' && (!/^\d{1,5}$/.test(raw) || Number(raw) > 65_535)) {
    throw new Error(`DEVNET_PORT: must be an integer in 0..65535, got ${JSON.stringify(raw)}`);
  }
  return { devnetPort: raw === '' ? EMBEDDED_DEVNET_PORT : Number(raw), chaincodes: [PROJECT_CHAINCODE] };
}

/**
 * Start what the configuration leaves to the embedded default. A failure stops what was started before it throws.
 *
 * @param config - The validated configuration.
 * @param log - Where the servers' start-up lines go.
 * @param options - Dev peer port and chaincodes.
 * @returns Connection settings and stop functions.
 */
export async function provideInfrastructure(
  config: Config,
  log: InfrastructureLog,
  options: EmbeddedOptions,
): Promise<Infrastructure> {
  await mkdir(config.dataDir, { recursive: true });
  const postgres =
    config.databaseUrl === undefined
      ? await startEmbeddedPostgres({ dir: join(config.dataDir, 'pg'), onLog: (line) => log.debug(line) })
      : undefined;
  let devnet: Devnet | undefined;
  try {
    devnet =
      config.ledger.kind === 'embedded'
        ? await startDevnet({
            dataDir: join(config.dataDir, 'devnet'),
            port: options.devnetPort,
            chaincodes: [...options.chaincodes],
            log: (line) => log.info(`devnet: ${line}`),
          })
        : undefined;
    let ledgerSettings: LedgerSettings;
    if (config.ledger.kind === 'settings') {
      ledgerSettings = config.ledger.settings;
    } else {
      const { settings, problems } = readConnectionProfile(devnet?.profilePath ?? '');
      if (!settings) {
        throw new Error(`dev peer wrote an unusable connection profile: ${problems.join('; ')}`);
      }
      ledgerSettings = settings;
    }
    const started = devnet;
    if (postgres) log.info(`embedded PostgreSQL running (${join(config.dataDir, 'pg')})`);
    if (devnet) log.info(`dev peer running on ${devnet.endpoint} (${devnet.profilePath})`);
    return {
      databaseUrl: postgres?.url ?? (config.databaseUrl as string),
      ledgerSettings,
      personCodeSecret:
        config.personCodeSecret ?? (await readOrCreateSecret(join(config.dataDir, 'person-code-secret'))),
      keyEncryptionKeys: await keyEncryptionKeysOf(config),
      embedded: { postgres: postgres !== undefined, devnet: devnet !== undefined },
      stopDevnet: once(async () => started?.close()),
      stopPostgres: async () => postgres?.stop(),
    };
  } catch (err: unknown) {
    await devnet?.close().catch(() => undefined); // the start's own error is the one worth reporting
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

/** The function run once; later calls wait for the same run. */
function once(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= run());
}
