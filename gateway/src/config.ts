/**
 * The gateway's configuration, read from the environment once at start and checked as a whole: every bad
 * variable is reported in one {@link ConfigError}, so that an operator fixes them all in one go (fail fast, after
 * fabric-samples trader-typescript `config.ts`).
 *
 * An unset `DATABASE_URL` means the embedded PostgreSQL, an unset `REDIS_URL` the PostgreSQL queue, and no Fabric
 * settings the in-process dev peer — under `npm start` (embedded/); the production gateway (server.ts) requires them.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MIN_BOOTSTRAP_KEY_LENGTH } from './domain/api-key';
import { readIdentityConfig, type IdentityConfig } from './identity/identity-config';
import { readConnectionProfile, type LedgerSettings } from './ledger/ledger-settings';

/** Shortest accepted `PERSON_CODE_SECRET`, in characters: the HMAC key of every person code. */
export const MIN_PERSON_CODE_SECRET_LENGTH = 32;

/** The explicit Fabric variables of deploy/README.md; setting any of them selects explicit mode. */
export const FABRIC_VARIABLES = [
  'FABRIC_PEER_ENDPOINT',
  'FABRIC_PEER_HOST_ALIAS',
  'FABRIC_TLS_CA_CERT',
  'FABRIC_CHANNEL',
  'FABRIC_CHAINCODE',
  'FABRIC_MSP_ID',
  'FABRIC_CERT_PATH',
  'FABRIC_KEY_PATH',
] as const;

/** Where the ledger comes from. */
export type LedgerSource =
  | { readonly kind: 'settings'; readonly settings: LedgerSettings }
  | { readonly kind: 'embedded' };

/** The validated configuration. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  /** Unset: start the embedded PostgreSQL in `<dataDir>/pg`. */
  readonly databaseUrl: string | undefined;
  /** Unset: queue jobs in PostgreSQL. */
  readonly redisUrl: string | undefined;
  /** Key prefix of the BullMQ queues in Redis (`QUEUE_PREFIX`, default `hainan`): several deployments, one Redis. */
  readonly queuePrefix: string;
  readonly ledger: LedgerSource;
  /** MSP that signs for customs keys. */
  readonly customsMspId: string;
  /** Unset: generate one at start in the embedded default, none otherwise. */
  readonly bootstrapCustomsKey: string | undefined;
  /** Unset: generated once and kept in `<dataDir>/person-code-secret` (embedded database only). */
  readonly personCodeSecret: string | undefined;
  /** Requests per window and per API key. */
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
  /** Folder of the embedded PostgreSQL and dev peer data. */
  readonly dataDir: string;
  /** Per-dependency timeout of `/readyz`. */
  readonly readinessTimeoutMs: number;
  /** How long shutdown may take before the process exits anyway. */
  readonly shutdownGraceMs: number;
  /**
   * On SIGTERM, how long the process answers `/readyz` 503 `draining` while still serving, before it closes its
   * listener (`DRAIN_DELAY_MS`, default 0; behind a load balancer: a few of its readiness probe periods).
   */
  readonly drainDelayMs: number;
  /**
   * HMAC key of stream tickets (`STREAM_TOKEN_SECRET`, 32+ characters), the same in every gateway process of a
   * deployment so that a ticket issued by one opens a stream on another; unset: derived from `PERSON_CODE_SECRET`
   * when that is set (also shared), else random per process.
   */
  readonly streamTokenSecret: string | undefined;
  /** Identities issued at onboarding: key-encryption keys, CAs from the environment, registry and renewal bounds. */
  readonly identity: IdentityConfig;
  /**
   * Hosts an EPCIS webhook subscription may deliver to even though they are private or loopback
   * (`EPCIS_WEBHOOK_ALLOWED_HOSTS`, comma-separated names or addresses; default none).
   */
  readonly epcisWebhookAllowedHosts: readonly string[];
}

