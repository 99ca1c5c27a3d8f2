/**
 * The gateway process: configuration (fail fast, every bad variable listed), pino logs, the infrastructure (from
 * the configuration here; the embedded default of `@hainan/embedded` starts its own and calls
 * {@link runGatewayProcess} with it), migrations, the bootstrap customs key, the app, and a graceful shutdown
 * (close-with-grace) that stops HTTP, drains the queue, then closes Fabric, Redis and PostgreSQL in that order.
 * A start that fails stops what it started and prints one line.
 *
 * Run: `node gateway/dist/server.js` (the production gateway, deploy/gateway.Dockerfile); `npm start` runs the
 * embedded default (embedded/src/start.ts).
 */
import closeWithGrace from 'close-with-grace';
import fastify from 'fastify';
import pino, { type Logger } from 'pino';
import { newWebhookClient } from './adapters/http/webhook-client';
import {
  createPool,
  migrate,
  newApiKeysRepository,
  newCapturesRepository,
  newEpcisRepository,
  newEpcisSubscriptionsRepository,
  newSigningSessionsRepository,
} from './adapters/pg';
import type { ExternalSigning } from './ledger/signing-sessions';
import { newBullmqQueue } from './adapters/queue/bullmq';
import { newPgQueue } from './adapters/queue/pg-queue';
import app, { FASTIFY_OPTIONS } from './app';
import { ProjectionReadCache } from './cache/read-cache';
import { startCluster } from './cluster';
import { ConfigError, loadConfig, type Config } from './config';
import { apiKeyDigest, generateApiKey } from './domain/api-key';
import { CAPTURE_QUEUE, newCaptureJobHandler, resumeUnfinishedCaptures, type CaptureJob } from './capture/processor';
import { prepareEpcisSchema } from './capture/epcis-schema';
import { configuredInfrastructure, type Infrastructure, type ProvideInfrastructure } from './infrastructure';
import { newIdentityServices } from './identity/identity-services';
import { retryPendingRevocations } from './identity/suspension-revocations';
import { newLedgerClients } from './ledger/ledger-clients';
import { newRegisterEnterpriseOnLedger } from './ledger/register-enterprise';
import type { JobQueue, ReadinessCheck } from './ports';
import { newProjectionFollower } from './projection/follower';
import { openProjectionLedgerClient } from './projection/ledger-source';
import { registerProjectionMetrics } from './projection/metrics';
import { newWebhookDispatcher } from './services/epcis/webhook-dispatcher';

/** Capture jobs handled at once by this process (each submits up to 4 chunks of a wave side by side). */
const CAPTURE_JOBS_IN_PARALLEL = 4;

/** How often the stale-capture sweep runs, and how long a capture may go without progress before it looks. */
const STALE_SWEEP_INTERVAL_MS = 60_000;
const STALE_CAPTURE_MS = 120_000;
/** The oldest unfinished captures looked at per stale sweep (a stuck capture is among the oldest). */
const STALE_SWEEP_MAX_CAPTURES = 1_000;

/** How often pending certificate revocations of suspensions are retried, and how old one must be (the request may still be at it). */
const REVOCATION_SWEEP_INTERVAL_MS = 60_000;
const REVOCATION_SWEEP_MIN_AGE_MS = 30_000;
/** Most pending revocations retried per round (each one CA request). */
const REVOCATION_SWEEP_MAX = 50;

/** A gateway that is serving. */
export interface RunningGateway {
  readonly address: string;
  /** The graceful shutdown: HTTP, queue, projection, Fabric, dev peer, Redis, PostgreSQL; once. */
  stop(): Promise<void>;
}

/**
 * The start sequence on given infrastructure: migrations, the bootstrap key, the app, the capture workers, the
 * projection follower, listen. A failure stops what this sequence started (not the infrastructure: its provider
 * owns that) and rethrows.
 *
 * @param config - The validated configuration.
 * @param logger - The process logger.
 * @param infra - Database, ledger settings and secrets.
 * @returns The serving gateway and its stop function.
 */
export async function runGateway(config: Config, logger: Logger, infra: Infrastructure): Promise<RunningGateway> {
  const started: StartedSoFar = { stop: async () => undefined };
  try {
    return await startGateway(config, logger, infra, started);
  } catch (err: unknown) {
    await started.stop().catch(() => undefined); // the start's own error is the one worth reporting
    throw err;
  }
}

/** What a failed start closes: the pool until everything exists, then the whole shutdown. */
interface StartedSoFar {
  stop: () => Promise<void>;
}

