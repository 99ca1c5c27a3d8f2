/**
 * Prometheus metrics at `/metrics` (prom-client, one registry per app): process defaults, an HTTP request duration
 * histogram by route, method and status, and queue depth gauges read from the job queue at scrape time.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobQueue } from '../ports';

/** Buckets of the request duration histogram, in seconds: 5 ms to 10 s (ledger submits take ~0.2-2 s). */
const HTTP_DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Longest a scrape waits for the queue depth, in milliseconds; a slow queue must not stall Prometheus. */
const QUEUE_DEPTH_TIMEOUT_MS = 1_000;

/** Route label of requests that matched no route (keeps label cardinality bounded). */
const UNMATCHED_ROUTE = 'unmatched';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's metrics registry, for plugins that add their own metrics. */
    metrics: Registry;
  }
}

/** Options of the metrics plugin. */
export interface MetricsOptions {
  jobQueue: JobQueue;
}

async function metrics(fastify: FastifyInstance, options: MetricsOptions): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration, from request received to response sent',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_DURATION_BUCKETS_S,
    registers: [registry],
  });
  const queue = options.jobQueue;
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in the queue by state (parked = failed for good)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const name of queue.queueNames()) {
        const depth = await withTimeout(queue.depth(name), QUEUE_DEPTH_TIMEOUT_MS).catch(() => undefined);
        if (!depth) continue;
        for (const [state, count] of Object.entries(depth)) {
          this.set({ queue: name, state }, count);
        }
      }
    },
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, fastify.db.totalCount);
      this.set({ state: 'idle' }, fastify.db.idleCount);
      this.set({ state: 'waiting' }, fastify.db.waitingCount);
    },
  });
  fastify.decorate('metrics', registry);

  fastify.addHook('onResponse', async (request, reply) => {
    httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  fastify.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The metrics plugin: hooks on every route of the app, and `GET /metrics`. */
export default fp(metrics, { name: 'metrics', fastify: '5.x', dependencies: ['dependencies'] });
