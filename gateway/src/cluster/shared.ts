/**
 * What the app shares with the other gateway processes of its deployment, as the process (server.ts, cluster/index.ts)
 * wires it: Redis for the rate limits, failed-authentication counts and stream-ticket nonces, the stream-ticket
 * secret, and the live stocktake view relayed over the bus. Everything is optional: without it the app keeps each of
 * them in its own memory, as a single process.
 */
import type { Redis } from 'ioredis';
import type { NewEventsSignal } from '../services/epcis/new-events';
import type { StocktakeLive } from '../stocktake/live';

/** Shared state of the processes of one deployment. */
export interface SharedState {
  /** Redis of the deployment, and the key prefix of this deployment in it. */
  readonly redis?: { readonly client: Redis; readonly prefix: string };
  /** HMAC key of stream tickets, the same in every process (`STREAM_TOKEN_SECRET`). */
  readonly streamTokenSecret?: Buffer;
  /** The live stocktake view (relayed to the other processes). */
  readonly stocktakeLive?: StocktakeLive;
  /** "New events were projected", from the projection leader to every process (EPCIS subscriptions listen). */
  readonly epcisEvents?: NewEventsSignal;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What this process shares with the others of its deployment (cluster/shared.ts). */
    shared: SharedState;
  }
}