async function startGateway(
  config: Config,
  logger: Logger,
  infra: Infrastructure,
  started: StartedSoFar,
): Promise<RunningGateway> {
  const migration = await migrate(infra.databaseUrl);
  logger.info({ ...migration }, 'database schema up to date');

  let poolEnding = false;
  const endPool = (): Promise<void> => {
    poolEnding = true;
    return pool.end();
  };
  const pool = createPool({
    connectionString: infra.databaseUrl,
    // pg-pool's end() resolves before its clients' sockets have closed: PostgreSQL stopped right after (the embedded
    // default) then ends them, which is the shutdown working, not a lost connection.
    onIdleError: (err) => {
      if (!poolEnding) logger.warn({ err }, 'idle database connection lost');
    },
  });
  started.stop = endPool;

  // The bootstrap customs key: from the environment, or generated for this run in the embedded default.
  const bootstrapKey = config.bootstrapCustomsKey ?? (infra.embedded.postgres ? generateApiKey() : undefined);
  if (bootstrapKey !== undefined) {
    await newApiKeysRepository(pool).upsertBootstrap(apiKeyDigest(bootstrapKey));
  }

  // Enterprises' own identities (issued at onboarding, keys sealed in PostgreSQL, connected lazily in a bounded LRU).
  const identities = newIdentityServices({
    db: pool,
    profileCas: infra.ledgerSettings.certificateAuthorities ?? [],
    config: config.identity,
    keyEncryptionKeys: infra.keyEncryptionKeys,
  });
  const ledgers = newLedgerClients({
    settings: infra.ledgerSettings,
    customsMspId: config.customsMspId,
    ...(identities.stored === undefined ? {} : { stored: identities.stored }),
    maxActiveIdentities: config.identity.maxActive,
  });
  // Bring your own key: the offline-signing flow, the enterprises' own certificates, the sessions, and the capture
  // chunks a session commits.
  const externalSigning: ExternalSigning | undefined =
    identities.external === undefined
      ? undefined
      : {
          offline: ledgers.offlineSigning(),
          identities: identities.external,
          sessions: newSigningSessionsRepository(pool),
          captures: newCapturesRepository(pool),
        };
  const identityLog = logger.child({ component: 'identity' });
  const renewal = identities.renewal(ledgers, (level, fields, message) => identityLog[level](fields, message));
  // Suspension revokes the enterprise's certificate at its CA (routes/enterprises/suspension.ts).
  const revokeEnterpriseIdentity = identities.revoker(ledgers);
  // Reinstatement gives an enterprise whose certificate was revoked a new one (routes/enterprises/identity.ts too).
  const reissueEnterpriseIdentity = identities.reissuer(ledgers);
  const onQueueError = (err: unknown, context: string): void => logger.warn({ err, context }, 'queue error');
  const bullmq = config.redisUrl
    ? newBullmqQueue({
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        // A job whose worker died is taken up again after ~15 s instead of BullMQ's ~60 s; running jobs renew
        // their lock every 5 s, so a long chunk submission is never mistaken for a dead one.
        lockDurationMs: 10_000,
        stalledIntervalMs: 5_000,
        onError: onQueueError,
      })
    : undefined;
  const jobQueue: JobQueue = bullmq ?? newPgQueue({ pool, onError: onQueueError });

  const readinessChecks: ReadinessCheck[] = [
    { name: 'ledger', check: () => ledgers.ping() },
    { name: 'database', check: async () => void (await pool.query('SELECT 1')) },
    { name: 'queue', check: () => jobQueue.ping() },
  ];

  // Provenance read cache: the projection follower below (the only writer of the projection in this process)
  // invalidates it after each batch it commits.
  const readCache = new ProjectionReadCache();
  // Several gateways, one service (cluster/index.ts): leader election, the bus, shared Redis state, draining.
  const cluster = startCluster({
    databaseUrl: infra.databaseUrl,
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    streamTokenSecret: config.streamTokenSecret,
    personCodeSecret: infra.personCodeSecret,
    readCache,
    drainDelayMs: config.drainDelayMs,
    log: logger.child({ component: 'cluster' }),
  });
  started.stop = async () => {
    await cluster.stop(); // its Redis connections and the leader election's own PostgreSQL connection
    await endPool();
  };

  const server = fastify({ ...FASTIFY_OPTIONS, loggerInstance: logger });
  await server.register(app, {
    db: pool,
    jobQueue,
    ledgers,
    ports: {
      registerEnterpriseOnLedger: newRegisterEnterpriseOnLedger(ledgers),
      ...(identities.onboarding === undefined ? {} : { identityOnboarding: identities.onboarding }),
      ...(revokeEnterpriseIdentity === undefined ? {} : { revokeEnterpriseIdentity }),
      ...(reissueEnterpriseIdentity === undefined ? {} : { reissueEnterpriseIdentity }),
      // Enterprises that keep their own key sign their steps and captures through signing sessions.
      ...(externalSigning === undefined ? {} : { externalSigning }),
    },
    personCodeSecret: infra.personCodeSecret,
    readinessChecks,
    readinessTimeoutMs: config.readinessTimeoutMs,
    customsMspId: config.customsMspId,
    rateLimitMax: config.rateLimitMax,
    rateLimitWindowMs: config.rateLimitWindowMs,
    readCache,
    shared: cluster.shared,
    epcisWebhookAllowedHosts: config.epcisWebhookAllowedHosts,
  });

  // The projection follower: its own customs-signed event stream, so its reconnects never touch request clients.
  const projectionLedger = openProjectionLedgerClient(infra.ledgerSettings, config.customsMspId);
  const projection = newProjectionFollower({
    pool,
    openEvents: (fromBlock, checkpoint) => projectionLedger.chaincodeEvents(fromBlock, checkpoint),
    log: logger.child({ component: 'projection' }),
    onCommitted: cluster.invalidate, // this process's read cache, and the other processes' over the bus
  });
  registerProjectionMetrics(server.metrics, projection);
  // EPCIS webhook subscriptions: every process delivers, one lease per subscription at a time; woken by the
  // new-events signal the projection leader relays, else every few seconds.
  const webhooks = newWebhookDispatcher({
    events: newEpcisRepository(pool),
    subscriptions: newEpcisSubscriptionsRepository(pool),
    post: newWebhookClient({ allowedHosts: config.epcisWebhookAllowedHosts }),
    ...(cluster.shared.epcisEvents === undefined ? {} : { signal: cluster.shared.epcisEvents }),
    log: logger.child({ component: 'epcis-webhooks' }),
  });
  cluster.registerMetrics(server.metrics);

  let staleSweep: NodeJS.Timeout | undefined;
  let revocationSweep: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await cluster.drain(); // /readyz 503 `draining` while still serving, for DRAIN_DELAY_MS
      clearInterval(staleSweep);
      clearInterval(revocationSweep);
      await server.close(); // no new requests; in-flight ones finish
      await webhooks.stop(); // the delivery in progress ends (bounded by the client's deadline); leases lapse
      await jobQueue.close(); // running jobs finish (bounded), no new ones start
      await projection.stop(); // the batch in progress commits or rolls back with its checkpoint
      projectionLedger.close();
      await cluster.stop(); // leaves the leader election (another process takes over), closes the bus
      await renewal?.stop(); // a renewal in progress finishes (it holds a CA request, then one row update)
      ledgers.close(); // Fabric: event streams, gateways, then the gRPC connection
      await infra.stopDevnet();
      await bullmq?.disconnect(); // Redis
      await endPool(); // PostgreSQL
    })());
  started.stop = stop;

  // Capture jobs: submitted to the chain as the capture's sender; they wait out ledger outages (capture/processor.ts).
  const captureLog = logger.child({ component: 'capture' });
  jobQueue.process<CaptureJob>(
    CAPTURE_QUEUE,
    newCaptureJobHandler({
      captures: server.repositories.captures,
      ledgers,
      log: (level, fields, message) => captureLog[level](fields, message),
      ...(externalSigning === undefined ? {} : { externalSigning }),
    }),
    { concurrency: CAPTURE_JOBS_IN_PARALLEL },
  );
  // A restart resumes every unfinished capture: one whose enqueue a crash lost is enqueued (idempotent by capture
  // id), a parked one is revived (the restart may be the fix: an identity added to the connection profile).
  const resumed = await resumeUnfinishedCaptures(server.repositories.captures, jobQueue, { mode: 'restart' });
  if (resumed.enqueued + resumed.revived > 0) logger.info({ ...resumed }, 'unfinished captures resumed');
  // While running: a capture that stopped moving because the queue lost or parked its job by itself (a worker
  // that stalled during a Redis outage) is picked up again; the capture job's own parks are left to an operator.
  let sweeping = false;
  staleSweep = setInterval(() => {
    if (sweeping || !cluster.isLeader()) return; // one process sweeps: the projection leader
    sweeping = true;
    resumeUnfinishedCaptures(server.repositories.captures, jobQueue, {
      mode: 'stale',
      staleMs: STALE_CAPTURE_MS,
      maxCaptures: STALE_SWEEP_MAX_CAPTURES,
    })
      .then((outcome) => {
        if (outcome.enqueued + outcome.revived > 0) logger.warn({ ...outcome }, 'stalled captures resumed');
      })
      .catch((err: unknown) => logger.warn({ err }, 'stale capture sweep failed'))
      .finally(() => {
        sweeping = false;
      });
  }, STALE_SWEEP_INTERVAL_MS);
  staleSweep.unref();

  // A suspension whose certificate revocation found the CA down stays `pending` until a retry reaches it.
  if (revokeEnterpriseIdentity !== undefined) {
    let revoking = false;
    revocationSweep = setInterval(() => {
      if (revoking || !cluster.isLeader()) return; // one process sweeps: the projection leader
      revoking = true;
      retryPendingRevocations(server.repositories.suspensions, revokeEnterpriseIdentity, {
        maxPerRound: REVOCATION_SWEEP_MAX,
        olderThanMs: REVOCATION_SWEEP_MIN_AGE_MS,
      })
        .then((round) => {
          if (round.tried > 0)
            identityLog[round.pending > 0 ? 'warn' : 'info']({ ...round }, 'pending certificate revocations retried');
        })
        .catch((err: unknown) => identityLog.warn({ err }, 'certificate revocation sweep failed'))
        .finally(() => {
          revoking = false;
        });
    }, REVOCATION_SWEEP_INTERVAL_MS);
    revocationSweep.unref();
  }

  renewal?.start(); // reenrolls identities before they expire (identity/renewal.ts)

  prepareEpcisSchema(); // before the first capture, not during it
  const address = await server.listen({ port: config.port, host: config.host });
  cluster.lead(projection); // the follower runs while this process is the projection leader
  webhooks.start();
  logger.info(
    {
      address,
      database: infra.embedded.postgres ? 'embedded' : 'external',
      queue: bullmq ? 'bullmq' : 'postgres',
      ledger: infra.embedded.devnet ? 'devnet' : 'external',
    },
    'gateway ready',
  );
  if (bootstrapKey !== undefined && config.bootstrapCustomsKey === undefined) {
    // Printed, not logged: it is a credential for the person at the terminal, valid until the next start.
    process.stdout.write(
      `\nGATEWAY READY ${address}\nBootstrap customs API key (this run only): ${bootstrapKey}\n` +
        `  curl -H 'Authorization: Bearer ${bootstrapKey}' ${address}/v1/me\n  API docs: ${address}/docs\n\n`,
    );
  }
  return { address, stop };
}

