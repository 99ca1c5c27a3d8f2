/**
 * The gateway as a Fastify plugin (fastify/demo style): external plugins, then app plugins, then routes. It owns
 * nothing: the process (server.ts) or a test builds the pool, queue and ledger clients and passes them in, and
 * closes them after the app. It never branches on NODE_ENV; behaviour differences come in through the options.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DbPool } from './adapters/pg';
import type { ProjectionReadCache } from './cache/read-cache';
import type { SharedState } from './cluster/shared';
import type { JobQueue, LedgerClients, ReadinessCheck } from './ports';
import webConsole from './plugins/console';
import dependencies, { type Ports } from './plugins/dependencies';
import health from './plugins/health';
import indexPage from './plugins/index-page';
import metrics from './plugins/metrics';
import jsonBody from './plugins/json-body';
import problemDetails, { clientErrorHandler, frameworkErrorHandler } from './plugins/problem-details';
import openApi from './plugins/swagger';
import v1 from './routes';
import type { StocktakeBook } from './stocktake/book';
import { newValidatorCompiler } from './validation';

/** What the app needs from its host. */
export interface AppOptions {
  db: DbPool;
  jobQueue: JobQueue;
  ledgers: LedgerClients;
  ports: Ports;
  /** HMAC key of person codes (`PERSON_CODE_SECRET`). */
  personCodeSecret: string;
  /** Dependencies `/readyz` checks. */
  readinessChecks: readonly ReadinessCheck[];
  /** Time each readiness check may take, in milliseconds. */
  readinessTimeoutMs: number;
  /** MSP that signs for customs keys. */
  customsMspId: string;
  /** Requests per window and per API key. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Failed authentications allowed per client address and window; default 30 a minute. */
  authFailuresMax?: number;
  authFailuresWindowMs?: number;
  /** The book stocktakes reconcile against; defaults to the projection's `items` table in `db`. */
  stocktakeBook?: StocktakeBook;
  /** How long an active API key is reused without a database lookup, in milliseconds; default 5 s, 0 for none. */
  apiKeyCacheTtlMs?: number;
  /**
   * Cache of provenance reads. Pass one only together with its invalidation: the projection follower writing
   * into `db` in this process must call `readCache.invalidate(sgtins)` after each commit (`onCommitted`).
   */
  readCache?: ProjectionReadCache;
  /** What this process shares with the other gateway processes of the deployment (cluster/shared.ts); default none. */
  shared?: SharedState;
  /** Hosts an EPCIS webhook `dest` may name even when private (`EPCIS_WEBHOOK_ALLOWED_HOSTS`); default none. */
  epcisWebhookAllowedHosts?: readonly string[];
}

/** Largest accepted request body, in bytes (a stocktake upload of a few thousand reads fits). */
export const BODY_LIMIT_BYTES = 1_048_576;

/**
 * Options for the `fastify()` factory that the app relies on; pass them (plus a logger) when creating the instance.
 */
export const FASTIFY_OPTIONS = Object.freeze({
  bodyLimit: BODY_LIMIT_BYTES,
  // Request ids: honour a caller's X-Request-Id (bounded by the header size limit) for tracing across services.
  requestIdHeader: 'x-request-id',
  // Client timeouts: a slow client cannot hold a connection forever.
  connectionTimeout: 60_000,
  requestTimeout: 120_000,
  // fastify's and Node's own refusals as problem+json with a stable code, like every other error.
  frameworkErrors: frameworkErrorHandler,
  clientErrorHandler,
});

async function gatewayApp(fastify: FastifyInstance, options: AppOptions): Promise<void> {
  fastify.setValidatorCompiler(newValidatorCompiler());
  fastify.decorate('shared', options.shared ?? {});

  // External plugins.
  await fastify.register(openApi);

  // App plugins.
  await fastify.register(problemDetails);
  await fastify.register(jsonBody); // body and parameter limits, before any other work on them
  await fastify.register(dependencies, {
    db: options.db,
    jobQueue: options.jobQueue,
    ledgers: options.ledgers,
    ports: options.ports,
    personCodeSecret: options.personCodeSecret,
    ...(options.apiKeyCacheTtlMs === undefined ? {} : { apiKeyCacheTtlMs: options.apiKeyCacheTtlMs }),
    ...(options.readCache === undefined ? {} : { readCache: options.readCache }),
  });
  await fastify.register(metrics, { jobQueue: options.jobQueue });
  await fastify.register(health, { checks: options.readinessChecks, timeoutMs: options.readinessTimeoutMs });
  await fastify.register(webConsole); // the web console at /console/ (public files; it signs in with an API key)
  await fastify.register(indexPage); // GET /: links to the console and the API documentation

  // Routes.
  await fastify.register(v1, {
    prefix: '/v1',
    customsMspId: options.customsMspId,
    rateLimitMax: options.rateLimitMax,
    rateLimitWindowMs: options.rateLimitWindowMs,
    ...(options.stocktakeBook ? { stocktakeBook: options.stocktakeBook } : {}),
    ...(options.authFailuresMax === undefined ? {} : { authFailuresMax: options.authFailuresMax }),
    ...(options.authFailuresWindowMs === undefined ? {} : { authFailuresWindowMs: options.authFailuresWindowMs }),
    ...(options.epcisWebhookAllowedHosts === undefined
      ? {}
      : { epcisWebhookAllowedHosts: options.epcisWebhookAllowedHosts }),
  });
}

/** The app plugin: `fastify(FASTIFY_OPTIONS).register(app, options)`. */
export default fp(gatewayApp, { name: 'hainan-gateway', fastify: '5.x' });