/** Every problem found in the environment, one line per variable. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Read and check the configuration.
 *
 * @param env - The environment (defaults to `process.env`).
 * @param cwd - Folder relative paths are resolved against (defaults to `process.cwd()`).
 * @returns The configuration.
 * @throws ConfigError listing every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name}: must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      problems.push(`${name}: must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      return undefined;
    }
    if (!protocols.includes(parsed.protocol)) {
      problems.push(
        `${name}: must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got ${parsed.protocol}//`,
      );
      return undefined;
    }
    return raw;
  };

  const port = integer('PORT', 8080, 0, 65_535);
  const host = read('HOST') ?? '127.0.0.1';
  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);
  const queuePrefix = read('QUEUE_PREFIX') ?? 'hainan';
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(queuePrefix)) {
    problems.push(`QUEUE_PREFIX: 1 to 40 letters, digits, '_' or '-', got ${JSON.stringify(queuePrefix)}`);
  }
  const customsMspId = read('CUSTOMS_MSP_ID') ?? 'CustomsMSP';

  const bootstrapCustomsKey = read('BOOTSTRAP_CUSTOMS_KEY');
  if (bootstrapCustomsKey !== undefined && bootstrapCustomsKey.length < MIN_BOOTSTRAP_KEY_LENGTH) {
    problems.push(`BOOTSTRAP_CUSTOMS_KEY: must be at least ${MIN_BOOTSTRAP_KEY_LENGTH} characters`);
  }
  const personCodeSecret = read('PERSON_CODE_SECRET');
  if (personCodeSecret !== undefined && personCodeSecret.length < MIN_PERSON_CODE_SECRET_LENGTH) {
    problems.push(`PERSON_CODE_SECRET: must be at least ${MIN_PERSON_CODE_SECRET_LENGTH} characters`);
  }
  if (personCodeSecret === undefined && databaseUrl !== undefined) {
    // With an external database the data outlives this machine: a generated secret would be lost with it.
    problems.push('PERSON_CODE_SECRET: required when DATABASE_URL is set (the HMAC key of every person code)');
  }

  const streamTokenSecret = read('STREAM_TOKEN_SECRET');
  if (streamTokenSecret !== undefined && streamTokenSecret.length < MIN_PERSON_CODE_SECRET_LENGTH) {
    problems.push(`STREAM_TOKEN_SECRET: must be at least ${MIN_PERSON_CODE_SECRET_LENGTH} characters`);
  }

  const ledger = readLedgerSource(read, cwd, problems);
  const config: Config = {
    port,
    host,
    logLevel,
    databaseUrl,
    redisUrl,
    queuePrefix,
    ledger,
    customsMspId,
    bootstrapCustomsKey,
    personCodeSecret,
    rateLimitMax: integer('RATE_LIMIT_MAX', 600, 1, 1_000_000),
    rateLimitWindowMs: integer('RATE_LIMIT_WINDOW_MS', 60_000, 1_000, 86_400_000),
    dataDir: resolve(cwd, read('DATA_DIR') ?? 'data'),
    readinessTimeoutMs: integer('READINESS_TIMEOUT_MS', 2_000, 100, 60_000),
    shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 15_000, 1_000, 600_000),
    drainDelayMs: integer('DRAIN_DELAY_MS', 0, 0, 300_000),
    streamTokenSecret,
    identity: readIdentityConfig(read, integer, cwd, problems),
    epcisWebhookAllowedHosts: (read('EPCIS_WEBHOOK_ALLOWED_HOSTS') ?? '')
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host.length > 0),
  };
  if (config.drainDelayMs >= config.shutdownGraceMs) {
    problems.push(
      `DRAIN_DELAY_MS: must be shorter than SHUTDOWN_GRACE_MS (${config.shutdownGraceMs}), or the process is killed while draining`,
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return config;
}

function readLedgerSource(read: (name: string) => string | undefined, cwd: string, problems: string[]): LedgerSource {
  const profilePath = read('FABRIC_CONNECTION_PROFILE');
  const explicit = FABRIC_VARIABLES.filter((name) => read(name) !== undefined);
  if (profilePath !== undefined && explicit.length > 0) {
    problems.push(
      `FABRIC_CONNECTION_PROFILE: set either it or the FABRIC_* variables, not both (also set: ${explicit.join(', ')})`,
    );
    return { kind: 'embedded' };
  }
  if (profilePath !== undefined) {
    const { settings, problems: profileProblems } = readConnectionProfile(resolve(cwd, profilePath));
    for (const problem of profileProblems) {
      problems.push(`FABRIC_CONNECTION_PROFILE: ${problem}`);
    }
    return settings ? { kind: 'settings', settings } : { kind: 'embedded' };
  }
  if (explicit.length === 0) {
    return { kind: 'embedded' };
  }
  const required = [
    'FABRIC_PEER_ENDPOINT',
    'FABRIC_CHANNEL',
    'FABRIC_CHAINCODE',
    'FABRIC_MSP_ID',
    'FABRIC_CERT_PATH',
    'FABRIC_KEY_PATH',
  ];
  for (const name of required) {
    if (read(name) === undefined) {
      problems.push(`${name}: required when any FABRIC_* variable is set`);
    }
  }
  for (const name of ['FABRIC_TLS_CA_CERT', 'FABRIC_CERT_PATH', 'FABRIC_KEY_PATH']) {
    const path = read(name);
    if (path !== undefined && !existsSync(resolve(cwd, path))) {
      problems.push(`${name}: file ${resolve(cwd, path)} does not exist`);
    }
  }
  const endpoint = read('FABRIC_PEER_ENDPOINT');
  if (endpoint !== undefined && !/^[^\s:]+:\d{1,5}$/.test(endpoint)) {
    problems.push(`FABRIC_PEER_ENDPOINT: must be host:port, got ${JSON.stringify(endpoint)}`);
  }
  const mspId = read('FABRIC_MSP_ID');
  const certPath = read('FABRIC_CERT_PATH');
  const keyPath = read('FABRIC_KEY_PATH');
  const channel = read('FABRIC_CHANNEL');
  const chaincode = read('FABRIC_CHAINCODE');
  if (!endpoint || !mspId || !certPath || !keyPath || !channel || !chaincode) {
    return { kind: 'embedded' };
  }
  const hostAlias = read('FABRIC_PEER_HOST_ALIAS');
  const tlsCaCert = read('FABRIC_TLS_CA_CERT');
  return {
    kind: 'settings',
    settings: {
      endpoint,
      channel,
      chaincode,
      identities: [{ name: 'gateway', mspId, certPath: resolve(cwd, certPath), keyPath: resolve(cwd, keyPath) }],
      ...(hostAlias === undefined ? {} : { hostAlias }),
      ...(tlsCaCert === undefined ? {} : { tlsCaCertPath: resolve(cwd, tlsCaCert) }),
    },
  };
}