/**
 * The gateway as a process: configuration, logger, infrastructure, {@link runGateway}, and the signals. A failed
 * start stops what it started (the infrastructure included: no orphan PostgreSQL) and prints one line without a
 * stack trace; a bad configuration prints its problems and exits 2. SIGINT/SIGTERM during the start stop it the
 * same way; once serving, close-with-grace runs the graceful shutdown.
 *
 * @param provide - Where the infrastructure comes from: the configuration (default) or the embedded default.
 * @param name - Prefix of the failure line.
 */
export async function runGatewayProcess(
  provide: ProvideInfrastructure = configuredInfrastructure,
  name = 'gateway',
): Promise<void> {
  const fail = (message: string, code: number): never => {
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(code);
  };
  let config: Config;
  try {
    config = loadConfig();
  } catch (err: unknown) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'hainan-gateway' } });

  // Until close-with-grace takes over, a signal only marks the start as interrupted: the step in progress ends
  // (a half-started PostgreSQL would be left behind otherwise), then what was started is stopped.
  let interrupted: NodeJS.Signals | undefined;
  const onEarlySignal = (signal: NodeJS.Signals): void => {
    interrupted ??= signal;
    logger.info({ signal }, 'interrupted while starting; stopping what was started');
  };
  process.on('SIGINT', onEarlySignal);
  process.on('SIGTERM', onEarlySignal);
  let infra: Infrastructure | undefined;
  let gateway: RunningGateway | undefined;
  const stopInfrastructure = async (): Promise<void> => {
    await infra?.stopDevnet();
    await infra?.stopPostgres();
  };
  try {
    infra = await provide(config, {
      info: (message) => logger.info(message),
      debug: (message) => logger.debug(message),
    });
    if (interrupted === undefined) gateway = await runGateway(config, logger, infra);
  } catch (err: unknown) {
    await stopInfrastructure().catch(() => undefined);
    fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`, 1);
  } finally {
    process.removeListener('SIGINT', onEarlySignal);
    process.removeListener('SIGTERM', onEarlySignal);
  }
  if (interrupted !== undefined || gateway === undefined) {
    await gateway?.stop();
    await stopInfrastructure();
    logger.info({ signal: interrupted }, 'stopped');
    process.exit(0);
  }
  const running = gateway;
  closeWithGrace({ delay: config.shutdownGraceMs, logger }, async ({ signal, err }) => {
    if (err) {
      logger.error({ err }, 'shutting down after an error');
    } else {
      logger.info({ signal }, 'shutting down');
    }
    await running.stop();
    await stopInfrastructure();
    logger.info('stopped');
  });
}

if (require.main === module) {
  void runGatewayProcess();
}
