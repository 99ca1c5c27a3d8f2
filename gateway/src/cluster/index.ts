/**
 * Several gateway processes, one service: what a process needs to work beside the others on one PostgreSQL, Redis
 * and Fabric network. server.ts calls {@link startCluster} once and {@link Cluster.stop} at shutdown.
 *  - Leader election (leader.ts): exactly one process runs the projection follower and the periodic sweeps.
 *  - The bus (bus.ts, Redis pub/sub): live stocktake counts (live-relay.ts), read-cache invalidations
 *    (cache-relay.ts) and the new-events signal of EPCIS subscriptions (events-relay.ts) reach every process.
 *  - Shared state for the app (shared.ts): Redis for rate limits, failed authentications and stream-ticket nonces, and
 *    the stream-ticket secret.
 *  - Draining (drain.ts): `/readyz` 503 `draining` for `DRAIN_DELAY_MS` before the listener closes.
 * Without Redis (one process, the embedded default) the bus is in-process and the app keeps its counters in memory.
 */
import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { ProjectionReadCache } from '../cache/read-cache';
import { newLocalBus, newRedisBus, type Bus } from './bus';
import { relayCacheInvalidations } from './cache-relay';
import { relayNewEvents } from './events-relay';
import { drain } from './drain';
import { newLeaderElection, type LeaderElection, type LeaderLogger } from './leader';
import { RelayedStocktakeLive } from './live-relay';
import type { SharedState } from './shared';

/** What the cluster needs from the process. */
export interface ClusterOptions {
  databaseUrl: string;
  redisUrl: string | undefined;
  /** Key and channel prefix of the deployment in Redis (`QUEUE_PREFIX`). */
  prefix: string;
  /** `STREAM_TOKEN_SECRET`, else `PERSON_CODE_SECRET` (a ticket key is derived from it), else none (per process). */
  streamTokenSecret: string | undefined;
  personCodeSecret: string | undefined;
  readCache: ProjectionReadCache;
  drainDelayMs: number;
  log: LeaderLogger;
  /** Time between leader attempts; default leader.ts's. */
  leaderRetryMs?: number;
}

/** The leader's work: the projection follower (started when elected, stopped when deposed). */
export interface LeaderWork {
  start(): void;
  stop(): Promise<void>;
}

/** A process's place in the cluster. */
export interface Cluster {
  /** For `app`'s `shared` option. */
  readonly shared: SharedState;
  /**
   * For the projection follower's `onCommitted`: this process's cache now, the others' over the bus, and the
   * new-events signal of EPCIS subscriptions on every process.
   */
  readonly invalidate: (sgtins: readonly string[]) => void;
  /** Contend for leadership; `work` runs while this process leads. */
  lead(work: LeaderWork): void;
  /** Whether this process leads now (periodic sweeps run only then). */
  isLeader(): boolean;
  /** The `projection_leader` gauge. */
  registerMetrics(registry: Registry): void;
  /** SIGTERM: `/readyz` 503 `draining` for the drain delay while requests are still served. */
  drain(): Promise<void>;
  /** After the projection stopped: leave the election (another process takes over), close the bus and Redis. */
  stop(): Promise<void>;
}

/** Derive the stream-ticket key from a secret (a distinct key per use of one configured secret). */
function ticketKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('hainan stream tickets v1').digest();
}

/**
 * Join the cluster: open the bus and the shared Redis connection (when Redis is configured).
 *
 * @param options - Servers and settings.
 * @returns The cluster handle.
 */
export function startCluster(options: Readonly<ClusterOptions>): Cluster {
  const redis = options.redisUrl === undefined ? undefined : new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  redis?.on('error', (err) => options.log.warn({ err }, 'cluster: redis connection error'));
  const bus: Bus =
    options.redisUrl === undefined ? newLocalBus() : newRedisBus(options.redisUrl, options.prefix, options.log);
  const secret = options.streamTokenSecret ?? options.personCodeSecret;
  const shared: SharedState = {
    ...(redis === undefined ? {} : { redis: { client: redis, prefix: options.prefix } }),
    ...(secret === undefined ? {} : { streamTokenSecret: ticketKey(secret) }),
    stocktakeLive: new RelayedStocktakeLive(bus),
    epcisEvents: relayNewEvents(bus),
  };
  const invalidateCaches = relayCacheInvalidations(bus, options.readCache);
  const invalidate = (sgtins: readonly string[]) => {
    invalidateCaches(sgtins);
    shared.epcisEvents?.notify();
  };
  let election: LeaderElection | undefined;
  return {
    shared,
    invalidate,
    lead(work) {
      election = newLeaderElection({
        databaseUrl: options.databaseUrl,
        onElected: () => work.start(),
        onDeposed: () => work.stop(),
        log: options.log,
        ...(options.leaderRetryMs === undefined ? {} : { retryMs: options.leaderRetryMs }),
      });
      election.start();
    },
    isLeader: () => election?.isLeader() ?? false,
    registerMetrics(registry) {
      new Gauge({
        name: 'projection_leader',
        help: '1 while this gateway process is the projection leader (holds the advisory lock and runs the follower)',
        registers: [registry],
        collect() {
          this.set(election?.isLeader() === true ? 1 : 0);
        },
      });
    },
    drain: () => drain(options.drainDelayMs),
    async stop() {
      await election?.stop();
      await bus.close();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
